// `rootwatch probe`: its arguments, the URL it derives from [daemon] listen, and the exit code
// of every kind of answer, against a real plain-HTTP server on loopback.

#include "app/probe.hpp"
#include "fake/server_thread.hpp"
#include "support/run_coro.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace rootwatch::app {
namespace {

using testing_support::run_coro;
using namespace std::chrono_literals;

TEST(probe_arguments, default_to_no_url_and_three_seconds) {
  const auto parsed = parse_probe_arguments({});
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_FALSE(parsed->url);
  EXPECT_EQ(parsed->timeout, 3s);
}

TEST(probe_arguments, take_url_and_timeout_in_both_spellings) {
  const auto parsed = parse_probe_arguments({"--url", "http://127.0.0.1:1/healthz", "--timeout=500ms"});
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->url, "http://127.0.0.1:1/healthz");
  EXPECT_EQ(parsed->timeout, 500ms);
  const auto other = parse_probe_arguments({"--url=http://[::1]:9/x", "--timeout", "2s"});
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_EQ(other->url, "http://[::1]:9/x");
  EXPECT_EQ(other->timeout, 2s);
}

TEST(probe_arguments, refuse_what_they_do_not_know) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{{"--url"},
                                                                                    {"--timeout"},
                                                                                    {"--timeout", "soon"},
                                                                                    {"--timeout", "0s"},
                                                                                    {"--timeout", "2m"},
                                                                                    {"--verbose"},
                                                                                    {"http://127.0.0.1/"}}) {
    const auto parsed = parse_probe_arguments(args);
    EXPECT_FALSE(parsed) << args.front();
  }
}

TEST(probe_url, follows_the_listen_address_and_reaches_wildcards_on_loopback) {
  EXPECT_EQ(probe_url_for_listen("127.0.0.1:9469").value(), "http://127.0.0.1:9469/healthz");
  EXPECT_EQ(probe_url_for_listen("0.0.0.0:8080").value(), "http://127.0.0.1:8080/healthz");
  EXPECT_EQ(probe_url_for_listen("[::]:9469").value(), "http://[::1]:9469/healthz");
  EXPECT_EQ(probe_url_for_listen("[::1]:9469").value(), "http://[::1]:9469/healthz");
  EXPECT_EQ(probe_url_for_listen("127.0.0.2:9469").value(), "http://127.0.0.2:9469/healthz");
}

TEST(probe_url, says_why_it_cannot_probe) {
  const auto off = probe_url_for_listen("");
  ASSERT_FALSE(off);
  EXPECT_NE(off.error().message.find("turned off"), std::string::npos) << off.error().message;
  const auto any_port = probe_url_for_listen("127.0.0.1:0");
  ASSERT_FALSE(any_port);
  EXPECT_NE(any_port.error().message.find("port 0"), std::string::npos) << any_port.error().message;
  const auto elsewhere = probe_url_for_listen("192.0.2.10:9469");
  ASSERT_FALSE(elsewhere);
  EXPECT_NE(elsewhere.error().message.find("--url"), std::string::npos) << elsewhere.error().message;
}

TEST(probe_judgement, every_2xx_is_healthy_and_nothing_else_is) {
  for (int status = 100; status < 600; ++status) {
    net::response res;
    res.status = status;
    const auto outcome = judge_probe_answer("http://127.0.0.1:9469/healthz", net::local_answer{res});
    EXPECT_EQ(outcome.code, status >= 200 && status < 300 ? probe_healthy : probe_unhealthy) << status;
  }
  const auto failed =
      judge_probe_answer("http://127.0.0.1:9469/healthz",
                         net::local_answer{make_error(error_kind::network, "connect failed", true), true});
  EXPECT_EQ(failed.code, probe_unhealthy);
  EXPECT_NE(failed.line.find("connect failed"), std::string::npos) << failed.line;
}

TEST(probe_judgement, names_the_health_status_on_one_line) {
  net::response res;
  res.status = 200;
  res.body = R"({"status":"degraded\nforged line","tenants":{}})";
  const auto outcome = judge_probe_answer("http://127.0.0.1:9469/healthz", net::local_answer{res});
  EXPECT_EQ(outcome.code, probe_healthy);
  EXPECT_NE(outcome.line.find("degraded"), std::string::npos) << outcome.line;
  EXPECT_EQ(outcome.line.find('\n'), std::string::npos) << outcome.line;
}

class probe_run : public ::testing::Test {
 protected:
  std::uint16_t serve(int status, std::string body) {
    auto started = fake::server_thread::start({}, [status, body](const net::server_request& req) {
      net::server_response res;
      res.status = req.target == "/healthz" ? status : 404;
      res.body = body;
      return res;
    });
    EXPECT_TRUE(started) << started.error().message;
    server_ = std::move(*started);
    return server_->port();
  }
  probe_outcome probe(const std::string& url) { return run_coro(io_, run_probe(io_.get_executor(), url, 3s), 10s); }

  boost::asio::io_context io_;
  std::unique_ptr<fake::server_thread> server_;
};

TEST_F(probe_run, a_healthy_listener_is_exit_0) {
  const auto port = serve(200, R"({"status":"ok","tenants":{}})");
  const auto outcome = probe("http://127.0.0.1:" + std::to_string(port) + "/healthz");
  EXPECT_EQ(outcome.code, probe_healthy) << outcome.line;
  EXPECT_NE(outcome.line.find("status ok"), std::string::npos) << outcome.line;
}

TEST_F(probe_run, a_503_is_exit_1) {
  const auto port = serve(503, "stopping");
  const auto outcome = probe("http://127.0.0.1:" + std::to_string(port) + "/healthz");
  EXPECT_EQ(outcome.code, probe_unhealthy) << outcome.line;
  EXPECT_NE(outcome.line.find("503"), std::string::npos) << outcome.line;
}

TEST_F(probe_run, nothing_listening_is_exit_1) {
  // A port that was free a moment ago: bound, then closed, so that nothing listens there.
  boost::asio::ip::tcp::acceptor acceptor(io_, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = acceptor.local_endpoint().port();
  acceptor.close();
  const auto outcome = probe("http://127.0.0.1:" + std::to_string(port) + "/healthz");
  EXPECT_EQ(outcome.code, probe_unhealthy) << outcome.line;
  EXPECT_NE(outcome.line.find("connect"), std::string::npos) << outcome.line;
}

TEST_F(probe_run, a_url_off_this_machine_or_not_http_is_exit_2) {
  for (const std::string url : {"https://127.0.0.1:9469/healthz", "http://192.0.2.1:9469/healthz", "not a url",
                                "http://user@127.0.0.1:9469/healthz"}) {
    const auto outcome = probe(url);
    EXPECT_EQ(outcome.code, probe_usage) << url << ": " << outcome.line;
  }
}

}  // namespace
}  // namespace rootwatch::app
