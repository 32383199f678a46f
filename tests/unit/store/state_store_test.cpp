#include "store/state_store.hpp"
#include "engine/alert_json.hpp"
#include "engine/identity.hpp"
#include "store/schema.hpp"
#include "support/sample_alert.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <sqlite3.h>

namespace rootwatch::store {
namespace {

namespace fs = std::filesystem;

class state_store_test : public ::testing::Test {
 protected:
  std::unique_ptr<state_store> open() {
    auto s = state_store::open(dir_.string());
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
  }

  testing_support::temp_dir tmp_{"rootwatch-store"};
  fs::path dir_ = tmp_.path() / "state";
};

const timestamp t0 = *parse_iso8601("2026-01-01T00:00:00Z");

engine::tracked_assignment tracked(const std::string& key, bool firing) {
  engine::tracked_assignment t;
  t.key = key;
  t.current.id = "/providers/Microsoft.Authorization/roleAssignments/" + key;
  t.current.scope = "/";
  t.current.role = {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator"};
  t.current.principal = {"11111111-1111-1111-1111-111111111111", "User", std::nullopt};
  t.current.created_on = parse_iso8601("2025-02-11T10:00:00.1234567Z");
  t.current.created_by = "22222222-2222-2222-2222-222222222222";
  t.first_seen = t0;
  t.rule = "anything-at-root";
  t.level = engine::severity::critical;
  t.firing = firing;
  return t;
}

engine::alert alert_for(const std::string& id) {
  return testing_support::sample_alert(id, t0);
}

TEST_F(state_store_test, a_new_tenant_starts_uninitialized_and_empty) {
  auto s = open();
  auto state = s->load_tenant("t1");
  ASSERT_TRUE(state);
  EXPECT_FALSE(state->initialized);
  EXPECT_TRUE(state->assignments.empty());
}

TEST_F(state_store_test, a_committed_cycle_survives_reopening_with_every_field) {
  engine::tenant_state next;
  next.initialized = true;
  next.assignments = {tracked("a", true), tracked("b", false)};
  next.assignments[1].baselined = true;
  next.assignments[1].current.condition = "@Resource[x] == 'y'";
  next.assignments[1].current.principal.display_name = "Alice";
  next.assignments[1].occurrence = 3;
  next.assignments[1].removed_at = t0 + seconds{90};
  next.assignments[0].subject = "a|2025-02-11T10:00:00.1234567Z";
  next.health.consecutive_failures = 4;
  next.health.failing_since = t0 + seconds{10};
  next.health.last_success = t0;
  next.health.degraded = true;
  next.health.last_error = "arm role assignments answered 403 AuthorizationFailed";
  {
    auto s = open();
    ASSERT_TRUE(s->commit_cycle("t1", next, {alert_for("x1")}, {"soc", "pager"}, t0));
  }
  auto s = open();
  auto state = s->load_tenant("t1");
  ASSERT_TRUE(state);
  EXPECT_EQ(*state, next);
  EXPECT_EQ(s->counts("soc")->pending, 1);
  EXPECT_EQ(s->counts("pager")->pending, 1);
  EXPECT_FALSE(s->load_tenant("t2")->initialized);
}

std::vector<std::string> subject_column(const fs::path& db_path) {
  sqlite3* db = nullptr;
  sqlite3_stmt* q = nullptr;
  std::vector<std::string> out;
  if (sqlite3_open(db_path.c_str(), &db) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "SELECT subject FROM assignment_state ORDER BY key", -1, &q, nullptr) == SQLITE_OK) {
    while (sqlite3_step(q) == SQLITE_ROW) {
      out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)));
    }
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return out;
}

// The usual subject, occurrence_key(key, occurrence), is kept in memory as "" (a second copy of
// every key otherwise); the row holds it in full, so that it reads alone and outlives a change
// of how keys are made; and any other subject is kept as it is.
TEST_F(state_store_test, a_default_subject_is_written_in_full_and_kept_empty) {
  engine::tenant_state next;
  next.initialized = true;
  next.assignments = {tracked("a", true), tracked("b", true), tracked("c", true)};
  next.assignments[1].occurrence = 3;
  next.assignments[1].subject = "b#3";  // spelled out: the same as empty
  next.assignments[2].subject = "c|2025-02-11T10:00:00Z";
  auto s = open();
  ASSERT_TRUE(s->commit_cycle("t1", next, {}, {"soc"}, t0));
  EXPECT_EQ(subject_column(dir_ / "rootwatch.db"), (std::vector<std::string>{"a", "b#3", "c|2025-02-11T10:00:00Z"}));
  auto kept = s->tenant("t1");
  ASSERT_TRUE(kept);
  EXPECT_EQ((*kept)->assignments[0].subject, "");
  EXPECT_EQ((*kept)->assignments[1].subject, "");
  EXPECT_EQ((*kept)->assignments[2].subject, "c|2025-02-11T10:00:00Z");
  const auto loaded = open()->load_tenant("t1");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(*loaded, **kept) << "read back as it is kept";
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(engine::alert_subject(loaded->assignments[i]), engine::alert_subject(next.assignments[i]));
  }
}

TEST_F(state_store_test, the_next_cycle_replaces_the_tenant_state) {
  auto s = open();
  engine::tenant_state first;
  first.initialized = true;
  first.assignments = {tracked("a", true), tracked("b", true)};
  ASSERT_TRUE(s->commit_cycle("t1", first, {}, {"soc"}, t0));
  engine::tenant_state second;
  second.initialized = true;
  second.assignments = {tracked("c", false)};
  ASSERT_TRUE(s->commit_cycle("t1", second, {}, {"soc"}, t0));
  EXPECT_EQ(s->load_tenant("t1")->assignments, second.assignments);
}

