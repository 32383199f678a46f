// The running dispatcher (issue 7, "no head-of-line blocking" and "retries"): the real
// dispatcher, store, HTTPS client and a receiver on loopback, with the wall clock in the
// test's hands so that an hour of outage passes in seconds.

#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "common/rng.hpp"
#include "fake/fake_receiver.hpp"
#include "fake/test_ca.hpp"
#include "net/https_client.hpp"
#include "net/tls.hpp"
#include "sinks/dispatcher.hpp"
#include "store/state_store.hpp"
#include "support/sample_alert.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <functional>
#include <map>

namespace rootwatch::sinks {
namespace {

using namespace std::chrono_literals;

engine::alert created_alert(const std::string& subject, timestamp at) {
  return testing_support::sample_alert("created-" + subject, at);
}

// The removal of `subject`: same correlation key as its creation, so one order key.
engine::alert removed_alert(const std::string& subject, timestamp at) {
  auto a = testing_support::sample_alert("removed-" + subject, at);
  a.kind = "assignment.removed";
  a.status = "resolved";
  a.correlation_key = "c-created-" + subject;
  return a;
}

std::string id_of(const fake::delivery& d) {
  return d.body_json ? d.body_json->value("id", "") : std::string{};
}

class dispatcher_lanes_test : public ::testing::Test {
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
    sink_.settings.name = "soc";
    sink_.settings.retry_initial_backoff = 1s;
    sink_.settings.retry_max_backoff = 5min;
    sink_.settings.give_up_after = 3h;
    sink_.settings.timeout = 20s;
    sink_.url = receiver_->url();
  }

  void TearDown() override {
    receiver_->stop();  // first: it cuts a hanging answer short
    if (dispatcher_) {
      dispatcher_->stop();
      pump_until([&] { return finished_; }, 30s);
      EXPECT_TRUE(finished_) << "the dispatcher stops when told";
      EXPECT_FALSE(failure_) << "nothing thrown out of run()";
    }
  }

  void queue(const engine::alert& a) { ASSERT_TRUE(store_->enqueue({a}, {"soc"}, wall_.now())); }
  bool breaker_opens_within(int minutes);

  void start() {
    dispatcher_ = std::make_unique<dispatcher>(io_.get_executor(), *store_, *http_, sink_, wall_, random_, stats_);
    dispatcher_->on_dead([this](const dispatcher::dead_letter& d) { dead_.push_back(d.item.alert_id); });
    dispatcher_->bound_outbox(limit_, 0ms);
    boost::asio::co_spawn(io_, dispatcher_->run(), [this](std::exception_ptr e) {
      finished_ = true;
      failure_ = e;
    });
  }

  // Runs the test's io_context until `done` holds or `timeout` passes.
  bool pump_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    io_.restart();
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!done() && std::chrono::steady_clock::now() < until) {
      io_.run_for(20ms);
    }
    return done();
  }

  void pump_for(std::chrono::milliseconds d) {
    pump_until([] { return false; }, d);
  }

  std::int64_t pending() { return store_->counts("soc")->pending; }
  std::int64_t delivered() { return store_->counts("soc")->delivered; }

  // The 2xx deliveries, in the order the receiver answered them.
  std::vector<std::string> accepted_ids() {
    std::vector<std::string> out;
    for (const auto& d : receiver_->deliveries()) {
      if (d.status >= 200 && d.status < 300) {
        out.push_back(id_of(d));
      }
    }
    return out;
  }

  testing_support::temp_dir tmp_{"rootwatch-dispatcher-lanes"};
  boost::asio::io_context io_;
  fake::test_ca ca_ = fake::test_ca::generate();
  std::unique_ptr<fake::fake_receiver> receiver_;
  seeded_rng random_{11};
  manual_clock wall_{std::chrono::system_clock::now()};
  metrics stats_;
  std::unique_ptr<net::https_client> http_;
  std::unique_ptr<store::state_store> store_;
  resolved_sink sink_;
  std::int64_t limit_ = 0;
  std::unique_ptr<dispatcher> dispatcher_;
  std::vector<std::string> dead_;
  bool finished_ = false;
  std::exception_ptr failure_;
};

