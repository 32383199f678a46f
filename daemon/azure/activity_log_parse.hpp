#pragma once

// Tenant Activity Log answers (azure-apis.md §5), parsed. Pure: no Asio, so that the fuzzer
// links it alone. A page that does not have the documented shape, or an event of interest
// without what identifies it (eventDataId, eventTimestamp), is an error: an event dropped
// silently could be the elevation nobody else saw. Everything else an event carries (who, from
// where, which assignment) is read tolerantly: absent or of the wrong type means unknown.

#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/model.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::azure {

inline constexpr std::string_view activity_log_api_version = "2015-04-01";

struct activity_log_page {
  // Only the events of interest (elevateAccess, role assignment write and delete), in the
  // order the page lists them. BeginRequest and EndRequest of one operation are two events
  // (two eventDataIds, one correlationId): both are kept, the status says which is which.
  std::vector<engine::audit_event> events;
  std::size_t skipped = 0;  // entries of the page that are about something else
  std::optional<std::string> next_link;
};

result<activity_log_page> parse_activity_log_page(std::string_view body);

// The documented $filter for the window [since, until] (§5): "eventTimestamp ge '<ISO>' and
// eventTimestamp le '<ISO>'" in whole seconds (since rounded down, until up), not yet
// percent-encoded.
std::string activity_log_filter(timestamp since, timestamp until);

// A non-2xx Activity Log answer as an error. The 400 for a window that starts more than 90
// days back (a flat {"code","message"} body, sometimes "Code"/"Message") says so in the
// operator's terms; everything else is arm_error's.
error activity_log_error(int status, std::string_view body, std::string_view what);

}  // namespace rootwatch::azure
