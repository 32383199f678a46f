#include "engine/cycle.hpp"

#include "builders.hpp"
#include "engine/identity.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <string>

namespace rootwatch::engine {
namespace {

using namespace testing;

const timestamp t1 = at("2025-03-01T12:00:00Z");
const timestamp t2 = at("2025-03-01T12:01:00Z");
const timestamp t3 = at("2025-03-01T12:02:00Z");

// Runs one cycle after `previous` with `assignments` at `now`.
cycle_output step(const tenant_state& previous, std::vector<assignment> assignments, timestamp now,
                  std::vector<rule> rules = default_rules(), baseline_mode baseline = baseline_mode::alert) {
  run r;
  r.previous = previous;
  r.current = make_snapshot(std::move(assignments), now - seconds{5});
  r.rules = std::move(rules);
  r.baseline = baseline;
  r.now = now;
  return r();
}

std::vector<std::string> kinds(const cycle_output& out) {
  std::vector<std::string> k;
  for (const alert& a : out.alerts) {
    k.push_back(a.kind);
  }
  return k;
}

// --- first start ---

TEST(cycle, first_start_with_nothing_there) {
  const auto out = step(tenant_state{}, {}, t1);
  EXPECT_TRUE(out.alerts.empty());
  EXPECT_TRUE(out.next.initialized);
  EXPECT_TRUE(out.next.assignments.empty());
  EXPECT_EQ(out.firing, 0u);
  EXPECT_EQ(out.allowed, 0u);
}

TEST(cycle, missing_previous_state_and_rules_read_as_empty) {
  const snapshot snap = make_snapshot({elevation("a")}, t1);
  cycle_input in;
  in.tenant = tenant_ref{tenant_guid, "contoso"};
  in.current = &snap;
  in.now = t1;
  const auto out = run_cycle(in);
  EXPECT_TRUE(out.alerts.empty()) << "no rules, nothing watched";
  EXPECT_TRUE(out.next.initialized);
  ASSERT_EQ(out.next.assignments.size(), 1u);
  EXPECT_TRUE(out.next.assignments[0].rule.empty());
}

// A missing snapshot must never read as "everything was removed" (invariant 1).
TEST(cycle, missing_snapshot_is_a_bug_not_an_empty_tenant) {
  cycle_input in;
  EXPECT_THROW(run_cycle(in), std::invalid_argument);
}

// --- created ---

TEST(cycle, new_watched_assignment_fires) {
  const assignment a = elevation("aaaaaaaa-0000-0000-0000-000000000001");
  run r;
  r.current = make_snapshot({a}, at("2025-03-01T11:59:55Z"), "resource_graph");
  r.now = t1;
  const auto out = r();

  ASSERT_EQ(out.alerts.size(), 1u);
  const alert& created = out.alerts[0];
  const std::string key = identity_key(a);
  EXPECT_EQ(created.id, alert_id(tenant_guid, alert_kind::created, key));
  EXPECT_EQ(created.kind, alert_kind::created);
  EXPECT_EQ(created.status, "firing");
  EXPECT_EQ(created.level, severity::critical);
  EXPECT_EQ(created.rule, "anything-at-root");
  EXPECT_EQ(created.tenant, (tenant_ref{tenant_guid, "contoso"}));
  EXPECT_EQ(created.subject, a);
  EXPECT_FALSE(created.actor);
  ASSERT_EQ(created.evidence.size(), 1u);
  EXPECT_EQ(created.evidence[0], (evidence{"resource_graph", at("2025-03-01T11:59:55Z"), std::nullopt}));
  EXPECT_EQ(created.correlation_key, correlation_key(tenant_guid, key));
  EXPECT_EQ(created.first_seen, t1);
  EXPECT_EQ(created.detected_at, t1);
  EXPECT_NE(created.remediation.find("az role assignment delete --ids \"" + a.id + "\""), std::string::npos);
  EXPECT_FALSE(created.test);

  ASSERT_EQ(out.next.assignments.size(), 1u);
  const tracked_assignment& t = out.next.assignments[0];
  EXPECT_EQ(t.current, a);
  EXPECT_EQ(t.key, key);
  EXPECT_EQ(t.first_seen, t1);
  EXPECT_EQ(t.rule, "anything-at-root");
  EXPECT_EQ(t.level, severity::critical);
  EXPECT_TRUE(t.firing);
  EXPECT_FALSE(t.baselined);
  EXPECT_FALSE(t.allowed);
  EXPECT_EQ(out.firing, 1u);
  EXPECT_EQ(out.allowed, 0u);
}

TEST(cycle, same_snapshot_again_is_quiet_and_state_is_stable) {
  const std::vector<assignment> now{elevation("a"), elevation("b", bob)};
  const auto first = step(tenant_state{}, now, t1);
  ASSERT_EQ(first.alerts.size(), 2u);
  const auto second = step(first.next, now, t2);
  EXPECT_TRUE(second.alerts.empty());
  EXPECT_EQ(second.next.assignments, first.next.assignments);
  EXPECT_EQ(second.next.health.last_success, t2) << "only the time of the last complete cycle moves";
  EXPECT_EQ(second.firing, 2u);
  const auto third = step(second.next, now, t3);
  EXPECT_TRUE(third.alerts.empty());
  EXPECT_EQ(third.next.assignments, first.next.assignments);
}

TEST(cycle, severity_and_rule_come_from_the_first_matching_rule) {
  assignment owner_on_mg =
      make_assignment("m", "/providers/Microsoft.Management/managementGroups/mg1", owner_role, alice);
  owner_on_mg.role.name = "Owner";
  const auto out = step(tenant_state{}, {owner_on_mg}, t1);
  ASSERT_EQ(out.alerts.size(), 1u);
  EXPECT_EQ(out.alerts[0].rule, "owner-on-management-groups");
  EXPECT_EQ(out.alerts[0].level, severity::high);
}

// --- removed ---

TEST(cycle, removal_resolves_with_the_same_correlation_key) {
  const assignment a = elevation("a");
  const auto first = step(tenant_state{}, {a}, t1);
  ASSERT_EQ(first.alerts.size(), 1u);
  const alert& created = first.alerts[0];

  run r;
  r.previous = first.next;
  r.current = make_snapshot({}, at("2025-03-01T12:00:58Z"), "arm");
  r.now = t2;
  r.rules = {};  // the resolution names the rule it fired under, even when that rule is gone
  const auto second = r();

  ASSERT_EQ(second.alerts.size(), 1u);
  const alert& removed = second.alerts[0];
  EXPECT_EQ(removed.kind, alert_kind::removed);
  EXPECT_EQ(removed.status, "resolved");
  EXPECT_EQ(removed.correlation_key, created.correlation_key);
  EXPECT_EQ(removed.id, alert_id(tenant_guid, alert_kind::removed, identity_key(a)));
  EXPECT_NE(removed.id, created.id);
  EXPECT_EQ(removed.rule, "anything-at-root");
  EXPECT_EQ(removed.level, severity::critical);
  EXPECT_EQ(removed.subject, a);
  EXPECT_EQ(removed.tenant, created.tenant);
  EXPECT_FALSE(removed.actor);
  EXPECT_EQ(removed.first_seen, t1);
  EXPECT_EQ(removed.detected_at, t2);
  ASSERT_EQ(removed.evidence.size(), 1u);
  EXPECT_EQ(removed.evidence[0], (evidence{"arm", at("2025-03-01T12:00:58Z"), std::nullopt}));
  EXPECT_NE(removed.remediation.find("already gone"), std::string::npos);
  EXPECT_FALSE(removed.detail);
  EXPECT_TRUE(second.next.initialized);
  EXPECT_EQ(second.firing, 0u);
  ASSERT_EQ(second.next.assignments.size(), 1u) << "remembered as a tombstone";
  tracked_assignment tombstone = first.next.assignments[0];
  tombstone.firing = false;
  tombstone.removed_at = t2;
  EXPECT_EQ(second.next.assignments[0], tombstone);

  const auto third = step(second.next, {}, t3);
  EXPECT_TRUE(third.alerts.empty()) << "a removal is reported once";
  EXPECT_EQ(third.next.assignments, second.next.assignments) << "a tombstone keeps its removal time";
}

TEST(cycle, removal_uses_the_stored_assignment_not_a_fresh_one) {
  assignment a = elevation("a");
  const auto first = step(tenant_state{}, {a}, t1);
  a.principal.display_name = "Alice";
  a.created_by = bob;
  const auto second = step(first.next, {a}, t2);
  EXPECT_TRUE(second.alerts.empty()) << "audit fields filled in later are no change";
  const auto third = step(second.next, {}, t3);
  ASSERT_EQ(third.alerts.size(), 1u);
  EXPECT_EQ(third.alerts[0].subject->principal.display_name, "Alice");
  EXPECT_EQ(third.alerts[0].subject->created_by, bob);
  EXPECT_EQ(third.alerts[0].first_seen, t1);
}

// --- flapping: tombstones and occurrences ---

const timestamp t4 = at("2025-03-01T12:03:00Z");
const timestamp t5 = at("2025-03-01T12:04:00Z");

// The subject the ids of occurrence `n` of `a` are made from.
std::string subject_of(const assignment& a, int n) {
  return n == 1 ? identity_key(a) : identity_key(a) + "#" + std::to_string(n);
}

// The tracked entry for `a` in `state`; fails the test when there is none.
const tracked_assignment& tracked(const tenant_state& state, const assignment& a) {
  const std::string key = identity_key(a);
  const auto it = std::find_if(state.assignments.begin(), state.assignments.end(),
                               [&](const tracked_assignment& t) { return t.key == key; });
  if (it == state.assignments.end()) {
    throw std::logic_error("not tracked: " + key);
  }
  return *it;
}

// The listing drops an assignment and shows it again, same id and createdOn. Under one id per
// identity the second assignment.created would be a duplicate of the first to the outbox and
// to every receiver that de-duplicates on ids, and the receiver's last word would be
// "resolved" while the assignment is there.
TEST(cycle, flapping_assignment_gets_new_ids_for_each_occurrence) {
  const assignment a = elevation("0f2b8c5e-1d3a-4c7b-9e6f-2a4d8b1c3e5f");
  const auto first = step(tenant_state{}, {a}, t1);
  const auto second = step(first.next, {}, t2);
  const auto third = step(second.next, {a}, t3);
  const auto fourth = step(third.next, {}, t4);
  ASSERT_EQ(kinds(first), std::vector<std::string>{std::string(alert_kind::created)});
  ASSERT_EQ(kinds(second), std::vector<std::string>{std::string(alert_kind::removed)});
  ASSERT_EQ(kinds(third), std::vector<std::string>{std::string(alert_kind::created)});
  ASSERT_EQ(kinds(fourth), std::vector<std::string>{std::string(alert_kind::removed)});
  const alert& created1 = first.alerts[0];
  const alert& removed1 = second.alerts[0];
  const alert& created2 = third.alerts[0];
  const alert& removed2 = fourth.alerts[0];

  // The first occurrence is named by its identity key alone, as before occurrences existed.
  // Pinned: the ids schema 2 gave the assignment without a createdOn (schema 3 never puts one
  // in the key).
  EXPECT_EQ(created1.id, "3a081a496d52607a84238f9e2508b4f4");
  EXPECT_EQ(removed1.id, "fc6a30591507008ed546a602bf80990e");
  EXPECT_EQ(created1.correlation_key, "2cfd5c5bc0610f0a2ec8de9137848d75");
  EXPECT_EQ(removed1.correlation_key, created1.correlation_key);

  EXPECT_EQ(created2.id, alert_id(tenant_guid, alert_kind::created, subject_of(a, 2)));
  EXPECT_EQ(created2.correlation_key, correlation_key(tenant_guid, subject_of(a, 2)));
  // Pinned like the first: receivers de-duplicate on these across versions.
  EXPECT_EQ(created2.id, "5b0accd538155a32ab3874fd89e5e7b4");
  EXPECT_EQ(created2.correlation_key, "e3c2b07d5eb9abbf2623965581b7b0f4");
  EXPECT_NE(created2.id, created1.id);
  EXPECT_NE(created2.correlation_key, created1.correlation_key);
  EXPECT_EQ(created2.subject, a);
  EXPECT_EQ(created2.first_seen, t3) << "a new occurrence is first seen when it comes back";
  EXPECT_EQ(created2.detected_at, t3);

  EXPECT_EQ(removed2.id, alert_id(tenant_guid, alert_kind::removed, subject_of(a, 2)));
  EXPECT_EQ(removed2.correlation_key, created2.correlation_key) << "created and removed of one occurrence";
  EXPECT_NE(removed2.id, removed1.id);
  EXPECT_EQ(removed2.first_seen, t3);
  EXPECT_EQ(removed2.detected_at, t4);

  const std::vector<std::string> ids{created1.id, removed1.id, created2.id, removed2.id};
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 4u) << "no two alerts share an id";
}

TEST(cycle, each_reappearance_counts_one_more_occurrence) {
  const assignment a = elevation("a");
  tenant_state state = step(tenant_state{}, {a}, t1).next;
  EXPECT_EQ(tracked(state, a).occurrence, 1);
  timestamp now = t1;
  for (int n = 2; n <= 5; ++n) {
    now += seconds{60};
    state = step(state, {}, now).next;
    EXPECT_EQ(tracked(state, a).occurrence, n - 1) << "a tombstone keeps the occurrence it ended";
    now += seconds{60};
    const auto back = step(state, {a}, now);
    ASSERT_EQ(back.alerts.size(), 1u);
    EXPECT_EQ(back.alerts[0].id, alert_id(tenant_guid, alert_kind::created, subject_of(a, n)));
    EXPECT_EQ(back.alerts[0].correlation_key, correlation_key(tenant_guid, subject_of(a, n)));
    state = back.next;
    EXPECT_EQ(tracked(state, a).occurrence, n);
  }
}

TEST(cycle, a_reappearance_is_tracked_like_a_new_assignment) {
  assignment a = elevation("a");
  a.principal.display_name = "Alice";
  const auto first = step(tenant_state{}, {a}, t1);
  const auto second = step(first.next, {}, t2);
  assignment back = elevation("a");  // the same identity, reported with fewer audit fields
  back.created_by = bob;
  const auto third = step(second.next, {back}, t3);

  ASSERT_EQ(third.next.assignments.size(), 1u);
  const tracked_assignment& t = third.next.assignments[0];
  EXPECT_EQ(t.current, back) << "nothing from the old occurrence carries over";
  EXPECT_EQ(t.key, identity_key(a));
  EXPECT_EQ(t.first_seen, t3);
  EXPECT_EQ(t.occurrence, 2);
  EXPECT_FALSE(t.removed_at);
  EXPECT_TRUE(t.firing);
  EXPECT_FALSE(t.baselined);
  EXPECT_FALSE(t.allowed);
  EXPECT_EQ(t.rule, "anything-at-root");
  EXPECT_EQ(t.level, severity::critical);
  EXPECT_EQ(third.firing, 1u);
  ASSERT_EQ(third.alerts.size(), 1u);
  EXPECT_EQ(third.alerts[0].subject, back);
  EXPECT_EQ(third.alerts[0].status, "firing");
  EXPECT_NE(third.alerts[0].remediation.find("az role assignment delete"), std::string::npos);

  const auto fourth = step(third.next, {back}, t4);
  EXPECT_TRUE(fourth.alerts.empty()) << "the new occurrence fires once, like any assignment";
  EXPECT_EQ(fourth.next.assignments, third.next.assignments);
}

TEST(cycle, a_tombstone_stays_as_it_is_while_missing) {
  const auto first = step(tenant_state{}, {elevation("a")}, t1);
  const auto second = step(first.next, {}, t2);
  ASSERT_EQ(second.next.assignments.size(), 1u);
  const tracked_assignment tomb = second.next.assignments[0];
  EXPECT_EQ(tomb.removed_at, t2);
  EXPECT_FALSE(tomb.firing);
  EXPECT_FALSE(tomb.allowed);
  EXPECT_EQ(tomb.first_seen, t1);
  EXPECT_EQ(tomb.rule, "anything-at-root") << "what it fired under stays on record";
  EXPECT_EQ(tomb.occurrence, 1);

  tenant_state state = second.next;
  for (const timestamp now : {t3, t4, t5, t2 + std::chrono::hours{24 * 29}}) {
    const auto out = step(state, {}, now);
    EXPECT_TRUE(out.alerts.empty());
    ASSERT_EQ(out.next.assignments.size(), 1u);
    EXPECT_EQ(out.next.assignments[0], tomb);
    state = out.next;
  }
}

TEST(cycle, tombstones_never_fire_or_count) {
  const std::vector<rule> allow_break_glass{
      make_rule("anything-at-root", {"/"}, {"*"}, severity::critical, {{break_glass, "break-glass"}})};
  const assignment fired = elevation("a");
  const assignment allowed = elevation("b", break_glass);
  const assignment unwatched = make_assignment("c", "/subscriptions/s", reader_role, alice);
  const assignment stays = elevation("d", bob);
  const auto first = step(tenant_state{}, {fired, allowed, unwatched, stays}, t1, allow_break_glass);
  EXPECT_EQ(first.firing, 2u);
  EXPECT_EQ(first.allowed, 1u);

  const auto second = step(first.next, {stays}, t2, allow_break_glass);
  EXPECT_EQ(kinds(second), std::vector<std::string>{std::string(alert_kind::removed)});
  EXPECT_EQ(second.firing, 1u);
  EXPECT_EQ(second.allowed, 0u);
  ASSERT_EQ(second.next.assignments.size(), 4u);
  for (const tracked_assignment& t : second.next.assignments) {
    EXPECT_EQ(t.removed_at.has_value(), t.key != identity_key(stays)) << t.key;
    EXPECT_EQ(t.firing, t.key == identity_key(stays)) << t.key;
    EXPECT_FALSE(t.allowed) << t.key;
  }

  // Rules that would now alert on every tombstone: tombstones are not there to alert on.
  std::vector<rule> everything = default_rules();
  everything.push_back(make_rule("everything", {"*"}, {"*"}, severity::low));
  const auto third = step(second.next, {stays}, t3, everything);
  EXPECT_TRUE(third.alerts.empty());
  EXPECT_EQ(third.firing, 1u);
  EXPECT_EQ(third.allowed, 0u);
  EXPECT_EQ(third.next.assignments, second.next.assignments);
}

TEST(cycle, tombstones_are_sorted_in_with_the_live_assignments) {
  const auto first = step(tenant_state{}, {elevation("a"), elevation("b"), elevation("c"), elevation("d")}, t1);
  const auto second = step(first.next, {elevation("b"), elevation("d"), elevation("e")}, t2);
  ASSERT_EQ(second.next.assignments.size(), 5u);
  EXPECT_TRUE(std::is_sorted(second.next.assignments.begin(), second.next.assignments.end(),
                             [](const tracked_assignment& x, const tracked_assignment& y) { return x.key < y.key; }));
  EXPECT_EQ(second.next.assignments[0].removed_at, t2);
  EXPECT_FALSE(second.next.assignments[1].removed_at);
  EXPECT_EQ(second.next.assignments[2].removed_at, t2);
  EXPECT_FALSE(second.next.assignments[3].removed_at);
  EXPECT_FALSE(second.next.assignments[4].removed_at);
}

// A tombstone lives for tombstone_retention after the removal; at exactly that age it is still
// there, one second later it is gone.
TEST(cycle, tombstones_expire_after_the_retention) {
  const auto first = step(tenant_state{}, {elevation("a"), elevation("b", bob)}, t1);
  const auto second = step(first.next, {elevation("b", bob)}, t2);
  ASSERT_EQ(second.next.assignments.size(), 2u);

  const auto at_limit = step(second.next, {elevation("b", bob)}, t2 + tombstone_retention);
  EXPECT_TRUE(at_limit.alerts.empty());
  ASSERT_EQ(at_limit.next.assignments.size(), 2u);
  EXPECT_EQ(at_limit.next.assignments[0].removed_at, t2);

  const auto past_limit = step(at_limit.next, {elevation("b", bob)}, t2 + tombstone_retention + seconds{1});
  EXPECT_TRUE(past_limit.alerts.empty()) << "a tombstone goes without a word";
  ASSERT_EQ(past_limit.next.assignments.size(), 1u);
  EXPECT_EQ(past_limit.next.assignments[0].current, elevation("b", bob));
  EXPECT_EQ(past_limit.firing, 1u);
}

TEST(cycle, retention_is_thirty_days) {
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::hours>(tombstone_retention), std::chrono::hours{720});
}

