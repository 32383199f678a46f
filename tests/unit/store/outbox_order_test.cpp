// The outbox's order keys (schema 6), routing, bound and retention.

#include "engine/alert_json.hpp"
#include "store/schema.hpp"
#include "store/state_store.hpp"
#include "support/sample_alert.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include <fmt/format.h>

namespace rootwatch::store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const timestamp t0 = *parse_iso8601("2026-01-01T00:00:00Z");

engine::alert about(const std::string& id, const std::string& key, std::string kind = "assignment.created") {
  auto a = testing_support::sample_alert(id, t0);
  a.correlation_key = key;
  a.kind = std::move(kind);
  return a;
}

std::vector<std::string> ids(const std::vector<outbox_item>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) {
    out.push_back(i.alert_id);
  }
  return out;
}

class outbox_order_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = state_store::open(dir_.string());
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }

  testing_support::temp_dir tmp_{"rootwatch-outbox-order"};
  fs::path dir_ = tmp_.path() / "state";
  std::unique_ptr<state_store> store_;
};

TEST_F(outbox_order_test, only_the_first_pending_row_of_an_order_key_is_due) {
  ASSERT_TRUE(
      store_->enqueue({about("c1", "k1"), about("c2", "k2"), about("r1", "k1", "assignment.removed")}, {"soc"}, t0));
  auto due = store_->due("soc", t0, 10);
  ASSERT_TRUE(due);
  EXPECT_EQ(ids(*due), (std::vector<std::string>{"c1", "c2"}));
  EXPECT_EQ((*due)[0].order_key, "k1");
  EXPECT_EQ((*due)[0].kind, "assignment.created");

  // Retried later: the removal still waits, even though it is itself due.
  ASSERT_TRUE(store_->mark_retry((*due)[0].seq, 1, t0 + 1min, "503"));
  EXPECT_EQ(ids(*store_->due("soc", t0, 10)), (std::vector<std::string>{"c2"}));
  EXPECT_EQ(*store_->next_due("soc"), t0) << "c2";

  ASSERT_TRUE(store_->mark_dead((*due)[0].seq, 2, "refused", t0));
  EXPECT_EQ(ids(*store_->due("soc", t0, 10)), (std::vector<std::string>{"c2", "r1"}))
      << "a dead row no longer holds its key";
  EXPECT_EQ(ids(*store_->pending("soc")), (std::vector<std::string>{"c2", "r1"}));
}

TEST_F(outbox_order_test, keys_are_per_sink) {
  ASSERT_TRUE(store_->enqueue({about("c1", "k1"), about("r1", "k1", "assignment.removed")}, {"soc", "pager"}, t0));
  const auto soc = *store_->due("soc", t0, 10);
  ASSERT_EQ(soc.size(), 1u);
  ASSERT_TRUE(store_->mark_delivered(soc[0].seq, t0));
  EXPECT_EQ(ids(*store_->due("soc", t0, 10)), std::vector<std::string>{"r1"});
  EXPECT_EQ(ids(*store_->due("pager", t0, 10)), std::vector<std::string>{"c1"}) << "pager still waits for its own c1";
}

TEST_F(outbox_order_test, next_due_leaves_out_the_rows_being_delivered) {
  ASSERT_TRUE(store_->enqueue({about("c1", "k1")}, {"soc"}, t0));
  ASSERT_TRUE(store_->enqueue({about("c2", "k2")}, {"soc"}, t0 + 10s));
  const auto due = *store_->due("soc", t0 + 10s, 10);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(*store_->next_due("soc", {due[0].seq}), t0 + 10s);
  EXPECT_FALSE(*store_->next_due("soc", {due[0].seq, due[1].seq})) << "nothing else to wait for";
}

TEST_F(outbox_order_test, an_alert_without_a_correlation_key_is_its_own_order_key) {
  ASSERT_TRUE(store_->enqueue({about("x1", ""), about("x2", "")}, {"soc"}, t0));
  EXPECT_EQ(ids(*store_->due("soc", t0, 10)), (std::vector<std::string>{"x1", "x2"}));
}

TEST_F(outbox_order_test, the_router_decides_which_sinks_queue_an_alert) {
  store_->set_router([](std::string_view sink, const route_facts& f) {
    return sink == "soc" || f.level == engine::severity::critical;
  });
  auto low = about("low", "k1");
  low.level = engine::severity::low;
  ASSERT_TRUE(store_->enqueue({low, about("crit", "k2")}, {"soc", "pager"}, t0));
  EXPECT_EQ(ids(*store_->pending("soc")), (std::vector<std::string>{"low", "crit"}));
  EXPECT_EQ(ids(*store_->pending("pager")), std::vector<std::string>{"crit"});
}

TEST_F(outbox_order_test, rows_kept_without_a_sink_are_routed_when_handed_over) {
  ASSERT_TRUE(store_->enqueue({about("a", "k1")}, {std::string(unsent_sink)}, t0));
  auto other = about("b", "k2");
  other.tenant = {"00000000-0000-0000-0000-000000000002", "fabrikam"};
  ASSERT_TRUE(store_->enqueue({other}, {std::string(unsent_sink)}, t0));
  store_->set_router([](std::string_view, const route_facts& f) { return f.tenant_name == "contoso"; });
  auto welcomed = store_->welcome_sinks({"soc"}, {}, t0);
  ASSERT_TRUE(welcomed);
  EXPECT_EQ(welcomed->handed_over, 2);
  EXPECT_EQ(ids(*store_->pending("soc")), std::vector<std::string>{"a"});
}

