// A watcher over several snapshot sources (issue 6 §1): every source is gathered under the one
// cycle deadline; a failing or hanging secondary source degrades that source alone, never the
// cycle; a failing authoritative source fails the cycle, with no fall-back to another view.

#include "app/services.hpp"
#include "app/watcher.hpp"
#include "common/json.hpp"
#include "common/metrics.hpp"
#include "store/state_store.hpp"
#include "support/azure_env.hpp"
#include "support/log_capture.hpp"
#include "support/root_assignments.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
#include <string>
#include <vector>

namespace rootwatch::app {
namespace {

using testing_support::log_capture;
using testing_support::run_coro;
using namespace std::chrono_literals;

const engine::assignment& alice = testing_support::alice_at_root;
const engine::assignment& bob = testing_support::bob_at_root;

// What a fake source does at its next call; the test changes it between cycles.
struct script {
  enum class mode { answer, fail, hang };
  mode next = mode::answer;
  std::vector<engine::assignment> rows;
  int calls = 0;
};

class fake_source final : public azure::snapshot_source {
 public:
  fake_source(std::string name, std::shared_ptr<script> s, const clock& wall)
      : name_(std::move(name)), script_(std::move(s)), wall_(wall) {}

  std::string_view name() const override { return name_; }

  awaitable<result<engine::snapshot>> snapshot(std::string /*held*/) override {
    script_->calls += 1;
    if (script_->next == script::mode::fail) {
      co_return make_error(error_kind::permission, name_ + ": HTTP 403 AuthorizationFailed (grant Reader at \"/\")");
    }
    if (script_->next == script::mode::hang) {
      // Far past any cycle deadline; the watcher's deadline has to cut it short.
      asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::hours{1});
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      co_return make_error(error_kind::cancelled, name_ + ": cancelled");
    }
    co_return engine::snapshot{name_, wall_.now(), script_->rows};
  }

 private:
  std::string name_;
  std::shared_ptr<script> script_;
  const clock& wall_;
};

class watcher_sources_test : public testing_support::azure_env {
 protected:
  void SetUp() override {
    azure_env::SetUp();
    auto s = store::state_store::open(tmp_.file("state"));
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    tenant_.name = "contoso";
    tenant_.tenant_id = azure_->tenant_id();
    tenant_.poll_interval = 1s;
    tenant_.cycle_timeout = 1s;
    tenant_.request_timeout = 5s;
    tenant_.degraded_after = 2;
    tenant_.sources = {config::source_kind::resource_graph, config::source_kind::arm};
    tenant_.credential.kind = config::credential_kind::client_secret;
    tenant_.credential.client_id = std::string(testing_support::test_client_id);
    tenant_.endpoints = {azure_->base_url(), azure_->base_url(), azure_->base_url(), azure_->base_url() + "/.default"};
  }

  // Resource Graph listed first on purpose: ARM is still the authoritative one.
  std::unique_ptr<watcher> make_watcher() {
    svc_ = std::unique_ptr<services>(new services{io_.get_executor(), wall_, random_, stats_, *http_, *store_,
                                                  [](const std::string&) { return std::optional<std::string>{}; }});
    std::vector<engine::rule> rules{
        {"anything-at-root", {"/"}, {"*"}, engine::severity::critical, {}, std::nullopt, engine::severity::critical}};
    auto factory = [this](services& svc, const config::tenant_settings&, auth::token_cache&) {
      snapshot_sources out;
      out.push_back(std::make_unique<fake_source>("resource_graph", arg_, svc.wall));
      out.push_back(std::make_unique<fake_source>("arm", arm_, svc.wall));
      return out;
    };
    return std::make_unique<watcher>(*svc_, tenant_, rules, std::vector<std::string>{"soc"}, "rootwatch.toml",
                                     std::function<void()>{}, factory);
  }

  cycle_report cycle(watcher& w) {
    wall_.advance(60s);
    return run_coro(io_, w.cycle());
  }

  // The alerts queued for the sink, as their JSON.
  std::vector<json> outbox() {
    auto due = store_->pending("soc");
    EXPECT_TRUE(due) << due.error().message;
    std::vector<json> out;
    for (const auto& item : *due) {
      out.push_back(json::parse(item.payload));
    }
    return out;
  }

  std::vector<json> outbox_of_kind(const std::string& kind) {
    std::vector<json> out;
    for (auto& a : outbox()) {
      if (a.value("kind", "") == kind) {
        out.push_back(a);
      }
    }
    return out;
  }