TEST(cycle, a_reappearance_at_the_end_of_the_retention_is_still_a_new_occurrence) {
  const assignment a = elevation("a");
  const auto first = step(tenant_state{}, {a}, t1);
  const auto second = step(first.next, {}, t2);
  const auto back = step(second.next, {a}, t2 + tombstone_retention);
  ASSERT_EQ(back.alerts.size(), 1u);
  EXPECT_EQ(back.alerts[0].id, alert_id(tenant_guid, alert_kind::created, subject_of(a, 2)));
  EXPECT_EQ(tracked(back.next, a).occurrence, 2);
}

// Issue 7: once its tombstone has expired, an identity that comes back used to be occurrence 1
// again, with the first occurrence's ids, so the outbox's unique (alert id, sink) and receivers
// that de-duplicate on ids dropped its assignment.created. The expired tombstone leaves its
// occurrence behind as a mark, and the re-appearance counts on from it.
TEST(cycle, a_reappearance_after_expiry_gets_ids_never_used_before) {
  const assignment a = elevation("a");
  const auto first = step(tenant_state{}, {a}, t1);
  const auto second = step(first.next, {}, t2);
  const timestamp later = t2 + tombstone_retention + seconds{1};

  // Whether or not a cycle ran after the expiry and dropped the tombstone.
  const auto dropped = step(second.next, {}, later);
  ASSERT_TRUE(dropped.next.assignments.empty());
  EXPECT_EQ(dropped.next.occurrence_marks, (std::map<std::string, int, std::less<>>{{tracked(first.next, a).key, 1}}));
  for (const tenant_state& before : {second.next, dropped.next}) {
    const auto back = step(before, {a}, later + seconds{60});
    ASSERT_EQ(back.alerts.size(), 1u);
    EXPECT_EQ(back.alerts[0].kind, alert_kind::created);
    EXPECT_NE(back.alerts[0].id, first.alerts[0].id);
    EXPECT_NE(back.alerts[0].correlation_key, first.alerts[0].correlation_key);
    EXPECT_EQ(back.alerts[0].id, alert_id(tenant_guid, alert_kind::created, subject_of(a, 2)));
    EXPECT_EQ(back.alerts[0].first_seen, later + seconds{60});
    ASSERT_EQ(back.next.assignments.size(), 1u);
    EXPECT_EQ(back.next.assignments[0].occurrence, 2);
    EXPECT_TRUE(back.next.occurrence_marks.empty()) << "tracked again: the occurrence is in the assignment";
  }
}