TEST_F(dispatcher_lanes_test, a_receiver_down_for_an_hour_gets_every_alert_in_per_assignment_order) {
  const std::vector<std::string> subjects{"a", "b", "c", "d", "e"};
  for (const auto& s : subjects) {
    queue(created_alert(s, wall_.now()));
  }
  for (const auto& s : subjects) {
    queue(removed_alert(s, wall_.now()));
  }
  receiver_->fail_next(1'000'000, 503);
  start();
  // An hour, a simulated minute at a time: each minute the rows that are due are tried.
  for (int minute = 0; minute < 60; ++minute) {
    wall_.advance(1min);
    dispatcher_->wake();
    pump_for(60ms);
  }
  ASSERT_TRUE(accepted_ids().empty());
  const auto tries = receiver_->deliveries();
  for (const auto& d : tries) {
    EXPECT_EQ(id_of(d).rfind("removed-", 0), std::string::npos)
        << "a removal is never sent while its creation waits: " << id_of(d);
  }
  EXPECT_GE(tries.size(), 5u * 8) << "every creation was retried through the hour";
  EXPECT_LE(tries.size(), 5u * 30) << "with backoff up to 5 min, not in a tight loop";
  EXPECT_TRUE(dead_.empty());

  receiver_->fail_next(0, 503);  // the receiver is back
  wall_.advance(5min);
  dispatcher_->wake();
  ASSERT_TRUE(pump_until([&] { return delivered() == 10; }, 30s)) << "delivered " << delivered();
  const auto got = accepted_ids();
  ASSERT_EQ(got.size(), 10u);
  std::map<std::string, std::size_t> at;
  for (std::size_t i = 0; i < got.size(); ++i) {
    at[got[i]] = i;
  }
  for (const auto& s : subjects) {
    ASSERT_TRUE(at.count("created-" + s) && at.count("removed-" + s)) << s;
    EXPECT_LT(at["created-" + s], at["removed-" + s]) << "the removal of " << s << " came before its creation";
  }
  EXPECT_TRUE(dead_.empty());
  EXPECT_EQ(pending(), 0);
}

TEST_F(dispatcher_lanes_test, a_hanging_receiver_holds_back_no_more_alerts_than_the_concurrency) {
  sink_.settings.concurrency = 2;
  receiver_->answer_when([](const fake::delivery& d) { return id_of(d) == "created-stuck"; }, 200, 60s);
  queue(created_alert("stuck", wall_.now()));
  queue(removed_alert("stuck", wall_.now()));
  for (const auto& s : {"x", "y", "z"}) {
    queue(created_alert(s, wall_.now()));
  }
  start();
  ASSERT_TRUE(pump_until([&] { return delivered() == 3; }, 20s))
      << "the alerts behind the hanging one went out on the other lane";
  const auto got = accepted_ids();
  EXPECT_EQ(std::count(got.begin(), got.end(), "removed-stuck"), 0)
      << "the removal waits for its creation, however long that hangs";
  EXPECT_EQ(pending(), 2);
}

TEST_F(dispatcher_lanes_test, with_one_lane_a_hanging_receiver_holds_everything_behind_it) {
  // The contrast that shows the lanes are what lets alerts overtake.
  sink_.settings.concurrency = 1;
  receiver_->answer_when([](const fake::delivery& d) { return id_of(d) == "created-stuck"; }, 200, 60s);
  queue(created_alert("stuck", wall_.now()));
  queue(created_alert("x", wall_.now()));
  start();
  ASSERT_TRUE(pump_until([&] { return !receiver_->deliveries().empty(); }, 20s));
  pump_for(1s);
  EXPECT_EQ(delivered(), 0);
  EXPECT_EQ(receiver_->deliveries().size(), 1u);
}

