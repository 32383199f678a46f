// The decide step over two snapshot sources (issue 6 §1, §2 "Together with arm"): the
// authoritative view alone decides presence, a row only one source shows is a disagreement,
// counted and never a creation or a removal by itself, and every source that saw an
// assignment is named in the evidence of its alert.

#include "engine/sources.hpp"

#include "builders.hpp"
#include "engine/cycle.hpp"
#include "engine/identity.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace rootwatch::engine {
namespace {

using namespace testing;

constexpr const char* guid_a = "0f2b8c5e-1d3a-4c7b-9e6f-2a4d8b1c3e5f";
constexpr const char* guid_b = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";

const timestamp start = at("2025-03-01T12:00:00Z");

// Cycles over an ARM and a Resource Graph listing, a minute apart, remembering the state.
struct two_sources {
  tenant_state state;
  timestamp now = start;

  cycle_output step(std::vector<assignment> arm, std::optional<std::vector<assignment>> arg) {
    const snapshot arm_view = make_snapshot(std::move(arm), now - seconds{5}, "arm");
    std::optional<snapshot> arg_view;
    if (arg) {
      arg_view = make_snapshot(std::move(*arg), now - seconds{3}, "resource_graph");
    }
    const auto rules = default_rules();
    cycle_input in;
    in.tenant = {tenant_guid, "contoso"};
    in.previous = &state;
    in.current = &arm_view;
    if (arg_view) {
      in.others.push_back(&*arg_view);
    }
    in.rules = &rules;
    in.now = now;
    cycle_output out = run_cycle(in);
    state = out.next;
    now += seconds{60};
    return out;
  }
};

std::vector<std::string> kinds(const std::vector<alert>& alerts) {
  std::vector<std::string> out;
  for (const alert& a : alerts) {
    out.push_back(a.kind);
  }
  return out;
}

std::vector<std::string> evidence_sources(const alert& a) {
  std::vector<std::string> out;
  for (const evidence& e : a.evidence) {
    out.push_back(e.source);
  }
  return out;
}

using names = std::vector<std::string>;

TEST(two_sources_test, agreeing_sources_create_once_with_both_in_the_evidence_and_no_disagreement) {
  two_sources t;
  const auto out = t.step({elevation(guid_a)}, std::vector{elevation(guid_a)});
  ASSERT_EQ(kinds(out.alerts), names{"assignment.created"});
  EXPECT_EQ(evidence_sources(out.alerts[0]), (names{"arm", "resource_graph"}));
  EXPECT_EQ(out.alerts[0].evidence[1].observed_at, start - seconds{3}) << "each source's own observation time";
  EXPECT_TRUE(out.disagreements.empty());
  EXPECT_EQ(out.firing, 1u);
}

TEST(two_sources_test, a_row_only_arm_shows_is_present_and_counted_as_a_disagreement) {
  two_sources t;
  const auto out = t.step({elevation(guid_a)}, std::vector<assignment>{});
  // ARM is authoritative: what it lists is there, even while Resource Graph lags behind.
  ASSERT_EQ(kinds(out.alerts), names{"assignment.created"});
  EXPECT_EQ(evidence_sources(out.alerts[0]), names{"arm"});
  ASSERT_EQ(out.disagreements.size(), 1u);
  EXPECT_EQ(out.disagreements[0].shown_by, "arm");
  EXPECT_EQ(out.disagreements[0].missing_from, "resource_graph");
  EXPECT_EQ(out.disagreements[0].key, identity_key(elevation(guid_a)));

  // Still only ARM's next cycle: no removal, nothing new.
  const auto next = t.step({elevation(guid_a)}, std::vector<assignment>{});
  EXPECT_TRUE(next.alerts.empty()) << ::testing::PrintToString(kinds(next.alerts));
  EXPECT_EQ(next.disagreements.size(), 1u);
}

TEST(two_sources_test, a_row_only_resource_graph_shows_never_creates) {
  two_sources t;
  const auto out = t.step({}, std::vector{elevation(guid_a)});
  EXPECT_TRUE(out.alerts.empty()) << ::testing::PrintToString(kinds(out.alerts));
  EXPECT_EQ(out.firing, 0u);
  EXPECT_TRUE(out.next.assignments.empty()) << "presence is the authoritative view's alone";
  ASSERT_EQ(out.disagreements.size(), 1u);
  EXPECT_EQ(out.disagreements[0].shown_by, "resource_graph");
  EXPECT_EQ(out.disagreements[0].missing_from, "arm");
}

TEST(two_sources_test, a_known_row_arm_lost_but_resource_graph_still_shows_is_not_removed) {
  two_sources t;
  t.step({elevation(guid_a)}, std::vector{elevation(guid_a)});
  const auto out = t.step({}, std::vector{elevation(guid_a)});
  EXPECT_TRUE(out.alerts.empty()) << "a disagreement is never a removal: "
                                  << ::testing::PrintToString(kinds(out.alerts));
  EXPECT_EQ(out.firing, 1u) << "held as it was, still firing";
  ASSERT_EQ(out.next.assignments.size(), 1u);
  EXPECT_FALSE(out.next.assignments[0].removed_at);
  ASSERT_EQ(out.disagreements.size(), 1u);
  EXPECT_EQ(out.disagreements[0].shown_by, "resource_graph");

  // Back in ARM: the same occurrence, nothing new.
  const auto back = t.step({elevation(guid_a)}, std::vector{elevation(guid_a)});
  EXPECT_TRUE(back.alerts.empty()) << ::testing::PrintToString(kinds(back.alerts));
}

TEST(two_sources_test, a_removal_is_reported_once_no_source_shows_the_row) {
  two_sources t;
  t.step({elevation(guid_a)}, std::vector{elevation(guid_a)});
  t.step({}, std::vector{elevation(guid_a)});  // Resource Graph lags behind the removal
  const auto out = t.step({}, std::vector<assignment>{});
  EXPECT_EQ(kinds(out.alerts), names{"assignment.removed"});
  EXPECT_TRUE(out.disagreements.empty());
}

TEST(two_sources_test, a_failed_resource_graph_leaves_arm_to_decide_alone) {
  // The watcher passes no listing for a source that failed: arm's view is complete.
  two_sources t;
  const auto first = t.step({elevation(guid_a), elevation(guid_b, bob)}, std::nullopt);
  ASSERT_EQ(kinds(first.alerts), (names{"assignment.created", "assignment.created"}));
  EXPECT_EQ(evidence_sources(first.alerts[0]), names{"arm"});
  EXPECT_TRUE(first.disagreements.empty()) << "nothing to compare with";
  const auto gone = t.step({elevation(guid_a)}, std::nullopt);
  EXPECT_EQ(kinds(gone.alerts), names{"assignment.removed"}) << "arm alone still sees removals";
}

TEST(two_sources_test, created_on_and_names_written_differently_are_agreement) {
  two_sources t;
  assignment from_arm = elevation(guid_a);
  from_arm.created_on = at("2025-02-11T10:00:00.1234567Z");
  from_arm.principal.display_name = "Alice";
  assignment from_arg = elevation(guid_a);
  from_arg.created_on = at("2025-02-11T10:00:00Z");
  from_arg.id = "/providers/microsoft.authorization/roleassignments/" + std::string(guid_a);
  from_arg.role.id = "/providers/Microsoft.Authorization/roleDefinitions/" + std::string(uaa_role);
  from_arg.role.name.clear();
  from_arg.principal.type.clear();
  const auto out = t.step({from_arm}, std::vector{from_arg});
  ASSERT_EQ(kinds(out.alerts), names{"assignment.created"});
  EXPECT_EQ(evidence_sources(out.alerts[0]), (names{"arm", "resource_graph"}));
  EXPECT_TRUE(out.disagreements.empty());
  const auto next = t.step({from_arm}, std::vector{from_arg});
  EXPECT_TRUE(next.alerts.empty());
}

// choose_views: which listing decides, and never a silent fall-back.

source_outcome ok(const std::string& name, std::vector<assignment> rows = {}) {
  return {name, make_snapshot(std::move(rows), start, name), ""};
}

source_outcome failed(const std::string& name, const std::string& why) {
  return {name, std::nullopt, why};
}

TEST(choose_views_test, arm_is_authoritative_when_configured) {
  const std::vector<source_outcome> outcomes{ok("resource_graph"), ok("arm")};
  const auto v = choose_views(outcomes);
  EXPECT_EQ(v.authority, "arm");
  ASSERT_NE(v.authoritative, nullptr);
  EXPECT_EQ(v.authoritative->source, "arm");
  ASSERT_EQ(v.others.size(), 1u);
  EXPECT_EQ(v.others[0]->source, "resource_graph");
}

TEST(choose_views_test, a_failed_arm_fails_the_cycle_even_when_resource_graph_answered) {
  const std::vector<source_outcome> outcomes{failed("arm", "403 AuthorizationFailed"), ok("resource_graph")};
  const auto v = choose_views(outcomes);
  EXPECT_EQ(v.authoritative, nullptr) << "never fall back to another view: its gaps would look like removals";
  EXPECT_EQ(v.authority, "arm");
  EXPECT_NE(v.failure.find("source arm"), std::string::npos) << v.failure;
  EXPECT_NE(v.failure.find("403 AuthorizationFailed"), std::string::npos) << v.failure;
}

TEST(choose_views_test, a_failed_resource_graph_only_drops_it) {
  const std::vector<source_outcome> outcomes{ok("arm"), failed("resource_graph", "429")};
  const auto v = choose_views(outcomes);
  ASSERT_NE(v.authoritative, nullptr);
  EXPECT_TRUE(v.others.empty());
  EXPECT_TRUE(v.failure.empty());
}

TEST(choose_views_test, resource_graph_is_authoritative_without_arm) {
  const auto alone = choose_views({ok("resource_graph")});
  ASSERT_NE(alone.authoritative, nullptr);
  EXPECT_EQ(alone.authority, "resource_graph");
  const auto down = choose_views({failed("resource_graph", "timeout")});
  EXPECT_EQ(down.authoritative, nullptr);
  EXPECT_NE(down.failure.find("resource_graph"), std::string::npos) << down.failure;
}

TEST(choose_views_test, no_snapshot_source_fails) {
  const auto v = choose_views({});
  EXPECT_EQ(v.authoritative, nullptr);
  EXPECT_FALSE(v.failure.empty());
}

// Per-source health: watch.degraded naming the source, and watch.recovered, with ids of their
// own.

const tenant_ref contoso{tenant_guid, "contoso"};

TEST(source_health_test, degraded_after_n_failures_of_that_source_names_it_and_the_cause) {
  watch_health h;
  h.last_success = start - seconds{60};
  std::optional<alert> raised;
  for (int i = 0; i < 3; ++i) {
    auto step = source_failed(contoso, "resource_graph", h, "HTTP 403 AuthorizationFailed", 3, start + seconds{60 * i});
    EXPECT_EQ(step.raised.has_value(), i == 2) << "cycle " << i;
    if (step.raised) {
      raised = step.raised;
    }
    h = step.next;
  }
  ASSERT_TRUE(raised);
  EXPECT_EQ(raised->kind, "watch.degraded");
  EXPECT_EQ(raised->status, "firing");
  ASSERT_TRUE(raised->detail);
  EXPECT_NE(raised->detail->find("resource_graph"), std::string::npos) << *raised->detail;
  EXPECT_NE(raised->detail->find("HTTP 403 AuthorizationFailed"), std::string::npos) << *raised->detail;
  EXPECT_EQ(raised->first_seen, start) << "the streak's start";
  EXPECT_TRUE(h.degraded);

  // Once per streak.
  auto again = source_failed(contoso, "resource_graph", h, "HTTP 403 AuthorizationFailed", 3, start + seconds{600});
  EXPECT_FALSE(again.raised);

  const auto listing = make_snapshot({}, start + seconds{700}, "resource_graph");
  auto back = source_succeeded(contoso, "resource_graph", again.next, listing, start + seconds{700});
  ASSERT_TRUE(back.raised);
  EXPECT_EQ(back.raised->kind, "watch.recovered");
  EXPECT_EQ(back.raised->correlation_key, raised->correlation_key) << "one outage, one correlation key";
  EXPECT_EQ(back.next.consecutive_failures, 0);
  EXPECT_FALSE(back.next.degraded);
  EXPECT_EQ(back.next.last_success, start + seconds{700});
}

TEST(source_health_test, ids_are_deterministic_and_distinct_from_the_tenant_level_ones) {
  watch_health h;
  h.last_success = start;
  const auto one = source_failed(contoso, "resource_graph", h, "boom", 1, start + seconds{60});
  const auto two = source_failed(contoso, "resource_graph", h, "other words", 1, start + seconds{120});
  ASSERT_TRUE(one.raised && two.raised);
  EXPECT_EQ(one.raised->id, two.raised->id) << "a retry or restart of one outage names it alike";
  const auto arm = source_failed(contoso, "arm", h, "boom", 1, start + seconds{60});
  ASSERT_TRUE(arm.raised);
  EXPECT_NE(arm.raised->id, one.raised->id);
  EXPECT_NE(one.raised->id, alert_id(tenant_guid, alert_kind::degraded, watch_subject_key(h.last_success)))
      << "never the tenant-level watch.degraded id";
  EXPECT_EQ(watch_subject_key(h.last_success), "watch|2025-03-01T12:00:00Z") << "tenant-level ids unchanged";
}

TEST(source_health_test, a_success_without_a_streak_raises_nothing) {
  const auto listing = make_snapshot({}, start, "resource_graph");
  const auto s = source_succeeded(contoso, "resource_graph", watch_health{}, listing, start);
  EXPECT_FALSE(s.raised);
  EXPECT_EQ(s.next.last_success, start);
}

}  // namespace
}  // namespace rootwatch::engine