// Deterministic (invariant 3): the same history gives the same ids, and every expiry moves the
// count on, so a third occurrence after a second expiry is "#3", never a repeat.
TEST(cycle, every_expiry_and_return_counts_on) {
  const assignment a = elevation("a");
  std::set<std::string> ids;
  tenant_state state;
  timestamp now = t1;
  for (int occurrence = 1; occurrence <= 3; ++occurrence) {
    const auto present = step(state, {a}, now);
    ASSERT_EQ(present.alerts.size(), 1u);
    EXPECT_EQ(present.alerts[0].id, alert_id(tenant_guid, alert_kind::created, subject_of(a, occurrence)));
    EXPECT_TRUE(ids.insert(present.alerts[0].id).second);
    const auto gone = step(present.next, {}, now + seconds{60});
    const auto expired = step(gone.next, {}, now + seconds{60} + tombstone_retention + seconds{1});
    ASSERT_TRUE(expired.next.assignments.empty());
    state = expired.next;
    now = now + seconds{120} + tombstone_retention;
  }
  EXPECT_EQ(state.occurrence_marks.begin()->second, 3);
}

// A mark never goes backwards, even when a stored tombstone holds a lower count than the mark
// (state from before marks existed, or edited by hand).
TEST(cycle, a_tombstone_below_its_mark_counts_on_from_the_mark) {
  const assignment a = elevation("a");
  const auto first = step(tenant_state{}, {a}, t1);
  auto gone = step(first.next, {}, t2).next;
  gone.occurrence_marks[tracked(first.next, a).key] = 5;
  const auto back = step(gone, {a}, t3);
  ASSERT_EQ(back.alerts.size(), 1u);
  EXPECT_EQ(back.alerts[0].id, alert_id(tenant_guid, alert_kind::created, subject_of(a, 6)));
}

