#pragma once

// Deterministic names for assignments and alerts (invariant 3): a hash of what the alert is
// about, so a retry, a restart or a second replica produce the same id.

#include "engine/model.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace rootwatch::engine {

// A scope as identities compare it: lower case, no trailing "/" except on the root "/".
std::string canonical_scope(std::string_view scope);

// A role definition id as a bare lower-case GUID; a full ".../roleDefinitions/<guid>" ARM id is
// cut to its GUID so that sources which report either form agree.
std::string canonical_role_id(std::string_view role_id);

// Identity of one assignment occurrence: its lower-cased id, scope, role GUID, principal and
// creation time. Two snapshots agree on it even when casing or audit fields differ.
std::string identity_key(const assignment& a);

// The subject of one occurrence's alerts (ids and correlation key). The first occurrence is
// named by the identity key alone, so ids sent before occurrences existed keep their names;
// the n-th re-appearance after a removal is "<key>#<n>", so receivers that de-duplicate on ids
// do not drop its assignment.created as a repeat of the first.
std::string occurrence_key(std::string_view assignment_key, int occurrence);

// The subject of one outage's watch.degraded and watch.recovered: the last complete cycle
// before it ("never" before the first). A failed cycle never moves last_success, so every
// retry and restart during the outage names it alike.
std::string watch_subject_key(const std::optional<timestamp>& last_success);

// Same for created, lingering and removed of one assignment in one tenant.
std::string correlation_key(std::string_view tenant_id, std::string_view assignment_key);

// Hex SHA-256 (first 32 hex digits) of tenant, kind and subject key.
std::string alert_id(std::string_view tenant_id, std::string_view kind, std::string_view subject_key);

}  // namespace rootwatch::engine
