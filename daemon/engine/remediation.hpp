#pragma once

// The "remediation" text of an alert: what the operator should do, as a command where there
// is one. Plain text, one paragraph, no secrets (assignment ids are not secret).

#include "engine/model.hpp"

#include <string>
#include <string_view>

namespace rootwatch::engine {

// Role definition id of User Access Administrator, the role "elevateAccess" grants at "/".
inline constexpr std::string_view user_access_administrator_role_id = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";

// True for User Access Administrator at the root scope: the shape elevateAccess leaves behind.
bool is_root_elevation(const assignment& a);

// For an assignment that is there now (created, lingering).
std::string remediation_for_present(const assignment& a);

// For an assignment that is already gone (removed).
std::string remediation_for_removed(const assignment& a);

// For watch.degraded: why the watcher may be blind and how to check its access at "/".
std::string remediation_for_degraded(const tenant_ref& tenant);

// For watch.recovered: what to review for the time the watcher could not see.
std::string remediation_for_recovered(const tenant_ref& tenant, timestamp blind_since);

// `value` as one POSIX shell word in double quotes, so a pasted command cannot run anything else.
std::string shell_quote(std::string_view value);

}  // namespace rootwatch::engine