// What a sink added later is told: the created alert of every assignment firing now, under the
// ids it went out with, and nothing about tombstones, baselined or allowed ones.
TEST(cycle, firing_alerts_repeat_the_created_alerts_of_what_fires) {
  const std::vector<rule> allow_bob{
      make_rule("anything-at-root", {"/"}, {"*"}, severity::critical, {{bob, "break glass drill"}})};
  const assignment a = elevation("a");
  const assignment b = elevation("b", bob);
  const assignment c = elevation("c", break_glass);
  const auto first = step(tenant_state{}, {a, b, c}, t1, allow_bob);
  ASSERT_EQ(first.alerts.size(), 2u);
  const auto second = step(first.next, {a, b}, t2, allow_bob);
  const auto replay = firing_alerts(tenant_ref{tenant_guid, "contoso"}, second.next, t3);
  ASSERT_EQ(replay.size(), 1u);
  const alert& original = first.alerts[0].subject->principal.id == alice ? first.alerts[0] : first.alerts[1];
  EXPECT_EQ(replay[0].id, original.id);
  EXPECT_EQ(replay[0].kind, alert_kind::created);
  EXPECT_EQ(replay[0].status, "firing");
  EXPECT_EQ(replay[0].correlation_key, original.correlation_key);
  EXPECT_EQ(replay[0].first_seen, original.first_seen);
  EXPECT_EQ(replay[0].rule, original.rule);
  EXPECT_EQ(replay[0].level, original.level);
  EXPECT_EQ(replay[0].subject, original.subject);
  EXPECT_EQ(replay[0].remediation, original.remediation);
  EXPECT_EQ(replay[0].detected_at, t3);
  EXPECT_TRUE(replay[0].evidence.empty());
}

