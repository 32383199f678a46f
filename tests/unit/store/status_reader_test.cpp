// The status page's read-only view of rootwatch.db, against a database the state store wrote,
// with the store's own connection open beside it as in the daemon.

#include "store/status_reader.hpp"
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

engine::tracked_assignment tracked(const std::string& key, bool firing, const std::string& principal) {
  engine::tracked_assignment t;
  t.key = key;
  t.current.id = "/providers/Microsoft.Authorization/roleAssignments/" + key;
  t.current.scope = "/";
  t.current.role = {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator"};
  t.current.principal = {principal, "User", std::nullopt};
  t.first_seen = t0;
  t.rule = "anything-at-root";
  t.level = engine::severity::critical;
  t.firing = firing;
  return t;
}

engine::alert alert_about(const std::string& id, const std::string& principal_name) {
  auto a = testing_support::sample_alert(id, t0);
  engine::assignment subject;
  subject.id = "/providers/Microsoft.Authorization/roleAssignments/" + id;
  subject.scope = "/";
  subject.role = {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator"};
  subject.principal = {"a11ce000-0000-4000-8000-000000000001", "User", principal_name};
  a.subject = subject;
  return a;
}

class status_reader_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = state_store::open(dir_.string());
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }

  status_reader reader() {
    auto r = status_reader::open(dir_.string());
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return std::move(*r);
  }

  testing_support::temp_dir tmp_{"rootwatch-status-reader"};
  fs::path dir_ = tmp_.path() / "state";
  std::unique_ptr<state_store> store_;
};

TEST_F(status_reader_test, an_empty_database_has_no_assignments_no_alerts_and_no_backlog) {
  auto r = reader();
  auto a = r.assignments("t1", 10);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->total, 0);
  EXPECT_TRUE(a->rows.empty());
  auto alerts = r.recent_alerts(50);
  ASSERT_TRUE(alerts);
  EXPECT_TRUE(alerts->empty());
  auto b = r.backlog();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->pending, 0);
  EXPECT_FALSE(b->oldest_pending);
}

TEST_F(status_reader_test, there_is_no_page_without_the_database) {
  auto r = status_reader::open((tmp_.path() / "elsewhere").string());
  ASSERT_FALSE(r);
  EXPECT_FALSE(fs::exists(tmp_.path() / "elsewhere" / "rootwatch.db"));
}

TEST_F(status_reader_test, assignments_are_the_live_ones_firing_first_and_bounded) {
  engine::tenant_state next;
  next.initialized = true;
  next.assignments = {tracked("a", false, "p-a"), tracked("b", true, "p-b"), tracked("c", false, "p-c"),
                      tracked("gone", true, "p-gone")};
  next.assignments[0].allowed = true;
  next.assignments[2].current.principal.display_name = "Carol";
  next.assignments[3].removed_at = t0;  // a tombstone: not there now
  ASSERT_TRUE(store_->commit_cycle("t1", next, {}, {"soc"}, t0));

  auto r = reader();
  auto all = r.assignments("t1", 10);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->total, 3);
  ASSERT_EQ(all->rows.size(), 3u);
  EXPECT_EQ(all->rows[0].principal_id, "p-b");
  EXPECT_TRUE(all->rows[0].firing);
  EXPECT_EQ(all->rows[0].severity, "critical");
  EXPECT_EQ(all->rows[0].rule, "anything-at-root");
  EXPECT_EQ(all->rows[0].first_seen, t0);
  EXPECT_EQ(all->rows[1].principal_id, "p-a");
  EXPECT_TRUE(all->rows[1].allowed);
  EXPECT_EQ(all->rows[2].principal_name, "Carol");

  auto two = r.assignments("t1", 2);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->total, 3);
  EXPECT_EQ(two->rows.size(), 2u);
  EXPECT_EQ(r.assignments("t2", 10)->total, 0);
}

