#pragma once

// The data the engine reasons about. Plain values: no I/O types, no clocks.

#include "common/boxed.hpp"
#include "common/time.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rootwatch::engine {

enum class severity { info, low, medium, high, critical };
std::string_view to_string(severity s);
std::optional<severity> parse_severity(std::string_view s);

struct role_ref {
  std::string id;    // bare lower-case GUID of the role definition
  std::string name;  // "User Access Administrator"; empty when it could not be resolved
  bool operator==(const role_ref&) const = default;
};

struct principal_ref {
  std::string id;    // object id, lower-case GUID
  std::string type;  // User | Group | ServicePrincipal | ForeignGroup | Device | "" when unknown
  std::optional<std::string> display_name;
  bool operator==(const principal_ref&) const = default;
};

// One role assignment as a source reported it.
struct assignment {
  std::string id;     // ARM id: "/providers/Microsoft.Authorization/roleAssignments/<guid>"
  std::string scope;  // "/" for the root management group
  role_ref role;
  principal_ref principal;
  std::optional<std::string> condition;
  std::optional<timestamp> created_on;
  std::optional<std::string> created_by;  // object id of whoever created it, when the source says
  bool operator==(const assignment&) const = default;
};

// Everything one source saw at one moment. Only ever built from a complete listing.
struct snapshot {
  std::string source;  // "arm", "resource_graph"
  timestamp taken_at{};
  std::vector<assignment> assignments;
  // What the listing was read from, when its source can tell: the tags of its answers' bytes
  // (azure/answer_tag.hpp), equal for two listings read from the very same bytes. Empty when
  // unknown; meaningful only within one process.
  std::string fingerprint{};
  // The source read the answers of `fingerprint` again and did not parse them: the rows are
  // those of the listing with that fingerprint, which the caller named as the one it decided
  // on, and `assignments` is empty. Never a listing by itself: the watcher only replays the
  // decision it made on that listing (or reads again in full), and the engine refuses one
  // (run_cycle throws).
  bool unchanged = false;
};

struct tenant_ref {
  std::string id;
  std::string name;
  bool operator==(const tenant_ref&) const = default;
};

// Who did something, as a log names them. Every field is optional: a log may know only some.
struct actor_ref {
  std::optional<std::string> id;
  std::optional<std::string> upn;
  std::optional<std::string> app_id;
  std::optional<std::string> ip;
  bool operator==(const actor_ref&) const = default;
};

// What the engine remembers about one assignment between cycles.
struct tracked_assignment {
  assignment current;
  std::string key;  // identity_key(current): what makes it the same assignment from cycle to cycle
  // What this occurrence's alert ids and correlation key are made from (see alert_subject).
  // Set once when the occurrence starts and never recomputed, so that created, lingering and
  // removed of one occurrence agree even when the identity scheme changes in between: rows
  // migrated from schema 2 keep the older key (which held createdOn) that their
  // assignment.created went out under. Empty means occurrence_key(key, occurrence), and is
  // how that usual case is kept in memory (a second copy of the key is ~200 bytes per
  // assignment); the store writes the subject out in full and reads that case back empty.
  std::string subject;
  timestamp first_seen{};
  std::string rule;  // the rule that fired for it; empty when none did
  severity level = severity::info;
  bool firing = false;     // an assignment.created alert went out and no removal yet
  bool baselined = false;  // present at the first cycle under baseline = "silent": never alerted
  bool allowed = false;    // its rule's allow list covers the principal
  // How many times this identity has appeared: a removal followed by the same assignment
  // coming back (a flapping listing), or a delete-and-recreate under the same id (see
  // recreated in cycle.cpp), is a new occurrence with alert ids of its own, so a receiver that
  // de-duplicates on ids does not drop the second assignment.created.
  int occurrence = 1;
  // Set on a tombstone: the assignment is gone since then. Tombstones are kept for
  // tombstone_retention so that a re-appearance is counted; they never fire and are not listed
  // as present.
  std::optional<timestamp> removed_at;
  // Who created it, once a log (Activity Log, Entra audit) has said so: carried by every later
  // alert about this occurrence, and its object id fills created_by where the listing had none.
  // Boxed: unknown for most assignments, and 160 bytes wider inline, kept once per assignment
  // of every tenant.
  boxed<actor_ref> actor;
  // The number of the last assignment.lingering sent for this occurrence (0: none yet). Reminder
  // n is due at first_seen + n * remind_every; remembering n keeps a restart, a retry of the
  // cycle or a long outage from sending one twice or a burst of the missed ones.
  int reminders = 0;
  bool operator==(const tracked_assignment&) const = default;
};