// Every tracked assignment leaves a tombstone, not only firing ones, so that how the listing
// flaps does not depend on the rules of the day.
TEST(cycle, a_non_firing_assignment_leaves_a_tombstone_and_its_reappearance_alerts_per_rules) {
  const std::vector<rule> allow_alice{
      make_rule("anything-at-root", {"/"}, {"*"}, severity::critical, {{alice, "migration window"}})};
  const assignment a = elevation("a");
  const assignment reader = make_assignment("r", "/subscriptions/s1", reader_role, alice);
  const auto first = step(tenant_state{}, {a, reader}, t1, allow_alice);
  EXPECT_TRUE(first.alerts.empty());
  const auto second = step(first.next, {}, t2, allow_alice);
  EXPECT_TRUE(second.alerts.empty()) << "nothing was announced, so nothing is resolved";
  EXPECT_EQ(tracked(second.next, a).removed_at, t2);
  EXPECT_EQ(tracked(second.next, reader).removed_at, t2);

  // Still allowed: a new occurrence, and still quiet.
  const auto third = step(second.next, {a, reader}, t3, allow_alice);
  EXPECT_TRUE(third.alerts.empty());
  EXPECT_EQ(tracked(third.next, a).occurrence, 2);
  EXPECT_TRUE(tracked(third.next, a).allowed);
  EXPECT_EQ(tracked(third.next, reader).occurrence, 2);
  EXPECT_EQ(third.allowed, 1u);

  // Gone again, and back when the rules watch both and allow no one: both alert, under their
  // third occurrence.
  const auto fourth = step(third.next, {}, t4, allow_alice);
  std::vector<rule> watch_both = default_rules();
  watch_both.push_back(make_rule("subscriptions", {"/subscriptions/*"}, {"*"}, severity::low));
  const auto fifth = step(fourth.next, {a, reader}, t5, watch_both);
  ASSERT_EQ(fifth.alerts.size(), 2u);
  for (const alert& created : fifth.alerts) {
    EXPECT_EQ(created.kind, alert_kind::created);
    EXPECT_EQ(created.first_seen, t5);
    EXPECT_EQ(created.id, alert_id(tenant_guid, alert_kind::created, subject_of(*created.subject, 3)));
  }
  EXPECT_EQ(fifth.firing, 2u);
}

// A baselined assignment was accepted as it stood at the first cycle. One that goes away and
// comes back is a new occurrence, which the baseline never saw: it alerts.
TEST(cycle, a_baselined_assignment_that_comes_back_alerts) {
  const assignment a = elevation("a");
  const auto first = step(tenant_state{}, {a}, t1, default_rules(), baseline_mode::silent);
  EXPECT_TRUE(first.alerts.empty());
  const auto second = step(first.next, {}, t2, default_rules(), baseline_mode::silent);
  EXPECT_TRUE(second.alerts.empty());
  EXPECT_TRUE(tracked(second.next, a).baselined) << "the tombstone keeps its record";

  const auto third = step(second.next, {a}, t3, default_rules(), baseline_mode::silent);
  ASSERT_EQ(third.alerts.size(), 1u);
  EXPECT_EQ(third.alerts[0].kind, alert_kind::created);
  EXPECT_EQ(third.alerts[0].id, alert_id(tenant_guid, alert_kind::created, subject_of(a, 2)));
  EXPECT_EQ(third.alerts[0].first_seen, t3);
  const tracked_assignment& t = tracked(third.next, a);
  EXPECT_FALSE(t.baselined);
  EXPECT_TRUE(t.firing);
  EXPECT_EQ(t.occurrence, 2);
  EXPECT_EQ(third.firing, 1u);
}

TEST(cycle, duplicates_of_a_reappearing_assignment_are_one_occurrence) {
  const assignment plain = elevation("a");
  assignment enriched = plain;
  enriched.principal.display_name = "Alice";
  const auto first = step(tenant_state{}, {plain}, t1);
  const auto second = step(first.next, {}, t2);
  const auto third = step(second.next, {plain, enriched, plain}, t3);
  ASSERT_EQ(third.alerts.size(), 1u);
  ASSERT_EQ(third.next.assignments.size(), 1u);
  EXPECT_EQ(third.next.assignments[0].occurrence, 2);
  EXPECT_EQ(third.next.assignments[0].current, enriched);
  EXPECT_EQ(third.firing, 1u);
}

