#pragma once

// Deterministic names for assignments and alerts (invariant 3): a hash of what the alert is
// about, so a retry, a restart or a second replica produce the same id.

#include "engine/model.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace rootwatch::engine {

// A scope as identities compare it: lower case, no trailing "/" except on the root "/".
std::string canonical_scope(std::string_view scope);

// A role definition id as a bare lower-case GUID; a full ".../roleDefinitions/<guid>" ARM id is
// cut to its GUID so that sources which report either form agree.
std::string canonical_role_id(std::string_view role_id);

// Identity of one assignment (invariant 8): "<id>|<scope>|<role GUID>|<principal>|", each in
// its canonical form. Never an audit field: createdOn, createdBy, display names, principal
// type and formatting differ between sources (Resource Graph and ARM) and between calls, and
// an identity that moved with them raised false assignment.removed and assignment.created.
// The trailing empty field is where createdOn was until schema 3 (see identity.cpp).
std::string identity_key(const assignment& a);

// createdOn values closer than this are one creation written two ways (ARM keeps 7 fractional
// digits, other sources fewer or none); further apart, the assignment was deleted and created
// again under the same id.
inline constexpr auto recreation_threshold = std::chrono::seconds{1};

// Whether `now`, with the identity of `before` and seen in the next complete snapshot, is a
// new assignment made under the same id: only when both createdOn values are known and at
// least recreation_threshold apart. An unknown (null or unparsable) createdOn on either side
// is the same assignment, since a source that omits it says nothing about a recreation.
bool recreated(const assignment& before, const assignment& now);

// The subject of one occurrence's alerts (ids and correlation key). The first occurrence is
// named by the identity key alone, so ids sent before occurrences existed keep their names;
// the n-th re-appearance after a removal is "<key>#<n>", so receivers that de-duplicate on ids
// do not drop its assignment.created as a repeat of the first.
std::string occurrence_key(std::string_view assignment_key, int occurrence);

// The subject of one outage's watch.degraded and watch.recovered: the last complete cycle
// before it ("never" before the first). A failed cycle never moves last_success, so every
// retry and restart during the outage names it alike.
std::string watch_subject_key(const std::optional<timestamp>& last_success);

// The subject of one outage of one source that is not the authoritative one (its own
// watch.degraded and watch.recovered): "watch|source=<name>|<its last complete listing>".
// Distinct from the tenant-level subject, which has no source field, so that a source's outage
// and the tenant's never share an id.
std::string watch_subject_key(std::string_view source, const std::optional<timestamp>& last_success);

// The subject of the alerts about `t`: its stored subject, or occurrence_key(key, occurrence)
// when none was stored.
std::string alert_subject(const tracked_assignment& t);

// The subject of the n-th reminder (assignment.lingering) about one occurrence:
// "<occurrence subject>|reminder=<n>". Every reminder has an id of its own, the same on every
// retry, restart and replica, and never one of another occurrence, since the subject is that
// occurrence's.
std::string reminder_subject(std::string_view occurrence_subject, int number);

// Same for created, lingering and removed of one assignment in one tenant.
std::string correlation_key(std::string_view tenant_id, std::string_view assignment_key);

// Hex SHA-256 (first 32 hex digits) of tenant, kind and subject key.
std::string alert_id(std::string_view tenant_id, std::string_view kind, std::string_view subject_key);

}  // namespace rootwatch::engine
