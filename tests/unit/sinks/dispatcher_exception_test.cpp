// No exception leaves the dispatcher (invariant 10): something that throws while one alert is
// delivered or recorded makes that alert a failed attempt, retried later, never a crash. The
// clock is the seam: it is handed in, and here it throws when told to.

#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "common/rng.hpp"
#include "fake/fake_receiver.hpp"
#include "fake/test_ca.hpp"
#include "net/https_client.hpp"
#include "net/tls.hpp"
#include "sinks/dispatcher.hpp"
#include "store/state_store.hpp"
#include "support/run_coro.hpp"
#include "support/sample_alert.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include <stdexcept>

namespace rootwatch::sinks {
namespace {

using testing_support::run_coro;
using namespace std::chrono_literals;

// A manual clock whose next `throws` readings throw.
class throwing_clock final : public clock {
 public:
  explicit throwing_clock(const clock& inner) : inner_(inner) {}
  timestamp now() const override {
    if (throws > 0) {
      --throws;
      throw std::runtime_error("clock exploded");
    }
    return inner_.now();
  }
  mutable int throws = 0;

 private:
  const clock& inner_;
};

class dispatcher_exception_test : public ::testing::Test {
 protected:
  void SetUp() override {
    fake::receiver_options o;
    o.certificate = ca_.issue("localhost");
    auto r = fake::fake_receiver::start(std::move(o));
    ASSERT_TRUE(r) << r.error().message;
    receiver_ = std::move(*r);
    const auto ca_file = tmp_.file("ca.pem");
    ASSERT_TRUE(ca_.write_ca(ca_file));
    auto tls = net::client_tls::make(ca_file);
    ASSERT_TRUE(tls) << tls.error().message;
    http_ = std::make_unique<net::https_client>(io_.get_executor(), *tls, random_, wall_);
    auto s = store::state_store::open(tmp_.file("state"));
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    resolved_sink sink;
    sink.settings.name = "soc";
    sink.settings.retry_initial_backoff = 1s;
    sink.settings.retry_max_backoff = 1min;
    sink.settings.give_up_after = 1h;
    sink.settings.timeout = 5s;
    sink.url = receiver_->url();
    dispatcher_ = std::make_unique<dispatcher>(io_.get_executor(), *store_, *http_, sink, clock_, random_, stats_);
    ASSERT_TRUE(store_->enqueue({testing_support::sample_alert("a1", wall_.now())}, {"soc"}, wall_.now()));
  }
  void TearDown() override { receiver_->stop(); }

  // Every pending row, due or not, so that no time has to pass between the tries.
  drain_report drain() { return run_coro(io_, dispatcher_->drain_once(true)); }

  testing_support::temp_dir tmp_{"rootwatch-dispatcher-exception"};
  boost::asio::io_context io_;
  fake::test_ca ca_ = fake::test_ca::generate();
  std::unique_ptr<fake::fake_receiver> receiver_;
  seeded_rng random_{5};
  manual_clock wall_{std::chrono::system_clock::now()};
  throwing_clock clock_{wall_};
  metrics stats_;
  std::unique_ptr<net::https_client> http_;
  std::unique_ptr<store::state_store> store_;
  std::unique_ptr<dispatcher> dispatcher_;
};

TEST_F(dispatcher_exception_test, a_throw_during_the_attempt_is_a_failed_attempt_retried_later) {
  clock_.throws = 1;           // the reading for the attempt's signature timestamp
  const auto first = drain();  // would rethrow here, had the exception escaped
  EXPECT_EQ(first.retrying, 1);
  EXPECT_EQ(first.delivered, 0);
  EXPECT_TRUE(receiver_->deliveries().empty());
  EXPECT_EQ(store_->counts("soc")->pending, 1) << "the alert stays in the outbox";

  const auto second = drain();
  EXPECT_EQ(second.delivered, 1);
  EXPECT_EQ(store_->counts("soc")->pending, 0);
}

TEST_F(dispatcher_exception_test, a_throw_while_recording_leaves_the_row_due_and_stops_this_drain) {
  clock_.throws = 2;           // the attempt's reading, then the one for recording its outcome
  const auto first = drain();  // would rethrow here, had the exception escaped
  EXPECT_EQ(first.store_errors, 1);
  EXPECT_EQ(store_->counts("soc")->pending, 1);

  const auto second = drain();
  EXPECT_EQ(second.delivered, 1);
  EXPECT_EQ(store_->counts("soc")->pending, 0);
}

}  // namespace
}  // namespace rootwatch::sinks
