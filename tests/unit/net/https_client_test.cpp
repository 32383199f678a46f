// The HTTPS client against real TLS servers on loopback (the fakes): verification, reuse,
// deadlines, limits and retries.

#include "net/https_client.hpp"
#include "common/clock.hpp"
#include "common/rng.hpp"
#include "fake/fake_azure.hpp"
#include "fake/fake_receiver.hpp"
#include "fake/test_ca.hpp"
#include "net/tls.hpp"
#include "support/run_coro.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace rootwatch::net {
namespace {

using testing_support::run_coro;
using namespace std::chrono_literals;

class https_client_test : public ::testing::Test {
 protected:
  void SetUp() override {
    start_receiver("127.0.0.1");
    ca_file_ = tmp_.file("ca.pem");
    ASSERT_TRUE(ca_.write_ca(ca_file_));
    auto tls = client_tls::make(ca_file_);
    ASSERT_TRUE(tls) << tls.error().message;
    tls_ = *tls;
    client_ = std::make_unique<https_client>(io_.get_executor(), tls_, random_, wall_);
  }

  void start_receiver(const std::string& address) {
    fake::receiver_options o;
    o.certificate = ca_.issue("localhost");
    o.address = address;
    auto r = fake::fake_receiver::start(std::move(o));
    ASSERT_TRUE(r) << r.error().message;
    receiver_ = std::move(*r);
  }

  request post(milliseconds timeout = 5s) {
    request r;
    r.method = "POST";
    r.url = receiver_->url();
    r.what = "test sink";
    r.timeout = timeout;
    r.headers = {{"Content-Type", "application/json"}};
    r.body = R"({"hello":"world"})";
    return r;
  }

  result<response> send(request r) { return run_coro(io_, client_->send(std::move(r))); }
  result<response> send_with_retry(request r, retry_policy p) {
    return run_coro(io_, client_->send_with_retry(std::move(r), p));
  }

