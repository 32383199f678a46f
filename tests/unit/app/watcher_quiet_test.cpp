// Quiet cycles (issue 9): once a cycle decided in full that nothing but the time changed, a
// cycle whose every source answers `unchanged` (the same bytes as that cycle's listing) is that
// decision again, replayed without rows. Each test here is a way the replay could hide a change:
// a new listing, a reminder or a tombstone's end coming due, a commit elsewhere (before or during
// the read), a source that lies, a source that cannot tell, and the refresh that bounds it all.

#include "app/services.hpp"
#include "app/watcher.hpp"
#include "common/json.hpp"
#include "common/metrics.hpp"
#include "store/state_store.hpp"
#include "support/azure_env.hpp"
#include "support/root_assignments.hpp"
#include "support/run_coro.hpp"
#include "support/sample_alert.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace rootwatch::app {
namespace {

using testing_support::run_coro;
using namespace std::chrono_literals;

const engine::assignment& alice = testing_support::alice_at_root;
const engine::assignment& bob = testing_support::bob_at_root;

// The listing a fake source serves, and what it was asked.
struct listing_script {
  std::vector<engine::assignment> rows;
  std::string version = "v1";  // its fingerprint; the test moves it with the rows
  bool fingerprints = true;    // false: a source that cannot tell, like Resource Graph
  bool lies = false;           // answers `unchanged` whatever it was told it holds
  bool fail = false;
  std::vector<std::string> held;       // the `held` of every call, in order
  std::function<void()> on_unchanged;  // runs as it answers `unchanged`
};

class fingerprinting_source final : public azure::snapshot_source {
 public:
  fingerprinting_source(std::string name, std::shared_ptr<listing_script> s, const clock& wall)
      : name_(std::move(name)), script_(std::move(s)), wall_(wall) {}

  std::string_view name() const override { return name_; }

  awaitable<result<engine::snapshot>> snapshot(std::string held) override {
    script_->held.push_back(held);
    if (script_->fail) {
      co_return make_error(error_kind::permission, name_ + ": HTTP 403 AuthorizationFailed");
    }
    engine::snapshot out;
    out.source = name_;
    out.taken_at = wall_.now();
    if (script_->fingerprints) {
      out.fingerprint = script_->version;
    }
    if (script_->lies || (script_->fingerprints && !held.empty() && held == script_->version)) {
      out.unchanged = true;
      if (script_->on_unchanged) {
        script_->on_unchanged();
      }
      co_return out;
    }
    out.assignments = script_->rows;
    co_return out;
  }

 private:
  std::string name_;
  std::shared_ptr<listing_script> script_;
  const clock& wall_;
};

class watcher_quiet_test : public testing_support::azure_env {
 protected:
  void SetUp() override {
    azure_env::SetUp();
    auto s = store::state_store::open(tmp_.file("state"));
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    tenant_.name = "contoso";
    tenant_.tenant_id = azure_->tenant_id();
    tenant_.poll_interval = 60s;
    tenant_.cycle_timeout = 5s;
    tenant_.request_timeout = 5s;
    tenant_.degraded_after = 2;
    tenant_.remind_every = milliseconds{0};
    tenant_.sources = {config::source_kind::arm};
    tenant_.credential.kind = config::credential_kind::client_secret;
    tenant_.credential.client_id = std::string(testing_support::test_client_id);
    tenant_.endpoints = {azure_->base_url(), azure_->base_url(), azure_->base_url(), azure_->base_url() + "/.default"};
    arm_->rows = {alice};
  }

  std::unique_ptr<watcher> make_watcher(bool with_resource_graph = false) {
    svc_ = std::unique_ptr<services>(new services{io_.get_executor(), wall_, random_, stats_, *http_, *store_,
                                                  [](const std::string&) { return std::optional<std::string>{}; }});
    std::vector<engine::rule> rules{
        {"anything-at-root", {"/"}, {"*"}, engine::severity::critical, {}, std::nullopt, engine::severity::critical}};
    auto factory = [this, with_resource_graph](services& svc, const config::tenant_settings&, auth::token_cache&) {
      snapshot_sources out;
      out.push_back(std::make_unique<fingerprinting_source>("arm", arm_, svc.wall));
      if (with_resource_graph) {
        out.push_back(std::make_unique<fingerprinting_source>("resource_graph", arg_, svc.wall));
      }
      return out;
    };
    return std::make_unique<watcher>(*svc_, tenant_, rules, std::vector<std::string>{"soc"}, "rootwatch.toml",
                                     std::function<void()>{}, factory);
  }

  cycle_report cycle(watcher& w, std::chrono::seconds after = 60s) {
    wall_.advance(after);
    return run_coro(io_, w.cycle());
  }

