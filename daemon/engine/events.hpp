#pragma once

// What the logs (Activity Log, Entra audit) add to a cycle: an elevation.event alert for each
// elevation, and each role assignment write or delete at a watched scope, even one that no
// snapshot ever saw (elevated and revoked between two polls); and who did it, for the alerts
// about the assignment it made. Pure, like the rest of the engine (invariant 7).

#include "engine/model.hpp"
#include "engine/rules.hpp"

#include <chrono>
#include <string_view>
#include <vector>

namespace rootwatch::engine {

// Logs take minutes to ingest an event: each read starts this far before the last one ended.
inline constexpr auto minimum_event_overlap = std::chrono::minutes{15};
// The Activity Log refuses a window that starts more than 90 days back; a day less is safe
// from clock differences.
inline constexpr auto maximum_event_lookback = std::chrono::hours{24 * 89};
// One elevation in both logs: the same operation on the same principal, and either the same
// correlation id or times closer than this (each log stamps its own time).
inline constexpr auto same_event_tolerance = std::chrono::minutes{10};

struct event_window {
  timestamp since{};
  timestamp until{};
};

// The window to read `source` in now: from its watermark less `overlap` (also when the clock
// went back behind the watermark), or `initial_lookback` back on its first read; never more
// than maximum_event_lookback back, and never empty.
event_window window_for(const event_memory& memory, std::string_view source, timestamp now,
                        milliseconds initial_lookback, milliseconds overlap);

// One complete read of an event source: every page of [since, until).
struct event_read {
  std::string source;
  timestamp until{};  // the source's next watermark
  std::vector<audit_event> events;
};

struct events_input {
  tenant_ref tenant;
  // This cycle's state so far: after run_cycle, or after record_failure when the snapshot
  // could not be had (the logs are read even then: an attacker who removed the watcher's
  // Reader at "/" is still seen in them).
  const tenant_state* state = nullptr;
  std::vector<alert> cycle_alerts;  // the alerts of the cycle so far, to be told who did it
  std::vector<event_read> reads;    // the sources read completely this cycle, in config order
  const std::vector<rule>* rules = nullptr;
  timestamp now{};
  milliseconds overlap{minimum_event_overlap};
};

struct events_output {
  tenant_state next;
  // cycle_alerts, each told who did it where a log says so, then one elevation.event per new
  // event (the same event in both logs is one, with both as evidence), by event time.
  std::vector<alert> alerts;
  std::size_t new_events = 0;  // not seen in an earlier read
};

events_output take_events(const events_input& in);
// The same, from `state` instead of *in.state (which is not read): the caller's own state moves
// through instead of being copied.
events_output take_events(const events_input& in, tenant_state state);

// Whether `e` is about assignment `a`: the same assignment id, or, when the event names none
// (an elevation), the same scope, role and principal.
bool event_names(const audit_event& e, const assignment& a);

// Whether the log says the operation succeeded ("Succeeded" in the Activity Log's EndRequest,
// "success" in Graph); Started, Accepted and Failed records raise no alert.
bool succeeded(const audit_event& e);

}  // namespace rootwatch::engine
