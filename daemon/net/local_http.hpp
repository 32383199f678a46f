#pragma once

// Plain HTTP to the managed identity endpoints, and to nothing else. IMDS is served on the
// link-local address 169.254.169.254 and App Service / Container Apps / Arc on loopback, all
// without TLS (azure-apis.md §2): the request must never leave the host, so this client only
// talks to loopback and link-local addresses, never reads a proxy setting and keeps no pool.

#include "common/asio.hpp"
#include "common/error.hpp"
#include "common/local_http_url.hpp"
#include "net/http_types.hpp"

#include <string>
#include <string_view>

namespace rootwatch::net {

struct local_answer {
  result<response> answer;
  // Nothing listens there (refused, unreachable): on IMDS, the sign that this is no Azure VM.
  bool unreachable = false;
};

// One GET-style exchange with req.timeout as the deadline of the whole of it and
// req.body_limit on the body. Any HTTP status is a value.
awaitable<local_answer> send_local_http(asio::any_io_executor ex, request req);

}  // namespace rootwatch::net