inline constexpr auto tombstone_retention = std::chrono::hours{24 * 30};

// Whether the watcher can see the tenant: failed cycles in a row, and whether watch.degraded
// went out (and watch.recovered not yet).
struct watch_health {
  int consecutive_failures = 0;
  std::optional<timestamp> failing_since;  // the first failure of the current streak
  std::optional<timestamp> last_success;   // the last complete cycle
  bool degraded = false;
  std::string last_error;  // already free of secrets
  bool operator==(const watch_health&) const = default;
};

// One record of a log about a role assignment or an elevation (Activity Log, Entra audit), in
// source-neutral terms. Only ever built from a complete page.
struct audit_event {
  std::string source;    // "activity_log", "entra_audit"
  std::string event_id;  // eventDataId, or the Graph audit record id: unique within the source
  // "elevate_access", "role_assignment_write", "role_assignment_delete"
  std::string operation;
  std::string status;  // as the log writes it: "Succeeded", "Failed", "Started", "success", ...
  timestamp occurred_at{};
  std::optional<std::string> correlation_id;
  actor_ref actor;
  std::optional<std::string> assignment_id;  // the role assignment's ARM id, when the event names one
  std::optional<std::string> scope;
  std::optional<std::string> role_id;       // bare lower-case GUID
  std::optional<std::string> principal_id;  // of the assignment, lower-case GUID
  bool operator==(const audit_event&) const = default;
};

// An event the engine has taken into account, remembered for as long as a later window can
// return it again, so that overlapping windows, restarts and the other log never alert twice.
struct seen_event {
  audit_event event;
  // The subject of the elevation.event it raised or was merged into (the same event in the
  // other log); empty when it raised none (not a success, or no rule watches it).
  std::string subject;
  bool operator==(const seen_event&) const = default;
};

// Where each log was read up to, and what it returned lately.
struct event_memory {
  std::map<std::string, timestamp, std::less<>> watermarks;  // per event source: the end of its last complete read
  std::vector<seen_event> seen;                              // by source, then event id
  bool operator==(const event_memory&) const = default;
};

// The engine's memory of one tenant. `initialized` is false before the first complete cycle,
// which is when the baseline policy applies.
struct tenant_state {
  bool initialized = false;
  std::vector<tracked_assignment> assignments;  // sorted by key; includes tombstones
  watch_health health;
  event_memory events;
  // The highest occurrence of each identity whose tombstone expired: one number per identity,
  // kept after the tombstone goes, so that a re-appearance even years later counts on from it
  // and never gets ids that were already sent (a receiver, or the outbox's unique (alert id,
  // sink), would drop it as a repeat). An identity tracked again carries its occurrence in
  // `assignments` and has no entry here.
  std::map<std::string, int, std::less<>> occurrence_marks;
  bool operator==(const tenant_state&) const = default;
};

struct evidence {
  std::string source;  // "arm", "resource_graph", "activity_log", "entra_audit"
  timestamp observed_at{};
  std::optional<std::string> event_id;
  bool operator==(const evidence&) const = default;
};

namespace alert_kind {
inline constexpr std::string_view created = "assignment.created";
inline constexpr std::string_view removed = "assignment.removed";
inline constexpr std::string_view lingering = "assignment.lingering";
inline constexpr std::string_view elevation = "elevation.event";
inline constexpr std::string_view degraded = "watch.degraded";
inline constexpr std::string_view recovered = "watch.recovered";
inline constexpr std::string_view delivery_failed = "watch.delivery_failed";
inline constexpr std::string_view test = "test";
}  // namespace alert_kind

// One alert, in the shape of the "rootwatch.alert/v1" contract (see design.md).
struct alert {
  std::string id;
  std::string kind;
  std::string status;  // "firing" | "resolved"
  severity level = severity::info;
  std::string rule;
  tenant_ref tenant;
  std::optional<assignment> subject;  // the "assignment" object of the contract
  std::optional<actor_ref> actor;
  std::vector<engine::evidence> evidence;  // qualified: the member name hides the type (GCC rejects it)
  std::string correlation_key;
  timestamp first_seen{};
  timestamp detected_at{};
  std::string remediation;
  std::optional<std::string> detail;  // watch.degraded: why the watcher cannot see
  bool test = false;                  // test-alert: clearly marked, never about a real assignment
  bool operator==(const alert&) const = default;
};

}  // namespace rootwatch::engine
