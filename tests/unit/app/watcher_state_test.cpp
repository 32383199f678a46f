// The watcher against a real state_store and the fake Azure (issue 9): the tenant's state is read
// from rootwatch.db once, not every cycle, on the success path and the failed() path; two
// [[tenant]] tables with the same tenant_id share one state and stay consistent; the per-tenant
// series still count every cycle.

#include "app/services.hpp"
#include "app/watcher.hpp"
#include "common/metrics.hpp"
#include "store/state_store.hpp"
#include "support/azure_env.hpp"
#include "support/run_coro.hpp"

#include <fmt/format.h>

namespace rootwatch::app {
namespace {

using testing_support::run_coro;
using namespace std::chrono_literals;

constexpr std::string_view secret_variable = "ROOTWATCH_TEST_CLIENT_SECRET";

class watcher_state_test : public testing_support::azure_env {
 protected:
  void SetUp() override {
    azure_env::SetUp();
    auto s = store::state_store::open(tmp_.file("state"));
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    svc_ = std::unique_ptr<services>(new services{io_.get_executor(), wall_, random_, stats_, *http_, *store_,
                                                  [this](const std::string& name) { return getenv_(name); }});
  }

  config::tenant_settings tenant(const std::string& name) {
    config::tenant_settings t;
    t.name = name;
    t.tenant_id = azure_->tenant_id();
    t.poll_interval = 1s;
    t.cycle_timeout = 5s;
    t.request_timeout = 5s;
    t.degraded_after = 2;
    t.sources = {config::source_kind::arm};
    t.credential.kind = config::credential_kind::client_secret;
    t.credential.client_id = std::string(testing_support::test_client_id);
    t.credential.client_secret_env = std::string(secret_variable);
    t.endpoints = {azure_->base_url(), azure_->base_url(), azure_->base_url(), azure_->base_url() + "/.default"};
    return t;
  }

  std::unique_ptr<watcher> make_watcher(const std::string& name) {
    std::vector<engine::rule> rules{
        {"anything-at-root", {"/"}, {"*"}, engine::severity::critical, {}, std::nullopt, engine::severity::critical}};
    return std::make_unique<watcher>(*svc_, tenant(name), rules, std::vector<std::string>{"soc"}, "rootwatch.toml",
                                     std::function<void()>{});
  }

  void add_assignment(int i) {
    fake::role_assignment a;
    a.role_definition_id = std::string(fake::user_access_administrator_id);
    a.principal_id = fmt::format("a11ce000-0000-4000-8000-{:012}", i);
    azure_->add_assignment(std::move(a));
  }

  void fail_listing(int times) {
    fake::fault f;
    f.route = fake::azure_route::role_assignments;
    f.kind = fake::fault_kind::status;
    f.status = 403;
    f.count = times;
    azure_->inject_fault(f);
  }

  // What a process started now would read.
  engine::tenant_state fresh_read() {
    auto other = store::state_store::open(tmp_.file("state"));
    EXPECT_TRUE(other);
    auto state = (*other)->load_tenant(azure_->tenant_id());
    EXPECT_TRUE(state);
    return state ? *state : engine::tenant_state{};
  }

