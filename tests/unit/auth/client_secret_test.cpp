// The client secret credential and the token cache against the fake Entra token endpoint.

#include "auth/client_secret.hpp"
#include "auth/token_cache.hpp"
#include "support/azure_env.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace rootwatch::auth {
namespace {

using testing_support::run_coro;
using namespace std::chrono_literals;

constexpr std::string_view arm = "https://management.azure.com/.default";
constexpr std::string_view graph = "https://graph.microsoft.com/.default";

class client_secret_test : public testing_support::azure_env {
 protected:
  std::unique_ptr<credential> make(std::string secret = std::string(testing_support::test_client_secret)) {
    client_secret_options o;
    o.authority = azure_->base_url();
    o.tenant_id = azure_->tenant_id();
    o.client_id = std::string(testing_support::test_client_id);
    o.read_secret = [this, secret]() -> result<std::string> {
      ++secret_reads_;
      return secret;
    };
    o.timeout = 5s;
    o.retry = {2, 10ms, 20ms, 1s};
    return std::make_unique<client_secret_credential>(*http_, std::move(o), wall_);
  }

  std::size_t token_requests() const { return azure_->request_count(fake::azure_route::token); }

  int secret_reads_ = 0;
};

TEST_F(client_secret_test, gets_a_token_with_the_client_credentials_grant) {
  auto cred = make();
  auto t = run_coro(io_, cred->fetch(std::string(arm)));
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_FALSE(t->value.empty());
  EXPECT_EQ(t->expires_on - t->issued_at, 3599s);
  const auto req = azure_->requests().back();
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target.find(std::string(testing_support::test_client_secret)), std::string::npos);
}

TEST_F(client_secret_test, a_refused_secret_names_the_aadsts_code_and_not_the_secret) {
  auto cred = make("the-wrong-secret");
  auto t = run_coro(io_, cred->fetch(std::string(arm)));
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().kind, error_kind::auth);
  EXPECT_FALSE(t.error().retryable);
  EXPECT_NE(t.error().message.find("AADSTS7000215"), std::string::npos) << t.error().message;
  EXPECT_EQ(t.error().message.find("the-wrong-secret"), std::string::npos) << t.error().message;
  EXPECT_EQ(token_requests(), 1u) << "invalid_client must not be retried";
}

TEST_F(client_secret_test, a_throttled_token_endpoint_is_retried) {
  fake::fault f;
  f.route = fake::azure_route::token;
  f.status = 429;
  f.retry_after_seconds = 0;
  azure_->inject_fault(f);
  auto cred = make();
  auto t = run_coro(io_, cred->fetch(std::string(arm)));
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(token_requests(), 2u);
}

TEST_F(client_secret_test, the_cache_fetches_once_per_scope_and_reads_the_secret_per_fetch) {
  token_cache cache(io_.get_executor(), make(), wall_);
  for (int i = 0; i < 3; ++i) {
    auto t = run_coro(io_, cache.get(std::string(arm)));
    ASSERT_TRUE(t) << t.error().message;
  }
  EXPECT_EQ(cache.fetches(), 1u);
  auto g = run_coro(io_, cache.get(std::string(graph)));
  ASSERT_TRUE(g);
  EXPECT_EQ(cache.fetches(), 2u);
  EXPECT_EQ(token_requests(), 2u);
  EXPECT_EQ(secret_reads_, 2);
}

TEST_F(client_secret_test, the_cache_refreshes_at_half_life_before_expiry) {
  token_cache cache(io_.get_executor(), make(), wall_);
  auto first = run_coro(io_, cache.get(std::string(arm)));
  ASSERT_TRUE(first);
  wall_.advance(29min);
  EXPECT_EQ(*run_coro(io_, cache.get(std::string(arm))), *first);
  EXPECT_EQ(cache.fetches(), 1u);
  wall_.advance(2min);
  auto second = run_coro(io_, cache.get(std::string(arm)));
  ASSERT_TRUE(second);
  EXPECT_NE(*second, *first);
  EXPECT_EQ(cache.fetches(), 2u);
}

TEST_F(client_secret_test, callers_during_a_refresh_share_it) {
  token_cache cache(io_.get_executor(), make(), wall_);
  int done = 0;
  std::vector<std::string> tokens;
  for (int i = 0; i < 5; ++i) {
    boost::asio::co_spawn(
        io_,
        [&]() -> awaitable<void> {
          auto t = co_await cache.get(std::string(arm));
          if (t) {
            tokens.push_back(*t);
          }
          ++done;
        },
        boost::asio::detached);
  }
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (done < 5 && std::chrono::steady_clock::now() < until) {
    io_.run_one_for(50ms);
  }
  ASSERT_EQ(done, 5);
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_EQ(cache.fetches(), 1u);
  EXPECT_EQ(token_requests(), 1u);
  for (const auto& t : tokens) {
    EXPECT_EQ(t, tokens.front());
  }
}

TEST_F(client_secret_test, a_failed_early_refresh_keeps_the_valid_token_until_it_expires) {
  token_cache cache(io_.get_executor(), make(), wall_);
  auto first = run_coro(io_, cache.get(std::string(arm)));
  ASSERT_TRUE(first);
  fake::fault f;
  f.route = fake::azure_route::token;
  f.status = 503;
  f.count = std::nullopt;
  azure_->inject_fault(f);
  wall_.advance(40min);
  auto kept = run_coro(io_, cache.get(std::string(arm)));
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(*kept, *first);
  ASSERT_TRUE(cache.last_refresh_error().has_value());
  wall_.advance(20min);
  auto expired = run_coro(io_, cache.get(std::string(arm)));
  EXPECT_FALSE(expired);
}

TEST_F(client_secret_test, invalidate_forces_a_new_token) {
  token_cache cache(io_.get_executor(), make(), wall_);
  ASSERT_TRUE(run_coro(io_, cache.get(std::string(arm))));
  cache.invalidate(std::string(arm));
  ASSERT_TRUE(run_coro(io_, cache.get(std::string(arm))));
  EXPECT_EQ(cache.fetches(), 2u);
}

}  // namespace
}  // namespace rootwatch::auth
