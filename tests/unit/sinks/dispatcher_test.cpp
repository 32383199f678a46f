// The dispatcher between the outbox and a real HTTPS receiver: signed delivery, retry
// scheduling, and giving up loudly after give_up_after.

#include "sinks/dispatcher.hpp"
#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "common/rng.hpp"
#include "engine/alert_json.hpp"
#include "fake/fake_receiver.hpp"
#include "fake/test_ca.hpp"
#include "net/https_client.hpp"
#include "net/tls.hpp"
#include "store/state_store.hpp"
#include "support/run_coro.hpp"
#include "support/sample_alert.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>

#include <filesystem>

namespace rootwatch::sinks {
namespace {

using testing_support::run_coro;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string key_text = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

class dispatcher_test : public ::testing::Test {
 protected:
  void SetUp() override {
    fake::receiver_options o;
    o.certificate = ca_.issue("localhost");
    o.secret = key_text;
    auto r = fake::fake_receiver::start(std::move(o));
    ASSERT_TRUE(r) << r.error().message;
    receiver_ = std::move(*r);
    ASSERT_TRUE(ca_.write_ca((dir_ / "ca.pem").string()));
    auto tls = net::client_tls::make((dir_ / "ca.pem").string());
    ASSERT_TRUE(tls);
    http_ = std::make_unique<net::https_client>(io_.get_executor(), *tls, random_, wall_);
    auto s = store::state_store::open((dir_ / "state").string());
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    resolved_sink sink;
    sink.settings.name = "soc";
    sink.settings.retry_initial_backoff = 1s;
    sink.settings.retry_max_backoff = 1min;
    sink.settings.give_up_after = 1h;
    sink.settings.timeout = 5s;
    sink.url = receiver_->url();
    sink.keys = {*parse_signing_key(key_text)};
    dispatcher_ = std::make_unique<dispatcher>(io_.get_executor(), *store_, *http_, sink, wall_, random_, stats_);
  }
  void TearDown() override { receiver_->stop(); }

  void enqueue(const std::string& id) {
    ASSERT_TRUE(store_->enqueue({testing_support::sample_alert(id, wall_.now())}, {"soc"}, wall_.now()));
  }

  drain_report drain(bool all = false) { return run_coro(io_, dispatcher_->drain_once(all)); }

  testing_support::temp_dir tmp_{"rootwatch-dispatcher"};
  fs::path dir_ = tmp_.path();
  boost::asio::io_context io_;
  fake::test_ca ca_ = fake::test_ca::generate();
  std::unique_ptr<fake::fake_receiver> receiver_;
  seeded_rng random_{3};
  manual_clock wall_{std::chrono::system_clock::now()};
  metrics stats_;
  std::unique_ptr<net::https_client> http_;
  std::unique_ptr<store::state_store> store_;
  std::unique_ptr<dispatcher> dispatcher_;
};

TEST_F(dispatcher_test, delivers_signed_in_queue_order_and_marks_delivered) {
  enqueue("a1");
  enqueue("a2");
  const auto report = drain();
  EXPECT_EQ(report.delivered, 2);
  const auto d = receiver_->deliveries();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].header("webhook-id").value_or(""), "a1");
  EXPECT_EQ(d[1].header("webhook-id").value_or(""), "a2");
  EXPECT_TRUE(d[0].signature_valid.value_or(false)) << d[0].signature_problem;
  EXPECT_EQ(engine::alert_from_json(*d[0].body_json).id, "a1");
  EXPECT_EQ(store_->counts("soc")->delivered, 2);
  EXPECT_EQ(drain().delivered, 0) << "nothing is delivered twice";
  EXPECT_EQ(stats_.value("rootwatch_deliveries_total", {{"sink", "soc"}, {"result", "delivered"}}), 2);
}

TEST_F(dispatcher_test, a_failed_attempt_waits_for_its_backoff_before_the_next) {
  enqueue("a1");
  receiver_->fail_next(1, 503);
  EXPECT_EQ(drain().retrying, 1);
  EXPECT_EQ(drain().delivered, 0) << "not due yet";
  wall_.advance(2s);
  EXPECT_EQ(drain().delivered, 1);
  EXPECT_EQ(receiver_->deliveries().size(), 2u);
}

TEST_F(dispatcher_test, a_refusing_receiver_is_not_retried_the_alert_is_dead_at_once) {
  enqueue("a1");
  receiver_->fail_next(1000, 400);
  const auto report = drain();
  EXPECT_EQ(report.dead, 1);
  EXPECT_EQ(report.retrying, 0);
  EXPECT_EQ(receiver_->deliveries().size(), 1u);
  EXPECT_EQ(store_->counts("soc")->dead, 1);
  EXPECT_EQ(store_->counts("soc")->pending, 0);
  EXPECT_EQ(stats_.value("rootwatch_alerts_dead_total", {{"sink", "soc"}}), 1);
}

TEST_F(dispatcher_test, a_receiver_failing_past_give_up_after_ends_the_alert_dead) {
  enqueue("a1");
  receiver_->fail_next(1000, 503);
  EXPECT_EQ(drain().retrying, 1);
  wall_.advance(2h);
  const auto report = drain();
  EXPECT_EQ(report.dead, 1);
  EXPECT_EQ(store_->counts("soc")->dead, 1);
}

TEST_F(dispatcher_test, drain_all_tries_rows_that_are_not_due_yet) {
  enqueue("a1");
  receiver_->fail_next(1, 503);
  EXPECT_EQ(drain().retrying, 1);
  EXPECT_EQ(drain(true).delivered, 1);
}

}  // namespace
}  // namespace rootwatch::sinks
