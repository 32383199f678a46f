#pragma once

// The engine's one decision: given what it remembered, what a complete snapshot shows now,
// the rules and the time, which alerts go out and what to remember next. Pure: same inputs,
// same outputs (invariant 7).

#include "engine/model.hpp"
#include "engine/rules.hpp"
#include "engine/sources.hpp"

#include <vector>

namespace rootwatch::engine {

enum class baseline_mode { alert, silent };

struct cycle_input {
  tenant_ref tenant;
  const tenant_state* previous = nullptr;
  const snapshot* current = nullptr;  // the authoritative view: presence is decided by it alone
  const std::vector<rule>* rules = nullptr;
  baseline_mode baseline = baseline_mode::alert;
  timestamp now{};
  // Complete listings of the other snapshot sources: they add evidence to the alerts about what
  // they also show, and where they differ from `current` that is a disagreement, never a
  // creation or a removal. Last, so that inputs brace-initialised without it still compile.
  std::vector<const snapshot*> others;
  // How often an assignment that stays firing is reminded about (assignment.lingering); zero
  // turns reminders off, and is the default so that a caller that never asked gets none.
  milliseconds remind_every{0};
};

// A cycle that could not complete (auth, permission, throttling, API or parse errors): the
// assignments stay as they were; after `degraded_after` failures in a row, watch.degraded.
struct failure_input {
  tenant_ref tenant;
  const tenant_state* previous = nullptr;
  std::string error;  // already free of secrets
  int degraded_after = 3;
  timestamp now{};
};

struct failure_output {
  tenant_state next;
  std::vector<alert> alerts;  // watch.degraded, at most once per streak
};

// Defined beside the watch alerts, in watch.cpp.
failure_output record_failure(const failure_input& in);

struct cycle_output {
  tenant_state next;
  // In a stable order: watch.recovered (when the previous cycles had gone degraded), then
  // removals, then creations, then reminders (assignment.lingering), each by key.
  std::vector<alert> alerts;
  std::size_t firing = 0;                   // assignments in `next` with firing == true (never a tombstone)
  std::size_t allowed = 0;                  // present watched assignments suppressed by an allow entry
  std::vector<disagreement> disagreements;  // between `current` and each of `others` (find_disagreements)
};

// Also ends a failure streak: health is reset, and watch.recovered goes out if it had gone
// degraded. Assignments gone from the snapshot stay as tombstones for tombstone_retention.
// Assignments are matched by identity_key alone (invariant 8); one recreated under the same
// id (see `recreated`) resolves the old occurrence and starts the next one.
// Identities whose tombstone expired are counted on from `occurrence_marks`, so that no
// occurrence ever repeats the ids of an earlier one.
cycle_output run_cycle(const cycle_input& in);

// Until when a cycle that finds the same listings under the same rules, with `state` as what it
// remembered, decides nothing but the time of the last success: no alert, no other change. The
// clock alone changes run_cycle's decision in two ways, a tombstone's retention ending and a
// reminder falling due, so this is the first of those moments (timestamp::max() when neither
// ever comes). A state no quiet cycle can follow (never initialised, in a failure streak, gone
// degraded) gives timestamp::min(). The watcher uses it to skip a cycle whose answers are byte
// for byte the last quiet one's (see watcher.cpp).
timestamp quiet_until(const tenant_state& state, milliseconds remind_every);

// The assignment.created alert of every assignment firing in `state`, under the ids it went out
// with (same id, correlation key, first_seen): for a sink that appears after they were raised,
// so that it learns what is firing while one that already had them de-duplicates. It carries
// no evidence of its own (no listing is at hand, and it is not a new sighting); detected_at is
// `now`, when it is sent to that sink.
std::vector<alert> firing_alerts(const tenant_ref& tenant, const tenant_state& state, timestamp now);

}  // namespace rootwatch::engine
