#include "net/http_server.hpp"

#include "fake/server_thread.hpp"
#include "fake/test_ca.hpp"
#include "fake/test_client.hpp"
#include "net/tls.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

namespace rootwatch::net {
namespace {

using fake::client_request;
using fake::server_thread;
using fake::test_connection;
using std::chrono::steady_clock;

const fake::test_ca& ca() {
  static const auto instance = fake::test_ca::generate();
  return instance;
}

server_response text(int status, std::string body) {
  server_response r;
  r.status = status;
  r.headers.push_back({"Content-Type", "text/plain"});
  r.body = std::move(body);
  return r;
}

// A server on its own thread, over plain HTTP or TLS according to the test parameter.
class http_server_test : public ::testing::TestWithParam<bool> {
 protected:
  bool tls() const { return GetParam(); }

  void start(request_handler handler, server_options options = {}) {
    if (tls()) {
      const auto leaf = ca().issue("localhost");
      auto ctx = server_tls::from_pem(leaf.cert_pem, leaf.key_pem);
      ASSERT_TRUE(ctx) << ctx.error().message;
      options.tls = *ctx;
    }
    options.on_error = [this](std::string_view what) {
      const std::lock_guard lock(mutex_);
      errors_.emplace_back(what);
    };
    auto started = server_thread::start(std::move(options), std::move(handler));
    ASSERT_TRUE(started) << started.error().message;
    server_ = std::move(*started);
  }

  std::unique_ptr<test_connection> connect() {
    auto conn = test_connection::open("127.0.0.1", server_->port(), tls() ? ca().ca_pem() : "");
    EXPECT_TRUE(conn) << conn.error().message;
    return conn ? std::move(*conn) : nullptr;
  }

  std::vector<std::string> errors() {
    const std::lock_guard lock(mutex_);
    return errors_;
  }

  std::unique_ptr<server_thread> server_;
  std::mutex mutex_;
  std::vector<std::string> errors_;
};

std::string transport_name(const ::testing::TestParamInfo<bool>& param) {
  return param.param ? "tls" : "plain";
}

INSTANTIATE_TEST_SUITE_P(plain_and_tls, http_server_test, ::testing::Values(false, true), transport_name);

TEST_P(http_server_test, handler_sees_the_request_as_sent) {
  server_request seen;
  start([&](const server_request& r) {
    seen = r;
    return text(200, "hello");
  });
  auto conn = connect();
  ASSERT_TRUE(conn);
  const auto r = conn->exchange({"POST", "/a/b?x=%24y&z=1;2:3", {{"X-Test", "yes"}}, "payload"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/a/b?x=%24y&z=1;2:3");
  EXPECT_EQ(seen.body, "payload");
  EXPECT_EQ(find_header(seen.headers, "x-test"), "yes");
  EXPECT_EQ(seen.remote_address, "127.0.0.1");
}

TEST_P(http_server_test, keep_alive_serves_two_requests_on_one_connection) {
  std::atomic<int> calls{0};
  start([&](const server_request&) { return text(200, std::to_string(++calls)); });
  auto conn = connect();
  ASSERT_TRUE(conn);
  for (const std::string expected : {"1", "2"}) {
    const auto r = conn->exchange({"GET", "/", {}, ""});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->body, expected);
    EXPECT_EQ(r->header_value("Connection"), "keep-alive");
    EXPECT_EQ(r->header_value("Content-Length"), "1");
  }
  EXPECT_EQ(server_->connections_accepted(), 1U);
}

TEST_P(http_server_test, connection_close_is_honoured) {
  start([](const server_request&) { return text(200, "bye"); });
  auto conn = connect();
  ASSERT_TRUE(conn);
  const auto r = conn->exchange({"GET", "/", {{"Connection", "close"}}, ""});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header_value("Connection"), "close");
  EXPECT_FALSE(conn->exchange({"GET", "/", {}, ""}));
}

TEST_P(http_server_test, framing_headers_are_the_servers) {
  start([](const server_request&) {
    auto r = text(200, "four");
    r.headers.push_back({"Content-Length", "999"});
    r.headers.push_back({"Connection", "close"});
    return r;
  });
  auto conn = connect();
  ASSERT_TRUE(conn);
  const auto r = conn->exchange({"GET", "/", {}, ""});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header_value("Content-Length"), "4");
  EXPECT_EQ(r->header_value("Connection"), "keep-alive");
  EXPECT_TRUE(conn->exchange({"GET", "/", {}, ""}));
}

TEST_P(http_server_test, no_content_has_no_length_and_head_has_no_body) {
  start([](const server_request& req) { return req.target == "/empty" ? text(204, "") : text(200, "twelve bytes"); });
  auto conn = connect();
  ASSERT_TRUE(conn);
  const auto empty = conn->exchange({"DELETE", "/empty", {}, ""});
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 204);
  EXPECT_FALSE(empty->header_value("Content-Length"));
  const auto head = conn->exchange({"HEAD", "/", {}, ""});
  ASSERT_TRUE(head);
  EXPECT_EQ(head->header_value("Content-Length"), "12");
  EXPECT_TRUE(head->body.empty());
  EXPECT_TRUE(conn->exchange({"GET", "/", {}, ""}));
}

