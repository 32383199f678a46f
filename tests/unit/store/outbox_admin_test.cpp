// `rootwatch outbox list|retry|drop` against a real database made by state_store::open, with the
// daemon's store connection open beside it, as when the daemon runs.

#include "store/outbox_admin.hpp"
#include "store/state_store.hpp"
#include "support/sample_alert.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <sqlite3.h>

namespace rootwatch::store {
namespace {

namespace fs = std::filesystem;

const timestamp t0 = *parse_iso8601("2026-01-01T00:00:00Z");
const timestamp t1 = t0 + std::chrono::hours{80};

class outbox_admin_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = state_store::open(dir_.string());
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    ASSERT_TRUE(store_->enqueue({alert("a1"), alert("a2"), alert("a3"), alert("a4")}, {"soc"}, t0));
    ASSERT_TRUE(store_->enqueue({alert("a1")}, {"pager"}, t0));
    auto due = store_->due("soc", t0, 10);
    ASSERT_TRUE(due);
    ASSERT_EQ(due->size(), 4u);
    for (const auto& item : *due) {
      seq_[item.alert_id] = item.seq;
    }
    // a1 pending after a failure, a2 delivered, a3 dead, a4 pending and never tried.
    ASSERT_TRUE(store_->mark_retry(seq_["a1"], 2, t0 + seconds{60}, "sink soc answered 503"));
    ASSERT_TRUE(store_->mark_delivered(seq_["a2"], t0 + seconds{1}));
    ASSERT_TRUE(store_->mark_dead(seq_["a3"], 1, "sink soc answered 400 (permanent)", t0 + seconds{2}));
  }

  static engine::alert alert(const std::string& id) { return testing_support::sample_alert(id, t0); }

  outbox_admin admin() {
    auto a = outbox_admin::open(dir_.string());
    EXPECT_TRUE(a) << (a ? "" : a.error().message);
    return std::move(*a);
  }

  std::vector<outbox_row> all_rows() {
    outbox_filter every;
    auto rows = admin().list(every);
    EXPECT_TRUE(rows);
    return rows ? *rows : std::vector<outbox_row>{};
  }

  outbox_row row_of(std::int64_t seq) {
    for (const auto& r : all_rows()) {
      if (r.seq == seq) {
        return r;
      }
    }
    ADD_FAILURE() << "no row " << seq;
    return {};
  }

  void set_user_version(int v) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "rootwatch.db").string().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, ("PRAGMA user_version = " + std::to_string(v)).c_str(), nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }

  testing_support::temp_dir tmp_{"rootwatch-outbox-admin"};
  fs::path dir_ = tmp_.path() / "state";
  std::unique_ptr<state_store> store_;
  std::map<std::string, std::int64_t> seq_;
};

TEST_F(outbox_admin_test, list_shows_pending_and_dead_rows_with_their_tenant_and_error) {
  outbox_filter f;
  f.states = {"pending", "dead"};
  f.sink = "soc";
  auto rows = admin().list(f);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].alert_id, "a1");
  EXPECT_EQ((*rows)[0].state, "pending");
  EXPECT_EQ((*rows)[0].attempts, 2);
  EXPECT_EQ((*rows)[0].next_attempt_at, t0 + seconds{60});
  EXPECT_EQ((*rows)[0].last_error, "sink soc answered 503");
  EXPECT_EQ((*rows)[0].kind, "assignment.created");
  EXPECT_EQ((*rows)[0].tenant_name, "contoso");
  EXPECT_EQ((*rows)[0].tenant_id, "00000000-0000-0000-0000-000000000001");
  EXPECT_EQ((*rows)[0].created_at, t0);
  EXPECT_EQ((*rows)[1].alert_id, "a3");
  EXPECT_EQ((*rows)[1].state, "dead");
  EXPECT_EQ((*rows)[1].finished_at, t0 + seconds{2});
  EXPECT_EQ((*rows)[2].alert_id, "a4");
  EXPECT_EQ(all_rows().size(), 5u) << "no filter: every row, the delivered and the other sink's too";
}