TEST_F(dispatcher_lanes_test, a_slow_creation_is_still_answered_before_its_removal_is_sent) {
  sink_.settings.concurrency = 4;
  receiver_->answer_when([](const fake::delivery& d) { return id_of(d) == "created-slow"; }, 200, 1500ms);
  queue(created_alert("slow", wall_.now()));
  queue(removed_alert("slow", wall_.now()));
  start();
  ASSERT_TRUE(pump_until([&] { return delivered() == 2; }, 20s));
  const auto all = receiver_->deliveries();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(id_of(all[0]), "created-slow");
  EXPECT_EQ(id_of(all[1]), "removed-slow");
  EXPECT_GE(all[1].received_at - all[0].received_at, 1500ms) << "sent only once the creation was answered";
}

TEST_F(dispatcher_lanes_test, a_refusal_is_given_up_at_once_and_told) {
  receiver_->answer_when([](const fake::delivery& d) { return id_of(d) == "created-bad"; }, 400);
  queue(created_alert("bad", wall_.now()));
  queue(created_alert("good", wall_.now()));
  start();
  ASSERT_TRUE(pump_until([&] { return delivered() == 1 && dead_.size() == 1; }, 20s));
  EXPECT_EQ(dead_, std::vector<std::string>{"created-bad"});
  EXPECT_EQ(store_->counts("soc")->dead, 1);
  EXPECT_EQ(receiver_->deliveries().size(), 2u) << "a 400 is not retried";
}

TEST_F(dispatcher_lanes_test, past_the_bound_the_oldest_are_given_up_reminders_first) {
  limit_ = 10;
  receiver_->fail_next(1'000'000, 503);
  auto reminder = testing_support::sample_alert("reminder-1", wall_.now());
  reminder.kind = "assignment.lingering";
  reminder.correlation_key = "c-reminder";
  queue(created_alert("first", wall_.now()));
  queue(reminder);
  for (int i = 0; i < 11; ++i) {
    queue(created_alert("n" + std::to_string(i), wall_.now()));
  }
  start();
  ASSERT_TRUE(pump_until([&] { return dead_.size() == 3; }, 20s)) << dead_.size();
  EXPECT_EQ(dead_[0], "reminder-1");
  EXPECT_EQ(dead_[1], "created-first");
  EXPECT_EQ(dead_[2], "created-n0");
  EXPECT_EQ(pending(), 10);
  EXPECT_EQ(store_->counts("soc")->dead, 3) << "kept as dead, not deleted";
}

TEST_F(dispatcher_lanes_test, min_interval_spaces_the_starts) {
  sink_.settings.concurrency = 4;
  sink_.settings.min_interval = 300ms;
  for (const auto& s : {"p", "q", "r"}) {
    queue(created_alert(s, wall_.now()));
  }
  start();
  ASSERT_TRUE(pump_until([&] { return delivered() == 3; }, 20s));
  auto all = receiver_->deliveries();
  ASSERT_EQ(all.size(), 3u);
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.received_at < b.received_at; });
  EXPECT_GE(all[1].received_at - all[0].received_at, 250ms);
  EXPECT_GE(all[2].received_at - all[1].received_at, 250ms);
}

// A listener that takes every connection and closes it at once: a receiver that cannot be
// reached (no TLS, no answer). Counts the connection attempts.
class closing_listener {
 public:
  explicit closing_listener(boost::asio::io_context& io)
      : acceptor_(io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
    boost::asio::co_spawn(io, accept(), [](std::exception_ptr) {});
  }
  ~closing_listener() { stop(); }
  void stop() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  int accepted() const { return accepted_; }

 private:
  awaitable<void> accept() {
    while (acceptor_.is_open()) {
      auto [ec, socket] = co_await acceptor_.async_accept(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec) {
        co_return;
      }
      ++accepted_;
      socket.close();
    }
  }

  boost::asio::ip::tcp::acceptor acceptor_;
  int accepted_ = 0;
};

void write_file(const std::string& path, const std::string& text) {
  const auto tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text << "\n";
  }
  std::filesystem::rename(tmp, path);
}