TEST_F(status_reader_test, recent_alerts_carry_every_sink_row_and_what_the_payload_says) {
  ASSERT_TRUE(store_->enqueue({alert_about("old", "Old")}, {"soc"}, t0));
  ASSERT_TRUE(store_->enqueue({alert_about("new", "<b>Mallory</b>")}, {"pager", "soc"}, t0 + seconds{5}));
  auto due = store_->due("soc", t0 + seconds{10}, 10);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 2u);
  for (const auto& item : *due) {
    if (item.alert_id == "new") {
      ASSERT_TRUE(store_->mark_dead(item.seq, 3, "sink soc answered 400 (permanent)", t0 + seconds{9}));
    } else {
      ASSERT_TRUE(store_->mark_delivered(item.seq, t0 + seconds{1}));
    }
  }

  auto alerts = reader().recent_alerts(50);
  ASSERT_TRUE(alerts);
  ASSERT_EQ(alerts->size(), 2u);
  const auto& a = (*alerts)[0];
  EXPECT_EQ(a.alert_id, "new");
  EXPECT_EQ(a.kind, "assignment.created");
  EXPECT_EQ(a.severity, "critical");
  EXPECT_EQ(a.status, "firing");
  EXPECT_EQ(a.tenant_name, "contoso");
  EXPECT_EQ(a.role_name, "User Access Administrator");
  EXPECT_EQ(a.principal_id, "a11ce000-0000-4000-8000-000000000001");
  EXPECT_EQ(a.principal_name, "<b>Mallory</b>");  // as stored: escaping is the page's job
  EXPECT_EQ(a.detected_at, t0);
  EXPECT_EQ(a.queued_at, t0 + seconds{5});
  ASSERT_EQ(a.deliveries.size(), 2u);
  EXPECT_EQ(a.deliveries[0].sink, "pager");
  EXPECT_EQ(a.deliveries[0].state, "pending");
  EXPECT_EQ(a.deliveries[0].attempts, 0);
  EXPECT_FALSE(a.deliveries[0].finished_at);
  EXPECT_EQ(a.deliveries[1].sink, "soc");
  EXPECT_EQ(a.deliveries[1].state, "dead");
  EXPECT_EQ(a.deliveries[1].attempts, 3);
  EXPECT_EQ(a.deliveries[1].last_error, "sink soc answered 400 (permanent)");
  EXPECT_EQ(a.deliveries[1].finished_at, t0 + seconds{9});
  EXPECT_EQ((*alerts)[1].alert_id, "old");
  EXPECT_EQ((*alerts)[1].deliveries.at(0).state, "delivered");
}

TEST_F(status_reader_test, recent_alerts_are_the_newest_ones_up_to_the_limit) {
  std::vector<engine::alert> many;
  for (int i = 0; i < 60; ++i) {
    many.push_back(testing_support::sample_alert("a" + std::to_string(i), t0));
  }
  ASSERT_TRUE(store_->enqueue(many, {"soc"}, t0));
  auto alerts = reader().recent_alerts(50);
  ASSERT_TRUE(alerts);
  ASSERT_EQ(alerts->size(), 50u);
  EXPECT_EQ(alerts->front().alert_id, "a59");
  EXPECT_EQ(alerts->back().alert_id, "a10");
  // Only the newest rows are looked at.
  auto windowed = reader().recent_alerts(50, 5);
  ASSERT_TRUE(windowed);
  EXPECT_EQ(windowed->size(), 5u);
}

TEST_F(status_reader_test, a_payload_that_is_not_json_still_lists_its_alert) {
  ASSERT_TRUE(store_->enqueue({testing_support::sample_alert("x", t0)}, {"soc"}, t0));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "rootwatch.db").string().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE outbox SET payload = '{not json'", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto alerts = reader().recent_alerts(50);
  ASSERT_TRUE(alerts) << alerts.error().message;
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ((*alerts)[0].kind, "assignment.created");
  EXPECT_EQ((*alerts)[0].severity, "");
  EXPECT_FALSE((*alerts)[0].detected_at);
}

TEST_F(status_reader_test, backlog_counts_pending_rows_per_sink_and_the_oldest) {
  ASSERT_TRUE(store_->enqueue({testing_support::sample_alert("a", t0)}, {"soc", "pager"}, t0));
  ASSERT_TRUE(store_->enqueue({testing_support::sample_alert("b", t0)}, {"soc"}, t0 + seconds{30}));
  auto due = store_->due("pager", t0, 10);
  ASSERT_TRUE(due);
  ASSERT_TRUE(store_->mark_delivered(due->at(0).seq, t0 + seconds{1}));
  auto b = reader().backlog();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->pending, 2);
  EXPECT_EQ(b->oldest_pending, t0);
  ASSERT_EQ(b->pending_by_sink.size(), 1u);
  EXPECT_EQ(b->pending_by_sink[0], (std::pair<std::string, std::int64_t>{"soc", 2}));
}

}  // namespace
}  // namespace rootwatch::store
