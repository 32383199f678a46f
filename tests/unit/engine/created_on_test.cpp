// Invariant 8 through whole cycles: createdOn, createdBy, display names, principal type and
// the formatting differences between sources never make an assignment new or removed. Only a
// delete-and-recreate under the same id, with both creation times known and apart, does.

#include "engine/cycle.hpp"

#include "builders.hpp"
#include "engine/identity.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace rootwatch::engine {
namespace {

using namespace testing;

const timestamp start = at("2025-03-01T12:00:00Z");
constexpr const char* guid = "0f2b8c5e-1d3a-4c7b-9e6f-2a4d8b1c3e5f";

// UAA at "/" for alice, created at `created_on` as a source reported it.
assignment created_at(std::optional<timestamp> created_on) {
  assignment a = elevation(guid);
  a.created_on = created_on;
  return a;
}

// Alert kinds over a sequence of cycles, one snapshot each, a minute apart.
struct history {
  tenant_state state;
  timestamp now = start;
  std::vector<std::vector<alert>> alerts;  // per cycle

  cycle_output step(std::vector<assignment> current, const std::string& source = "arm") {
    run r;
    r.previous = state;
    r.current = make_snapshot(std::move(current), now - seconds{5}, source);
    r.now = now;
    cycle_output out = r();
    state = out.next;
    alerts.push_back(out.alerts);
    now += seconds{60};
    return out;
  }