// The occurrence comes from stored state, so it survives a restart; the ids follow it.
TEST(cycle, the_occurrence_comes_from_the_stored_tombstone) {
  const assignment a = elevation("a");
  tracked_assignment tomb;
  tomb.current = a;
  tomb.key = identity_key(a);
  tomb.first_seen = t1;
  tomb.occurrence = 6;
  tomb.removed_at = t2;
  tenant_state stored;
  stored.initialized = true;
  stored.assignments = {tomb};

  const auto out = step(stored, {a}, t3);
  ASSERT_EQ(out.alerts.size(), 1u);
  EXPECT_EQ(out.alerts[0].id, alert_id(tenant_guid, alert_kind::created, identity_key(a) + "#7"));
  EXPECT_EQ(tracked(out.next, a).occurrence, 7);
}

TEST(cycle, a_malformed_stored_occurrence_still_gets_new_ids) {
  const assignment a = elevation("a");
  for (const int stored : {0, -4, std::numeric_limits<int>::max()}) {
    tracked_assignment tomb;
    tomb.current = a;
    tomb.key = identity_key(a);
    tomb.first_seen = t1;
    tomb.occurrence = stored;
    tomb.removed_at = t2;
    tenant_state state;
    state.initialized = true;
    state.assignments = {tomb};
    const auto out = step(state, {a}, t3);
    ASSERT_EQ(out.alerts.size(), 1u) << stored;
    EXPECT_NE(out.alerts[0].id, alert_id(tenant_guid, alert_kind::created, identity_key(a))) << stored;
    EXPECT_GE(tracked(out.next, a).occurrence, 2) << stored;
  }
}

// A removal while the rules have changed resolves the occurrence that fired, under its ids.
TEST(cycle, the_removal_of_a_later_occurrence_names_the_rule_it_fired_under) {
  const assignment a = elevation("a");
  const auto first = step(tenant_state{}, {a}, t1);
  const auto second = step(first.next, {}, t2);
  const auto third = step(second.next, {a}, t3);
  const auto fourth = step(third.next, {}, t4, {});
  ASSERT_EQ(fourth.alerts.size(), 1u);
  EXPECT_EQ(fourth.alerts[0].rule, "anything-at-root");
  EXPECT_EQ(fourth.alerts[0].correlation_key, third.alerts[0].correlation_key);
}

// --- baseline ---

TEST(cycle, silent_baseline_remembers_without_alerting) {
  const assignment pre_existing = elevation("a");
  const auto first = step(tenant_state{}, {pre_existing}, t1, default_rules(), baseline_mode::silent);
  EXPECT_TRUE(first.alerts.empty());
  ASSERT_EQ(first.next.assignments.size(), 1u);
  EXPECT_TRUE(first.next.assignments[0].baselined);
  EXPECT_FALSE(first.next.assignments[0].firing);
  EXPECT_EQ(first.next.assignments[0].rule, "anything-at-root");
  EXPECT_EQ(first.firing, 0u);

  const auto second = step(first.next, {pre_existing}, t2, default_rules(), baseline_mode::silent);
  EXPECT_TRUE(second.alerts.empty());
  EXPECT_TRUE(second.next.assignments[0].baselined);

  const auto gone = step(second.next, {}, t3, default_rules(), baseline_mode::silent);
  EXPECT_TRUE(gone.alerts.empty()) << "never announced, so never resolved";
  ASSERT_EQ(gone.next.assignments.size(), 1u);
  EXPECT_EQ(gone.next.assignments[0].removed_at, t3) << "a tombstone all the same";
}

TEST(cycle, silent_baseline_applies_to_the_first_cycle_only) {
  const auto first = step(tenant_state{}, {elevation("a")}, t1, default_rules(), baseline_mode::silent);
  const auto second =
      step(first.next, {elevation("a"), elevation("b", bob)}, t2, default_rules(), baseline_mode::silent);
  ASSERT_EQ(second.alerts.size(), 1u);
  EXPECT_EQ(second.alerts[0].subject, elevation("b", bob));
}

TEST(cycle, silent_baseline_after_an_empty_first_cycle_alerts) {
  const auto first = step(tenant_state{}, {}, t1, default_rules(), baseline_mode::silent);
  ASSERT_TRUE(first.next.initialized);
  const auto second = step(first.next, {elevation("a")}, t2, default_rules(), baseline_mode::silent);
  EXPECT_EQ(kinds(second), std::vector<std::string>{std::string(alert_kind::created)});
}

TEST(cycle, alert_baseline_announces_what_is_already_there) {
  const auto first =
      step(tenant_state{}, {elevation("a"), elevation("b", bob)}, t1, default_rules(), baseline_mode::alert);
  EXPECT_EQ(first.alerts.size(), 2u);
  EXPECT_EQ(first.firing, 2u);
  for (const tracked_assignment& t : first.next.assignments) {
    EXPECT_FALSE(t.baselined);
  }
}

TEST(cycle, baselined_assignment_stays_quiet_through_config_changes) {
  const std::vector<rule> allow_alice{
      make_rule("anything-at-root", {"/"}, {"*"}, severity::critical, {{alice, "temporary"}})};
  const auto first = step(tenant_state{}, {elevation("a")}, t1, default_rules(), baseline_mode::silent);
  const auto second = step(first.next, {elevation("a")}, t2, allow_alice);
  const auto third = step(second.next, {elevation("a")}, t3, default_rules());
  EXPECT_TRUE(second.alerts.empty());
  EXPECT_TRUE(third.alerts.empty());
  EXPECT_TRUE(third.next.assignments[0].baselined);
}

// --- unwatched and allowed ---

TEST(cycle, unwatched_assignment_is_tracked_silently) {
  const assignment reader = make_assignment("r", "/subscriptions/s1", reader_role, alice);
  const auto first = step(tenant_state{}, {reader}, t1);
  EXPECT_TRUE(first.alerts.empty());
  ASSERT_EQ(first.next.assignments.size(), 1u);
  const tracked_assignment& t = first.next.assignments[0];
  EXPECT_TRUE(t.rule.empty());
  EXPECT_EQ(t.level, severity::info);
  EXPECT_FALSE(t.firing);
  EXPECT_FALSE(t.allowed);
  EXPECT_EQ(t.first_seen, t1);

  const auto gone = step(first.next, {}, t2);
  EXPECT_TRUE(gone.alerts.empty());
  ASSERT_EQ(gone.next.assignments.size(), 1u);
  EXPECT_EQ(gone.next.assignments[0].removed_at, t2) << "a tombstone all the same";
}

