#pragma once

// The one parse of an https:// URL. `validate` checks every configured URL with it (through
// config/checks.hpp) and every request is sent with it (through net/url.hpp), so what the
// first accepts the second can send to.

#include "common/error.hpp"

#include <string>
#include <string_view>

namespace rootwatch {

struct https_url {
  std::string host;    // without IPv6 brackets: what to resolve and verify against
  std::string port;    // "443" when absent
  std::string target;  // path and query exactly as written (nextLink is never re-encoded)
  bool host_is_ip = false;
  bool has_query = false;
  bool has_fragment = false;
};

// Boost.URL's URI grammar, then what rootwatch needs on top: the https scheme (TLS is not
// optional), no user info, a host that is an IP literal or a DNS name, a port from 1 to 65535.
// The error message says what is wrong and never quotes the URL: URLs carry tokens.
result<https_url> parse_https_url(std::string_view text);

}  // namespace rootwatch
