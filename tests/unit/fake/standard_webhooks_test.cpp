#include "fake/standard_webhooks.hpp"

#include <gtest/gtest.h>

namespace rootwatch::fake {
namespace {

// The Standard Webhooks specification's own example.
constexpr std::string_view secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view msg_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::string_view msg_timestamp = "1614265330";
constexpr std::string_view body = R"({"test": 2432232314})";
constexpr std::string_view signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

const timestamp sent_at = from_unix_seconds(1614265330);

TEST(standard_webhooks, signs_the_spec_vector) {
  EXPECT_EQ(sign_standard_webhook(secret, msg_id, msg_timestamp, body), signature);
}

TEST(standard_webhooks, verifies_the_spec_vector) {
  const auto v = verify_standard_webhook(secret, msg_id, msg_timestamp, signature, body, sent_at);
  EXPECT_TRUE(v.valid) << v.reason;
  EXPECT_TRUE(v.reason.empty());
}

TEST(standard_webhooks, a_tampered_body_id_or_timestamp_fails) {
  const std::string tampered = R"({"test": 2432232315})";
  EXPECT_FALSE(verify_standard_webhook(secret, msg_id, msg_timestamp, signature, tampered, sent_at).valid);
  EXPECT_FALSE(verify_standard_webhook(secret, "msg_other", msg_timestamp, signature, body, sent_at).valid);
  EXPECT_FALSE(verify_standard_webhook(secret, msg_id, "1614265331", signature, body, sent_at).valid);
  const auto v = verify_standard_webhook(secret, msg_id, msg_timestamp, signature, std::string(body) + " ", sent_at);
  EXPECT_EQ(v.reason, "no v1 signature matches the body");
}

TEST(standard_webhooks, another_secret_fails) {
  EXPECT_FALSE(
      verify_standard_webhook("whsec_QUJDREVGR0hJSktMTU5PUA==", msg_id, msg_timestamp, signature, body, sent_at).valid);
}

TEST(standard_webhooks, timestamp_tolerance_is_five_minutes_both_ways) {
  EXPECT_TRUE(verify_standard_webhook(secret, msg_id, msg_timestamp, signature, body, sent_at + seconds(300)).valid);
  EXPECT_TRUE(verify_standard_webhook(secret, msg_id, msg_timestamp, signature, body, sent_at - seconds(300)).valid);
  const auto late = verify_standard_webhook(secret, msg_id, msg_timestamp, signature, body, sent_at + seconds(301));
  EXPECT_FALSE(late.valid);
  EXPECT_NE(late.reason.find("300 s"), std::string::npos);
  EXPECT_FALSE(verify_standard_webhook(secret, msg_id, msg_timestamp, signature, body, sent_at - seconds(301)).valid);
  EXPECT_FALSE(verify_standard_webhook(secret, msg_id, "16142653x0", signature, body, sent_at).valid);
}

TEST(standard_webhooks, any_of_several_signatures_may_match) {
  const std::string several = "v1,bm90IGl0 v1a,c29tZXRoaW5nIGVsc2U=  " + std::string(signature);
  EXPECT_TRUE(verify_standard_webhook(secret, msg_id, msg_timestamp, several, body, sent_at).valid);
  const auto none = verify_standard_webhook(secret, msg_id, msg_timestamp, "v1a,abc v2,def", body, sent_at);
  EXPECT_FALSE(none.valid);
  EXPECT_EQ(none.reason, "webhook-signature has no v1 entry");
}

TEST(standard_webhooks, a_secret_without_the_prefix_is_refused) {
  EXPECT_FALSE(webhook_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
  EXPECT_FALSE(webhook_key("whsec_"));
  EXPECT_FALSE(webhook_key("whsec_!!!"));
  EXPECT_FALSE(
      verify_standard_webhook("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", msg_id, msg_timestamp, signature, body, sent_at)
          .valid);
}

}  // namespace
}  // namespace rootwatch::fake
