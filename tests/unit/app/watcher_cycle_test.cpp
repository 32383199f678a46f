// One watcher cycle against the fake Azure: the whole gathering runs under one deadline,
// cycle_timeout (invariant 9), and nothing thrown inside a cycle leaves it (invariant 10).

#include "app/services.hpp"
#include "app/watcher.hpp"
#include "common/metrics.hpp"
#include "store/state_store.hpp"
#include "support/azure_env.hpp"
#include "support/run_coro.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace rootwatch::app {
namespace {

using testing_support::run_coro;
using namespace std::chrono_literals;

constexpr std::string_view secret_variable = "ROOTWATCH_TEST_CLIENT_SECRET";

class watcher_cycle_test : public testing_support::azure_env {
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
    tenant_.sources = {config::source_kind::arm};
    tenant_.credential.kind = config::credential_kind::client_secret;
    tenant_.credential.client_id = std::string(testing_support::test_client_id);
    tenant_.credential.client_secret_env = std::string(secret_variable);
    tenant_.endpoints = {azure_->base_url(), azure_->base_url(), azure_->base_url(), azure_->base_url() + "/.default"};
  }

  // The watcher under test, built the way the daemon builds it.
  std::unique_ptr<watcher> make_watcher(std::function<void()> alerts_queued = {}) {
    svc_ = std::unique_ptr<services>(new services{io_.get_executor(), wall_, random_, stats_, *http_, *store_,
                                                  [this](const std::string& name) { return getenv_(name); }});
    std::vector<engine::rule> rules{
        {"anything-at-root", {"/"}, {"*"}, engine::severity::critical, {}, std::nullopt, engine::severity::critical}};
    return std::make_unique<watcher>(*svc_, tenant_, rules, std::vector<std::string>{"soc"}, "rootwatch.toml",
                                     std::move(alerts_queued));
  }

  void add_assignments(int n) {
    for (int i = 0; i < n; ++i) {
      fake::role_assignment a;
      a.role_definition_id = std::string(fake::user_access_administrator_id);
      a.principal_id = fmt::format("a11ce000-0000-4000-8000-{:012}", i);
      azure_->add_assignment(std::move(a));
    }
  }

  void slow_every(fake::azure_route route, milliseconds delay, std::optional<int> count = std::nullopt) {
    fake::fault f;
    f.route = route;
    f.kind = fake::fault_kind::delay;
    f.delay = delay;
    f.count = count;
    azure_->inject_fault(f);
  }

  std::function<std::optional<std::string>(const std::string&)> getenv_ =
      [](const std::string& name) -> std::optional<std::string> {
    if (name == secret_variable) {
      return std::string(testing_support::test_client_secret);
    }
    return std::nullopt;
  };
  config::tenant_settings tenant_;
  metrics stats_;
  std::unique_ptr<store::state_store> store_;
  std::unique_ptr<services> svc_;
};

std::string message_of(const cycle_report& r) {
  return r.failure ? r.failure->message : std::string("(no failure)");
}

TEST_F(watcher_cycle_test, a_listing_slower_than_cycle_timeout_fails_the_cycle_and_counts_as_a_failure) {
  // Six pages at 300 ms each: every request is well inside request_timeout, the whole is not
  // inside cycle_timeout.
  azure_->set_page_size(1);
  add_assignments(6);
  slow_every(fake::azure_route::role_assignments, 300ms);
  auto w = make_watcher();
  const auto report = run_coro(io_, w->cycle());
  ASSERT_TRUE(report.failure) << "the cycle outlasted cycle_timeout and still succeeded";
  EXPECT_FALSE(report.cancelled);
  EXPECT_EQ(report.failure->kind, error_kind::timeout);
  EXPECT_TRUE(report.failure->retryable);
  EXPECT_NE(message_of(report).find("cycle_timeout = 1s"), std::string::npos) << message_of(report);
  EXPECT_EQ(report.consecutive_failures, 1) << "a cycle past its deadline counts toward degraded_after";
  EXPECT_LT(azure_->request_count(fake::azure_route::role_assignments), 6u) << "the listing was cut short";

  azure_->clear_faults();
  const auto next = run_coro(io_, w->cycle());
  ASSERT_FALSE(next.failure) << message_of(next);
  EXPECT_EQ(next.assignments, 6u);
}