TEST_F(dispatcher_lanes_test, an_unreachable_receiver_gets_one_probe_at_a_time_not_one_attempt_per_row) {
  sink_.settings.concurrency = 4;
  sink_.settings.retry_max_backoff = 1min;
  closing_listener down(io_);
  const auto url_path = tmp_.file("sink-url");
  write_file(url_path, fmt::format("https://127.0.0.1:{}/hook", down.port()));
  sink_.url = fmt::format("https://127.0.0.1:{}/hook", down.port());
  sink_.url_file_path = url_path;
  std::vector<std::string> subjects;
  for (int i = 0; i < 40; ++i) {
    subjects.push_back(fmt::format("s{}", i));
    queue(created_alert(subjects.back(), wall_.now()));
  }
  for (int i = 0; i < 5; ++i) {
    queue(removed_alert(subjects[static_cast<std::size_t>(i)], wall_.now()));
  }
  start();
  // Half an hour, a simulated minute at a time. One attempt per due row would be about 40
  // rows x 30 minutes; the breaker allows the first few, then about one probe a minute.
  for (int minute = 0; minute < 30; ++minute) {
    wall_.advance(1min);
    dispatcher_->wake();
    pump_for(60ms);
  }
  EXPECT_GE(down.accepted(), 3) << "the receiver was tried";
  EXPECT_LE(down.accepted(), 3 + 4 + 31) << "one probe at the backoff pace, not one attempt per row";
  EXPECT_EQ(stats_.value("rootwatch_sink_open", {{"sink", "soc"}}), 1);
  EXPECT_TRUE(accepted_ids().empty());
  EXPECT_TRUE(dead_.empty());

  // The receiver is back (its URL in the file; no reload): everything drains, in order.
  write_file(url_path, receiver_->url());
  wall_.advance(2min);
  dispatcher_->wake();
  ASSERT_TRUE(pump_until([&] { return delivered() == 45; }, 60s)) << "delivered " << delivered();
  EXPECT_EQ(stats_.value("rootwatch_sink_open", {{"sink", "soc"}}), 0);
  const auto got = accepted_ids();
  ASSERT_EQ(got.size(), 45u);
  std::map<std::string, std::size_t> at;
  for (std::size_t i = 0; i < got.size(); ++i) {
    at[got[i]] = i;
  }
  for (int i = 0; i < 5; ++i) {
    const auto& s = subjects[static_cast<std::size_t>(i)];
    EXPECT_LT(at["created-" + s], at["removed-" + s]) << "the removal of " << s << " came before its creation";
  }
  EXPECT_EQ(pending(), 0);
  EXPECT_TRUE(dead_.empty());
}

// Simulated minutes go by, the dispatcher woken each, until the sink's breaker opens.
bool dispatcher_lanes_test::breaker_opens_within(int minutes) {
  for (int minute = 0; minute < minutes && stats_.value("rootwatch_sink_open", {{"sink", "soc"}}) != 1; ++minute) {
    wall_.advance(1min);
    dispatcher_->wake();
    pump_for(60ms);
  }
  return stats_.value("rootwatch_sink_open", {{"sink", "soc"}}) == 1;
}

TEST_F(dispatcher_lanes_test, a_sink_that_goes_away_with_its_breaker_open_does_not_stay_open_in_the_metrics) {
  closing_listener down(io_);
  sink_.url = fmt::format("https://127.0.0.1:{}/hook", down.port());
  queue(created_alert("s1", wall_.now()));
  start();
  ASSERT_TRUE(breaker_opens_within(10));

  // A reload without this sink: its dispatcher stops and goes.
  dispatcher_->stop();
  ASSERT_TRUE(pump_until([&] { return finished_; }, 30s));
  dispatcher_.reset();
  EXPECT_EQ(stats_.value("rootwatch_sink_open", {{"sink", "soc"}}), 0);
}