TEST_P(http_server_test, body_over_the_limit_is_413_and_never_reaches_the_handler) {
  std::atomic<int> calls{0};
  server_options options;
  options.body_limit = 1024;
  start(
      [&](const server_request&) {
        ++calls;
        return text(200, "ok");
      },
      options);
  auto conn = connect();
  ASSERT_TRUE(conn);
  const auto r = conn->exchange({"POST", "/", {}, std::string(4096, 'x')});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->header_value("Connection"), "close");
  EXPECT_EQ(calls, 0);
  auto again = connect();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->exchange({"POST", "/", {}, std::string(1024, 'x')})->status, 200);
}

TEST_P(http_server_test, headers_over_16_kib_are_431) {
  start([](const server_request&) { return text(200, "ok"); });
  auto conn = connect();
  ASSERT_TRUE(conn);
  const auto r = conn->exchange({"GET", "/", {{"X-Big", std::string(17 * 1024, 'h')}}, ""});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 431);
}

TEST_P(http_server_test, delay_answers_late) {
  start([](const server_request&) {
    auto r = text(200, "late");
    r.delay = milliseconds(300);
    return r;
  });
  auto conn = connect();
  ASSERT_TRUE(conn);
  const auto begin = steady_clock::now();
  const auto r = conn->exchange({"GET", "/", {}, ""});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "late");
  EXPECT_GE(steady_clock::now() - begin, milliseconds(300));
  auto impatient = connect();
  ASSERT_TRUE(impatient);
  const auto timed_out = impatient->exchange({"GET", "/", {}, ""}, milliseconds(100));
  ASSERT_FALSE(timed_out);
  EXPECT_EQ(timed_out.error().kind, error_kind::timeout);
}

TEST_P(http_server_test, truncate_sends_half_the_body_then_closes) {
  start([](const server_request&) {
    auto r = text(200, std::string(1000, 'b'));
    r.truncate_body = true;
    return r;
  });
  auto conn = connect();
  ASSERT_TRUE(conn);
  const auto r = conn->exchange({"GET", "/", {}, ""});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::network);
}

TEST_P(http_server_test, a_throwing_handler_is_a_500_and_the_server_lives_on) {
  start([](const server_request& req) {
    if (req.target.starts_with("/boom")) {
      throw std::runtime_error("kaboom");
    }
    return text(200, "fine");
  });
  auto conn = connect();
  ASSERT_TRUE(conn);
  const auto r = conn->exchange({"GET", "/boom?secret=x", {}, ""});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body.find("kaboom"), std::string::npos);
  EXPECT_EQ(conn->exchange({"GET", "/", {}, ""})->body, "fine");
  const auto seen = errors();
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_NE(seen[0].find("kaboom"), std::string::npos);
  EXPECT_NE(seen[0].find("/boom"), std::string::npos);
  EXPECT_EQ(seen[0].find("secret"), std::string::npos);
}

