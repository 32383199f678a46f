#pragma once

// Reminders about assignments that stay (assignment.lingering): one every remind_every after
// first_seen while the assignment fires, at a severity raised by the rule's escalate_after.
// Pure, like the rest of the engine: the time is passed in.

#include "engine/model.hpp"
#include "engine/rules.hpp"

#include <functional>
#include <string>
#include <vector>

namespace rootwatch::engine {

struct reminder_input {
  tenant_ref tenant;
  timestamp now{};
  milliseconds remind_every{0};  // zero: no reminders
  const std::vector<rule>* rules = nullptr;
  // The sources that list the assignment with this identity key now: the reminder's evidence.
  std::function<std::vector<evidence>(const std::string& key)> seen_by;
};

struct reminder_output {
  std::vector<tracked_assignment> assignments;  // as given, with `reminders` moved on
  std::vector<alert> alerts;                    // in the order of `assignments`
};

// The reminder number due at `now` for something first seen at `first_seen`: how many whole
// periods have passed. Zero before the first period ends and when reminders are off.
int reminder_due(timestamp first_seen, timestamp now, milliseconds remind_every);

// For every assignment a rule watches (not allowed, not a tombstone) that fires and has a
// reminder due beyond the last one sent: one assignment.lingering for the latest number only, so
// that after downtime the receiver gets one reminder, never a burst. `created_now` names the
// keys whose assignment.created goes out in this very cycle: they start counting from here
// (the reminders already due are taken as sent), so a creation is never followed at once by a
// reminder of the time it was there unwatched.
reminder_output send_reminders(const reminder_input& in, std::vector<tracked_assignment> assignments,
                               const std::vector<std::string>& created_now);

// An age for people: "45s", "12m 5s", "6h 0m", "2d 6h". Negative reads as "0s".
std::string human_age(milliseconds age);

}  // namespace rootwatch::engine
