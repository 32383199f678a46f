// Another process holding the database's write lock (a `rootwatch check`, a backup, an
// operator's sqlite3 shell): the daemon's store calls run on its event loop, so they must not
// wait it out. They fail soon with a retryable error, keep what was there, and succeed once
// the lock is gone.

#include "store/state_store.hpp"
#include "support/sample_alert.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include <sqlite3.h>

namespace rootwatch::store {
namespace {

namespace fs = std::filesystem;

const timestamp t0 = *parse_iso8601("2026-01-01T00:00:00Z");

// A second connection, as another process would have, holding the write lock until released.
class write_lock {
 public:
  explicit write_lock(const fs::path& db_path) {
    EXPECT_EQ(sqlite3_open(db_path.c_str(), &db_), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db_);
  }
  ~write_lock() { release(); }
  write_lock(const write_lock&) = delete;
  write_lock& operator=(const write_lock&) = delete;

  void release() {
    if (db_ != nullptr) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      sqlite3_close(db_);
      db_ = nullptr;
    }
  }

 private:
  sqlite3* db_ = nullptr;
};

class write_lock_test : public ::testing::Test {
 protected:
  std::unique_ptr<state_store> open() {
    auto s = state_store::open(dir_.string());
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
  }

  fs::path db_path() const { return dir_ / "rootwatch.db"; }

  testing_support::temp_dir tmp_{"rootwatch-store-lock"};
  fs::path dir_ = tmp_.path() / "state";
};

TEST_F(write_lock_test, a_cycle_commit_under_another_writer_fails_retryable_and_keeps_the_state) {
  auto s = open();
  ASSERT_TRUE(s);
  engine::tenant_state before;
  before.initialized = true;
  ASSERT_TRUE(s->commit_cycle("t1", before, {}, {"soc"}, t0));

  write_lock lock(db_path());
  engine::tenant_state next = before;
  next.health.consecutive_failures = 3;
  const auto blocked = s->commit_cycle("t1", next, {testing_support::sample_alert("x1", t0)}, {"soc"}, t0);
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().kind, error_kind::store);
  EXPECT_TRUE(blocked.error().retryable) << blocked.error().message;
  EXPECT_NE(blocked.error().message.find("write lock"), std::string::npos) << blocked.error().message;
  // Reading goes on under the lock (WAL), and shows that nothing of the failed commit landed.
  auto kept = s->load_tenant("t1");
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(kept->health.consecutive_failures, 0);
  EXPECT_TRUE(s->due("soc", t0, 10)->empty());

  lock.release();
  ASSERT_TRUE(s->commit_cycle("t1", next, {testing_support::sample_alert("x1", t0)}, {"soc"}, t0));
  EXPECT_EQ(s->load_tenant("t1")->health.consecutive_failures, 3);
  EXPECT_EQ(s->due("soc", t0, 10)->size(), 1u);
}

TEST_F(write_lock_test, a_delivery_mark_under_another_writer_fails_retryable_and_the_row_stays_pending) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->enqueue({testing_support::sample_alert("x1", t0)}, {"soc"}, t0));
  const auto due = *s->due("soc", t0, 10);
  ASSERT_EQ(due.size(), 1u);

  write_lock lock(db_path());
  const auto blocked = s->mark_delivered(due[0].seq, t0);
  ASSERT_FALSE(blocked);
  EXPECT_TRUE(blocked.error().retryable) << blocked.error().message;
  EXPECT_EQ(s->counts("soc")->pending, 1);

  lock.release();
  ASSERT_TRUE(s->mark_delivered(due[0].seq, t0));
  EXPECT_EQ(s->counts("soc")->pending, 0);
  EXPECT_EQ(s->counts("soc")->delivered, 1);
}

TEST_F(write_lock_test, errors_other_than_a_lock_are_not_retryable) {
  auto s = open();
  ASSERT_TRUE(s);
  auto db = database::open(db_path().string());
  ASSERT_TRUE(db);
  const auto broken = db->exec("INSERT INTO no_such_table VALUES (1)");
  ASSERT_FALSE(broken);
  EXPECT_FALSE(broken.error().retryable);
}

}  // namespace
}  // namespace rootwatch::store
