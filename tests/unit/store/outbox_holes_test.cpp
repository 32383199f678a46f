// Issue 7, "no alert may be swallowed by the outbox": occurrence marks that outlive their
// tombstones, id collisions said out loud, and sinks that appear later told what fires.

#include "engine/alert_json.hpp"
#include "store/state_store.hpp"
#include "support/sample_alert.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace rootwatch::store {
namespace {

namespace fs = std::filesystem;

const timestamp t0 = *parse_iso8601("2026-01-01T00:00:00Z");

class outbox_holes_test : public ::testing::Test {
 protected:
  std::unique_ptr<state_store> open() {
    auto s = state_store::open(dir_.string());
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
  }

  std::vector<std::string> due_ids(state_store& s, const std::string& sink) {
    std::vector<std::string> out;
    for (const auto& item : *s.due(sink, timestamp::max(), 100)) {
      out.push_back(item.alert_id);
    }
    return out;
  }

  testing_support::temp_dir tmp_{"rootwatch-outbox-holes"};
  fs::path dir_ = tmp_.path() / "state";
};

engine::alert alert_for(const std::string& id, timestamp first_seen = t0) {
  return testing_support::sample_alert(id, first_seen);
}

TEST_F(outbox_holes_test, occurrence_marks_survive_reopening) {
  engine::tenant_state next;
  next.initialized = true;
  next.occurrence_marks = {{"a|/|r|p|", 3}, {"b|/|r|p|", 1}};
  {
    auto s = open();
    ASSERT_TRUE(s->commit_cycle("t1", next, {}, {"soc"}, t0));
  }
  auto s = open();
  EXPECT_EQ(s->load_tenant("t1")->occurrence_marks, next.occurrence_marks);
  EXPECT_TRUE(s->load_tenant("t2")->occurrence_marks.empty()) << "per tenant";

  // Rewritten whole: a mark the engine dropped (tracked again) is gone.
  next.occurrence_marks.erase("b|/|r|p|");
  ASSERT_TRUE(s->commit_cycle("t1", next, {}, {"soc"}, t0));
  EXPECT_EQ(s->load_tenant("t1")->occurrence_marks, next.occurrence_marks);
}

// The same alert again (a retry, a restart, a replica) is de-duplicated quietly; a different
// alert under an id already queued cannot be queued, and that is never silent.
TEST_F(outbox_holes_test, an_id_collision_with_a_different_alert_is_reported) {
  auto s = open();
  std::vector<id_collision> heard;
  s->on_id_collision([&heard](const id_collision& c) { heard.push_back(c); });
  engine::tenant_state st;
  ASSERT_TRUE(s->commit_cycle("t1", st, {alert_for("x1")}, {"soc"}, t0));

  auto again = alert_for("x1");
  again.detected_at = t0 + seconds{60};
  ASSERT_TRUE(s->commit_cycle("t1", st, {again}, {"soc"}, t0 + seconds{60}));
  EXPECT_TRUE(heard.empty()) << "the same alert detected again is a repeat, not a collision";
  EXPECT_EQ(s->id_collisions(), 0);

  const auto later_occurrence = alert_for("x1", t0 + std::chrono::hours{24 * 31});
  ASSERT_TRUE(s->commit_cycle("t1", st, {later_occurrence}, {"soc"}, t0 + std::chrono::hours{24 * 31}));
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(heard[0].alert_id, "x1");
  EXPECT_EQ(heard[0].sink, "soc");
  EXPECT_EQ(heard[0].queued_first_seen, "2026-01-01T00:00:00Z");
  EXPECT_EQ(heard[0].dropped_first_seen, "2026-02-01T00:00:00Z");

  auto other_kind = alert_for("x1");
  other_kind.kind = "assignment.removed";
  ASSERT_TRUE(s->enqueue({other_kind}, {"soc"}, t0));
  ASSERT_EQ(heard.size(), 2u);
  EXPECT_EQ(heard[1].queued_kind, "assignment.created");
  EXPECT_EQ(heard[1].dropped_kind, "assignment.removed");
  EXPECT_EQ(s->id_collisions(), 2);
  EXPECT_EQ(due_ids(*s, "soc"), (std::vector<std::string>{"x1"}));
}

// A sink that appears learns what is firing: once, and by the ids the others got.
TEST_F(outbox_holes_test, a_new_sink_gets_the_firing_alerts_once) {
  auto s = open();
  engine::tenant_state st;
  ASSERT_TRUE(s->commit_cycle("t1", st, {alert_for("x1"), alert_for("x2")}, {"soc"}, t0));
  auto soc_rows = *s->due("soc", timestamp::max(), 10);
  ASSERT_TRUE(s->mark_delivered(soc_rows[0].seq, t0));

  // Nothing known yet (a store upgraded to schema 5): soc is welcomed too, and drops by id
  // what it already has.
  const std::vector<engine::alert> firing{alert_for("x1"), alert_for("x3")};
  const timestamp t1 = t0 + seconds{600};
  auto first = s->welcome_sinks({"soc", "pager"}, firing, t1);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->introduced, (std::vector<std::string>{"soc", "pager"}));
  EXPECT_EQ(first->replayed, 3) << "x1 and x3 for pager, x3 for soc";
  EXPECT_EQ(due_ids(*s, "pager"), (std::vector<std::string>{"x1", "x3"}));
  EXPECT_EQ(due_ids(*s, "soc"), (std::vector<std::string>{"x2", "x3"}));