  std::function<std::optional<std::string>(const std::string&)> getenv_ =
      [](const std::string& name) -> std::optional<std::string> {
    if (name == secret_variable) {
      return std::string(testing_support::test_client_secret);
    }
    return std::nullopt;
  };
  metrics stats_;
  std::unique_ptr<store::state_store> store_;
  std::unique_ptr<services> svc_;
};

std::string message_of(const cycle_report& r) {
  return r.failure ? r.failure->message : std::string("(no failure)");
}

TEST_F(watcher_state_test, cycles_read_the_tenant_from_the_database_once) {
  add_assignment(1);
  auto w = make_watcher("contoso");
  for (int i = 0; i < 4; ++i) {
    const auto report = run_coro(io_, w->cycle());
    ASSERT_FALSE(report.failure) << message_of(report);
    EXPECT_EQ(report.alerts, i == 0 ? 1u : 0u) << "cycle " << i;
  }
  add_assignment(2);
  const auto changed = run_coro(io_, w->cycle());
  ASSERT_FALSE(changed.failure) << message_of(changed);
  EXPECT_EQ(changed.alerts, 1u);
  EXPECT_EQ(store_->tenant_reads(), 1) << "the state was read back from rootwatch.db after the first cycle";
  EXPECT_EQ(*store_->load_tenant(azure_->tenant_id()), fresh_read());
}

TEST_F(watcher_state_test, failed_cycles_read_the_tenant_from_the_database_once) {
  add_assignment(1);
  auto w = make_watcher("contoso");
  ASSERT_FALSE(run_coro(io_, w->cycle()).failure);
  fail_listing(3);
  for (int i = 1; i <= 3; ++i) {
    const auto report = run_coro(io_, w->cycle());
    ASSERT_TRUE(report.failure);
    EXPECT_EQ(report.consecutive_failures, i) << "the streak is counted on from memory";
  }
  const auto back = run_coro(io_, w->cycle());
  ASSERT_FALSE(back.failure) << message_of(back);
  EXPECT_EQ(store_->tenant_reads(), 1);
  const auto state = fresh_read();
  EXPECT_EQ(state.health.consecutive_failures, 0);
  EXPECT_EQ(*store_->load_tenant(azure_->tenant_id()), state);
}

// Config allows two [[tenant]] tables with one tenant_id (the bench runs them so): they share the
// tenant's row, and what one commits the other goes on from, as when each read the row.
TEST_F(watcher_state_test, two_watchers_of_one_tenant_id_go_on_from_each_others_commits) {
  add_assignment(1);
  auto first = make_watcher("contoso-a");
  auto second = make_watcher("contoso-b");
  const auto a1 = run_coro(io_, first->cycle());
  ASSERT_FALSE(a1.failure) << message_of(a1);
  EXPECT_EQ(a1.alerts, 1u);
  const auto b1 = run_coro(io_, second->cycle());
  ASSERT_FALSE(b1.failure) << message_of(b1);
  EXPECT_EQ(b1.alerts, 0u) << "the second saw the first's state: nothing is new to it";

  add_assignment(2);
  const auto b2 = run_coro(io_, second->cycle());
  ASSERT_FALSE(b2.failure) << message_of(b2);
  EXPECT_EQ(b2.alerts, 1u);
  const auto a2 = run_coro(io_, first->cycle());
  ASSERT_FALSE(a2.failure) << message_of(a2);
  EXPECT_EQ(a2.alerts, 0u);

  fail_listing(1);
  const auto a3 = run_coro(io_, first->cycle());
  ASSERT_TRUE(a3.failure);
  EXPECT_EQ(a3.consecutive_failures, 1);
  const auto b3 = run_coro(io_, second->cycle());
  ASSERT_FALSE(b3.failure) << message_of(b3);
  EXPECT_EQ(fresh_read().health.consecutive_failures, 0);
  EXPECT_EQ(*store_->load_tenant(azure_->tenant_id()), fresh_read());
  EXPECT_EQ(store_->tenant_reads(), 1);
}

TEST_F(watcher_state_test, the_tenant_series_count_every_cycle_and_show_from_their_first_update) {
  add_assignment(1);
  auto w = make_watcher("contoso");
  ASSERT_FALSE(run_coro(io_, w->cycle()).failure);
  ASSERT_FALSE(run_coro(io_, w->cycle()).failure);
  EXPECT_EQ(stats_.value("rootwatch_cycles_total", {{"tenant", "contoso"}, {"result", "ok"}}), 2);
  EXPECT_EQ(stats_.value("rootwatch_assignments_watched", {{"tenant", "contoso"}}), 1);
  EXPECT_EQ(stats_.value("rootwatch_alerts_firing", {{"tenant", "contoso"}}), 1);
  EXPECT_GT(stats_.value("rootwatch_last_success_timestamp_seconds", {{"tenant", "contoso"}}), 0);
  EXPECT_EQ(stats_.value("rootwatch_source_up", {{"tenant", "contoso"}, {"source", "arm"}}), 1);
  EXPECT_EQ(stats_.exposition().find("result=\"failed\""), std::string::npos)
      << "a series shows once it has a value, not before";

  fail_listing(1);
  ASSERT_TRUE(run_coro(io_, w->cycle()).failure);
  EXPECT_EQ(stats_.value("rootwatch_cycles_total", {{"tenant", "contoso"}, {"result", "failed"}}), 1);
  EXPECT_EQ(stats_.value("rootwatch_source_up", {{"tenant", "contoso"}, {"source", "arm"}}), 0);
  EXPECT_EQ(stats_.value("rootwatch_cycles_total", {{"tenant", "contoso"}, {"result", "ok"}}), 2);
}

TEST_F(watcher_state_test, watchers_share_the_generations_rules_and_keep_no_key_lines) {
  add_assignment(1);
  auto t = tenant("contoso");
  t.lines = {{"credential.client_secret_env", 12}, {"name", 10}};
  const auto rules = std::make_shared<const std::vector<engine::rule>>(std::vector<engine::rule>{
      {"anything-at-root", {"/"}, {"*"}, engine::severity::critical, {}, std::nullopt, engine::severity::critical}});
  const auto sinks = std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"soc"});
  watcher w(*svc_, t, rules, sinks, std::function<void()>{});
  EXPECT_EQ(rules.use_count(), 2) << "the watcher holds the generation's rules, not a copy";
  EXPECT_EQ(sinks.use_count(), 2);
  EXPECT_TRUE(w.tenant().lines.empty()) << "the loader's key lines are not kept per tenant";
  const auto report = run_coro(io_, w.cycle());
  ASSERT_FALSE(report.failure) << report.failure->message;
  EXPECT_EQ(report.firing, 1u);
}

}  // namespace
}  // namespace rootwatch::app
