#include "fake/fake_receiver.hpp"

#include "fake/describe.hpp"
#include "fake/standard_webhooks.hpp"
#include "fake/test_client.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace rootwatch::fake {
namespace {

constexpr std::string_view secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr milliseconds wait_limit{5'000};

const std::string alert_body =
    R"({"schema":"rootwatch.alert/v1","id":"a1","kind":"assignment.created","status":"firing","severity":"critical",)"
    R"("tenant":{"id":"t","name":"contoso"},"assignment":{"scope":"/","role":{"id":"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",)"
    R"("name":"User Access Administrator"},"principal":{"id":"p1","type":"User","display_name":"Alice"}}})";

class receiver : public ::testing::Test {
 protected:
  void start(std::optional<std::string> with_secret) {
    receiver_options options;
    options.certificate = ca_.issue("localhost");
    options.secret = std::move(with_secret);
    auto started = fake_receiver::start(std::move(options));
    ASSERT_TRUE(started) << started.error().message;
    receiver_ = std::move(*started);
  }

  result<net::response> post(const std::string& body, std::vector<net::header> headers,
                             milliseconds timeout = milliseconds(5'000)) {
    headers.push_back({"Content-Type", "application/json"});
    return fetch(ca_.ca_pem(), "POST", receiver_->url(), std::move(headers), body, timeout);
  }

  std::vector<net::header> signed_headers(const std::string& body, std::string_view key = secret) {
    const std::string ts = std::to_string(to_unix_seconds(std::chrono::system_clock::now()));
    const auto sig = sign_standard_webhook(key, "a1", ts, body);
    return {{"webhook-id", "a1"}, {"webhook-timestamp", ts}, {"webhook-signature", sig.value_or("")}};
  }

  static inline const test_ca ca_ = test_ca::generate();
  std::unique_ptr<fake_receiver> receiver_;
};

TEST_F(receiver, records_a_signed_delivery_as_verified) {
  start(std::string(secret));
  const auto r = post(alert_body, signed_headers(alert_body));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ASSERT_TRUE(receiver_->wait_for_count(1, wait_limit));
  const auto d = receiver_->deliveries().at(0);
  EXPECT_EQ(d.body, alert_body);
  ASSERT_TRUE(d.body_json);
  EXPECT_EQ(d.body_json->at("kind"), "assignment.created");
  EXPECT_EQ(d.signature_valid, true);
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.header("webhook-id"), "a1");
  EXPECT_EQ(describe_delivery(d),
            "receiver: FIRING critical assignment.created: User 'Alice' holds User Access Administrator at scope "
            "\"/\" in tenant contoso (signature verified, answered 200)");
}

TEST_F(receiver, a_tampered_body_is_recorded_as_invalid_and_refused) {
  start(std::string(secret));
  const auto headers = signed_headers(alert_body);
  const std::string tampered = std::string(alert_body).replace(alert_body.find("critical"), 8, "low     ");
  const auto r = post(tampered, headers);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  const auto d = receiver_->deliveries().at(0);
  EXPECT_EQ(d.signature_valid, false);
  EXPECT_EQ(d.signature_problem, "no v1 signature matches the body");
}

TEST_F(receiver, missing_signature_headers_do_not_verify) {
  start(std::string(secret));
  ASSERT_EQ(post(alert_body, {})->status, 401);
  EXPECT_NE(receiver_->deliveries().at(0).signature_problem.find("missing"), std::string::npos);
}

TEST_F(receiver, without_a_secret_nothing_is_checked) {
  start(std::nullopt);
  ASSERT_EQ(post(alert_body, {})->status, 200);
  EXPECT_FALSE(receiver_->deliveries().at(0).signature_valid.has_value());
}

TEST_F(receiver, scripted_failures_then_success) {
  start(std::nullopt);
  receiver_->fail_next(2, 503, seconds(7));
  for (int i = 0; i < 2; ++i) {
    const auto r = post(alert_body, {});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(r->header_value("Retry-After"), "7");
  }
  EXPECT_EQ(post(alert_body, {})->status, 200);
  const auto all = receiver_->deliveries();
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0].status, 503);
  EXPECT_EQ(all[2].status, 200);
}

TEST_F(receiver, not_json_wrong_path_and_wrong_method) {
  start(std::nullopt);
  EXPECT_EQ(post("not json", {})->status, 400);
  auto wrong_path = fetch(ca_.ca_pem(), "POST", "https://127.0.0.1:" + std::to_string(receiver_->port()) + "/other",
                          {{"Content-Type", "application/json"}}, "{}");
  ASSERT_TRUE(wrong_path);
  EXPECT_EQ(wrong_path->status, 404);
  auto get = fetch(ca_.ca_pem(), "GET", receiver_->url());
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(receiver_->deliveries().size(), 2U);
}

TEST_F(receiver, delayed_answers_trip_the_sender_deadline) {
  start(std::nullopt);
  receiver_->delay_next(1, milliseconds(500));
  const auto r = post(alert_body, {}, milliseconds(100));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::timeout);
  EXPECT_TRUE(receiver_->wait_for_count(1, wait_limit));
}

TEST_F(receiver, wait_for_gives_up_at_its_timeout) {
  start(std::nullopt);
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_FALSE(receiver_->wait_for_count(1, milliseconds(100)));
  const auto waited = std::chrono::steady_clock::now() - begin;
  EXPECT_GE(waited, milliseconds(100));
  EXPECT_LT(waited, milliseconds(2'000));
}

TEST_F(receiver, a_bad_secret_is_refused_at_start) {
  receiver_options options;
  options.certificate = ca_.issue("localhost");
  options.secret = "not-a-whsec";
  EXPECT_FALSE(fake_receiver::start(std::move(options)));
}

}  // namespace
}  // namespace rootwatch::fake
