#include "engine/watch.hpp"

#include "builders.hpp"
#include "engine/cycle.hpp"
#include "engine/identity.hpp"
#include "engine/remediation.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

// watch.degraded and watch.recovered: record_failure counts failed cycles and raises
// watch.degraded once per streak; run_cycle ends the streak and resolves it.

namespace rootwatch::engine {
namespace {

using namespace testing;

const timestamp last_ok = at("2025-03-01T11:59:00Z");
const timestamp f1 = at("2025-03-01T12:00:00Z");
const timestamp f2 = at("2025-03-01T12:01:00Z");
const timestamp f3 = at("2025-03-01T12:02:00Z");
const timestamp f4 = at("2025-03-01T12:03:00Z");
const timestamp ok = at("2025-03-01T12:10:00Z");
const std::string error_403 = "arm role assignments: 403 AuthorizationFailed";
const std::string error_timeout = "resource graph: deadline of 30s exceeded";

// A tenant whose last complete cycle was at `last_ok`, with one firing assignment and one
// tombstone: what record_failure must leave alone.
tenant_state watched_tenant() {
  run r;
  r.current = make_snapshot({elevation("a"), elevation("b", bob)}, last_ok - seconds{60});
  r.now = last_ok - seconds{60};
  tenant_state state = r().next;
  r.previous = state;
  r.current = make_snapshot({elevation("a")}, last_ok);
  r.now = last_ok;
  return r().next;
}

failure_output fail_at(const tenant_state& previous, timestamp now, int degraded_after = 3,
                       const std::string& error = error_403) {
  fail f;
  f.previous = previous;
  f.now = now;
  f.degraded_after = degraded_after;
  f.error = error;
  return f();
}

cycle_output succeed_at(const tenant_state& previous, timestamp now, std::vector<assignment> assignments = {}) {
  run r;
  r.previous = previous;
  r.current = make_snapshot(std::move(assignments), now - seconds{2}, "resource_graph");
  r.now = now;
  return r();
}

// Fails once at each of `times`, starting from `state`; returns the last output.
failure_output fail_through(tenant_state state, const std::vector<timestamp>& times, int degraded_after = 3) {
  failure_output out{state, {}};
  for (const timestamp now : times) {
    out = fail_at(state, now, degraded_after);
    state = out.next;
  }
  return out;
}

std::string subject_after(timestamp t) {
  return "watch|" + format_iso8601(t);
}

// --- record_failure ---

TEST(watch, failures_below_the_threshold_raise_nothing) {
  const tenant_state start = watched_tenant();
  const auto first = fail_at(start, f1, 3, error_403);
  EXPECT_TRUE(first.alerts.empty());
  EXPECT_EQ(first.next.health.consecutive_failures, 1);
  EXPECT_EQ(first.next.health.failing_since, f1);
  EXPECT_EQ(first.next.health.last_success, last_ok);
  EXPECT_FALSE(first.next.health.degraded);
  EXPECT_EQ(first.next.health.last_error, error_403);

  const auto second = fail_at(first.next, f2, 3, error_timeout);
  EXPECT_TRUE(second.alerts.empty());
  EXPECT_EQ(second.next.health.consecutive_failures, 2);
  EXPECT_EQ(second.next.health.failing_since, f1) << "the streak started at the first failure";
  EXPECT_EQ(second.next.health.last_success, last_ok);
  EXPECT_FALSE(second.next.health.degraded);
  EXPECT_EQ(second.next.health.last_error, error_timeout) << "the latest error is the one to show";
}

TEST(watch, the_nth_failure_raises_exactly_one_degraded_alert) {
  const tenant_state start = watched_tenant();
  const auto second = fail_through(start, {f1, f2});
  const auto third = fail_at(second.next, f3, 3, error_timeout);
  ASSERT_EQ(third.alerts.size(), 1u);
  const alert& a = third.alerts[0];
  const std::string subject = subject_after(last_ok);
  EXPECT_EQ(a.id, alert_id(tenant_guid, alert_kind::degraded, subject));
  EXPECT_EQ(a.kind, alert_kind::degraded);
  EXPECT_EQ(a.status, "firing");
  EXPECT_EQ(a.level, severity::high);
  EXPECT_EQ(a.rule, "");
  EXPECT_EQ(a.tenant, (tenant_ref{tenant_guid, "contoso"}));
  EXPECT_FALSE(a.subject);
  EXPECT_FALSE(a.actor);
  EXPECT_TRUE(a.evidence.empty());
  EXPECT_EQ(a.correlation_key, correlation_key(tenant_guid, subject));
  EXPECT_EQ(a.first_seen, f1) << "blind since the first failure of the streak";
  EXPECT_EQ(a.detected_at, f3);
  EXPECT_EQ(a.detail, error_timeout);
  EXPECT_EQ(a.remediation, remediation_for_degraded(tenant_ref{tenant_guid, "contoso"}));
  EXPECT_FALSE(a.test);

  EXPECT_TRUE(third.next.health.degraded);
  EXPECT_EQ(third.next.health.consecutive_failures, 3);
  EXPECT_EQ(third.next.health.failing_since, f1);
  EXPECT_EQ(third.next.health.last_success, last_ok);
}

TEST(watch, further_failures_raise_nothing_more) {
  auto out = fail_through(watched_tenant(), {f1, f2, f3});
  ASSERT_EQ(out.alerts.size(), 1u);
  timestamp now = f3;
  for (int n = 4; n <= 20; ++n) {
    now += seconds{60};
    out = fail_at(out.next, now, 3, n % 2 == 0 ? error_403 : error_timeout);
    EXPECT_TRUE(out.alerts.empty()) << n;
    EXPECT_TRUE(out.next.health.degraded);
    EXPECT_EQ(out.next.health.consecutive_failures, n);
    EXPECT_EQ(out.next.health.failing_since, f1);
    EXPECT_EQ(out.next.health.last_success, last_ok);
  }
}

TEST(watch, record_failure_leaves_the_assignments_alone) {
  const tenant_state start = watched_tenant();
  ASSERT_EQ(start.assignments.size(), 2u);
  ASSERT_TRUE(start.assignments[0].firing);
  ASSERT_TRUE(start.assignments[1].removed_at) << "a tombstone";
  tenant_state state = start;
  for (const timestamp now : {f1, f2, f3, f4}) {
    const auto out = fail_at(state, now);
    EXPECT_EQ(out.next.assignments, start.assignments);
    EXPECT_EQ(out.next.initialized, start.initialized);
    state = out.next;
  }
  tenant_state expected = start;
  expected.health = state.health;
  EXPECT_EQ(state, expected) << "nothing but the health changes";

  // And the firing assignment is still firing, so a recovery that still sees it is quiet about it.
  const auto back = succeed_at(state, ok, {elevation("a")});
  ASSERT_EQ(back.alerts.size(), 1u);
  EXPECT_EQ(back.alerts[0].kind, alert_kind::recovered);
  EXPECT_EQ(back.firing, 1u);
}

TEST(watch, a_failure_before_any_state_starts_from_nothing) {
  failure_input in;
  in.tenant = tenant_ref{tenant_guid, "contoso"};
  in.error = error_403;
  in.degraded_after = 1;
  in.now = f1;
  const auto out = record_failure(in);
  EXPECT_FALSE(out.next.initialized);
  EXPECT_TRUE(out.next.assignments.empty());
  EXPECT_EQ(out.next.health.consecutive_failures, 1);
  EXPECT_FALSE(out.next.health.last_success);
  ASSERT_EQ(out.alerts.size(), 1u);
  EXPECT_EQ(out.alerts[0].id, alert_id(tenant_guid, alert_kind::degraded, "watch|never"));
}

TEST(watch, a_threshold_below_one_is_one) {
  for (const int degraded_after : {1, 0, -1, std::numeric_limits<int>::min()}) {
    const auto out = fail_at(watched_tenant(), f1, degraded_after);
    ASSERT_EQ(out.alerts.size(), 1u) << degraded_after;
    EXPECT_EQ(out.alerts[0].kind, alert_kind::degraded);
    EXPECT_TRUE(out.next.health.degraded);
    EXPECT_TRUE(fail_at(out.next, f2, degraded_after).alerts.empty()) << degraded_after;
  }
}

TEST(watch, any_threshold_fires_on_its_own_failure) {
  for (int degraded_after = 1; degraded_after <= 6; ++degraded_after) {
    tenant_state state = watched_tenant();
    timestamp now = f1;
    std::size_t alerts = 0;
    for (int n = 1; n <= 8; ++n) {
      const auto out = fail_at(state, now, degraded_after);
      EXPECT_EQ(out.alerts.size(), n == degraded_after ? 1u : 0u) << degraded_after << " " << n;
      alerts += out.alerts.size();
      state = out.next;
      now += seconds{60};
    }
    EXPECT_EQ(alerts, 1u);
  }
}

// A reload may lower the threshold during a streak: the next failure at or above it fires.
TEST(watch, a_threshold_lowered_during_a_streak_fires_at_the_next_failure) {
  const auto two = fail_through(watched_tenant(), {f1, f2}, 5);
  EXPECT_TRUE(two.alerts.empty());
  const auto three = fail_at(two.next, f3, 2);
  ASSERT_EQ(three.alerts.size(), 1u);
  EXPECT_EQ(three.alerts[0].first_seen, f1);
}

TEST(watch, the_count_saturates) {
  tenant_state state = watched_tenant();
  state.health.consecutive_failures = std::numeric_limits<int>::max();
  state.health.failing_since = f1;
  state.health.degraded = true;
  const auto out = fail_at(state, f2);
  EXPECT_EQ(out.next.health.consecutive_failures, std::numeric_limits<int>::max());
  EXPECT_TRUE(out.alerts.empty());
}

TEST(watch, record_failure_is_pure) {
  const tenant_state start = fail_through(watched_tenant(), {f1, f2}).next;
  const auto once = fail_at(start, f3);
  const auto twice = fail_at(start, f3);
  EXPECT_EQ(once.next, twice.next);
  EXPECT_EQ(once.alerts, twice.alerts);
  ASSERT_EQ(once.alerts.size(), 1u);
}

// --- ids ---

// Retries, restarts and a second replica name one outage alike: the id depends on the last
// complete cycle before it, not on when or how often it failed, nor on the error.
TEST(watch, degraded_ids_depend_only_on_the_last_success) {
  const tenant_state start = watched_tenant();
  const auto early = fail_through(start, {f1, f2, f3});
  fail other;
  other.previous = start;
  other.degraded_after = 1;
  other.error = error_timeout;
  other.now = f4 + std::chrono::hours{5};
  const auto late = other();
  ASSERT_EQ(early.alerts.size(), 1u);
  ASSERT_EQ(late.alerts.size(), 1u);
  EXPECT_EQ(early.alerts[0].id, late.alerts[0].id);
  EXPECT_EQ(early.alerts[0].correlation_key, late.alerts[0].correlation_key);

  tenant_state other_success = start;
  other_success.health.last_success = last_ok + seconds{1};
  const auto elsewhere = fail_at(other_success, f1, 1);
  ASSERT_EQ(elsewhere.alerts.size(), 1u);
  EXPECT_NE(elsewhere.alerts[0].id, early.alerts[0].id);
  EXPECT_NE(elsewhere.alerts[0].correlation_key, early.alerts[0].correlation_key);

  fail other_tenant = other;
  other_tenant.tenant.id = "00000000-0000-0000-0000-000000000001";
  EXPECT_NE(other_tenant().alerts[0].id, early.alerts[0].id);
}

// Receivers de-duplicate on this value across versions: do not update the literal.
TEST(watch, pinned_degraded_id) {
  tenant_state state;
  state.initialized = true;
  state.health.last_success = at("2025-03-01T12:00:00Z");
  const auto out = fail_at(state, f2, 1);
  ASSERT_EQ(out.alerts.size(), 1u);
  EXPECT_EQ(out.alerts[0].id, "f3034cd7d1e4c51503e0a15763548dd0");
  EXPECT_EQ(out.alerts[0].correlation_key, "f644c69042e26a4aab1e771df0412c36");
}

// --- run_cycle: recovery ---

TEST(watch, success_after_degraded_resolves_it) {
  const auto blind = fail_through(watched_tenant(), {f1, f2, f3, f4});
  const auto degraded = fail_through(watched_tenant(), {f1, f2, f3}).alerts.at(0);
  const auto back = succeed_at(blind.next, ok, {elevation("a")});
  ASSERT_EQ(back.alerts.size(), 1u);
  const alert& a = back.alerts[0];
  EXPECT_EQ(a.id, alert_id(tenant_guid, alert_kind::recovered, subject_after(last_ok)));
  EXPECT_NE(a.id, degraded.id);
  EXPECT_EQ(a.kind, alert_kind::recovered);
  EXPECT_EQ(a.status, "resolved");
  EXPECT_EQ(a.level, severity::high);
  EXPECT_EQ(a.rule, "");
  EXPECT_EQ(a.tenant, degraded.tenant);
  EXPECT_FALSE(a.subject);
  EXPECT_FALSE(a.actor);
  ASSERT_EQ(a.evidence.size(), 1u) << "the complete listing that ended the outage";
  EXPECT_EQ(a.evidence[0], (evidence{"resource_graph", ok - seconds{2}, std::nullopt}));
  EXPECT_EQ(a.correlation_key, degraded.correlation_key);
  EXPECT_EQ(a.first_seen, f1) << "the start of the streak, like the degraded alert";
  EXPECT_EQ(a.detected_at, ok);
  EXPECT_FALSE(a.detail);
  EXPECT_EQ(a.remediation, remediation_for_recovered(tenant_ref{tenant_guid, "contoso"}, f1));
  EXPECT_FALSE(a.test);

  EXPECT_EQ(back.next.health, (watch_health{0, std::nullopt, ok, false, ""}));
  EXPECT_TRUE(succeed_at(back.next, ok + seconds{60}, {elevation("a")}).alerts.empty()) << "resolved once";
}

TEST(watch, success_without_degraded_only_resets_the_health) {
  const auto two = fail_through(watched_tenant(), {f1, f2});
  const auto back = succeed_at(two.next, ok, {elevation("a")});
  EXPECT_TRUE(back.alerts.empty());
  EXPECT_EQ(back.next.health, (watch_health{0, std::nullopt, ok, false, ""}));

  // The next streak counts from zero again.
  const auto again = fail_through(back.next, {ok + seconds{60}, ok + seconds{120}});
  EXPECT_TRUE(again.alerts.empty());
  EXPECT_EQ(again.next.health.consecutive_failures, 2);
  EXPECT_EQ(again.next.health.failing_since, ok + seconds{60});
}

TEST(watch, every_complete_cycle_records_its_time) {
  const auto first = succeed_at(tenant_state{}, f1);
  EXPECT_EQ(first.next.health, (watch_health{0, std::nullopt, f1, false, ""}));
  const auto second = succeed_at(first.next, f2);
  EXPECT_EQ(second.next.health.last_success, f2);
}

// Each outage is named by the success before it, so a second one gets ids of its own.
TEST(watch, a_second_outage_gets_new_ids) {
  const auto first_outage = fail_through(watched_tenant(), {f1, f2, f3});
  const auto back = succeed_at(first_outage.next, ok, {elevation("a")});
  ASSERT_EQ(back.alerts.size(), 1u);
  const auto second_outage = fail_through(back.next, {ok + seconds{60}, ok + seconds{120}, ok + seconds{180}});
  ASSERT_EQ(second_outage.alerts.size(), 1u);
  const alert& second_degraded = second_outage.alerts[0];
  EXPECT_EQ(second_degraded.id, alert_id(tenant_guid, alert_kind::degraded, subject_after(ok)));
  EXPECT_NE(second_degraded.id, first_outage.alerts[0].id);
  EXPECT_NE(second_degraded.correlation_key, first_outage.alerts[0].correlation_key);
  EXPECT_EQ(second_degraded.first_seen, ok + seconds{60});

  const auto back_again = succeed_at(second_outage.next, ok + seconds{600}, {elevation("a")});
  ASSERT_EQ(back_again.alerts.size(), 1u);
  EXPECT_EQ(back_again.alerts[0].correlation_key, second_degraded.correlation_key);
  EXPECT_NE(back_again.alerts[0].id, back.alerts[0].id);
}

// Blind from the start: the outage is named "never", and the first complete cycle both
// resolves it and applies the baseline.
TEST(watch, degraded_before_the_first_success) {
  const auto blind = fail_through(tenant_state{}, {f1, f2, f3});
  ASSERT_EQ(blind.alerts.size(), 1u);
  EXPECT_EQ(blind.alerts[0].id, alert_id(tenant_guid, alert_kind::degraded, "watch|never"));
  EXPECT_EQ(blind.alerts[0].correlation_key, correlation_key(tenant_guid, "watch|never"));
  EXPECT_FALSE(blind.next.initialized);

  const auto back = succeed_at(blind.next, ok, {elevation("a")});
  ASSERT_EQ(back.alerts.size(), 2u);
  EXPECT_EQ(back.alerts[0].kind, alert_kind::recovered);
  EXPECT_EQ(back.alerts[0].id, alert_id(tenant_guid, alert_kind::recovered, "watch|never"));
  EXPECT_EQ(back.alerts[0].correlation_key, blind.alerts[0].correlation_key);
  EXPECT_EQ(back.alerts[1].kind, alert_kind::created);
  EXPECT_TRUE(back.next.initialized);
}

// Recovered first: it says the watcher sees again, which is the frame for what follows.
TEST(watch, recovered_comes_before_removals_and_creations) {
  const auto blind = fail_through(watched_tenant(), {f1, f2, f3});
  const auto back = succeed_at(blind.next, ok, {elevation("c"), elevation("b", bob)});
  std::vector<std::string> kinds;
  for (const alert& a : back.alerts) {
    kinds.push_back(a.kind);
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"watch.recovered", "assignment.removed", "assignment.created",
                                             "assignment.created"}));
  EXPECT_EQ(back.alerts[1].subject, elevation("a"));
  EXPECT_EQ(back.alerts[2].subject, elevation("b", bob));
  EXPECT_EQ(back.alerts[3].subject, elevation("c"));
  EXPECT_EQ(back.firing, 2u);
}

TEST(watch, recovery_ids_are_stable_across_retries) {
  const auto blind = fail_through(watched_tenant(), {f1, f2, f3});
  const auto once = succeed_at(blind.next, ok);
  const auto later = succeed_at(blind.next, ok + std::chrono::hours{2});
  ASSERT_FALSE(once.alerts.empty());
  ASSERT_FALSE(later.alerts.empty());
  EXPECT_EQ(once.alerts[0].id, later.alerts[0].id);
  EXPECT_EQ(once.alerts[0].correlation_key, later.alerts[0].correlation_key);
}

TEST(watch, healthy_is_a_clean_slate_at_now) {
  EXPECT_EQ(healthy(ok), (watch_health{0, std::nullopt, ok, false, ""}));
}

}  // namespace
}  // namespace rootwatch::engine
