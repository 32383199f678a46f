#include "engine/reminders.hpp"

#include "engine/identity.hpp"
#include "engine/remediation.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

namespace rootwatch::engine {
namespace {

// The rule that watches `t` now and alerts on it, or null: an allowed assignment, or one no
// rule watches any more, is not reminded about.
const rule* watching_rule(const std::vector<rule>* rules, const tracked_assignment& t) {
  if (rules == nullptr) {
    return nullptr;
  }
  const auto m = match_rules(*rules, t.current);
  if (!m || m->allowed_by) {
    return nullptr;
  }
  return m->matched;
}

// Escalation is decided on the reminder's number, not on when the cycle happened to run, so
// that every replica and every retry gives reminder n the same severity.
severity reminder_level(const tracked_assignment& t, const rule& r, milliseconds remind_every, int number) {
  if (!r.escalate_after || remind_every * number < *r.escalate_after) {
    return t.level;
  }
  return std::max(t.level, r.escalate_to);
}

alert lingering_alert(const reminder_input& in, const tracked_assignment& t, const rule& r, int number) {
  alert a;
  const std::string subject = alert_subject(t);
  a.id = alert_id(in.tenant.id, alert_kind::lingering, reminder_subject(subject, number));
  a.kind = std::string(alert_kind::lingering);
  a.status = "firing";
  a.level = reminder_level(t, r, in.remind_every, number);
  a.rule = t.rule;
  a.tenant = in.tenant;
  a.subject = t.current;
  a.actor = t.actor;
  if (t.actor && t.actor->id && !a.subject->created_by) {
    a.subject->created_by = t.actor->id;
  }
  if (in.seen_by) {
    a.evidence = in.seen_by(t.key);
  }
  a.correlation_key = correlation_key(in.tenant.id, subject);
  a.first_seen = t.first_seen;
  a.detected_at = in.now;
  a.remediation = remediation_for_present(t.current);
  std::string detail = fmt::format("still present after {} (reminder {}, one every {}).",
                                   human_age(std::chrono::duration_cast<milliseconds>(in.now - t.first_seen)), number,
                                   human_age(in.remind_every));
  if (a.level != t.level) {
    detail += fmt::format(" Raised from {} to {}: older than escalate_after {} of rule {}.", to_string(t.level),
                          to_string(a.level), human_age(*r.escalate_after), r.name);
  }
  a.detail = std::move(detail);
  return a;
}

bool contains(const std::vector<std::string>& keys, const std::string& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace

int reminder_due(timestamp first_seen, timestamp now, milliseconds remind_every) {
  if (remind_every <= milliseconds{0} || now <= first_seen) {
    return 0;
  }
  const auto periods = (now - first_seen) / remind_every;
  // A stored first_seen is input like any other: a nonsense one saturates instead of wrapping.
  return static_cast<int>(std::min<decltype(periods)>(periods, std::numeric_limits<int>::max()));
}

reminder_output send_reminders(const reminder_input& in, std::vector<tracked_assignment> assignments,
                               const std::vector<std::string>& created_now) {
  reminder_output out;
  for (tracked_assignment& t : assignments) {
    const int due = reminder_due(t.first_seen, in.now, in.remind_every);
    if (!t.firing || t.removed_at || due <= t.reminders) {
      continue;
    }
    if (contains(created_now, t.key)) {
      t.reminders = due;
      continue;
    }
    const rule* r = watching_rule(in.rules, t);
    if (r == nullptr) {
      continue;
    }
    t.reminders = due;
    out.alerts.push_back(lingering_alert(in, t, *r, due));
  }
  out.assignments = std::move(assignments);
  return out;
}

std::string human_age(milliseconds age) {
  using std::chrono::days;
  using std::chrono::duration_cast;
  using std::chrono::hours;
  using std::chrono::minutes;
  using std::chrono::seconds;
  if (age < milliseconds{0}) {
    age = milliseconds{0};
  }
  const auto d = duration_cast<days>(age);
  const auto h = duration_cast<hours>(age - d);
  const auto m = duration_cast<minutes>(age - d - h);
  const auto s = duration_cast<seconds>(age - d - h - m);
  if (d.count() > 0) {
    return fmt::format("{}d {}h", d.count(), h.count());
  }
  if (h.count() > 0) {
    return fmt::format("{}h {}m", h.count(), m.count());
  }
  if (m.count() > 0) {
    return fmt::format("{}m {}s", m.count(), s.count());
  }
  return fmt::format("{}s", s.count());
}

}  // namespace rootwatch::engine