  std::vector<std::string> kinds_queued() {
    auto due = store_->pending("soc");
    EXPECT_TRUE(due) << due.error().message;
    std::vector<std::string> out;
    for (const auto& item : *due) {
      out.push_back(json::parse(item.payload).value("kind", ""));
    }
    return out;
  }

  double cycles_ok() { return stats_.value("rootwatch_cycles_total", {{"tenant", "contoso"}, {"result", "ok"}}); }

  // Three cycles: the first alerts, the second is decided in full and found quiet, the third
  // is replayed. Returns the third's report.
  cycle_report settle(watcher& w) {
    const auto first = cycle(w);
    EXPECT_FALSE(first.failure);
    EXPECT_EQ(first.alerts, 1u);
    const auto second = cycle(w);
    EXPECT_FALSE(second.failure);
    const auto third = cycle(w);
    EXPECT_FALSE(third.failure);
    EXPECT_EQ(arm_->held, (std::vector<std::string>{"", "", "v1"}))
        << "nothing is held before a quiet cycle was decided in full";
    return third;
  }

  std::shared_ptr<listing_script> arm_ = std::make_shared<listing_script>();
  std::shared_ptr<listing_script> arg_ = std::make_shared<listing_script>();
  config::tenant_settings tenant_;
  metrics stats_;
  std::unique_ptr<store::state_store> store_;
  std::unique_ptr<services> svc_;
};

TEST_F(watcher_quiet_test, unchanged_answers_replay_the_quiet_cycle) {
  auto w = make_watcher();
  const auto replayed = settle(*w);
  EXPECT_EQ(replayed.assignments, 1u) << "the counts of the cycle it replays";
  EXPECT_EQ(replayed.firing, 1u);
  EXPECT_EQ(replayed.alerts, 0u);
  ASSERT_EQ(replayed.sources.size(), 1u);
  EXPECT_TRUE(replayed.sources[0].ok);
  EXPECT_EQ(replayed.sources[0].assignments, 1u);
  EXPECT_EQ(replayed.sources[0].at, wall_.now());
  EXPECT_EQ(replayed.sources[0].last_success, wall_.now());
  for (int i = 0; i < 5; ++i) {
    const auto r = cycle(*w);
    EXPECT_FALSE(r.failure);
    EXPECT_EQ(r.firing, 1u);
  }
  EXPECT_EQ(arm_->held.size(), 8u) << "one read per cycle";
  EXPECT_EQ(arm_->held.back(), "v1");
  EXPECT_EQ(cycles_ok(), 8.0) << "a replayed cycle is a cycle";
  EXPECT_EQ(stats_.value("rootwatch_last_success_timestamp_seconds", {{"tenant", "contoso"}}),
            static_cast<double>(to_unix_seconds(wall_.now())));
  EXPECT_EQ(kinds_queued(), std::vector<std::string>{"assignment.created"});
}

TEST_F(watcher_quiet_test, a_changed_listing_is_decided_in_full_both_ways) {
  auto w = make_watcher();
  settle(*w);
  arm_->rows = {alice, bob};
  arm_->version = "v2";
  const auto added = cycle(*w);
  EXPECT_EQ(arm_->held.back(), "v1");
  EXPECT_EQ(added.alerts, 1u);
  EXPECT_EQ(added.firing, 2u);
  cycle(*w);  // decided in full: the cycle before changed something
  const auto quiet = cycle(*w);
  EXPECT_EQ(arm_->held.back(), "v2");
  EXPECT_EQ(quiet.firing, 2u);

  arm_->rows = {alice};
  arm_->version = "v3";
  const auto removed = cycle(*w);
  EXPECT_EQ(removed.alerts, 1u);
  EXPECT_EQ(removed.firing, 1u);
  EXPECT_EQ(kinds_queued(),
            (std::vector<std::string>{"assignment.created", "assignment.created", "assignment.removed"}));
}

TEST_F(watcher_quiet_test, a_reminder_coming_due_is_decided_in_full_on_time) {
  tenant_.remind_every = milliseconds{5 * 60 * 1000};
  auto w = make_watcher();
  settle(*w);  // first seen at minute 1; cycles at minutes 2 and 3
  cycle(*w);
  cycle(*w);
  EXPECT_EQ(arm_->held.back(), "v1") << "minute 5, four minutes after the sighting: still quiet";
  const auto due = cycle(*w);
  EXPECT_EQ(arm_->held.back(), "") << "minute 6: the reminder's time is known, so nothing is held";
  EXPECT_EQ(due.alerts, 1u);
  EXPECT_EQ(kinds_queued(), (std::vector<std::string>{"assignment.created", "assignment.lingering"}));
  for (int i = 0; i < 4; ++i) {
    cycle(*w);
  }
  const auto second = cycle(*w);
  EXPECT_EQ(second.alerts, 1u) << "the second reminder at ten minutes, through the replays between";
  EXPECT_EQ(kinds_queued(),
            (std::vector<std::string>{"assignment.created", "assignment.lingering", "assignment.lingering"}));
}

TEST_F(watcher_quiet_test, a_commit_to_the_store_before_the_cycle_ends_the_replay) {
  auto w = make_watcher();
  settle(*w);
  // Another [[tenant]] (any tenant: the store cannot tell cheaply which) commits.
  engine::tenant_state other;
  other.initialized = true;
  ASSERT_TRUE(store_->commit_cycle("another-tenant", other, {}, {"soc"}, wall_.now()));
  const auto r = cycle(*w);
  EXPECT_FALSE(r.failure);
  EXPECT_EQ(arm_->held.back(), "") << "read and decided in full";
  EXPECT_EQ(r.firing, 1u);
  cycle(*w);
  EXPECT_EQ(arm_->held.back(), "v1");
}

TEST_F(watcher_quiet_test, a_commit_while_the_sources_answer_has_them_read_again_in_full) {
  auto w = make_watcher();
  settle(*w);
  int commits = 0;
  arm_->on_unchanged = [&] {
    engine::tenant_state other;
    other.initialized = true;
    ASSERT_TRUE(store_->commit_cycle("another-tenant", other, {}, {"soc"}, wall_.now()));
    ++commits;
  };
  const auto r = cycle(*w);
  EXPECT_EQ(commits, 1);
  ASSERT_FALSE(r.failure) << r.failure->message;
  const std::vector<std::string> last_two(arm_->held.end() - 2, arm_->held.end());
  EXPECT_EQ(last_two, (std::vector<std::string>{"v1", ""})) << "the same cycle reads again, holding nothing";
  EXPECT_EQ(r.assignments, 1u);
  EXPECT_EQ(r.firing, 1u);
  EXPECT_EQ(kinds_queued(), std::vector<std::string>{"assignment.created"}) << "no removal, no second creation";
}

TEST_F(watcher_quiet_test, an_unchanged_answer_for_a_listing_not_held_fails_the_cycle) {
  auto w = make_watcher();
  ASSERT_EQ(cycle(*w).alerts, 1u);
  arm_->lies = true;
  const auto r = cycle(*w);
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->kind, error_kind::internal) << r.failure->message;
  EXPECT_NE(r.failure->message.find("unchanged"), std::string::npos) << r.failure->message;
  EXPECT_EQ(kinds_queued(), std::vector<std::string>{"assignment.created"}) << "never read as an empty listing";
  arm_->lies = false;
  const auto after = cycle(*w);
  EXPECT_FALSE(after.failure);
  EXPECT_EQ(after.firing, 1u);
}