// The first cycle reports what was there before rootwatch looked: its createdOn says how old
// the tenant's assignments are, not how fast a change is seen, so it stays out of the histogram.
TEST_F(watcher_cycle_test, detection_latency_leaves_out_the_baseline_and_counts_what_comes_after) {
  add_assignments(1);
  auto w = make_watcher();
  const metric_labels created{{"kind", "assignment.created"}};
  const auto count = [&] {
    const auto* h = stats_.find_histogram("rootwatch_detection_latency_seconds", created);
    return h == nullptr ? 0u : h->count();
  };
  const auto first = run_coro(io_, w->cycle());
  ASSERT_FALSE(first.failure) << message_of(first);
  ASSERT_EQ(first.alerts, 1u);
  EXPECT_EQ(count(), 0u);

  fake::role_assignment later;
  later.role_definition_id = std::string(fake::user_access_administrator_id);
  later.principal_id = "b0b00000-0000-4000-8000-000000000001";
  azure_->add_assignment(std::move(later));
  const auto second = run_coro(io_, w->cycle());
  ASSERT_FALSE(second.failure) << message_of(second);
  ASSERT_EQ(second.alerts, 1u);
  EXPECT_EQ(count(), 1u);
  // Each cycle asked arm once.
  const auto* durations = stats_.find_histogram("rootwatch_source_cycle_duration_seconds", {{"source", "arm"}});
  ASSERT_NE(durations, nullptr);
  EXPECT_EQ(durations->count(), 2u);
}

TEST_F(watcher_cycle_test, a_token_endpoint_slower_than_cycle_timeout_fails_the_cycle_and_the_cache_recovers) {
  add_assignments(1);
  slow_every(fake::azure_route::token, 3s, 1);
  auto w = make_watcher();
  const auto report = run_coro(io_, w->cycle());
  ASSERT_TRUE(report.failure) << "the cycle outlasted cycle_timeout and still succeeded";
  EXPECT_EQ(report.failure->kind, error_kind::timeout) << message_of(report);
  EXPECT_NE(message_of(report).find("cycle_timeout"), std::string::npos) << message_of(report);

  // The token request cut off by the deadline left nothing behind (such as a refresh marked as
  // still in flight): the next cycle fetches a token and completes.
  const auto next = run_coro(io_, w->cycle());
  ASSERT_FALSE(next.failure) << message_of(next);
  EXPECT_EQ(next.assignments, 1u);
}

TEST_F(watcher_cycle_test, an_exception_while_gathering_fails_the_cycle_as_an_internal_error) {
  add_assignments(1);
  getenv_ = [](const std::string&) -> std::optional<std::string> { throw std::runtime_error("environment exploded"); };
  auto w = make_watcher();
  const auto report = run_coro(io_, w->cycle());  // would rethrow here, had the exception escaped
  ASSERT_TRUE(report.failure);
  EXPECT_EQ(report.failure->kind, error_kind::internal);
  // Where it is caught (the token cache, or the watcher's own guard around gathering) may
  // change; that it becomes this cycle's error value, with its reason, may not.
  EXPECT_NE(message_of(report).find("environment exploded"), std::string::npos) << message_of(report);
  EXPECT_EQ(report.consecutive_failures, 1);
}

TEST_F(watcher_cycle_test, an_exception_after_gathering_fails_the_cycle_and_the_watcher_goes_on) {
  add_assignments(1);
  int calls = 0;
  auto w = make_watcher([&calls] {
    ++calls;
    throw std::runtime_error("wake-up exploded");
  });
  const auto report = run_coro(io_, w->cycle());  // would rethrow here, had the exception escaped
  ASSERT_TRUE(report.failure);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(report.failure->kind, error_kind::internal);
  EXPECT_NE(message_of(report).find("deciding and committing"), std::string::npos) << message_of(report);
  EXPECT_NE(message_of(report).find("wake-up exploded"), std::string::npos) << message_of(report);

  // The alert was committed before the wake-up threw, so the outbox has it; the next cycle
  // has nothing new to wake anybody for and succeeds.
  const auto next = run_coro(io_, w->cycle());
  ASSERT_FALSE(next.failure) << message_of(next);
  EXPECT_EQ(next.firing, 1u);
}

}  // namespace
}  // namespace rootwatch::app
