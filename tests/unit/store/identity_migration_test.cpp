// Schema 3: assignment keys lose their createdOn (invariant 8) without a burst of alerts at
// the upgrade. A schema 2 file is built with the released migrations, filled as rootwatch 2
// left it, and opened by this version.

#include "engine/cycle.hpp"
#include "engine/identity.hpp"
#include "store/schema.hpp"
#include "store/state_store.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <fmt/format.h>

namespace rootwatch::store {
namespace {

namespace fs = std::filesystem;

constexpr const char* tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr const char* assignment_guid = "0f2b8c5e-1d3a-4c7b-9e6f-2a4d8b1c3e5f";
constexpr const char* new_key =
    "/providers/microsoft.authorization/roleassignments/0f2b8c5e-1d3a-4c7b-9e6f-2a4d8b1c3e5f|/|"
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9|11111111-1111-1111-1111-111111111111|";

std::string schema2_key(const std::string& created_on) {
  return new_key + created_on;
}

// One assignment_state row as schema 2 wrote it; `removed_at` is SQL ("NULL" or a quoted time).
struct v2_row {
  std::string key;
  std::string created_on = "NULL";  // SQL
  int firing = 0;
  int occurrence = 1;
  std::string removed_at = "NULL";  // SQL
  std::string tenant_id = tenant;
};

class identity_migration_test : public ::testing::Test {
 protected:
  void make_v2(const std::vector<v2_row>& rows) {
    fs::create_directories(dir_);
    auto db = database::open((dir_ / "rootwatch.db").string());
    ASSERT_TRUE(db);
    ASSERT_TRUE(prepare_schema(*db, 2));
    ASSERT_TRUE(db->exec(
        fmt::format("INSERT INTO tenant_state (tenant_id, initialized, updated_at, last_success) VALUES ('{}', 1, 0, "
                    "'2025-02-20T08:00:00Z')",
                    tenant)));
    for (const auto& r : rows) {
      ASSERT_TRUE(db->exec(fmt::format(
          "INSERT INTO assignment_state VALUES ('{}', '{}', '/providers/Microsoft.Authorization/roleAssignments/{}', "
          "'/', '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9', 'User Access Administrator', "
          "'11111111-1111-1111-1111-111111111111', 'User', NULL, NULL, {}, NULL, '2025-02-20T08:00:00Z', "
          "'anything-at-root', 'critical', {}, 0, 0, {}, {})",
          r.tenant_id, r.key, assignment_guid, r.created_on, r.firing, r.occurrence, r.removed_at)))
          << r.key;
    }
  }

  std::unique_ptr<state_store> open() {
    auto s = state_store::open(dir_.string());
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
  }