  const source_report* source(const cycle_report& r, const std::string& name) {
    for (const auto& s : r.sources) {
      if (s.name == name) {
        return &s;
      }
    }
    ADD_FAILURE() << "no report for source " << name;
    return nullptr;
  }

  double up(const std::string& name) {
    return stats_.value("rootwatch_source_up", {{"tenant", "contoso"}, {"source", name}});
  }

  std::shared_ptr<script> arm_ = std::make_shared<script>();
  std::shared_ptr<script> arg_ = std::make_shared<script>();
  config::tenant_settings tenant_;
  metrics stats_;
  std::unique_ptr<store::state_store> store_;
  std::unique_ptr<services> svc_;
};

std::string message_of(const cycle_report& r) {
  return r.failure ? r.failure->message : std::string("(no failure)");
}

TEST_F(watcher_sources_test, agreeing_sources_create_one_alert_naming_both) {
  arm_->rows = {alice};
  arg_->rows = {alice};
  auto w = make_watcher();
  const auto r = cycle(*w);
  ASSERT_FALSE(r.failure) << message_of(r);
  EXPECT_EQ(r.assignments, 1u);
  EXPECT_EQ(r.disagreements, 0u);
  ASSERT_EQ(r.sources.size(), 2u);
  EXPECT_EQ(r.sources[0].name, "arm") << "the authoritative source comes first";
  EXPECT_TRUE(r.sources[0].authoritative);
  EXPECT_TRUE(r.sources[1].ok);
  EXPECT_EQ(up("arm"), 1.0);
  EXPECT_EQ(up("resource_graph"), 1.0);
  const auto created = outbox_of_kind("assignment.created");
  ASSERT_EQ(created.size(), 1u);
  std::vector<std::string> sources;
  for (const auto& e : created[0]["evidence"]) {
    sources.push_back(e.value("source", ""));
  }
  EXPECT_EQ(sources, (std::vector<std::string>{"arm", "resource_graph"})) << created[0].dump();
}

TEST_F(watcher_sources_test, a_failing_secondary_source_degrades_that_source_not_the_cycle) {
  arm_->rows = {alice};
  arg_->next = script::mode::fail;
  auto w = make_watcher();
  const auto first = cycle(*w);
  ASSERT_FALSE(first.failure) << "the authoritative view is complete: " << message_of(first);
  const auto* rg = source(first, "resource_graph");
  ASSERT_NE(rg, nullptr);
  EXPECT_TRUE(rg->ran);
  EXPECT_FALSE(rg->ok);
  EXPECT_NE(rg->error.find("AuthorizationFailed"), std::string::npos) << rg->error;
  EXPECT_EQ(rg->consecutive_failures, 1);
  EXPECT_EQ(up("resource_graph"), 0.0);
  EXPECT_EQ(up("arm"), 1.0);
  EXPECT_TRUE(outbox_of_kind("watch.degraded").empty()) << "not before degraded_after failures of that source";

  const auto second = cycle(*w);
  ASSERT_FALSE(second.failure) << message_of(second);
  EXPECT_EQ(second.consecutive_failures, 0) << "the tenant's own streak is untouched";
  auto degraded = outbox_of_kind("watch.degraded");
  ASSERT_EQ(degraded.size(), 1u);
  const std::string detail = degraded[0].value("detail", "");
  EXPECT_NE(detail.find("resource_graph"), std::string::npos) << detail;
  EXPECT_NE(detail.find("AuthorizationFailed"), std::string::npos) << detail;

  cycle(*w);
  EXPECT_EQ(outbox_of_kind("watch.degraded").size(), 1u) << "once per outage of the source";

  arg_->next = script::mode::answer;
  arg_->rows = {alice};
  const auto back = cycle(*w);
  ASSERT_FALSE(back.failure) << message_of(back);
  EXPECT_EQ(up("resource_graph"), 1.0);
  const auto recovered = outbox_of_kind("watch.recovered");
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_EQ(recovered[0].value("correlation_key", ""), degraded[0].value("correlation_key", ""));
  EXPECT_TRUE(outbox_of_kind("assignment.removed").empty());
}

TEST_F(watcher_sources_test, a_secondary_source_hanging_past_the_deadline_times_out_and_the_cycle_succeeds) {
  arm_->rows = {alice};
  arg_->next = script::mode::hang;
  auto w = make_watcher();
  const auto r = run_coro(io_, w->cycle(), 10s);  // ends by cycle_timeout, not by the hang
  ASSERT_FALSE(r.failure) << message_of(r);
  EXPECT_EQ(r.assignments, 1u);
  const auto* rg = source(r, "resource_graph");
  ASSERT_NE(rg, nullptr);
  EXPECT_FALSE(rg->ok);
  EXPECT_NE(rg->error.find("cycle_timeout = 1s"), std::string::npos) << rg->error;
  EXPECT_EQ(outbox_of_kind("assignment.created").size(), 1u);
}

TEST_F(watcher_sources_test, a_failing_arm_fails_the_cycle_without_falling_back_to_resource_graph) {
  arm_->rows = {alice, bob};
  arg_->rows = {alice, bob};
  auto w = make_watcher();
  ASSERT_FALSE(cycle(*w).failure);
  arm_->next = script::mode::fail;
  arg_->rows = {alice};  // lagging: bob not yet in the index
  const auto r = cycle(*w);
  ASSERT_TRUE(r.failure) << "a failed authoritative view fails the cycle";
  EXPECT_EQ(r.failure->kind, error_kind::permission);
  EXPECT_NE(message_of(r).find("source arm"), std::string::npos) << message_of(r);
  EXPECT_EQ(r.consecutive_failures, 1);
  EXPECT_TRUE(outbox_of_kind("assignment.removed").empty()) << "Resource Graph's gap is not a removal";
  EXPECT_EQ(up("arm"), 0.0);
  EXPECT_EQ(up("resource_graph"), 1.0);

  // The tenant-level watch.degraded, as before there were several sources; none of arm's own.
  cycle(*w);
  const auto degraded = outbox_of_kind("watch.degraded");
  ASSERT_EQ(degraded.size(), 1u);
  EXPECT_NE(degraded[0].value("detail", "").find("source arm"), std::string::npos) << degraded[0].dump();
}

TEST_F(watcher_sources_test, a_hanging_arm_fails_the_cycle_by_its_deadline) {
  arm_->next = script::mode::hang;
  auto w = make_watcher();
  const auto r = run_coro(io_, w->cycle(), 10s);
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->kind, error_kind::timeout) << message_of(r);
  EXPECT_NE(message_of(r).find("cycle_timeout = 1s"), std::string::npos) << message_of(r);
}

