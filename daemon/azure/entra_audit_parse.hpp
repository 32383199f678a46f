#pragma once

// Microsoft Graph directory audits on the wire (azure-apis.md §6), both ways, pure: the URL
// and $filter we GET, the page that comes back, and Graph's error body. Strict like arm_parse:
// a page or record without the documented shape is an error naming the field, never quoting
// the body, so a malformed answer fails the cycle instead of giving a partial event list
// (invariant 1), and nothing from outside can throw (invariant 10). Text kept from a record is
// cut on code-point boundaries, so it is valid UTF-8 wherever it goes next.

#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/model.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::azure {

// loggedByService of the elevate-access records (§6); the $filter names it, and records of
// any other service are left out even when a server ignores the filter.
inline constexpr std::string_view elevated_access_service = "Azure RBAC (Elevated Access)";

// The Graph permission the directory audit log needs (§6); a 403 names it.
inline constexpr std::string_view audit_log_permission = "AuditLog.Read.All";

// The token scope for a Graph endpoint: "https://graph.microsoft.com" (with or without a
// trailing slash) -> "https://graph.microsoft.com/.default".
std::string graph_scope(std::string_view graph_base);

// loggedByService eq '<service>' and activityDateTime ge <since> and activityDateTime le
// <until>. activityDateTime supports eq, ge and le only (§6), so the window is closed here and
// the client drops what falls on `until`; the literals are whole seconds, widened outwards
// (since rounded down, until up), unquoted as DateTimeOffset literals are.
std::string entra_audit_filter(timestamp since, timestamp until);

// {graph}/v1.0/auditLogs/directoryAudits?$filter=<the filter, percent-encoded, spaces as %20>.
std::string entra_audit_url(std::string_view graph_base, timestamp since, timestamp until);

struct entra_audit_page {
  // The elevations ("elevate_access") and their removals ("role_assignment_delete" of User
  // Access Administrator at "/"), in page order.
  std::vector<engine::audit_event> events;
  // Records of the service that are neither: counted, so that the client can say so.
  std::size_t ignored = 0;
  std::optional<std::string> next_link;  // absent, null or empty: the last page
};

result<entra_audit_page> parse_entra_audit_page(std::string_view body);

// A non-2xx Graph answer as an error: {"error":{"code","message","innerError"}} (§6), kind and
// retryability by status (Graph retries 429, 503, 504; §9). Code and message are scrubbed and
// cut; the body is never quoted whole.
error graph_error(int status, std::string_view body, std::string_view what);

// graph_error, and for a 403 what to grant, so that the operator can act on the log line alone
// (issue 6 §2): `permission` names the Graph application permission the credential lacks, and
// `purpose` ends the sentence (", to see principal display names").
error graph_refusal(int status, std::string_view body, std::string_view what, std::string_view permission,
                    std::string_view purpose = {});

}  // namespace rootwatch::azure