  testing_support::temp_dir tmp_{"rootwatch-client"};
  boost::asio::io_context io_;
  fake::test_ca ca_ = fake::test_ca::generate();
  std::unique_ptr<fake::fake_receiver> receiver_;
  std::string ca_file_;
  std::shared_ptr<client_tls> tls_;
  seeded_rng random_{42};
  system_clock_source wall_;
  std::unique_ptr<https_client> client_;
};

TEST_F(https_client_test, posts_to_a_verified_server_and_reuses_one_connection) {
  for (int i = 0; i < 3; ++i) {
    auto r = send(post());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(client_->connections_opened(), 1u);
  ASSERT_EQ(receiver_->deliveries().size(), 3u);
  EXPECT_EQ(receiver_->deliveries()[0].body, R"({"hello":"world"})");
}

TEST_F(https_client_test, refuses_a_server_its_trust_store_does_not_vouch_for) {
  auto system_only = client_tls::make("");
  ASSERT_TRUE(system_only);
  https_client strict(io_.get_executor(), *system_only, random_, wall_);
  auto r = run_coro(io_, strict.send(post()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::network);
  EXPECT_FALSE(r.error().retryable);
  EXPECT_NE(r.error().message.find("TLS certificate verification failed"), std::string::npos) << r.error().message;
  EXPECT_TRUE(receiver_->deliveries().empty());
}

TEST_F(https_client_test, refuses_a_certificate_that_does_not_name_the_host) {
  // The certificate names 127.0.0.1, ::1 and localhost; the server answers on 127.0.0.2.
  receiver_->stop();
  start_receiver("127.0.0.2");
  auto r = send(post());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not valid for host 127.0.0.2"), std::string::npos) << r.error().message;
}

TEST_F(https_client_test, a_missing_ca_file_is_a_configuration_error) {
  auto tls = client_tls::make("/nonexistent/ca.pem");
  ASSERT_FALSE(tls);
  EXPECT_EQ(tls.error().kind, error_kind::config);
  EXPECT_NE(tls.error().message.find("/nonexistent/ca.pem"), std::string::npos);
}

TEST_F(https_client_test, http_urls_are_refused_before_any_connection) {
  auto req = post();
  req.url = "http://127.0.0.1:1/hook";
  auto r = send(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::config);
}

TEST_F(https_client_test, a_slow_answer_ends_at_the_deadline) {
  receiver_->delay_next(1, 5s);
  const auto started = std::chrono::steady_clock::now();
  auto r = send(post(300ms));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::timeout);
  EXPECT_TRUE(r.error().retryable);
  EXPECT_LT(took, 3s);
}

TEST_F(https_client_test, an_unreachable_port_is_a_retryable_network_error) {
  auto req = post();
  receiver_->stop();
  auto r = send(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::network);
  EXPECT_TRUE(r.error().retryable);
}

TEST_F(https_client_test, a_refused_connection_after_a_kept_session_fails_at_once_not_at_the_deadline) {
  // A TLS session kept for the host used to send every refused connect round again (the retry
  // meant for a session the server would not resume), thousands a second until the deadline.
  auto first = send(post());
  ASSERT_TRUE(first) << first.error().message;
  client_->close_idle();
  const auto opened = client_->connections_opened();
  receiver_->stop();
  auto r = send(post(4s));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::network) << r.error().message;
  EXPECT_TRUE(r.error().retryable);
  EXPECT_EQ(client_->connections_opened(), opened);
}

TEST_F(https_client_test, errors_never_show_the_path_or_query_of_the_url) {
  auto req = post(300ms);
  req.url = receiver_->url() + "/T0000/B0000/secret-token-in-path?sig=secret-in-query";
  receiver_->delay_next(1, 5s);
  auto r = send(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.find("secret"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("test sink"), std::string::npos) << r.error().message;
}

TEST_F(https_client_test, retries_a_503_and_honours_retry_after) {
  receiver_->fail_next(1, 503, 1s);
  retry_policy p{4, 10ms, 50ms, 5s};
  const auto started = std::chrono::steady_clock::now();
  auto r = send_with_retry(post(), p);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);
  EXPECT_EQ(receiver_->deliveries().size(), 2u);
}

TEST_F(https_client_test, gives_up_after_max_attempts_and_returns_the_last_answer) {
  receiver_->fail_next(10, 500);
  auto r = send_with_retry(post(), retry_policy{3, 10ms, 20ms, 1s});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(receiver_->deliveries().size(), 3u);
}

TEST_F(https_client_test, does_not_retry_a_final_status) {
  receiver_->fail_next(10, 400);
  auto r = send_with_retry(post(), retry_policy{3, 10ms, 20ms, 1s});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(receiver_->deliveries().size(), 1u);
}

TEST_F(https_client_test, a_new_connection_to_the_same_host_resumes_the_tls_session) {
  auto first = send(post());
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(client_->sessions_resumed(), 0u);
  client_->close_idle();
  auto second = send(post());
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(client_->connections_opened(), 2u);
  EXPECT_EQ(client_->sessions_resumed(), 1u);
  EXPECT_EQ(receiver_->deliveries().size(), 2u);
}

TEST_F(https_client_test, a_session_is_only_offered_to_the_host_name_it_was_verified_for) {
  auto first = send(post());
  ASSERT_TRUE(first) << first.error().message;
  client_->close_idle();
  // The same server under another name: the certificate is checked again for that name.
  auto other = post();
  other.url = "https://localhost:" + std::to_string(receiver_->port()) + "/hook";
  auto second = send(other);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(client_->connections_opened(), 2u);
  EXPECT_EQ(client_->sessions_resumed(), 0u);
}

TEST_F(https_client_test, a_server_that_asks_for_a_client_certificate_resumes_too) {
  receiver_->stop();
  fake::receiver_options o;
  o.certificate = ca_.issue("localhost");
  o.address = "127.0.0.1";
  o.client_ca_pem = ca_.ca_pem();
  auto r = fake::fake_receiver::start(std::move(o));
  ASSERT_TRUE(r) << r.error().message;
  receiver_ = std::move(*r);
  const auto leaf = ca_.issue("rootwatch-client");
  client_identity id;
  id.certificate_pem = leaf.cert_pem;
  id.key_pem = leaf.key_pem;
  id.certificate_source = "client.pem";
  id.key_source = "client.key";
  auto tls = client_tls::make(ca_file_, &id);
  ASSERT_TRUE(tls) << tls.error().message;
  https_client mtls(io_.get_executor(), *tls, random_, wall_);
  auto first = run_coro(io_, mtls.send(post()));
  ASSERT_TRUE(first) << first.error().message;
  mtls.close_idle();
  auto second = run_coro(io_, mtls.send(post()));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(mtls.connections_opened(), 2u);
  EXPECT_EQ(mtls.sessions_resumed(), 1u);
  ASSERT_EQ(receiver_->deliveries().size(), 2u);
}

class https_client_azure_test : public https_client_test {
 protected:
  void SetUp() override {
    https_client_test::SetUp();
    fake::fake_azure_options o;
    o.certificate = ca_.issue("localhost");
    auto a = fake::fake_azure::start(std::move(o));
    ASSERT_TRUE(a) << a.error().message;
    azure_ = std::move(*a);
  }

  request token_request() {
    request r;
    r.method = "POST";
    r.url = azure_->token_url();
    r.what = "token endpoint";
    r.timeout = 5s;
    r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    r.body = "grant_type=client_credentials&client_id=x&client_secret=y&scope=z%2F.default";
    return r;
  }

  std::unique_ptr<fake::fake_azure> azure_;
};

TEST_F(https_client_azure_test, a_body_cut_off_mid_way_is_a_retryable_network_error) {
  fake::fault f;
  f.route = fake::azure_route::token;
  f.kind = fake::fault_kind::truncate;
  azure_->inject_fault(f);
  auto r = send(token_request());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::network);
  EXPECT_TRUE(r.error().retryable);
  EXPECT_NE(r.error().message.find("closed before the answer was complete"), std::string::npos) << r.error().message;
}

TEST_F(https_client_azure_test, an_answer_over_the_size_limit_is_refused) {
  auto req = token_request();
  req.body_limit = 16;
  auto r = send(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::http);
  EXPECT_NE(r.error().message.find("larger than the limit of 16 bytes"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace rootwatch::net