TEST_F(outbox_admin_test, retry_makes_a_dead_row_due_now_with_its_give_up_clock_restarted) {
  outbox_filter f;
  f.seqs = {seq_["a3"]};
  auto change = admin().retry(f, t1);
  ASSERT_TRUE(change) << change.error().message;
  ASSERT_EQ(change->changed.size(), 1u);
  EXPECT_TRUE(change->untouched.empty());
  const auto r = row_of(seq_["a3"]);
  EXPECT_EQ(r.state, "pending");
  EXPECT_EQ(r.attempts, 0);
  EXPECT_EQ(r.next_attempt_at, t1);
  EXPECT_EQ(r.created_at, t1);
  EXPECT_FALSE(r.finished_at);
  EXPECT_EQ(r.last_error,
            "requeued by operator (rootwatch outbox retry) at 2026-01-04T08:00:00Z; queued before at "
            "2026-01-01T00:00:00Z; before: sink soc answered 400 (permanent)");

  // What the dispatcher reads: due now, and created_at now, so give_up_after (72h by default,
  // long past since t0) counts from t1.
  auto due = store_->due("soc", t1, 10);
  ASSERT_TRUE(due);
  const auto it = std::find_if(due->begin(), due->end(), [&](const auto& i) { return i.seq == seq_["a3"]; });
  ASSERT_NE(it, due->end());
  EXPECT_EQ(it->created_at, t1);
  EXPECT_EQ(it->attempts, 0);
}

TEST_F(outbox_admin_test, retry_by_sink_takes_pending_and_dead_rows_and_never_a_delivered_one) {
  outbox_filter f;
  f.sink = "soc";
  auto change = admin().retry(f, t1);
  ASSERT_TRUE(change) << change.error().message;
  ASSERT_EQ(change->changed.size(), 3u);
  EXPECT_EQ(row_of(seq_["a2"]).state, "delivered");
  EXPECT_EQ(row_of(seq_["a1"]).attempts, 0);
  EXPECT_EQ(row_of(seq_["a1"]).next_attempt_at, t1);
  EXPECT_EQ(store_->counts("pager")->pending, 1) << "the other sink's row is not selected";
}

TEST_F(outbox_admin_test, retry_all_dead_leaves_pending_rows_as_they_are) {
  outbox_filter f;
  f.states = {"dead"};
  auto change = admin().retry(f, t1);
  ASSERT_TRUE(change) << change.error().message;
  ASSERT_EQ(change->changed.size(), 1u);
  EXPECT_EQ(change->changed[0].seq, seq_["a3"]);
  EXPECT_EQ(row_of(seq_["a1"]).attempts, 2);
  EXPECT_EQ(row_of(seq_["a1"]).next_attempt_at, t0 + seconds{60});
}

TEST_F(outbox_admin_test, a_row_delivered_between_list_and_retry_stays_delivered) {
  auto a = admin();
  outbox_filter pending;
  pending.states = {"pending"};
  pending.alert_id = "a4";
  auto seen = a.list(pending);
  ASSERT_TRUE(seen);
  ASSERT_EQ(seen->size(), 1u);

  // The daemon's dispatcher delivers it meanwhile, through its own connection.
  ASSERT_TRUE(store_->mark_delivered(seq_["a4"], t0 + seconds{5}));

  outbox_filter f;
  f.seqs = {seq_["a4"], 999};
  auto change = a.retry(f, t1);
  ASSERT_TRUE(change) << change.error().message;
  EXPECT_TRUE(change->changed.empty());
  ASSERT_EQ(change->untouched.size(), 2u);
  EXPECT_EQ(change->untouched[0].seq, seq_["a4"]);
  EXPECT_EQ(change->untouched[0].state, "delivered");
  EXPECT_EQ(change->untouched[1].seq, 999);
  EXPECT_FALSE(change->untouched[1].state);
  const auto r = row_of(seq_["a4"]);
  EXPECT_EQ(r.state, "delivered");
  EXPECT_EQ(r.finished_at, t0 + seconds{5});
}

TEST_F(outbox_admin_test, a_row_gone_dead_between_list_and_drop_keeps_its_error) {
  auto a = admin();
  ASSERT_TRUE(store_->mark_dead(seq_["a4"], 1, "sink soc answered 410", t0 + seconds{5}));
  outbox_filter f;
  f.seqs = {seq_["a4"]};
  auto change = a.drop(f, t1);
  ASSERT_TRUE(change) << change.error().message;
  EXPECT_TRUE(change->changed.empty());
  ASSERT_EQ(change->untouched.size(), 1u);
  EXPECT_EQ(change->untouched[0].state, "dead");
  EXPECT_EQ(row_of(seq_["a4"]).last_error, "sink soc answered 410");
}

