// Schema 6: the number of the last lingering reminder per tracked assignment survives a
// restart, and a schema 5 file upgrades in place with its rows kept and no reminder known.

#include "engine/cycle.hpp"
#include "engine/identity.hpp"
#include "store/schema.hpp"
#include "store/state_store.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

namespace rootwatch::store {
namespace {

namespace fs = std::filesystem;

const timestamp t0 = *parse_iso8601("2026-01-01T00:00:00Z");

class reminders_store_test : public ::testing::Test {
 protected:
  std::unique_ptr<state_store> open() {
    auto s = state_store::open(dir_.string());
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
  }

  testing_support::temp_dir tmp_{"rootwatch-reminders-store"};
  fs::path dir_ = tmp_.path() / "state";
};

engine::tracked_assignment firing(const std::string& key, int reminders) {
  engine::tracked_assignment t;
  t.key = key;
  t.current.id = "/providers/Microsoft.Authorization/roleAssignments/" + key;
  t.current.scope = "/";
  t.current.role = {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator"};
  t.current.principal = {"11111111-1111-1111-1111-111111111111", "User", std::nullopt};
  t.first_seen = t0;
  t.rule = "anything-at-root";
  t.level = engine::severity::critical;
  t.firing = true;
  t.reminders = reminders;
  return t;
}

TEST_F(reminders_store_test, the_last_reminder_number_round_trips) {
  engine::tenant_state next;
  next.initialized = true;
  next.assignments = {firing("a", 0), firing("b", 7)};
  {
    auto s = open();
    ASSERT_TRUE(s->commit_cycle("t1", next, {}, {"soc"}, t0));
  }
  auto s = open();
  const auto loaded = s->load_tenant("t1");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->assignments, next.assignments);
}

TEST_F(reminders_store_test, a_version_5_database_upgrades_in_place) {
  fs::create_directories(dir_);
  {
    auto db = database::open((dir_ / "rootwatch.db").string());
    ASSERT_TRUE(db);
    ASSERT_TRUE(prepare_schema(*db, 5));
    ASSERT_TRUE(db->exec("INSERT INTO tenant_state (tenant_id, initialized, updated_at) VALUES ('t1', 1, 0)"));
    // As rootwatch with schema 5 wrote it: 22 columns, the last the actor.
    ASSERT_TRUE(db->exec(
        "INSERT INTO assignment_state VALUES ('t1', 'k', '/providers/Microsoft.Authorization/roleAssignments/k', '/', "
        "'18d7d88d-d35e-4fb5-a5c3-7773c20a72d9', 'User Access Administrator', "
        "'11111111-1111-1111-1111-111111111111', 'User', NULL, NULL, NULL, NULL, '2026-01-01T00:00:00Z', "
        "'anything-at-root', 'critical', 1, 0, 0, 2, NULL, 'k#2', NULL)"));
    ASSERT_TRUE(db->exec("INSERT INTO occurrence_mark VALUES ('t1', 'gone', 4)"));
  }
  auto s = open();
  ASSERT_TRUE(s);
  const auto state = s->load_tenant("t1");
  ASSERT_TRUE(state) << state.error().message;
  ASSERT_EQ(state->assignments.size(), 1u);
  const auto& t = state->assignments[0];
  EXPECT_TRUE(t.firing);
  EXPECT_EQ(t.occurrence, 2);
  EXPECT_EQ(engine::alert_subject(t), "k#2");
  EXPECT_EQ(t.reminders, 0) << "no reminder known from before the upgrade";
  EXPECT_EQ(state->occurrence_marks.at("gone"), 4);

  // And the new column is written from then on.
  auto next = *state;
  next.assignments[0].reminders = 3;
  ASSERT_TRUE(s->commit_cycle("t1", next, {}, {}, t0));
  EXPECT_EQ(s->load_tenant("t1")->assignments[0].reminders, 3);
}

TEST_F(reminders_store_test, a_stored_number_out_of_range_reads_within_range) {
  engine::tenant_state next;
  next.initialized = true;
  next.assignments = {firing("a", 1), firing("b", 1)};
  {
    auto s = open();
    ASSERT_TRUE(s->commit_cycle("t1", next, {}, {}, t0));
  }
  {
    auto db = database::open((dir_ / "rootwatch.db").string());
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("UPDATE assignment_state SET reminders = -5 WHERE key = 'a'"));
    ASSERT_TRUE(db->exec("UPDATE assignment_state SET reminders = 9999999999 WHERE key = 'b'"));
  }
  auto s = open();
  const auto state = s->load_tenant("t1");
  ASSERT_TRUE(state);
  EXPECT_EQ(state->assignments[0].reminders, 0);
  EXPECT_EQ(state->assignments[1].reminders, std::numeric_limits<int>::max());
}

}  // namespace
}  // namespace rootwatch::store