TEST_F(watcher_quiet_test, a_failed_cycle_ends_the_replay) {
  auto w = make_watcher();
  settle(*w);
  arm_->fail = true;
  EXPECT_TRUE(cycle(*w).failure);
  arm_->fail = false;
  const auto back = cycle(*w);
  EXPECT_FALSE(back.failure);
  EXPECT_EQ(arm_->held.back(), "") << "after a failure the next success is decided in full";
  cycle(*w);
  const auto quiet = cycle(*w);
  EXPECT_EQ(arm_->held.back(), "v1");
  EXPECT_EQ(quiet.firing, 1u);
}

TEST_F(watcher_quiet_test, a_source_without_fingerprints_keeps_every_cycle_in_full) {
  arg_->rows = {alice};
  arg_->fingerprints = false;
  auto w = make_watcher(true);
  for (int i = 0; i < 6; ++i) {
    const auto r = cycle(*w);
    EXPECT_FALSE(r.failure);
  }
  EXPECT_EQ(arm_->held, std::vector<std::string>(6, "")) << "a replay needs every source unchanged";
  EXPECT_EQ(arg_->held, std::vector<std::string>(6, ""));
}

TEST_F(watcher_quiet_test, the_listing_is_decided_in_full_at_least_every_ten_minutes) {
  auto w = make_watcher();
  settle(*w);
  for (int i = 0; i < 40; ++i) {
    cycle(*w, 30s);
  }
  // Twenty minutes of cycles every 30 s after the quiet cycle of minute 2.
  std::vector<std::size_t> full;
  for (std::size_t i = 3; i < arm_->held.size(); ++i) {
    if (arm_->held[i].empty()) {
      full.push_back(i);
    }
  }
  ASSERT_EQ(full.size(), 2u) << "minutes 12 and 22";
  EXPECT_EQ(full[1] - full[0], 20u) << "ten minutes at 30 s: the full cycle, then nineteen replays";
}

}  // namespace
}  // namespace rootwatch::app
