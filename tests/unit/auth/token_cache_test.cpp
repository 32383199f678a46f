// The token cache with credentials that misbehave: the refresh flag and its waiters are reset
// whatever fetch() does, so that one bad answer cannot leave every later caller waiting.

#include "auth/token_cache.hpp"
#include "common/clock.hpp"
#include "support/run_coro.hpp"

#include <gtest/gtest.h>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <stdexcept>

namespace rootwatch::auth {
namespace {

using testing_support::run_coro;
using namespace std::chrono_literals;

constexpr std::string_view arm = "https://management.azure.com/.default";

// Throws on its first fetch, then gives a token.
class throws_once final : public credential {
 public:
  explicit throws_once(const clock& wall) : clock_(wall) {}
  awaitable<result<access_token>> fetch(std::string) override {
    ++calls_;
    if (calls_ == 1) {
      throw std::runtime_error("type_error.302: type must be string, but is object");
    }
    access_token t;
    t.value = "token-after-the-failure";
    t.issued_at = clock_.now();
    t.expires_on = t.issued_at + 1h;
    co_return t;
  }
  std::string_view kind() const override { return "throws_once"; }

 private:
  const clock& clock_;
  int calls_ = 0;
};

TEST(token_cache, refreshes_and_failed_ones_are_counted_per_credential_kind) {
  boost::asio::io_context io;
  manual_clock wall(timestamp{} + 24h * 365 * 55);
  metrics stats;
  token_cache cache(io.get_executor(), std::make_unique<throws_once>(wall), wall, &stats);
  const metric_labels kind{{"credential", "throws_once"}};
  // Both series exist before the first refresh, at 0.
  EXPECT_NE(stats.exposition().find("rootwatch_token_refresh_failures_total{credential=\"throws_once\"} 0\n"),
            std::string::npos);
  EXPECT_FALSE(run_coro(io, cache.get(std::string(arm)), 5s));
  EXPECT_TRUE(run_coro(io, cache.get(std::string(arm)), 5s));
  // The token is cached: no refresh.
  EXPECT_TRUE(run_coro(io, cache.get(std::string(arm)), 5s));
  EXPECT_EQ(stats.value("rootwatch_token_refreshes_total", kind), 2);
  EXPECT_EQ(stats.value("rootwatch_token_refresh_failures_total", kind), 1);
}

TEST(token_cache, a_fetch_that_throws_is_an_error_and_the_next_get_fetches_again) {
  boost::asio::io_context io;
  manual_clock wall(timestamp{} + 24h * 365 * 55);
  token_cache cache(io.get_executor(), std::make_unique<throws_once>(wall), wall);

  const auto first = run_coro(io, cache.get(std::string(arm)), 5s);
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().kind, error_kind::internal);
  EXPECT_NE(first.error().message.find("type_error.302"), std::string::npos) << first.error().message;

  // Without the reset, this waits for a refresh that never ends (run_coro's deadline throws).
  const auto second = run_coro(io, cache.get(std::string(arm)), 5s);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(*second, "token-after-the-failure");
  EXPECT_EQ(cache.fetches(), 2u);
}

// The first fetch hangs until it is cancelled (a cycle deadline, shutdown); the next gives a
// token.
class hangs_once final : public credential {
 public:
  explicit hangs_once(const clock& wall) : clock_(wall) {}
  awaitable<result<access_token>> fetch(std::string) override {
    ++calls_;
    if (calls_ == 1) {
      boost::asio::steady_timer never(co_await boost::asio::this_coro::executor,
                                      boost::asio::steady_timer::time_point::max());
      co_await never.async_wait(boost::asio::use_awaitable);  // throws operation_aborted when cancelled
    }
    access_token t;
    t.value = "token-after-the-cancel";
    t.issued_at = clock_.now();
    t.expires_on = t.issued_at + 1h;
    co_return t;
  }
  std::string_view kind() const override { return "hangs_once"; }

 private:
  const clock& clock_;
  int calls_ = 0;
};

awaitable<bool> get_or_give_up(token_cache& cache) {
  using namespace boost::asio::experimental::awaitable_operators;
  boost::asio::steady_timer now(co_await boost::asio::this_coro::executor,
                                boost::asio::steady_timer::time_point::min());
  // The timer is already due, so the get is cancelled in the middle of its fetch.
  const auto which = co_await (cache.get(std::string(arm)) || now.async_wait(boost::asio::use_awaitable));
  co_return which.index() == 0;
}

TEST(token_cache, a_fetch_cancelled_in_flight_does_not_leave_the_refresh_flag_set) {
  boost::asio::io_context io;
  manual_clock wall(timestamp{} + 24h * 365 * 55);
  token_cache cache(io.get_executor(), std::make_unique<hangs_once>(wall), wall);

  EXPECT_FALSE(run_coro(io, get_or_give_up(cache), 5s)) << "the get should have been cancelled";

  const auto second = run_coro(io, cache.get(std::string(arm)), 5s);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(*second, "token-after-the-cancel");
  EXPECT_EQ(cache.fetches(), 2u);
}

}  // namespace
}  // namespace rootwatch::auth