  testing_support::temp_dir tmp_{"rootwatch-migration"};
  fs::path dir_ = tmp_.path() / "state";
};

engine::assignment listed(const char* created_on) {
  engine::assignment a;
  a.id = std::string("/providers/Microsoft.Authorization/roleAssignments/") + assignment_guid;
  a.scope = "/";
  a.role = {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator"};
  a.principal = {"11111111-1111-1111-1111-111111111111", "User", std::nullopt};
  a.created_on = parse_iso8601(created_on);
  return a;
}

engine::cycle_output cycle(const engine::tenant_state& previous, std::vector<engine::assignment> now, timestamp at) {
  const engine::snapshot snap{"arm", at, std::move(now)};
  const std::vector<engine::rule> rules{
      {"anything-at-root", {"/"}, {"*"}, engine::severity::critical, {}, std::nullopt, engine::severity::critical}};
  engine::cycle_input in;
  in.tenant = {tenant, "contoso"};
  in.previous = &previous;
  in.current = &snap;
  in.rules = &rules;
  in.now = at;
  return engine::run_cycle(in);
}

TEST_F(identity_migration_test, a_firing_assignment_keyed_with_created_on_stays_quiet_and_resolves_alike) {
  const std::string old_key = schema2_key("2025-02-11T10:00:00Z");
  make_v2({{.key = old_key, .created_on = "'2025-02-11T10:00:00Z'", .firing = 1}});
  // What rootwatch 2 sent when it first saw the assignment (pinned in the engine's identity test).
  const std::string announced = engine::correlation_key(tenant, old_key);
  ASSERT_EQ(announced, "7146d54ea7f079069a025e452528db34");

  const timestamp t1 = *parse_iso8601("2026-01-01T00:00:00Z");
  {
    auto s = open();
    auto state = s->load_tenant(tenant);
    ASSERT_TRUE(state) << state.error().message;
    ASSERT_EQ(state->assignments.size(), 1u);
    EXPECT_EQ(state->assignments[0].key, new_key);
    EXPECT_EQ(state->assignments[0].key, engine::identity_key(listed("2025-02-11T10:00:00Z")));
    EXPECT_EQ(state->assignments[0].subject, old_key);
    EXPECT_TRUE(state->assignments[0].firing);

    // The first cycle after the upgrade, where Resource Graph writes the time its own way.
    const auto out = cycle(*state, {listed("2025-02-11T10:00:00.000+00:00")}, t1);
    EXPECT_TRUE(out.alerts.empty()) << "no alert burst after an upgrade";
    EXPECT_EQ(out.firing, 1u);
    ASSERT_TRUE(s->commit_cycle(tenant, out.next, out.alerts, {"soc"}, t1));
  }
  auto s = open();
  auto state = s->load_tenant(tenant);
  ASSERT_TRUE(state);
  const auto gone = cycle(*state, {}, t1 + seconds{60});
  ASSERT_EQ(gone.alerts.size(), 1u);
  EXPECT_EQ(gone.alerts[0].kind, engine::alert_kind::removed);
  EXPECT_EQ(gone.alerts[0].correlation_key, announced);
  EXPECT_EQ(gone.alerts[0].id, engine::alert_id(tenant, engine::alert_kind::removed, old_key));
}

TEST_F(identity_migration_test, a_tombstone_and_a_live_row_of_one_assignment_become_the_live_one) {
  make_v2({
      {.key = schema2_key("2024-05-01T00:00:00Z"),
       .created_on = "'2024-05-01T00:00:00Z'",
       .occurrence = 3,
       .removed_at = "'2025-01-01T00:00:00Z'"},
      {.key = schema2_key("2025-02-11T10:00:00.1234567Z"), .created_on = "'2025-02-11T10:00:00.1234567Z'", .firing = 1},
  });
  auto s = open();
  auto state = s->load_tenant(tenant);
  ASSERT_TRUE(state) << state.error().message;
  ASSERT_EQ(state->assignments.size(), 1u);
  const auto& t = state->assignments[0];
  EXPECT_EQ(t.key, new_key);
  EXPECT_FALSE(t.removed_at);
  EXPECT_TRUE(t.firing);
  EXPECT_EQ(t.occurrence, 3) << "the highest occurrence: the next one gets a number never used";
  EXPECT_EQ(t.subject, schema2_key("2025-02-11T10:00:00.1234567Z")) << "the live row's own subject";
  EXPECT_EQ(t.current.created_on, parse_iso8601("2025-02-11T10:00:00.1234567Z"));

  const timestamp t1 = *parse_iso8601("2026-01-01T00:00:00Z");
  const auto quiet = cycle(*state, {listed("2025-02-11T10:00:00.1234567Z")}, t1);
  EXPECT_TRUE(quiet.alerts.empty());
  const auto gone = cycle(quiet.next, {}, t1 + seconds{60});
  ASSERT_EQ(gone.alerts.size(), 1u);
  EXPECT_EQ(gone.alerts[0].correlation_key,
            engine::correlation_key(tenant, schema2_key("2025-02-11T10:00:00.1234567Z")));
  const auto back = cycle(gone.next, {listed("2025-02-11T10:00:00.1234567Z")}, t1 + seconds{120});
  ASSERT_EQ(back.alerts.size(), 1u);
  EXPECT_EQ(back.alerts[0].id, engine::alert_id(tenant, engine::alert_kind::created, std::string(new_key) + "#4"));
}

TEST_F(identity_migration_test, a_live_row_without_created_on_absorbs_a_tombstone_with_one) {
  make_v2({
      {.key = schema2_key(""), .firing = 1, .occurrence = 2},
      {.key = schema2_key("2024-05-01T00:00:00Z"),
       .created_on = "'2024-05-01T00:00:00Z'",
       .occurrence = 5,
       .removed_at = "'2025-01-01T00:00:00Z'"},
  });
  auto s = open();
  auto state = s->load_tenant(tenant);
  ASSERT_TRUE(state);
  ASSERT_EQ(state->assignments.size(), 1u);
  EXPECT_EQ(state->assignments[0].key, new_key);
  EXPECT_FALSE(state->assignments[0].removed_at);
  EXPECT_EQ(state->assignments[0].occurrence, 5);
  EXPECT_EQ(state->assignments[0].subject, std::string(new_key) + "#2") << "ids of the occurrence that fired";
}

TEST_F(identity_migration_test, rows_that_do_not_collide_keep_their_data_and_get_their_subjects) {
  make_v2({
      {.key = schema2_key("2025-02-11T10:00:00Z"), .created_on = "'2025-02-11T10:00:00Z'", .occurrence = 2},
      {.key = schema2_key("2025-02-11T10:00:00Z"),
       .created_on = "'2025-02-11T10:00:00Z'",
       .firing = 1,
       .tenant_id = "00000000-0000-0000-0000-000000000002"},
      {.key = "some|other|key|", .firing = 1},
  });
  auto s = open();
  auto state = s->load_tenant(tenant);
  ASSERT_TRUE(state);
  ASSERT_EQ(state->assignments.size(), 2u);
  EXPECT_EQ(state->assignments[0].key, new_key);
  EXPECT_EQ(state->assignments[0].occurrence, 2);
  EXPECT_EQ(state->assignments[0].subject, schema2_key("2025-02-11T10:00:00Z") + "#2");
  EXPECT_EQ(state->assignments[1].key, "some|other|key|");
  EXPECT_EQ(engine::alert_subject(state->assignments[1]), "some|other|key|");
  EXPECT_TRUE(state->initialized);
  EXPECT_EQ(state->health.last_success, parse_iso8601("2025-02-20T08:00:00Z"));

  auto other = s->load_tenant("00000000-0000-0000-0000-000000000002");
  ASSERT_TRUE(other);
  ASSERT_EQ(other->assignments.size(), 1u) << "tenants are re-keyed apart";
  EXPECT_EQ(other->assignments[0].key, new_key);
  EXPECT_TRUE(other->assignments[0].firing);
}

}  // namespace
}  // namespace rootwatch::store
