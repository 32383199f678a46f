#include "sinks/signing.hpp"

#include "common/encoding.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rootwatch::sinks {
namespace {

// The test vector published with the Standard Webhooks specification.
constexpr std::string_view vector_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view vector_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t vector_timestamp = 1614265330;
constexpr std::string_view vector_body = R"({"test": 2432232314})";
constexpr std::string_view vector_signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

TEST(sign_v1, matches_the_published_standard_webhooks_vector) {
  const auto key = parse_signing_key(vector_secret);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->bytes.size(), 24u);
  EXPECT_EQ(sign_v1(*key, vector_id, vector_timestamp, vector_body), vector_signature);
}

TEST(sign_v1, a_key_without_the_prefix_signs_the_same) {
  const auto key = parse_signing_key(vector_secret.substr(6));
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(sign_v1(*key, vector_id, vector_timestamp, vector_body), vector_signature);
}

TEST(sign_v1, a_key_read_from_a_file_with_a_trailing_newline_signs_the_same) {
  const auto key = parse_signing_key(std::string(vector_secret) + "\n");
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(sign_v1(*key, vector_id, vector_timestamp, vector_body), vector_signature);
  const auto spaced = parse_signing_key("  " + std::string(vector_secret) + " \r\n");
  ASSERT_TRUE(spaced) << spaced.error().message;
  EXPECT_EQ(sign_v1(*spaced, vector_id, vector_timestamp, vector_body), vector_signature);
}

TEST(sign_v1, a_url_safe_spelling_of_the_same_key_signs_the_same) {
  // The vector key has no '+' or '/', so build one that does and compare both alphabets.
  const std::string bytes =
      "\xfb\xff\xbf\xfb\xff\xbf\xfb\xff\xbf\xfb\xff\xbf\xfb\xff\xbf\xfb\xff\xbf\xfb\xff\xbf\xfb\xff\xbf";
  const std::string standard = base64_encode(bytes);
  ASSERT_NE(standard.find_first_of("+/"), std::string::npos);
  const auto a = parse_signing_key("whsec_" + standard);
  const auto b = parse_signing_key("whsec_" + base64url_encode(bytes));
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(a->bytes, b->bytes);
}

TEST(sign_v1, every_part_of_the_signed_content_matters) {
  const auto key = parse_signing_key(vector_secret);
  ASSERT_TRUE(key);
  const auto reference = sign_v1(*key, vector_id, vector_timestamp, vector_body);
  EXPECT_NE(sign_v1(*key, "msg_other", vector_timestamp, vector_body), reference);
  EXPECT_NE(sign_v1(*key, vector_id, vector_timestamp + 1, vector_body), reference);
  EXPECT_NE(sign_v1(*key, vector_id, vector_timestamp, R"({"test": 2432232315})"), reference);
  EXPECT_NE(sign_v1(*key, vector_id, vector_timestamp, R"({"test":2432232314})"), reference)
      << "the body is signed byte for byte, not as parsed JSON";
  const auto other_key = parse_signing_key("whsec_" + base64_encode(std::string(32, 'k')));
  ASSERT_TRUE(other_key);
  EXPECT_NE(sign_v1(*other_key, vector_id, vector_timestamp, vector_body), reference);
}

TEST(sign_v1, the_signature_is_v1_and_44_characters_of_base64) {
  const auto key = parse_signing_key(vector_secret);
  ASSERT_TRUE(key);
  const auto sig = sign_v1(*key, "", 0, "");
  ASSERT_EQ(sig.rfind("v1,", 0), 0u) << sig;
  EXPECT_EQ(sig.size(), 3u + 44u) << sig;
}

TEST(parse_signing_key, key_lengths_from_24_to_64_bytes_are_accepted) {
  for (const std::size_t n : {24u, 32u, 48u, 64u}) {
    SCOPED_TRACE(n);
    const auto key = parse_signing_key("whsec_" + base64_encode(std::string(n, 'k')));
    ASSERT_TRUE(key) << key.error().message;
    EXPECT_EQ(key->bytes, std::string(n, 'k'));
  }
}

