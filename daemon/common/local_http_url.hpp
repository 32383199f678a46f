#pragma once

// The one parse of a plain http:// URL: only the managed identity endpoints are spoken to
// without TLS, and only on this machine. `validate` checks credential.identity_endpoint with
// it and net/local_http.cpp sends with it.

#include "common/error.hpp"

#include <string>
#include <string_view>

namespace rootwatch {

struct local_url {
  std::string host;    // an IP literal (without brackets) or "localhost"
  std::string port;    // "80" when absent
  std::string target;  // path and query as written
};

// http:// with a loopback (127.0.0.0/8, ::1, localhost) or link-local (169.254.0.0/16) host,
// no user info, no fragment. The message says what is wrong without quoting the URL.
result<local_url> parse_local_http_url(std::string_view text);

}  // namespace rootwatch
