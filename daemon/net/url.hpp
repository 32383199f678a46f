#pragma once

#include "common/error.hpp"
#include "common/https_url.hpp"

#include <string>
#include <string_view>

namespace rootwatch::net {

using url_parts = https_url;

// common/https_url.hpp's parse, the same one `validate` uses, with the error naming the URL
// as redact_url() shows it.
result<url_parts> parse_https_url(std::string_view url);

// What of a URL may be shown: scheme, host and port. Paths and queries of webhook URLs carry
// tokens (Slack, Teams, PagerDuty), so they are never printed.
std::string redact_url(std::string_view url);

}  // namespace rootwatch::net