TEST(cycle, allowed_principal_raises_nothing) {
  const std::vector<rule> rules{
      make_rule("anything-at-root", {"/"}, {"*"}, severity::critical, {{break_glass, "break-glass account"}})};
  const assignment a = elevation("a", break_glass);
  const auto first = step(tenant_state{}, {a}, t1, rules);
  EXPECT_TRUE(first.alerts.empty());
  ASSERT_EQ(first.next.assignments.size(), 1u);
  EXPECT_TRUE(first.next.assignments[0].allowed);
  EXPECT_FALSE(first.next.assignments[0].firing);
  EXPECT_EQ(first.next.assignments[0].rule, "anything-at-root");
  EXPECT_EQ(first.allowed, 1u);
  EXPECT_EQ(first.firing, 0u);

  const auto gone = step(first.next, {}, t2, rules);
  EXPECT_TRUE(gone.alerts.empty());
}

TEST(cycle, allowed_under_silent_baseline_is_allowed_not_baselined) {
  const std::vector<rule> rules{make_rule("anything-at-root", {"/"}, {"*"}, severity::critical, {{alice, "x"}})};
  const auto first = step(tenant_state{}, {elevation("a")}, t1, rules, baseline_mode::silent);
  ASSERT_EQ(first.next.assignments.size(), 1u);
  EXPECT_TRUE(first.next.assignments[0].allowed);
  EXPECT_FALSE(first.next.assignments[0].baselined);
}

TEST(cycle, removing_the_allow_entry_fires) {
  const std::vector<rule> with_allow{
      make_rule("anything-at-root", {"/"}, {"*"}, severity::critical, {{alice, "migration window"}})};
  const auto first = step(tenant_state{}, {elevation("a")}, t1, with_allow);
  EXPECT_TRUE(first.alerts.empty());
  const auto second = step(first.next, {elevation("a")}, t2, default_rules());
  ASSERT_EQ(second.alerts.size(), 1u);
  EXPECT_EQ(second.alerts[0].kind, alert_kind::created);
  EXPECT_EQ(second.alerts[0].first_seen, t1) << "first seen when it appeared, not when it became watched";
  EXPECT_EQ(second.alerts[0].detected_at, t2);
  EXPECT_TRUE(second.next.assignments[0].firing);
  EXPECT_FALSE(second.next.assignments[0].allowed);
  EXPECT_EQ(second.allowed, 0u);

  const auto third = step(second.next, {elevation("a")}, t3, default_rules());
  EXPECT_TRUE(third.alerts.empty());
}

TEST(cycle, a_new_rule_fires_for_an_assignment_it_now_watches) {
  const assignment reader = make_assignment("r", "/subscriptions/s1", reader_role, alice);
  const auto first = step(tenant_state{}, {reader}, t1);
  std::vector<rule> wider = default_rules();
  wider.push_back(make_rule("subscriptions", {"/subscriptions/*"}, {"*"}, severity::low));
  const auto second = step(first.next, {reader}, t2, wider);
  ASSERT_EQ(second.alerts.size(), 1u);
  EXPECT_EQ(second.alerts[0].rule, "subscriptions");
  EXPECT_EQ(second.alerts[0].level, severity::low);
  EXPECT_EQ(second.alerts[0].first_seen, t1);
}

TEST(cycle, adding_an_allow_entry_does_not_retract_a_firing_alert) {
  const auto first = step(tenant_state{}, {elevation("a")}, t1);
  const std::vector<rule> with_allow{
      make_rule("anything-at-root", {"/"}, {"*"}, severity::critical, {{alice, "approved after the fact"}})};
  const auto second = step(first.next, {elevation("a")}, t2, with_allow);
  EXPECT_TRUE(second.alerts.empty());
  EXPECT_TRUE(second.next.assignments[0].firing);
  const auto gone = step(second.next, {}, t3, with_allow);
  EXPECT_EQ(kinds(gone), std::vector<std::string>{std::string(alert_kind::removed)});
}

TEST(cycle, a_firing_assignment_follows_a_changed_rule_but_keeps_one_when_unwatched) {
  const auto first = step(tenant_state{}, {elevation("a")}, t1);
  const std::vector<rule> renamed{make_rule("root-uaa", {"/"}, {uaa_role}, severity::high)};
  const auto second = step(first.next, {elevation("a")}, t2, renamed);
  EXPECT_TRUE(second.alerts.empty()) << "still the same firing alert";
  EXPECT_EQ(second.next.assignments[0].rule, "root-uaa");
  EXPECT_EQ(second.next.assignments[0].level, severity::high);

  const auto third = step(second.next, {elevation("a")}, t3, {});
  EXPECT_TRUE(third.alerts.empty());
  EXPECT_EQ(third.next.assignments[0].rule, "root-uaa");
  EXPECT_TRUE(third.next.assignments[0].firing);
}

// --- identity ---

TEST(cycle, duplicate_entries_are_one_assignment) {
  assignment plain = elevation("a");
  assignment enriched = plain;
  enriched.principal.display_name = "Alice";
  enriched.created_by = bob;
  const auto out = step(tenant_state{}, {plain, enriched, plain}, t1);
  ASSERT_EQ(out.alerts.size(), 1u);
  ASSERT_EQ(out.next.assignments.size(), 1u);
  EXPECT_EQ(out.firing, 1u);
  EXPECT_EQ(out.next.assignments[0].current.principal.display_name, "Alice") << "copies complete each other";
  EXPECT_EQ(out.next.assignments[0].current.created_by, bob);
  EXPECT_EQ(out.alerts[0].subject, out.next.assignments[0].current);
}