struct bad_key {
  std::string name;
  std::string text;
  std::string reason;  // a fragment of the expected message
};

TEST(parse_signing_key, bad_keys_are_refused_without_repeating_the_key) {
  const std::vector<bad_key> cases{
      {"empty", "", "24 to 64 bytes"},
      {"prefix only", "whsec_", "24 to 64 bytes"},
      {"too short", "whsec_" + base64_encode(std::string(16, 'k')), "24 to 64 bytes"},
      {"one byte too short", "whsec_" + base64_encode(std::string(23, 'k')), "24 to 64 bytes"},
      {"one byte too long", "whsec_" + base64_encode(std::string(65, 'k')), "24 to 64 bytes"},
      {"far too long", "whsec_" + base64_encode(std::string(1024, 'k')), "24 to 64 bytes"},
      {"not base64", "whsec_MfKQ9r8GKYqr!wjUPD8ILPZIo2LaLaSw", "base64"},
      {"spaces inside", "whsec_MfKQ9r8GKYqr TwjUPD8ILPZIo2LaLaSw", "base64"},
      {"a character outside base64", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa$w", "base64"},
      {"misplaced padding", "whsec_MfKQ9r8GKYqr=wjUPD8ILPZIo2LaLaSw", "base64"},
      {"wrong prefix", "whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "base64"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto key = parse_signing_key(c.text);
    ASSERT_FALSE(key);
    EXPECT_EQ(key.error().kind, error_kind::config);
    EXPECT_NE(key.error().message.find(c.reason), std::string::npos) << key.error().message;
    const std::string body = c.text.size() > 6 ? c.text.substr(6) : std::string{};
    if (!body.empty()) {
      EXPECT_EQ(key.error().message.find(body), std::string::npos) << key.error().message;
      EXPECT_EQ(key.error().message.find(body.substr(0, 8)), std::string::npos) << key.error().message;
    }
  }
}

TEST(parse_signing_keys, one_key_or_several_separated_by_white_space) {
  const auto one = parse_signing_keys(std::string(vector_secret) + "\n");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->size(), 1u);
  const std::string second = "whsec_" + base64_encode(std::string(32, 'k'));
  const auto two = parse_signing_keys("  " + std::string(vector_secret) + "\r\n" + second + "\n\n");
  ASSERT_TRUE(two);
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].bytes, std::string(32, 'k'));
  const auto spaced = parse_signing_keys(std::string(vector_secret) + " " + second);
  ASSERT_TRUE(spaced);
  EXPECT_EQ(spaced->size(), 2u);
}

TEST(parse_signing_keys, refuses_empty_text_a_bad_key_and_too_many_naming_which) {
  EXPECT_FALSE(parse_signing_keys(" \n\t"));
  const auto bad = parse_signing_keys(std::string(vector_secret) + "\nwhsec_???");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("(key 2)"), std::string::npos) << bad.error().message;
  EXPECT_EQ(bad.error().message.find("???"), std::string::npos) << "never quoted";
  std::string nine;
  for (int i = 0; i < 9; ++i) {
    nine += std::string(vector_secret) + "\n";
  }
  EXPECT_FALSE(parse_signing_keys(nine));
}

TEST(sign_all, one_v1_signature_per_key_space_separated_in_key_order) {
  const auto keys = *parse_signing_keys(std::string(vector_secret) + "\nwhsec_" + base64_encode(std::string(32, 'k')));
  const auto header = sign_all(keys, vector_id, vector_timestamp, vector_body);
  const auto space = header.find(' ');
  ASSERT_NE(space, std::string::npos);
  EXPECT_EQ(header.substr(0, space), vector_signature);
  EXPECT_EQ(header.substr(space + 1), sign_v1(keys[1], vector_id, vector_timestamp, vector_body));
  EXPECT_EQ(header.find(' ', space + 1), std::string::npos);
}

}  // namespace
}  // namespace rootwatch::sinks