TEST_F(state_store_test, an_alert_id_enters_the_outbox_of_a_sink_once) {
  auto s = open();
  engine::tenant_state st;
  ASSERT_TRUE(s->commit_cycle("t1", st, {alert_for("x1")}, {"soc"}, t0));
  ASSERT_TRUE(s->commit_cycle("t1", st, {alert_for("x1"), alert_for("x2")}, {"soc"}, t0));
  auto due = s->due("soc", t0, 10);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].alert_id, "x1");
  EXPECT_EQ((*due)[1].alert_id, "x2");
  EXPECT_EQ(engine::alert_from_json(json::parse((*due)[0].payload)), alert_for("x1"));
}

TEST_F(state_store_test, outbox_rows_move_through_retry_delivered_and_dead) {
  auto s = open();
  ASSERT_TRUE(s->enqueue({alert_for("x1"), alert_for("x2"), alert_for("x3")}, {"soc"}, t0));
  auto due = *s->due("soc", t0, 10);
  ASSERT_EQ(due.size(), 3u);
  ASSERT_TRUE(s->mark_retry(due[0].seq, 1, t0 + seconds{30}, "sink soc answered 500"));
  ASSERT_TRUE(s->mark_delivered(due[1].seq, t0));
  ASSERT_TRUE(s->mark_dead(due[2].seq, 9, "gave up", t0));
  EXPECT_TRUE(s->due("soc", t0, 10)->empty());
  EXPECT_EQ(**s->next_due("soc"), t0 + seconds{30});
  auto later = *s->due("soc", t0 + seconds{30}, 10);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].attempts, 1);
  const auto c = *s->counts("soc");
  EXPECT_EQ(c.pending, 1);
  EXPECT_EQ(c.delivered, 1);
  EXPECT_EQ(c.dead, 1);
  EXPECT_FALSE(*s->next_due("other"));
}

TEST_F(state_store_test, a_file_that_is_not_sqlite_is_refused_and_left_alone) {
  fs::create_directories(dir_);
  const auto path = dir_ / "rootwatch.db";
  const std::string garbage(8192, 'x');
  std::ofstream(path, std::ios::binary) << garbage;
  auto s = state_store::open(dir_.string());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("not a usable SQLite database"), std::string::npos) << s.error().message;
  EXPECT_EQ(fs::file_size(path), garbage.size());
}

TEST_F(state_store_test, a_database_of_another_program_is_refused) {
  fs::create_directories(dir_);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "rootwatch.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE invoices (id INTEGER)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto s = state_store::open(dir_.string());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("another program"), std::string::npos) << s.error().message;
}

TEST_F(state_store_test, a_database_from_a_newer_version_is_refused) {
  { open(); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "rootwatch.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto s = state_store::open(dir_.string());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("newer rootwatch"), std::string::npos) << s.error().message;
}

TEST_F(state_store_test, the_database_is_in_wal_mode_with_our_application_id) {
  { open(); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "rootwatch.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA application_id", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), 0x52574348);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_F(state_store_test, a_version_1_database_is_migrated_with_its_data) {
  fs::create_directories(dir_);
  {
    auto db = database::open((dir_ / "rootwatch.db").string());
    ASSERT_TRUE(db);
    ASSERT_TRUE(prepare_schema(*db, 1));
    ASSERT_TRUE(db->exec("INSERT INTO tenant_state (tenant_id, initialized, updated_at) VALUES ('t1', 1, 0)"));
    ASSERT_TRUE(db->exec(
        "INSERT INTO assignment_state VALUES ('t1', 'k', '/providers/Microsoft.Authorization/roleAssignments/k', '/', "
        "'18d7d88d-d35e-4fb5-a5c3-7773c20a72d9', 'User Access Administrator', "
        "'11111111-1111-1111-1111-111111111111', 'User', NULL, NULL, NULL, NULL, '2026-01-01T00:00:00Z', "
        "'anything-at-root', 'critical', 1, 0, 0)"));
  }
  auto s = open();
  ASSERT_TRUE(s);
  auto state = s->load_tenant("t1");
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_TRUE(state->initialized);
  ASSERT_EQ(state->assignments.size(), 1u);
  EXPECT_TRUE(state->assignments[0].firing);
  EXPECT_EQ(state->assignments[0].occurrence, 1);
  EXPECT_FALSE(state->assignments[0].removed_at);
  EXPECT_EQ(state->assignments[0].key, "k");
  EXPECT_EQ(engine::alert_subject(state->assignments[0]), "k");
  EXPECT_EQ(state->health, engine::watch_health{});
}

TEST_F(state_store_test, pending_rows_are_counted_per_sink_including_unconfigured_ones) {
  auto s = open();
  ASSERT_TRUE(s->enqueue({alert_for("x1"), alert_for("x2")}, {"soc", "old-sink"}, t0));
  auto due = *s->due("soc", t0, 10);
  ASSERT_TRUE(s->mark_delivered(due[0].seq, t0));
  auto pending = s->pending_by_sink();
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0], (std::pair<std::string, std::int64_t>{"old-sink", 2}));
  EXPECT_EQ((*pending)[1], (std::pair<std::string, std::int64_t>{"soc", 1}));
}

}  // namespace
}  // namespace rootwatch::store
