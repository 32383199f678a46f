#pragma once

#include "common/error.hpp"

#include <string>
#include <string_view>

namespace rootwatch::net {

struct url_parts {
  std::string host;    // without IPv6 brackets: what to resolve and verify against
  std::string port;    // "443" when absent
  std::string target;  // path and query exactly as written (nextLink is never re-encoded)
  bool host_is_ip = false;
};

// https:// only: TLS is not optional (invariant 6).
result<url_parts> parse_https_url(std::string_view url);

// What of a URL may be shown: scheme, host and port. Paths and queries of webhook URLs carry
// tokens (Slack, Teams, PagerDuty), so they are never printed.
std::string redact_url(std::string_view url);

}  // namespace rootwatch::net
