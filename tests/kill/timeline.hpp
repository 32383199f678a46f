#pragma once

// What the kill test's driver did and when (the daemon's lives, the assignment changes), what
// the fake Azure served, and from these the alerts that provably have to reach the receiver.

#include "common/time.hpp"

#include <optional>
#include <string>
#include <vector>

namespace rootwatch::kill {

// One run of the daemon, from spawn to the moment its process was reaped. Every request the
// fake received in [spawned, reaped] came from this life: lives never overlap.
struct life {
  int number = 0;
  std::string plan;  // how this life was ended, for the report
  timestamp spawned{};
  timestamp killed{};  // when the signal went out
  timestamp reaped{};
};

// One assignment at "/" as the driver made it: present from `added` (the fake had it when
// add_assignment returned) until `remove_started` (the fake may drop it from then on).
struct assignment_span {
  std::string name;
  timestamp add_started{};
  timestamp added{};
  std::optional<timestamp> remove_started;
  std::optional<timestamp> removed;

  bool present_at_end() const { return !remove_started.has_value(); }
};

// A request the fake Azure served, reduced to what the expectations need.
struct served_request {
  timestamp received_at{};
  bool listing = false;  // a role assignment list at "/" (always one page here)
  int status = 0;
};

struct expected_alert {
  std::string name;  // the assignment
  std::string kind;  // assignment.created | assignment.removed
  std::string why;   // which rule made it provable, with the times
};

struct expectations {
  std::vector<expected_alert> alerts;
  std::size_t present_at_end = 0;  // assignments there when the driver stopped
  std::size_t committed = 0;       // proven stored: listed, and the same life began its next listing
  std::size_t watched = 0;         // present in one life's watch for longer than watch_window()
  std::size_t watched_only = 0;    // watched, yet without a proof of commit (a slow or stuck daemon)
  std::size_t created = 0;
  std::size_t removed = 0;
};

// How long an assignment has to be in view of a running daemon (counted from the daemon's
// first request to Azure, so that start-up time on a loaded machine does not count) for two
// listings to have seen it: two poll periods with their 10% jitter, and room for the cycle.
milliseconds watch_window(milliseconds poll_interval);

// The alerts that must have reached the receiver once the daemon ran in peace afterwards:
// - present at the end: created;
// - committed: served in a complete listing to a life that then began its next listing (the
//   watcher starts a listing only after the previous cycle's commit returned): created, and
//   removed when the driver removed it later;
// - watched: in view of one life for watch_window(): the same as committed. A daemon that
//   polls as it should has committed it by then; one that does not is what this catches.
expectations expected_alerts(const std::vector<life>& lives, const std::vector<assignment_span>& spans,
                             const std::vector<served_request>& requests, milliseconds poll_interval);

std::string format_time(timestamp t);

}  // namespace rootwatch::kill