TEST_F(watcher_sources_test, rows_only_one_source_shows_are_counted_per_source_and_never_alerted_alone) {
  arm_->rows = {alice};
  arg_->rows = {bob};
  auto w = make_watcher();
  const auto r = cycle(*w);
  ASSERT_FALSE(r.failure) << message_of(r);
  EXPECT_EQ(r.disagreements, 2u);
  EXPECT_EQ(source(r, "arm")->disagreements, 1u);
  EXPECT_EQ(source(r, "resource_graph")->disagreements, 1u);
  EXPECT_EQ(stats_.value("rootwatch_source_disagreements", {{"tenant", "contoso"}, {"source", "resource_graph"}}), 1.0);
  const auto created = outbox_of_kind("assignment.created");
  ASSERT_EQ(created.size(), 1u) << "bob is only in Resource Graph: no alert for him";
  EXPECT_EQ(created[0]["assignment"].value("id", ""), alice.id);

  arg_->rows = {alice};
  const auto agreed = cycle(*w);
  EXPECT_EQ(agreed.disagreements, 0u);
  EXPECT_EQ(stats_.value("rootwatch_source_disagreements", {{"tenant", "contoso"}, {"source", "resource_graph"}}), 0.0);
}

TEST_F(watcher_sources_test, a_disagreement_is_logged_once_when_it_starts_not_every_cycle) {
  log_capture log;
  arm_->rows = {alice};
  arg_->rows = {alice, bob};
  auto w = make_watcher();
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(cycle(*w).failure);
  }
  EXPECT_EQ(log.lines_with("sources disagree on " + bob.id), 1);
  EXPECT_EQ(log.lines_with("sources disagree on"), 1) << "alice is in both";

  // It ends, and a new one on the same assignment is logged again.
  arg_->rows = {alice};
  ASSERT_FALSE(cycle(*w).failure);
  arg_->rows = {alice, bob};
  ASSERT_FALSE(cycle(*w).failure);
  EXPECT_EQ(log.lines_with("sources disagree on " + bob.id), 2);
}

}  // namespace
}  // namespace rootwatch::app
