// The tenant states the store keeps in memory (issue 9): read from rootwatch.db once per tenant,
// written through by commit_cycle, and always equal to what a fresh store reads from the file:
// after a commit, a failed commit, a restart, and another connection's commit.

#include "engine/model.hpp"
#include "store/state_store.hpp"
#include "support/sample_alert.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <limits>
#include <string>

#include <sqlite3.h>

namespace rootwatch::store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const timestamp t0 = *parse_iso8601("2026-01-01T00:00:00Z");

engine::tracked_assignment tracked(const std::string& key, timestamp first_seen) {
  engine::tracked_assignment t;
  t.key = key;
  t.current.id = "/providers/Microsoft.Authorization/roleAssignments/" + key;
  t.current.scope = "/";
  t.current.role.id = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
  t.current.role.name = "User Access Administrator";
  t.current.principal.id = "a11ce000-0000-4000-8000-000000000001";
  t.current.principal.type = "User";
  t.first_seen = first_seen;
  t.rule = "anything-at-root";
  t.level = engine::severity::critical;
  t.firing = true;
  return t;
}

engine::seen_event seen(const std::string& id, const std::string& operation, timestamp at) {
  engine::audit_event e;
  e.source = "activity_log";
  e.event_id = id;
  e.operation = operation;
  e.status = "Succeeded";
  e.occurred_at = at;
  return engine::seen_event{e, ""};
}

engine::tenant_state plain_state() {
  engine::tenant_state s;
  s.initialized = true;
  s.health.last_success = t0;
  s.assignments = {tracked("k1", t0), tracked("k2", t0)};
  s.events.watermarks["activity_log"] = t0;
  s.occurrence_marks["k0"] = 2;
  return s;
}

// Everything the columns do not keep as the engine holds it: times to the nanosecond, rows out
// of their read order, a log record taken twice, text that JSON columns must replace, numbers
// a column clamps.
engine::tenant_state awkward_state() {
  engine::tenant_state s = plain_state();
  const auto odd = t0 + 123456789ns;
  s.health.consecutive_failures = 0;
  s.health.failing_since = odd;
  s.health.last_error = "answered 403: \xFF\xFE\xC3";
  s.assignments = {tracked("k9", odd), tracked("k1", t0)};
  s.assignments[0].current.created_on = odd;
  s.assignments[0].current.created_by = "someone";
  s.assignments[0].actor = engine::actor_ref{"a-id", "j\xF6rg@contoso", std::nullopt, "10.0.0.1"};
  s.assignments[0].reminders = -4;
  s.assignments[1].removed_at = odd;
  s.events.watermarks["entra_audit"] = odd;
  s.events.seen = {seen("e2", "write \xC3", odd), seen("e1", "first", t0), seen("e1", "again", odd)};
  s.occurrence_marks["k5"] = -1;
  return s;
}

class tenant_memory_test : public ::testing::Test {
 protected:
  std::unique_ptr<state_store> open() {
    auto s = state_store::open(dir_.string());
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
  }

  // What a process started now would read.
  engine::tenant_state fresh_read(const std::string& tenant) {
    auto other = open();
    auto state = other->load_tenant(tenant);
    EXPECT_TRUE(state) << (state ? "" : state.error().message);
    return state ? *state : engine::tenant_state{};
  }

  testing_support::temp_dir tmp_{"rootwatch-store-memory"};
  fs::path dir_ = tmp_.path() / "state";
};

TEST_F(tenant_memory_test, a_tenant_is_read_from_the_database_once_then_from_memory) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->load_tenant("t1"));
  EXPECT_EQ(s->tenant_reads(), 1);
  // Cycles: load, commit, load, and the failed() and gather_events() reads of the same cycle.
  auto next = plain_state();
  for (int cycle = 0; cycle < 5; ++cycle) {
    ASSERT_TRUE(s->tenant("t1"));
    ASSERT_TRUE(s->load_tenant("t1"));
    next.health.last_success = t0 + std::chrono::seconds{cycle};
    ASSERT_TRUE(s->commit_cycle("t1", next, {}, {"soc"}, t0));
    auto kept = s->tenant("t1");
    ASSERT_TRUE(kept);
    EXPECT_EQ(**kept, next);
  }
  EXPECT_EQ(s->tenant_reads(), 1) << "read back from rootwatch.db after the first load";
  // Another tenant is its own read.
  ASSERT_TRUE(s->load_tenant("t2"));
  EXPECT_EQ(s->tenant_reads(), 2);
}

TEST_F(tenant_memory_test, after_a_commit_memory_equals_what_a_restart_reads) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->load_tenant("t1"));
  for (const auto& state : {plain_state(), awkward_state()}) {
    ASSERT_TRUE(s->commit_cycle("t1", state, {}, {"soc"}, t0));
    const auto in_memory = s->load_tenant("t1");
    ASSERT_TRUE(in_memory);
    EXPECT_EQ(*in_memory, fresh_read("t1"));
  }
  EXPECT_EQ(s->tenant_reads(), 1);
}

