#pragma once

// HTTP messages as plain values, so that callers of the client and handlers of the server
// never include Beast (it is slow to compile and stays in net/*.cpp).

#include "common/time.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::net {

struct header {
  std::string name;
  std::string value;
};

// Case-insensitive lookup of the first header with that name.
std::optional<std::string_view> find_header(const std::vector<header>& headers, std::string_view name);

struct request {
  std::string method = "GET";
  std::string url;  // absolute https:// URL, sent as is (nextLink is never re-encoded)
  std::vector<header> headers;
  std::string body;
  // Names the call in logs and errors instead of the URL, whose path or query may hold a
  // secret (webhook tokens): "arm role assignments", "sink soc".
  std::string what;
  milliseconds timeout{30'000};  // deadline for the whole exchange: resolve to last body byte
  std::size_t body_limit = 16 * 1024 * 1024;
};

struct response {
  int status = 0;
  std::vector<header> headers;
  std::string body;

  std::optional<std::string_view> header_value(std::string_view name) const { return find_header(headers, name); }
};

// What a handler of the small server sees.
struct server_request {
  std::string method;
  std::string target;  // path and query, as sent
  std::vector<header> headers;
  std::string body;
  std::string remote_address;
  std::string peer_common_name;  // TLS: the subject CN of the client certificate, when one was presented
};

// What it answers. The last four fields exist for the fakes: a slow answer, a body cut
// off mid-way (the connection is closed after half of it), a stalled body and a reset are
// failures the client must survive.
struct server_response {
  int status = 200;
  std::vector<header> headers;
  std::string body;
  milliseconds delay{0};
  bool truncate_body = false;
  milliseconds stall{0};          // with truncate_body: hold the connection this long before closing it
  bool reset_connection = false;  // no answer at all: the connection is reset (RST)
};

}  // namespace rootwatch::net