  int count(std::string_view kind) const {
    int n = 0;
    for (const auto& cycle : alerts) {
      for (const alert& a : cycle) {
        n += a.kind == kind ? 1 : 0;
      }
    }
    return n;
  }
};

// The report from the issue: createdOn present, then null, for one assignment at every cycle
// gave 8 created and 7 false removed alerts in 8 cycles.
TEST(created_on, present_then_null_at_every_cycle_alerts_once) {
  const timestamp created = at("2025-02-11T10:00:00.1234567Z");
  history h;
  for (int i = 0; i < 8; ++i) {
    h.step({created_at(i % 2 == 0 ? std::optional<timestamp>(created) : std::nullopt)});
  }
  EXPECT_EQ(h.count(alert_kind::created), 1);
  EXPECT_EQ(h.count(alert_kind::removed), 0);
  ASSERT_EQ(h.state.assignments.size(), 1u) << "no tombstones left behind";
  EXPECT_EQ(h.state.assignments[0].occurrence, 1);
  EXPECT_TRUE(h.state.assignments[0].firing);
  EXPECT_EQ(h.state.assignments[0].first_seen, start);
}

TEST(created_on, a_shift_of_100_ns_is_no_change) {
  history h;
  h.step({created_at(at("2016-08-17T19:21:16.3422480Z"))});
  h.step({created_at(at("2016-08-17T19:21:16.3422481Z"))});
  h.step({created_at(at("2016-08-17T19:21:16.3422480Z"))});
  h.step({created_at(at("2016-08-17T19:21:16.3422479Z"))});
  EXPECT_EQ(h.count(alert_kind::created), 1);
  EXPECT_EQ(h.count(alert_kind::removed), 0);
  EXPECT_EQ(h.state.assignments.size(), 1u);
}

// A value the parser rejects reaches the engine as "unknown".
TEST(created_on, an_unparsable_value_is_no_change) {
  const auto garbage = parse_iso8601("2016-13-45T99:99:99Z");
  ASSERT_FALSE(garbage);
  history h;
  h.step({created_at(at("2016-08-17T19:21:16.3422480Z"))});
  h.step({created_at(garbage)});
  h.step({created_at(at("2016-08-17T19:21:16.3422480Z"))});
  h.step({created_at(parse_iso8601("tomorrow"))});
  EXPECT_EQ(h.count(alert_kind::created), 1);
  EXPECT_EQ(h.count(alert_kind::removed), 0);
  EXPECT_EQ(h.state.assignments.size(), 1u);
}

// ARM writes 7 fractional digits, a lower-case roleDefinitions and a principal type; Resource
// Graph may round the time, write "+00:00", capitalise RoleDefinitions and upper-case GUIDs.
TEST(created_on, arm_and_resource_graph_forms_of_one_assignment_are_no_change) {
  const assignment arm = created_at(at("2016-08-17T19:21:16.3422480Z"));
  assignment arg = arm;
  arg.id = "/providers/Microsoft.Authorization/roleAssignments/0F2B8C5E-1D3A-4C7B-9E6F-2A4D8B1C3E5F";
  arg.role = {"/providers/Microsoft.Authorization/RoleDefinitions/18D7D88D-D35E-4FB5-A5C3-7773C20A72D9", ""};
  arg.principal.type = "";
  arg.created_on = at("2016-08-17T19:21:16.342+00:00");
  assignment arg_whole_seconds = arg;
  arg_whole_seconds.created_on = at("2016-08-17T19:21:16Z");

  history h;
  h.step({arm}, "arm");
  h.step({arg}, "resource_graph");
  h.step({arm}, "arm");
  h.step({arg_whole_seconds}, "resource_graph");
  h.step({arm}, "arm");
  EXPECT_EQ(h.count(alert_kind::created), 1);
  EXPECT_EQ(h.count(alert_kind::removed), 0);
  ASSERT_EQ(h.state.assignments.size(), 1u);
  EXPECT_EQ(h.state.assignments[0].current, arm) << "the latest report is what is remembered";
}

TEST(created_on, principal_type_display_names_and_created_by_are_no_change) {
  const assignment plain = created_at(at("2025-02-11T10:00:00Z"));
  assignment named = plain;
  named.principal.type = "ServicePrincipal";
  named.principal.display_name = "deploy-bot";
  named.role.name = "";
  named.created_by = bob;
  named.created_on.reset();
  assignment renamed = named;
  renamed.principal.type = "Group";
  renamed.principal.display_name = "Deploy Bot (renamed)";
  renamed.created_by.reset();
  renamed.created_on = at("2025-02-11T10:00:00.5Z");

  history h;
  h.step({plain});
  h.step({named});
  h.step({renamed});
  h.step({plain});
  EXPECT_EQ(h.count(alert_kind::created), 1);
  EXPECT_EQ(h.count(alert_kind::removed), 0);
  EXPECT_EQ(h.state.assignments.size(), 1u);
}

// A source that leaves createdOn out says nothing about a recreation: only two consecutive
// snapshots that both know it can show one.
TEST(created_on, unknown_between_two_different_times_is_the_same_assignment) {
  history h;
  h.step({created_at(at("2025-02-11T10:00:00Z"))});
  h.step({created_at(std::nullopt)});
  h.step({created_at(at("2025-02-11T15:00:00Z"))});
  EXPECT_EQ(h.count(alert_kind::created), 1);
  EXPECT_EQ(h.count(alert_kind::removed), 0);
  EXPECT_EQ(h.state.assignments[0].occurrence, 1);
}

// --- a real delete-and-recreate under the same id ---

TEST(created_on, a_recreation_hours_later_is_removed_and_created_with_new_ids) {
  const assignment before = created_at(at("2025-02-11T10:00:00Z"));
  const assignment recreated = created_at(at("2025-02-11T14:00:00Z"));
  const std::string key = identity_key(before);
  history h;
  const alert created1 = h.step({before}).alerts.at(0);
  const timestamp second_cycle = h.now;
  const auto out = h.step({recreated});

  ASSERT_EQ(out.alerts.size(), 2u);
  const alert& removed1 = out.alerts[0];
  const alert& created2 = out.alerts[1];
  EXPECT_EQ(removed1.kind, alert_kind::removed);
  EXPECT_EQ(removed1.id, alert_id(tenant_guid, alert_kind::removed, key));
  EXPECT_EQ(removed1.correlation_key, created1.correlation_key);
  EXPECT_EQ(removed1.subject, before) << "the resolution is about the assignment that was deleted";
  EXPECT_EQ(removed1.first_seen, start);
  EXPECT_EQ(created2.kind, alert_kind::created);
  EXPECT_EQ(created2.id, alert_id(tenant_guid, alert_kind::created, key + "#2"));
  EXPECT_EQ(created2.correlation_key, correlation_key(tenant_guid, key + "#2"));
  EXPECT_NE(created2.id, created1.id);
  EXPECT_NE(created2.correlation_key, created1.correlation_key);
  EXPECT_EQ(created2.subject, recreated);
  EXPECT_EQ(created2.first_seen, second_cycle);

  ASSERT_EQ(out.next.assignments.size(), 1u) << "one identity, one entry: the new occurrence";
  const tracked_assignment& t = out.next.assignments[0];
  EXPECT_EQ(t.key, key);
  EXPECT_EQ(t.current, recreated);
  EXPECT_EQ(t.occurrence, 2);
  EXPECT_TRUE(t.firing);
  EXPECT_FALSE(t.removed_at);
  EXPECT_EQ(t.first_seen, second_cycle);
  EXPECT_EQ(out.firing, 1u);

  EXPECT_TRUE(h.step({recreated}).alerts.empty()) << "the new occurrence fires once";
  const auto gone = h.step({});
  ASSERT_EQ(gone.alerts.size(), 1u);
  EXPECT_EQ(gone.alerts[0].id, alert_id(tenant_guid, alert_kind::removed, key + "#2"));
  EXPECT_EQ(gone.alerts[0].correlation_key, created2.correlation_key);
  const auto back = h.step({recreated});
  ASSERT_EQ(back.alerts.size(), 1u);
  EXPECT_EQ(back.alerts[0].id, alert_id(tenant_guid, alert_kind::created, key + "#3"));
}

TEST(created_on, a_recreation_one_second_later_counts) {
  history h;
  h.step({created_at(at("2025-02-11T10:00:00.25Z"))});
  const auto out = h.step({created_at(at("2025-02-11T10:00:01.25Z"))});
  ASSERT_EQ(out.alerts.size(), 2u);
  EXPECT_EQ(out.alerts[0].kind, alert_kind::removed);
  EXPECT_EQ(out.alerts[1].kind, alert_kind::created);
  EXPECT_EQ(out.next.assignments.at(0).occurrence, 2);
}

TEST(created_on, a_recreation_of_an_unwatched_assignment_counts_silently) {
  const assignment before = make_assignment(guid, "/subscriptions/s", reader_role, alice);
  assignment recreated = before;
  recreated.created_on = *before.created_on + std::chrono::hours{3};
  history h;
  h.step({before});
  const auto out = h.step({recreated});
  EXPECT_TRUE(out.alerts.empty());
  ASSERT_EQ(out.next.assignments.size(), 1u);
  EXPECT_EQ(out.next.assignments[0].occurrence, 2);
  EXPECT_EQ(out.next.assignments[0].current, recreated);
}

// Present at a silent first start, then deleted and created again: the new one is news.
TEST(created_on, a_recreated_baselined_assignment_alerts) {
  const assignment before = created_at(at("2025-02-11T10:00:00Z"));
  const assignment recreated = created_at(at("2025-03-01T11:00:00Z"));
  run silent_start;
  silent_start.current = make_snapshot({before}, start - seconds{5});
  silent_start.now = start;
  silent_start.baseline = baseline_mode::silent;
  const auto first = silent_start();
  ASSERT_TRUE(first.alerts.empty());
  ASSERT_TRUE(first.next.assignments.at(0).baselined);
  run r;
  r.previous = first.next;
  r.current = make_snapshot({recreated}, start + seconds{55});
  r.now = start + seconds{60};
  const auto out = r();
  ASSERT_EQ(out.alerts.size(), 1u) << "no removal: the baselined one never fired";
  EXPECT_EQ(out.alerts[0].kind, alert_kind::created);
  EXPECT_TRUE(out.next.assignments.at(0).firing);
  EXPECT_FALSE(out.next.assignments.at(0).baselined);
}

// --- copies of one identity in one snapshot ---

TEST(created_on, copies_in_one_snapshot_are_one_assignment_whatever_their_times) {
  const timestamp t = at("2025-02-11T10:00:00Z");
  history h;
  const auto first = h.step({created_at(std::nullopt), created_at(t), created_at(t + milliseconds{500})});
  ASSERT_EQ(first.alerts.size(), 1u);
  ASSERT_EQ(first.next.assignments.size(), 1u);
  EXPECT_EQ(first.next.assignments[0].current.created_on, t + milliseconds{500}) << "the later time is kept";

  // Two pages taken across a recreation: still one assignment in the snapshot, the newer time.
  const auto straddling = h.step({created_at(t + std::chrono::hours{2}), created_at(t + milliseconds{500})});
  EXPECT_EQ(straddling.next.assignments.size(), 1u);
  EXPECT_EQ(straddling.next.assignments[0].current.created_on, t + std::chrono::hours{2});
  EXPECT_TRUE(h.step({created_at(t + std::chrono::hours{2})}).alerts.empty());
}

TEST(created_on, the_merged_time_does_not_depend_on_the_order_of_the_copies) {
  const timestamp t = at("2025-02-11T10:00:00Z");
  history forward;
  history backward;
  const auto a = forward.step({created_at(t), created_at(std::nullopt), created_at(t + seconds{3})});
  const auto b = backward.step({created_at(t + seconds{3}), created_at(std::nullopt), created_at(t)});
  EXPECT_EQ(a.next.assignments, b.next.assignments);
}

// --- state migrated from schema 2, where the key held createdOn ---

// Schema 2's key for created_at("2025-02-11T10:00:00Z"), the subject its alerts went out under.
constexpr const char* schema2_key =
    "/providers/microsoft.authorization/roleassignments/0f2b8c5e-1d3a-4c7b-9e6f-2a4d8b1c3e5f|/|"
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9|11111111-1111-1111-1111-111111111111|2025-02-11T10:00:00Z";

// What the store's migration to schema 3 makes of a row that was firing under schema 2.
tenant_state migrated_firing(const assignment& a) {
  tracked_assignment t;
  t.current = a;
  t.key = identity_key(a);
  t.subject = schema2_key;
  t.first_seen = at("2025-02-20T08:00:00Z");
  t.rule = "anything-at-root";
  t.level = severity::critical;
  t.firing = true;
  tenant_state s;
  s.initialized = true;
  s.assignments = {t};
  return s;
}

TEST(created_on, a_migrated_firing_assignment_raises_nothing_and_resolves_under_its_old_ids) {
  const assignment a = created_at(at("2025-02-11T10:00:00Z"));
  history h;
  h.state = migrated_firing(a);
  EXPECT_TRUE(h.step({a}).alerts.empty());
  assignment reformatted = a;
  reformatted.created_on = at("2025-02-11T10:00:00.0000001Z");
  EXPECT_TRUE(h.step({reformatted}).alerts.empty());
  EXPECT_EQ(h.state.assignments.at(0).subject, schema2_key) << "kept while the occurrence lasts";

  const auto gone = h.step({});
  ASSERT_EQ(gone.alerts.size(), 1u);
  // Pinned in identity_test (ids.pinned_values): what schema 2 sent and would have resolved with.
  EXPECT_EQ(gone.alerts[0].id, "3d74d8ceeff95d8f3813b316c4487f21");
  EXPECT_EQ(gone.alerts[0].correlation_key, "7146d54ea7f079069a025e452528db34");
  EXPECT_EQ(gone.alerts[0].first_seen, at("2025-02-20T08:00:00Z"));

  const auto back = h.step({a});
  ASSERT_EQ(back.alerts.size(), 1u);
  EXPECT_EQ(back.alerts[0].id, alert_id(tenant_guid, alert_kind::created, identity_key(a) + "#2"))
      << "a new occurrence is named by the new key";
}

TEST(created_on, a_migrated_firing_assignment_recreated_resolves_under_its_old_ids) {
  const assignment a = created_at(at("2025-02-11T10:00:00Z"));
  history h;
  h.state = migrated_firing(a);
  const auto out = h.step({created_at(at("2025-02-12T10:00:00Z"))});
  ASSERT_EQ(out.alerts.size(), 2u);
  EXPECT_EQ(out.alerts[0].correlation_key, "7146d54ea7f079069a025e452528db34");
  EXPECT_EQ(out.alerts[1].id, alert_id(tenant_guid, alert_kind::created, identity_key(a) + "#2"));
}

}  // namespace
}  // namespace rootwatch::engine