TEST_F(tenant_memory_test, a_commit_rolled_back_midway_leaves_memory_as_the_row) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto before = plain_state();
  ASSERT_TRUE(s->commit_cycle("t1", before, {}, {"soc"}, t0));
  ASSERT_TRUE(s->load_tenant("t1"));
  // Two rows with one key: the tenant_state row is written, then the second assignment breaks
  // the primary key and the whole transaction rolls back.
  auto broken = before;
  broken.health.consecutive_failures = 7;
  broken.assignments.push_back(broken.assignments.front());
  ASSERT_FALSE(s->commit_cycle("t1", broken, {testing_support::sample_alert("x1", t0)}, {"soc"}, t0));
  const auto kept = s->load_tenant("t1");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->health.consecutive_failures, 0);
  EXPECT_EQ(*kept, fresh_read("t1"));
  EXPECT_EQ(*kept, before);
}

TEST_F(tenant_memory_test, a_commit_another_writer_blocks_leaves_memory_as_the_row) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto before = plain_state();
  ASSERT_TRUE(s->commit_cycle("t1", before, {}, {"soc"}, t0));
  sqlite3* lock = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "rootwatch.db").c_str(), &lock), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(lock, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto next = before;
  next.health.consecutive_failures = 3;
  EXPECT_FALSE(s->commit_cycle("t1", next, {}, {"soc"}, t0));
  sqlite3_exec(lock, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(lock);
  const auto kept = s->load_tenant("t1");
  ASSERT_TRUE(kept);
  EXPECT_EQ(*kept, before);
  EXPECT_EQ(*kept, fresh_read("t1"));
}

TEST_F(tenant_memory_test, a_restart_reads_what_was_committed) {
  const auto state = awkward_state();
  engine::tenant_state kept;
  {
    auto s = open();
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->commit_cycle("t1", state, {}, {"soc"}, t0));
    kept = *s->load_tenant("t1");
  }
  auto restarted = open();
  const auto read = restarted->load_tenant("t1");
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, kept);
  EXPECT_TRUE(read->initialized);
  EXPECT_EQ(read->assignments.size(), 2u);
}

// `rootwatch check` on the same state_dir while the daemon runs, say: the daemon must not go on
// from a state that is no longer the row, and overwrite what the other process committed.
TEST_F(tenant_memory_test, another_connections_commit_is_read_again) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->commit_cycle("t1", plain_state(), {}, {"soc"}, t0));
  ASSERT_TRUE(s->load_tenant("t1"));
  ASSERT_TRUE(s->load_tenant("t2"));
  auto changed = plain_state();
  changed.health.consecutive_failures = 5;
  changed.assignments.pop_back();
  {
    auto other = open();
    ASSERT_TRUE(other->commit_cycle("t1", changed, {}, {"soc"}, t0));
  }
  const auto now = s->load_tenant("t1");
  ASSERT_TRUE(now);
  EXPECT_EQ(*now, changed);
  const auto reads = s->tenant_reads();
  ASSERT_TRUE(s->load_tenant("t1"));
  EXPECT_EQ(s->tenant_reads(), reads) << "read again once, then from memory";
}

// What the watcher's quiet cycles lean on (issue 9): the counter moves at every commit here,
// failed or not, and at another connection's commit, and at nothing else.
TEST_F(tenant_memory_test, tenant_changes_moves_with_every_commit_and_nothing_else) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->tenant("t1"));
  const auto start = s->tenant_changes();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(s->tenant("t1"));
    ASSERT_TRUE(s->load_tenant("t2"));
    ASSERT_TRUE(s->enqueue({testing_support::sample_alert("a" + std::to_string(i), t0)}, {"soc"}, t0));
  }
  EXPECT_EQ(s->tenant_changes(), start) << "reads and outbox rows change no tenant";

  ASSERT_TRUE(s->commit_cycle("t1", plain_state(), {}, {"soc"}, t0));
  const auto committed = s->tenant_changes();
  EXPECT_GT(committed, start);
  ASSERT_TRUE(s->tenant("t1"));
  EXPECT_EQ(s->tenant_changes(), committed);

  auto broken = plain_state();
  broken.assignments.push_back(broken.assignments.front());
  ASSERT_FALSE(s->commit_cycle("t1", broken, {}, {"soc"}, t0));
  const auto failed = s->tenant_changes();
  EXPECT_GT(failed, committed) << "a failed commit may have changed what is kept";
  ASSERT_TRUE(s->tenant("t1"));
  const auto settled = s->tenant_changes();

  {
    auto other = open();
    auto changed = plain_state();
    changed.assignments.pop_back();
    ASSERT_TRUE(other->commit_cycle("t2", changed, {}, {"soc"}, t0));
  }
  ASSERT_TRUE(s->tenant("t1"));
  EXPECT_GT(s->tenant_changes(), settled) << "another connection's commit, seen at the next read";
}

}  // namespace
}  // namespace rootwatch::store