TEST(cycle, casing_differences_are_no_churn) {
  const assignment lower = make_assignment("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
                                           "/providers/Microsoft.Management/managementGroups/mg1", uaa_role, alice);
  assignment upper = lower;
  upper.id = "/PROVIDERS/MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE";
  upper.scope = "/providers/microsoft.management/managementgroups/MG1/";
  upper.role.id = "18D7D88D-D35E-4FB5-A5C3-7773C20A72D9";
  upper.principal.id = "11111111111111111111111111111111";
  const std::vector<rule> rules{
      make_rule("mg", {"/providers/Microsoft.Management/managementGroups/mg1"}, {uaa_role}, severity::high)};

  const auto first = step(tenant_state{}, {lower}, t1, rules);
  ASSERT_EQ(first.alerts.size(), 1u);
  const auto second = step(first.next, {upper}, t2, rules);
  EXPECT_TRUE(second.alerts.empty());
  ASSERT_EQ(second.next.assignments.size(), 1u);
  EXPECT_EQ(second.next.assignments[0].current, upper) << "the latest report is what is remembered";
  EXPECT_EQ(second.next.assignments[0].first_seen, t1);
  const auto third = step(second.next, {lower}, t3, rules);
  EXPECT_TRUE(third.alerts.empty());
}

TEST(cycle, tenant_id_casing_does_not_change_ids) {
  run lower;
  lower.current = make_snapshot({elevation("a")}, t1);
  run upper = lower;
  upper.tenant.id = "72F988BF-86F1-41AF-91AB-2D7CD011DB47";
  const auto a = lower();
  const auto b = upper();
  ASSERT_EQ(a.alerts.size(), 1u);
  ASSERT_EQ(b.alerts.size(), 1u);
  EXPECT_EQ(a.alerts[0].id, b.alerts[0].id);
  EXPECT_EQ(a.alerts[0].correlation_key, b.alerts[0].correlation_key);
  EXPECT_EQ(b.alerts[0].tenant.id, "72F988BF-86F1-41AF-91AB-2D7CD011DB47") << "the tenant is reported as configured";
}

// --- order, counts, purity ---

TEST(cycle, removals_first_then_creations_each_by_key) {
  const assignment a = elevation("a", alice);
  const assignment b = elevation("b", alice);
  const assignment c = elevation("c", alice);
  const assignment d = elevation("d", alice);
  const assignment e = elevation("e", alice);
  const auto first = step(tenant_state{}, {c, a}, t1);
  ASSERT_EQ(first.alerts.size(), 2u);
  EXPECT_EQ(first.alerts[0].subject, a);
  EXPECT_EQ(first.alerts[1].subject, c);

  const auto second = step(first.next, {e, b, d}, t2);
  ASSERT_EQ(second.alerts.size(), 5u);
  EXPECT_EQ(kinds(second), (std::vector<std::string>{"assignment.removed", "assignment.removed", "assignment.created",
                                                     "assignment.created", "assignment.created"}));
  EXPECT_EQ(second.alerts[0].subject, a);
  EXPECT_EQ(second.alerts[1].subject, c);
  EXPECT_EQ(second.alerts[2].subject, b);
  EXPECT_EQ(second.alerts[3].subject, d);
  EXPECT_EQ(second.alerts[4].subject, e);
}

TEST(cycle, next_state_is_sorted_by_key_whatever_the_input_order) {
  const std::vector<assignment> shuffled{elevation("e"), make_assignment("b", "/subscriptions/s", reader_role, bob),
                                         elevation("a"), elevation("d", bob), elevation("c")};
  const auto first = step(tenant_state{}, shuffled, t1);
  ASSERT_EQ(first.next.assignments.size(), 5u);
  EXPECT_TRUE(std::is_sorted(first.next.assignments.begin(), first.next.assignments.end(),
                             [](const tracked_assignment& x, const tracked_assignment& y) { return x.key < y.key; }));

  tenant_state unsorted = first.next;
  std::reverse(unsorted.assignments.begin(), unsorted.assignments.end());
  const auto second = step(unsorted, shuffled, t2);
  EXPECT_TRUE(second.alerts.empty());
  EXPECT_EQ(second.next.assignments, first.next.assignments);
}

TEST(cycle, counts_firing_and_allowed) {
  const std::vector<rule> rules{
      make_rule("anything-at-root", {"/"}, {"*"}, severity::critical, {{break_glass, "break-glass"}})};
  const auto out = step(tenant_state{},
                        {elevation("a"), elevation("b", bob), elevation("c", break_glass),
                         make_assignment("d", "/subscriptions/s", owner_role, alice)},
                        t1, rules);
  EXPECT_EQ(out.alerts.size(), 2u);
  EXPECT_EQ(out.firing, 2u);
  EXPECT_EQ(out.allowed, 1u);
  EXPECT_EQ(out.next.assignments.size(), 4u);
}

TEST(cycle, same_input_same_output) {
  run r;
  r.previous = step(tenant_state{}, {elevation("a"), elevation("b")}, t1).next;
  r.current = make_snapshot({elevation("b"), elevation("c"), elevation("c")}, t2);
  r.now = t2;
  const auto once = r();
  const auto twice = r();
  EXPECT_EQ(once.next, twice.next);
  EXPECT_EQ(once.alerts, twice.alerts);
  EXPECT_EQ(once.firing, twice.firing);
  EXPECT_EQ(once.allowed, twice.allowed);
  EXPECT_EQ(once.alerts.size(), 2u);
}

// A restart or a second replica sees the same snapshot from a different starting point in
// time; the alert ids depend only on tenant, kind, the assignment and its occurrence (which
// other assignments and the time do not change).
TEST(cycle, ids_do_not_depend_on_time_or_history) {
  const auto here = step(tenant_state{}, {elevation("a")}, t1);
  const auto there = step(tenant_state{}, {elevation("x"), elevation("a")}, t3);
  ASSERT_EQ(here.alerts.size(), 1u);
  ASSERT_EQ(there.alerts.size(), 2u);
  EXPECT_EQ(here.alerts[0].id, there.alerts[0].id);
  EXPECT_EQ(here.alerts[0].correlation_key, there.alerts[0].correlation_key);
}

// The same values as identity_test's ids.an_assignment_gets_the_ids_schema_2_gave_it_without_created_on.
TEST(cycle, pinned_alert_id_of_a_full_run) {
  const auto out = step(tenant_state{}, {elevation("0f2b8c5e-1d3a-4c7b-9e6f-2a4d8b1c3e5f")}, t1);
  ASSERT_EQ(out.alerts.size(), 1u);
  EXPECT_EQ(out.alerts[0].id, "3a081a496d52607a84238f9e2508b4f4");
  EXPECT_EQ(out.alerts[0].correlation_key, "2cfd5c5bc0610f0a2ec8de9137848d75");
}

}  // namespace
}  // namespace rootwatch::engine
