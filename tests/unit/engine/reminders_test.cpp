// assignment.lingering: one reminder every remind_every after first_seen while an assignment
// stays firing, with ids stable per (tenant, occurrence, reminder number), and escalate_after.

#include "engine/reminders.hpp"

#include "builders.hpp"
#include "engine/cycle.hpp"
#include "engine/identity.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace rootwatch::engine {
namespace {

using namespace testing;
using std::chrono::hours;
using std::chrono::minutes;

const timestamp t0 = at("2025-03-01T12:00:00Z");
constexpr milliseconds six_hours = hours{6};

// One cycle after `previous` with `assignments` listed at `now`, reminding every `every`.
cycle_output step(const tenant_state& previous, std::vector<assignment> assignments, timestamp now,
                  milliseconds every = six_hours, std::vector<rule> rules = default_rules()) {
  run r;
  r.previous = previous;
  r.current = make_snapshot(std::move(assignments), now - seconds{5});
  r.rules = std::move(rules);
  r.now = now;
  r.remind_every = every;
  return r();
}

std::vector<alert> lingering(const cycle_output& out) {
  std::vector<alert> found;
  for (const alert& a : out.alerts) {
    if (a.kind == alert_kind::lingering) {
      found.push_back(a);
    }
  }
  return found;
}

std::string reminder_id(const tracked_assignment& t, int n) {
  return alert_id(tenant_guid, alert_kind::lingering, reminder_subject(alert_subject(t), n));
}

// The state after `a` was first seen (and alerted) at t0.
tenant_state started(const assignment& a, milliseconds every = six_hours, std::vector<rule> rules = default_rules()) {
  return step(tenant_state{}, {a}, t0, every, std::move(rules)).next;
}

TEST(reminders, none_before_the_first_period_ends) {
  const assignment a = elevation("a");
  const auto out = step(started(a), {a}, t0 + six_hours - seconds{1});
  EXPECT_TRUE(out.alerts.empty());
  EXPECT_EQ(out.next.assignments[0].reminders, 0);
}

TEST(reminders, the_first_goes_out_exactly_at_remind_every) {
  const assignment a = elevation("a");
  const tenant_state before = started(a);
  const auto created = step(tenant_state{}, {a}, t0).alerts.at(0);
  const auto out = step(before, {a}, t0 + six_hours);

  ASSERT_EQ(out.alerts.size(), 1u);
  const alert& l = out.alerts[0];
  EXPECT_EQ(l.kind, alert_kind::lingering);
  EXPECT_EQ(l.status, "firing");
  EXPECT_EQ(l.id, reminder_id(before.assignments[0], 1));
  EXPECT_NE(l.id, created.id);
  EXPECT_EQ(l.correlation_key, created.correlation_key);
  EXPECT_EQ(l.level, severity::critical);
  EXPECT_EQ(l.rule, "anything-at-root");
  EXPECT_EQ(l.subject, a);
  EXPECT_EQ(l.first_seen, t0);
  EXPECT_EQ(l.detected_at, t0 + six_hours);
  EXPECT_EQ(l.remediation, created.remediation) << "it carries the remediation";
  ASSERT_TRUE(l.detail);
  EXPECT_NE(l.detail->find("still present after 6h 0m"), std::string::npos) << *l.detail;
  ASSERT_EQ(l.evidence.size(), 1u);
  EXPECT_EQ(l.evidence[0].source, "arm");
  EXPECT_EQ(out.next.assignments[0].reminders, 1);
}

TEST(reminders, one_per_period_while_it_stays) {
  const assignment a = elevation("a");
  tenant_state state = started(a);
  std::vector<std::string> ids;
  // Polled every 30 minutes for a day and a half: reminders 1 to 6, one each.
  for (auto now = t0 + minutes{30}; now <= t0 + hours{36}; now += minutes{30}) {
    const auto out = step(state, {a}, now);
    for (const alert& l : lingering(out)) {
      ids.push_back(l.id);
      EXPECT_EQ(l.detected_at - t0, out.next.assignments[0].reminders * six_hours);
    }
    state = out.next;
  }
  ASSERT_EQ(ids.size(), 6u);
  for (int n = 1; n <= 6; ++n) {
    EXPECT_EQ(ids[static_cast<std::size_t>(n - 1)], reminder_id(state.assignments[0], n));
  }
  EXPECT_EQ(state.assignments[0].reminders, 6);
}

TEST(reminders, after_downtime_one_reminder_for_the_latest_number_not_a_burst) {
  const assignment a = elevation("a");
  const tenant_state before = step(started(a), {a}, t0 + six_hours).next;  // reminder 1 sent
  // Down for three days: reminders 2 to 13 were missed.
  const auto out = step(before, {a}, t0 + hours{79});
  ASSERT_EQ(out.alerts.size(), 1u);
  EXPECT_EQ(out.alerts[0].id, reminder_id(before.assignments[0], 13));
  EXPECT_NE(out.alerts[0].detail->find("after 3d 7h"), std::string::npos) << *out.alerts[0].detail;
  EXPECT_EQ(out.next.assignments[0].reminders, 13);
  EXPECT_TRUE(step(out.next, {a}, t0 + hours{80}).alerts.empty());
  EXPECT_EQ(lingering(step(out.next, {a}, t0 + hours{84})).size(), 1u);
}

TEST(reminders, zero_turns_them_off) {
  const assignment a = elevation("a");
  const auto out = step(started(a, milliseconds{0}), {a}, t0 + hours{24 * 400}, milliseconds{0});
  EXPECT_TRUE(out.alerts.empty());
  EXPECT_EQ(out.next.assignments[0].reminders, 0);
}

TEST(reminders, ids_are_the_same_on_every_call_and_after_a_restart) {
  const assignment a = elevation("a");
  const tenant_state before = started(a);
  // Two replicas, or a retry of the cycle, at slightly different times.
  const auto one = step(before, {a}, t0 + six_hours + seconds{3});
  const auto two = step(before, {a}, t0 + six_hours + minutes{4});
  ASSERT_EQ(one.alerts.size(), 1u);
  ASSERT_EQ(two.alerts.size(), 1u);
  EXPECT_EQ(one.alerts[0].id, two.alerts[0].id);
  EXPECT_EQ(one.alerts[0].level, two.alerts[0].level);
  // A restart loads the state the cycle committed: the reminder is not sent again.
  EXPECT_TRUE(step(one.next, {a}, t0 + six_hours + minutes{5}).alerts.empty());
}

TEST(reminders, each_occurrence_has_ids_of_its_own) {
  const assignment a = elevation("a");
  const tenant_state first = step(started(a), {a}, t0 + six_hours).next;
  const std::string first_id = reminder_id(first.assignments[0], 1);

  const auto gone = step(first, {}, t0 + hours{7});
  ASSERT_EQ(gone.alerts.size(), 1u);
  EXPECT_EQ(gone.alerts[0].kind, alert_kind::removed);
  const auto back = step(gone.next, {a}, t0 + hours{8});
  ASSERT_EQ(back.alerts.size(), 1u);
  EXPECT_EQ(back.alerts[0].kind, alert_kind::created);
  EXPECT_EQ(back.next.assignments[0].reminders, 0) << "a new occurrence counts from its own first_seen";

  const auto again = step(back.next, {a}, t0 + hours{14});
  ASSERT_EQ(again.alerts.size(), 1u);
  const alert& l = again.alerts[0];
  EXPECT_EQ(l.id, reminder_id(again.next.assignments[0], 1));
  EXPECT_NE(l.id, first_id);
  EXPECT_EQ(l.correlation_key, back.alerts[0].correlation_key);
  EXPECT_EQ(l.first_seen, t0 + hours{8});
}

TEST(reminders, removal_stops_them) {
  const assignment a = elevation("a");
  const auto gone = step(started(a), {}, t0 + hours{5});
  EXPECT_EQ(gone.next.assignments[0].removed_at, t0 + hours{5});
  // A tombstone gets none, however long it is kept.
  EXPECT_TRUE(step(gone.next, {}, t0 + hours{6}).alerts.empty());
  EXPECT_TRUE(step(gone.next, {}, t0 + hours{24 * 20}).alerts.empty());
}

TEST(reminders, allowed_and_baselined_assignments_get_none) {
  const assignment a = elevation("a", break_glass);
  auto rules = default_rules();
  rules[0].allow.push_back(allow_entry{break_glass, "break-glass account"});
  const auto out = step(started(a, six_hours, rules), {a}, t0 + hours{13}, six_hours, rules);
  EXPECT_TRUE(out.alerts.empty());

  run silent;
  silent.current = make_snapshot({elevation("b")}, t0);
  silent.baseline = baseline_mode::silent;
  silent.now = t0;
  silent.remind_every = six_hours;
  const auto baselined = step(silent().next, {elevation("b")}, t0 + hours{13});
  EXPECT_TRUE(baselined.alerts.empty());
}

TEST(reminders, an_assignment_that_starts_firing_late_is_not_reminded_in_the_same_cycle) {
  // Allowed for two days, then its allow entry goes: assignment.created now, the first
  // reminder at the next period boundary after that.
  const assignment a = elevation("a", break_glass);
  auto allowing = default_rules();
  allowing[0].allow.push_back(allow_entry{break_glass, "break-glass account"});
  const tenant_state before = started(a, six_hours, allowing);
  const auto now_watched = step(before, {a}, t0 + hours{49});
  ASSERT_EQ(now_watched.alerts.size(), 1u);
  EXPECT_EQ(now_watched.alerts[0].kind, alert_kind::created);
  EXPECT_TRUE(step(now_watched.next, {a}, t0 + hours{53}).alerts.empty());
  const auto reminded = step(now_watched.next, {a}, t0 + hours{54});
  ASSERT_EQ(reminded.alerts.size(), 1u);
  EXPECT_EQ(reminded.alerts[0].id, reminder_id(before.assignments[0], 9));
}

TEST(reminders, come_after_the_other_alerts_of_the_cycle) {
  const assignment a = elevation("a");
  const assignment b = elevation("b");
  const auto out = step(started(a), {a, b}, t0 + six_hours);
  ASSERT_EQ(out.alerts.size(), 2u);
  EXPECT_EQ(out.alerts[0].kind, alert_kind::created);
  EXPECT_EQ(out.alerts[1].kind, alert_kind::lingering);
}

std::vector<rule> escalating(milliseconds after, severity to = severity::critical) {
  auto rules = default_rules();
  rules[1].escalate_after = after;
  rules[1].escalate_to = to;
  return rules;
}

assignment owner_on_group() {
  return make_assignment("o", "/providers/Microsoft.Management/managementGroups/contoso", owner_role, alice);
}

TEST(reminders, escalate_after_raises_the_severity_from_its_boundary_on) {
  assignment o = owner_on_group();
  o.role.name = "Owner";
  const auto rules = escalating(hours{12});
  tenant_state state = started(o, six_hours, rules);
  ASSERT_EQ(state.assignments[0].level, severity::high);

  const auto first = step(state, {o}, t0 + six_hours, six_hours, rules);
  ASSERT_EQ(first.alerts.size(), 1u);
  EXPECT_EQ(first.alerts[0].level, severity::high) << "6h is younger than escalate_after 12h";

  const auto second = step(first.next, {o}, t0 + hours{12}, six_hours, rules);
  ASSERT_EQ(second.alerts.size(), 1u);
  EXPECT_EQ(second.alerts[0].level, severity::critical) << "exactly escalate_after old: raised";
  EXPECT_EQ(second.alerts[0].correlation_key, first.alerts[0].correlation_key);
  EXPECT_NE(second.alerts[0].detail->find("escalate_after"), std::string::npos);
  EXPECT_EQ(second.next.assignments[0].level, severity::high) << "the assignment's own level is kept";
}

TEST(reminders, escalation_follows_the_reminder_number_not_the_cycle_time) {
  assignment o = owner_on_group();
  o.role.name = "Owner";
  const auto rules = escalating(hours{8});
  // Reminder 1 (at 6h) sent late, at 9h: still reminder 1, still at its own level.
  const auto late = step(started(o, six_hours, rules), {o}, t0 + hours{9}, six_hours, rules);
  ASSERT_EQ(late.alerts.size(), 1u);
  EXPECT_EQ(late.alerts[0].level, severity::high);
}

TEST(reminders, escalation_never_lowers_a_severity) {
  const assignment a = elevation("a");  // critical under anything-at-root
  auto rules = default_rules();
  rules[0].escalate_after = hours{1};
  rules[0].escalate_to = severity::medium;
  const auto out = step(started(a, six_hours, rules), {a}, t0 + six_hours, six_hours, rules);
  ASSERT_EQ(out.alerts.size(), 1u);
  EXPECT_EQ(out.alerts[0].level, severity::critical);
}

TEST(reminders, reminder_due_counts_whole_periods) {
  EXPECT_EQ(reminder_due(t0, t0, six_hours), 0);
  EXPECT_EQ(reminder_due(t0, t0 + six_hours - milliseconds{1}, six_hours), 0);
  EXPECT_EQ(reminder_due(t0, t0 + six_hours, six_hours), 1);
  EXPECT_EQ(reminder_due(t0, t0 + hours{13}, six_hours), 2);
  EXPECT_EQ(reminder_due(t0, t0 - hours{13}, six_hours), 0) << "a clock that went back reminds of nothing";
  EXPECT_EQ(reminder_due(t0, t0 + hours{13}, milliseconds{0}), 0);
  EXPECT_EQ(reminder_due(timestamp{}, t0, milliseconds{1}), std::numeric_limits<int>::max()) << "saturates";
}

TEST(reminders, human_age_reads_like_people_write_it) {
  EXPECT_EQ(human_age(milliseconds{0}), "0s");
  EXPECT_EQ(human_age(milliseconds{-5}), "0s");
  EXPECT_EQ(human_age(seconds{45}), "45s");
  EXPECT_EQ(human_age(minutes{12} + seconds{5}), "12m 5s");
  EXPECT_EQ(human_age(hours{6}), "6h 0m");
  EXPECT_EQ(human_age(hours{6} + minutes{59} + seconds{59}), "6h 59m");
  EXPECT_EQ(human_age(hours{54}), "2d 6h");
}

}  // namespace
}  // namespace rootwatch::engine
