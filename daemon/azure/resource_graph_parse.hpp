#pragma once

// Azure Resource Graph on the wire (azure-apis.md §3), both ways, pure: the query and body we
// POST, the page that comes back, and the user-quota headers. Strict like arm_parse: a page
// that does not have the documented shape is an error naming the field, never the body, so a
// malformed answer fails the cycle instead of producing a partial snapshot (invariant 1), and
// nothing from outside can throw (invariant 10).

#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::azure {

// 2022-10-01 is the first stable version whose swagger has options.authorizationScopeFilter;
// without it, assignments at "/" and at management groups never come back (§3, §10.1).
inline constexpr std::string_view resource_graph_api_version = "2022-10-01";

// The KQL over authorizationresources: role assignments whose properties.scope is one of
// `scopes` (case-insensitively), projected with `id` so that paging gets a $skipToken.
std::string resource_graph_query(const std::vector<std::string>& scopes);

// The POST body: tenant scope (no subscriptions, no managementGroups), objectArray,
// AtScopeAboveAndBelow, `$top`, and the previous page's $skipToken, verbatim, when given.
std::string resource_graph_body(std::string_view query, int top, const std::optional<std::string>& skip_token);

struct resource_graph_page {
  std::vector<engine::assignment> items;  // role.name is left empty: resolved separately
  std::optional<std::string> skip_token;  // absent or empty: the last page
  bool truncated = false;                 // resultTruncated "true": Azure dropped rows
  std::optional<std::int64_t> total_records;
};

result<resource_graph_page> parse_resource_graph_page(std::string_view body);
// The same by nlohmann's DOM alone: the fallback, and the reference the fast path is checked
// against (tests, fuzz_resource_graph_fast).
result<resource_graph_page> parse_resource_graph_page_dom(std::string_view body);

// x-ms-user-quota-remaining: "14" -> 14; nullopt when absent or not a whole number.
std::optional<std::int64_t> parse_quota_remaining(std::string_view value);

// x-ms-user-quota-resets-after: "00:00:05" (hh:mm:ss, as .NET writes a TimeSpan, so also
// "d.hh:mm:ss" and a fraction "00:00:04.5000000"); nullopt for anything else.
std::optional<milliseconds> parse_quota_resets_after(std::string_view value);

}  // namespace rootwatch::azure