TEST_F(dispatcher_lanes_test, rows_held_back_by_an_open_breaker_are_given_up_on_time_not_one_per_probe) {
  sink_.settings.retry_initial_backoff = 20min;
  sink_.settings.retry_max_backoff = 2h;
  sink_.settings.give_up_after = 1h;
  closing_listener down(io_);
  sink_.url = fmt::format("https://127.0.0.1:{}/hook", down.port());
  for (int i = 0; i < 20; ++i) {
    queue(created_alert(fmt::format("s{}", i), wall_.now()));
  }
  start();
  ASSERT_TRUE(breaker_opens_within(100));
  const int tried = down.accepted();

  // Past give_up_after, with at most a probe or two in between: every row is given up, each
  // announced, none delivered.
  for (int minute = 0; minute < 60; ++minute) {
    wall_.advance(1min);
    dispatcher_->wake();
    pump_for(20ms);
  }
  ASSERT_TRUE(pump_until([&] { return dead_.size() == 20; }, 30s)) << "given up: " << dead_.size();
  EXPECT_LE(down.accepted() - tried, 4) << "given up without an attempt each";
  EXPECT_EQ(pending(), 0);
  EXPECT_TRUE(accepted_ids().empty());
}

TEST_F(dispatcher_lanes_test, a_changed_url_file_is_used_by_the_next_delivery_without_a_reload) {
  fake::receiver_options o;
  o.certificate = ca_.issue("localhost");
  auto other = fake::fake_receiver::start(std::move(o));
  ASSERT_TRUE(other) << other.error().message;
  const auto url_path = tmp_.file("sink-url");
  write_file(url_path, receiver_->url());
  sink_.url = receiver_->url();
  sink_.url_file_path = url_path;
  queue(created_alert("first", wall_.now()));
  start();
  ASSERT_TRUE(pump_until([&] { return delivered() == 1; }, 20s));

  write_file(url_path, (*other)->url());
  queue(created_alert("second", wall_.now()));
  dispatcher_->wake();
  ASSERT_TRUE(pump_until([&] { return delivered() == 2; }, 20s));
  EXPECT_EQ(accepted_ids(), std::vector<std::string>{"created-first"});
  ASSERT_EQ((*other)->deliveries().size(), 1u);
  EXPECT_EQ(id_of((*other)->deliveries()[0]), "created-second");

  // An unreadable file fails the attempt (retried later), and never stops the dispatcher.
  std::filesystem::remove(url_path);
  queue(created_alert("third", wall_.now()));
  dispatcher_->wake();
  pump_for(300ms);
  EXPECT_EQ(pending(), 1);
  EXPECT_TRUE(dead_.empty());
  EXPECT_GE(stats_.value("rootwatch_deliveries_total", {{"sink", "soc"}, {"result", "failed"}}), 1);
  write_file(url_path, (*other)->url());
  wall_.advance(5min);
  dispatcher_->wake();
  ASSERT_TRUE(pump_until([&] { return delivered() == 3; }, 20s));
  EXPECT_EQ((*other)->deliveries().size(), 2u);
  (*other)->stop();
}

TEST_F(dispatcher_lanes_test, a_row_is_recorded_delivered_only_after_its_2xx) {
  sink_.settings.concurrency = 2;
  receiver_->answer_when([](const fake::delivery& d) { return id_of(d) == "created-slow"; }, 200, 1500ms);
  queue(created_alert("slow", wall_.now()));
  start();
  // The request is at the receiver, its answer held back: still pending in the store.
  pump_for(700ms);
  EXPECT_EQ(delivered(), 0);
  EXPECT_EQ(pending(), 1);
  ASSERT_TRUE(pump_until([&] { return delivered() == 1; }, 20s));
  EXPECT_EQ(pending(), 0);
}

TEST_F(dispatcher_lanes_test, every_failed_attempt_is_counted_also_the_one_given_up_on) {
  receiver_->answer_when([](const fake::delivery& d) { return id_of(d) == "created-bad"; }, 400);
  queue(created_alert("bad", wall_.now()));
  start();
  ASSERT_TRUE(pump_until([&] { return dead_.size() == 1; }, 20s));
  EXPECT_EQ(receiver_->deliveries().size(), 1u);
  EXPECT_EQ(stats_.value("rootwatch_deliveries_total", {{"sink", "soc"}, {"result", "failed"}}), 1)
      << "the attempt the log shows as failed (and given up on) is counted";
}

}  // namespace
}  // namespace rootwatch::sinks
