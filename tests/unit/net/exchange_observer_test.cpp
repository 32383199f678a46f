// What send_with_retry tells its observer (the Azure API metrics): every attempt, and a
// throttling wait only when the server asked for one (429, Retry-After), not plain backoff.

#include "common/clock.hpp"
#include "common/rng.hpp"
#include "fake/fake_receiver.hpp"
#include "fake/test_ca.hpp"
#include "net/https_client.hpp"
#include "net/tls.hpp"
#include "support/run_coro.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace rootwatch::net {
namespace {

using testing_support::run_coro;
using namespace std::chrono_literals;

class recording_observer final : public exchange_observer {
 public:
  void answered(const result<response>& outcome) override { statuses.push_back(outcome ? outcome->status : 0); }
  void throttled(milliseconds wait) override { waits.push_back(wait); }
  std::vector<int> statuses;  // 0: no answer
  std::vector<milliseconds> waits;
};

class exchange_observer_test : public ::testing::Test {
 protected:
  void SetUp() override {
    fake::receiver_options o;
    o.certificate = ca_.issue("localhost");
    auto r = fake::fake_receiver::start(std::move(o));
    ASSERT_TRUE(r) << r.error().message;
    receiver_ = std::move(*r);
    const auto ca_file = tmp_.file("ca.pem");
    ASSERT_TRUE(ca_.write_ca(ca_file));
    auto tls = client_tls::make(ca_file);
    ASSERT_TRUE(tls) << tls.error().message;
    client_ = std::make_unique<https_client>(io_.get_executor(), *tls, random_, wall_);
  }

  result<response> send(request r, retry_policy p) {
    return run_coro(io_, client_->send_with_retry(std::move(r), p, &observer_));
  }

  request post(milliseconds timeout = 5s) const {
    request r;
    r.method = "POST";
    r.url = receiver_->url();
    r.what = "test";
    r.timeout = timeout;
    r.body = "{}";
    return r;
  }

  testing_support::temp_dir tmp_{"rootwatch-observer"};
  boost::asio::io_context io_;
  fake::test_ca ca_ = fake::test_ca::generate();
  std::unique_ptr<fake::fake_receiver> receiver_;
  seeded_rng random_{7};
  system_clock_source wall_;
  std::unique_ptr<https_client> client_;
  recording_observer observer_;
};

TEST_F(exchange_observer_test, every_attempt_is_told_with_its_status) {
  receiver_->fail_next(2, 500);
  auto r = send(post(), retry_policy{4, 1ms, 2ms, 1s});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(observer_.statuses, (std::vector<int>{500, 500, 200}));
  // Backoff after a 500 is a retry, not throttling.
  EXPECT_TRUE(observer_.waits.empty());
}

TEST_F(exchange_observer_test, a_429_is_a_throttling_wait_of_the_delay_taken) {
  receiver_->fail_next(1, 429, 1s);
  auto r = send(post(), retry_policy{4, 1ms, 2ms, 5s});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(observer_.statuses, (std::vector<int>{429, 200}));
  ASSERT_EQ(observer_.waits.size(), 1u);
  EXPECT_EQ(observer_.waits[0], 1000ms);
}

TEST_F(exchange_observer_test, a_503_with_retry_after_is_a_throttling_wait_too) {
  receiver_->fail_next(1, 503, 1s);
  auto r = send(post(), retry_policy{4, 1ms, 2ms, 5s});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(observer_.waits.size(), 1u);
}

TEST_F(exchange_observer_test, the_last_attempt_is_told_but_no_wait_follows_it) {
  receiver_->fail_next(5, 429, 1s);
  auto r = send(post(), retry_policy{1, 1ms, 2ms, 5s});
  ASSERT_TRUE(r);
  EXPECT_EQ(observer_.statuses, (std::vector<int>{429}));
  EXPECT_TRUE(observer_.waits.empty());
}

TEST_F(exchange_observer_test, an_attempt_without_an_answer_is_told_as_such) {
  receiver_->delay_next(1, 5s);
  auto r = send(post(200ms), retry_policy{1, 1ms, 2ms, 1s});
  ASSERT_FALSE(r);
  EXPECT_EQ(observer_.statuses, (std::vector<int>{0}));
}

}  // namespace
}  // namespace rootwatch::net