  // The payload as first queued, due now and counting its give_up_after from now.
  const auto pager = *s->due("pager", timestamp::max(), 10);
  EXPECT_EQ(pager[0].payload, soc_rows[0].payload);
  EXPECT_EQ(pager[0].created_at, t1);
  EXPECT_EQ(pager[0].next_attempt_at, t1);
  EXPECT_EQ(engine::alert_from_json(json::parse(pager[1].payload)), alert_for("x3"));

  // Known from now on: a reload with the same sinks adds nothing, even what is firing anew.
  auto second = s->welcome_sinks({"soc", "pager"}, {alert_for("x4")}, t1);
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->introduced.empty());
  EXPECT_EQ(second->replayed, 0);
  EXPECT_EQ(s->counts("pager")->pending, 2);
}

// Alerts raised while no sink is configured wait for one, in the order they were raised, and
// go to every sink configured when they are taken over.
TEST_F(outbox_holes_test, alerts_kept_without_a_sink_go_to_the_first_sinks_configured) {
  auto s = open();
  engine::tenant_state st;
  auto removal = alert_for("x1-removed");
  removal.kind = "assignment.removed";
  ASSERT_TRUE(s->commit_cycle("t1", st, {alert_for("x1")}, {std::string(unsent_sink)}, t0));
  ASSERT_TRUE(s->commit_cycle("t1", st, {removal, alert_for("x2")}, {std::string(unsent_sink)}, t0));

  auto none = s->welcome_sinks({}, {alert_for("x2")}, t0);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->handed_over, 0);
  EXPECT_EQ(s->pending_by_sink()->size(), 1u) << "still waiting for a sink";

  auto welcome = s->welcome_sinks({"soc", "pager"}, {alert_for("x2")}, t0 + seconds{60});
  ASSERT_TRUE(welcome) << welcome.error().message;
  EXPECT_EQ(welcome->handed_over, 3);
  EXPECT_EQ(welcome->replayed, 0) << "x2 was among the rows handed over";
  const std::vector<std::string> in_order{"x1", "x1-removed", "x2"};
  EXPECT_EQ(due_ids(*s, "soc"), in_order);
  EXPECT_EQ(due_ids(*s, "pager"), in_order);
  const auto pending = *s->pending_by_sink();
  ASSERT_EQ(pending.size(), 2u) << "nothing is left waiting for no sink";
  EXPECT_EQ(s->id_collisions(), 0);
}

}  // namespace
}  // namespace rootwatch::store