TEST_F(outbox_order_test, queued_reads_the_facts_of_a_payload_and_routes_an_unreadable_one_everywhere) {
  auto a = about("a", "k1");
  a.level = engine::severity::medium;
  const auto q = queued("a", "assignment.created", engine::to_json(a).dump());
  EXPECT_EQ(q.order_key, "k1");
  EXPECT_EQ(q.facts.level, engine::severity::medium);
  EXPECT_EQ(q.facts.tenant_name, "contoso");
  const auto bad = queued("b", "assignment.created", "{not json");
  EXPECT_EQ(bad.order_key, "b");
  EXPECT_EQ(bad.facts.level, engine::severity::critical);
}

TEST_F(outbox_order_test, overflow_names_the_oldest_past_the_bound_reminders_first) {
  auto reminder = about("rem", "k9", "assignment.lingering");
  ASSERT_TRUE(store_->enqueue({about("a", "k1"), about("b", "k2"), reminder, about("c", "k3")}, {"soc"}, t0));
  EXPECT_TRUE(store_->overflow("soc", 4)->empty());
  EXPECT_EQ(ids(*store_->overflow("soc", 2)), (std::vector<std::string>{"rem", "a"}));
}

TEST_F(outbox_order_test, expired_names_the_pending_rows_of_the_sink_queued_by_the_time_oldest_first) {
  ASSERT_TRUE(store_->enqueue({about("a", "k1"), about("b", "k1", "assignment.removed")}, {"soc", "ops"}, t0));
  ASSERT_TRUE(store_->enqueue({about("late", "k2")}, {"soc"}, t0 + 2h));
  const auto due = *store_->due("soc", t0, 10);
  ASSERT_EQ(ids(due), (std::vector<std::string>{"a"}));
  ASSERT_TRUE(store_->mark_delivered(due[0].seq, t0));
  // Queued by t0 and still pending: "b" (waiting behind "a" is no matter); not "late", not the
  // delivered "a", not the other sink's rows.
  EXPECT_EQ(ids(*store_->expired("soc", t0 + 1h, 10)), (std::vector<std::string>{"b"}));
  EXPECT_EQ(ids(*store_->expired("soc", t0 + 2h, 10)), (std::vector<std::string>{"b", "late"}));
  EXPECT_EQ(ids(*store_->expired("soc", t0 + 2h, 1)), (std::vector<std::string>{"b"}));
  EXPECT_EQ(ids(*store_->expired("ops", t0, 10)), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(store_->expired("soc", t0 - 1ms, 10)->empty());
}

TEST_F(outbox_order_test, prune_forgets_only_delivered_rows_older_than_the_retention) {
  ASSERT_TRUE(store_->enqueue({about("a", "k1"), about("b", "k2"), about("c", "k3")}, {"soc"}, t0));
  const auto due = *store_->due("soc", t0, 10);
  ASSERT_TRUE(store_->mark_delivered(due[0].seq, t0));
  ASSERT_TRUE(store_->mark_dead(due[1].seq, 1, "refused", t0));
  EXPECT_EQ(*store_->prune_delivered(t0), 0);
  EXPECT_EQ(*store_->prune_delivered(t0 + 1ms), 1);
  const auto c = *store_->counts("soc");
  EXPECT_EQ(c.delivered, 0);
  EXPECT_EQ(c.dead, 1) << "dead rows are kept for `rootwatch outbox`";
  EXPECT_EQ(c.pending, 1);
}

TEST_F(outbox_order_test, a_schema_5_outbox_gets_order_keys_from_its_payloads) {
  store_.reset();
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  {
    auto db = database::open((dir_ / "rootwatch.db").string());
    ASSERT_TRUE(db);
    ASSERT_TRUE(prepare_schema(*db, 5));
    const auto add = [&](const std::string& id, const std::string& payload) {
      ASSERT_TRUE(
          db->exec(fmt::format("INSERT INTO outbox (alert_id, sink, kind, payload, created_at, "
                               "next_attempt_at) VALUES ('{}', 'soc', 'assignment.created', '{}', 0, 0)",
                               id, payload)));
    };
    add("c1", engine::to_json(about("c1", "k1")).dump());
    add("r1", engine::to_json(about("r1", "k1", "assignment.removed")).dump());
    add("odd", "not json");
    add("nokey", engine::to_json(about("nokey", "")).dump());
  }
  auto s = state_store::open(dir_.string());
  ASSERT_TRUE(s) << s.error().message;
  const auto pending = *(*s)->pending("soc");
  ASSERT_EQ(pending.size(), 4u);
  EXPECT_EQ(pending[0].order_key, "k1");
  EXPECT_EQ(pending[1].order_key, "k1");
  EXPECT_EQ(pending[2].order_key, "odd");
  EXPECT_EQ(pending[3].order_key, "nokey");
  EXPECT_EQ(ids(*(*s)->due("soc", t0, 10)), (std::vector<std::string>{"c1", "odd", "nokey"}));
}

}  // namespace
}  // namespace rootwatch::store