TEST_P(http_server_test, idle_connections_are_closed_after_the_idle_timeout) {
  server_options options;
  options.idle_timeout = milliseconds(150);
  start([](const server_request&) { return text(200, "ok"); }, options);
  auto conn = connect();
  ASSERT_TRUE(conn);
  ASSERT_TRUE(conn->exchange({"GET", "/", {}, ""}));
  std::this_thread::sleep_for(milliseconds(450));  // the behaviour under test is the passing of time
  EXPECT_FALSE(conn->exchange({"GET", "/", {}, ""}, milliseconds(1'000)));
}

TEST_P(http_server_test, stop_closes_idle_keep_alive_connections_promptly) {
  start([](const server_request&) { return text(200, "ok"); });
  auto conn = connect();
  ASSERT_TRUE(conn);
  ASSERT_TRUE(conn->exchange({"GET", "/", {}, ""}));
  const auto begin = steady_clock::now();
  server_->stop();
  // Well inside server_thread's 2 s grace: the idle connection did not hold the loop open.
  EXPECT_LT(steady_clock::now() - begin, milliseconds(1'500));
  EXPECT_FALSE(conn->exchange({"GET", "/", {}, ""}, milliseconds(1'000)));
}

TEST_P(http_server_test, stop_cuts_a_deliberate_delay_short) {
  std::promise<void> entered;
  start([&](const server_request&) {
    entered.set_value();
    auto r = text(200, "late");
    r.delay = std::chrono::seconds(30);
    return r;
  });
  auto conn = connect();
  ASSERT_TRUE(conn);
  auto answer = std::async(std::launch::async, [&] { return conn->exchange({"GET", "/", {}, ""}); });
  ASSERT_EQ(entered.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const auto begin = steady_clock::now();
  server_->stop();
  EXPECT_LT(steady_clock::now() - begin, milliseconds(1'500));
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(answer.get());  // closed unanswered: a fake's slow answer must not hold up shutdown
}

// The handler itself calls stop(), so stop is certain to land mid-exchange: the answer still
// goes out, marked Connection: close, and then run() and the loop end.
TEST(http_server, stop_lets_the_exchange_in_flight_finish_then_closes) {
  asio::io_context ioc;
  http_server* self = nullptr;
  auto server = http_server::listen(ioc.get_executor(), {}, [&](const server_request&) {
    self->stop();
    return text(200, "last words");
  });
  ASSERT_TRUE(server) << server.error().message;
  self = server->get();
  std::promise<void> run_returned;
  asio::co_spawn(ioc, (*server)->run(), [&](std::exception_ptr e) {
    EXPECT_FALSE(e);
    run_returned.set_value();
  });
  std::thread loop([&] { ioc.run(); });
  auto conn = test_connection::open("127.0.0.1", (*server)->port(), "");
  ASSERT_TRUE(conn);
  const auto r = (*conn)->exchange({"GET", "/", {}, ""});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "last words");
  EXPECT_EQ(r->header_value("Connection"), "close");
  EXPECT_EQ(run_returned.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  loop.join();
}

TEST(http_server, stop_ends_run_and_refuses_new_connections) {
  asio::io_context ioc;
  auto server = http_server::listen(ioc.get_executor(), {}, [](const server_request&) { return text(200, "x"); });
  ASSERT_TRUE(server) << server.error().message;
  std::promise<void> run_returned;
  asio::co_spawn(ioc, (*server)->run(), [&](std::exception_ptr e) {
    EXPECT_FALSE(e);
    run_returned.set_value();
  });
  std::thread loop([&] { ioc.run(); });
  const auto port = (*server)->port();
  EXPECT_NE(port, 0);
  auto before = test_connection::open("127.0.0.1", port, "");
  ASSERT_TRUE(before);
  EXPECT_TRUE((*before)->exchange({"GET", "/", {}, ""}));
  (*server)->stop();
  EXPECT_EQ(run_returned.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  loop.join();  // returns only because nothing is left on the loop
  EXPECT_FALSE(test_connection::open("127.0.0.1", port, "", milliseconds(1'000)));
}

TEST(http_server, a_taken_port_fails_as_a_value_naming_the_address) {
  asio::io_context ioc;
  auto handler = [](const server_request&) { return text(200, "x"); };
  auto first = http_server::listen(ioc.get_executor(), {}, handler);
  ASSERT_TRUE(first);
  server_options same;
  same.port = (*first)->port();
  const auto second = http_server::listen(ioc.get_executor(), same, handler);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, error_kind::io);
  EXPECT_NE(second.error().message.find("127.0.0.1:" + std::to_string(same.port)), std::string::npos)
      << second.error().message;
}

TEST(http_server, a_bad_address_is_a_config_error) {
  asio::io_context ioc;
  server_options options;
  options.address = "not-an-address";
  const auto r = http_server::listen(ioc.get_executor(), options, [](const server_request&) { return text(200, ""); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::config);
  EXPECT_NE(r.error().message.find("not-an-address"), std::string::npos);
}

TEST(server_tls, refuses_a_key_that_is_not_pem_or_does_not_match) {
  const auto a = ca().issue("localhost");
  const auto b = ca().issue("localhost");
  EXPECT_TRUE(server_tls::from_pem(a.cert_pem, a.key_pem));
  const auto garbage = server_tls::from_pem(a.cert_pem, "not a key");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().message.find("not a key"), std::string::npos);
  EXPECT_FALSE(server_tls::from_pem(a.cert_pem, b.key_pem));
  EXPECT_FALSE(server_tls::from_pem("nope", a.key_pem));
}

}  // namespace
}  // namespace rootwatch::net