TEST_F(outbox_admin_test, drop_marks_pending_rows_dead_with_the_operator_note_and_deletes_nothing) {
  outbox_filter f;
  f.sink = "soc";
  auto change = admin().drop(f, t1);
  ASSERT_TRUE(change) << change.error().message;
  ASSERT_EQ(change->changed.size(), 2u);
  for (const auto& alert_id : {"a1", "a4"}) {
    const auto r = row_of(seq_[alert_id]);
    EXPECT_EQ(r.state, "dead") << alert_id;
    EXPECT_EQ(r.last_error, "dropped by operator (rootwatch outbox drop) at 2026-01-04T08:00:00Z") << alert_id;
    EXPECT_EQ(r.finished_at, t1) << alert_id;
  }
  EXPECT_EQ(row_of(seq_["a2"]).state, "delivered");
  EXPECT_EQ(row_of(seq_["a3"]).last_error, "sink soc answered 400 (permanent)") << "already dead: left alone";
  EXPECT_EQ(all_rows().size(), 5u);
  EXPECT_TRUE(store_->due("soc", t1 + std::chrono::hours{1000}, 10)->empty()) << "the dispatcher sends none of them";
  EXPECT_EQ(store_->counts("pager")->pending, 1);
}

TEST_F(outbox_admin_test, drop_by_alert_id_takes_that_alert_on_every_sink) {
  outbox_filter f;
  f.alert_id = "a1";
  auto change = admin().drop(f, t1);
  ASSERT_TRUE(change) << change.error().message;
  EXPECT_EQ(change->changed.size(), 2u);
  EXPECT_EQ(store_->counts("pager")->dead, 1);
}

// Another connection (the daemon starting up, migrating) holding `lock` ("BEGIN IMMEDIATE", or
// "BEGIN EXCLUSIVE" which also keeps readers out outside WAL) for a moment, then committing.
class brief_lock {
 public:
  brief_lock(const fs::path& db_path, const char* lock) {
    EXPECT_EQ(sqlite3_open(db_path.c_str(), &db_), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db_, lock, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db_);
    releaser_ = std::thread([this] {
      std::this_thread::sleep_for(std::chrono::milliseconds{500});
      sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    });
  }
  ~brief_lock() {
    releaser_.join();
    sqlite3_close(db_);
  }
  brief_lock(const brief_lock&) = delete;
  brief_lock& operator=(const brief_lock&) = delete;

 private:
  sqlite3* db_ = nullptr;
  std::thread releaser_;
};

TEST_F(outbox_admin_test, opening_while_another_connection_holds_the_database_waits_instead_of_failing) {
  store_.reset();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "rootwatch.db").string().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  brief_lock held(dir_ / "rootwatch.db", "BEGIN EXCLUSIVE; UPDATE outbox SET attempts = attempts WHERE seq = 0");
  auto a = outbox_admin::open(dir_.string());
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->list({})->size(), 5u);
}

TEST_F(outbox_admin_test, a_drop_while_the_daemon_writes_waits_for_its_commit) {
  auto a = admin();
  brief_lock held(dir_ / "rootwatch.db", "BEGIN IMMEDIATE");
  outbox_filter f;
  f.seqs = {seq_["a4"]};
  auto change = a.drop(f, t1);
  ASSERT_TRUE(change) << change.error().message;
  EXPECT_EQ(change->changed.size(), 1u);
}

TEST_F(outbox_admin_test, a_database_of_a_newer_schema_is_refused) {
  store_.reset();
  set_user_version(schema_version + 1);
  auto a = outbox_admin::open(dir_.string());
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("newer rootwatch"), std::string::npos) << a.error().message;
}

TEST_F(outbox_admin_test, a_database_of_an_older_schema_is_refused_and_not_migrated) {
  store_.reset();
  set_user_version(schema_version - 1);
  auto a = outbox_admin::open(dir_.string());
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("older than this rootwatch"), std::string::npos) << a.error().message;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "rootwatch.db").string().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(q, 0), schema_version - 1);
  sqlite3_finalize(q);
  sqlite3_close(db);
}

TEST_F(outbox_admin_test, a_missing_database_is_an_error_and_is_not_created) {
  const auto elsewhere = tmp_.path() / "nothing-here";
  auto a = outbox_admin::open(elsewhere.string());
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("no database at"), std::string::npos) << a.error().message;
  EXPECT_FALSE(fs::exists(elsewhere / "rootwatch.db"));
}

}  // namespace
}  // namespace rootwatch::store
