// arm_error on hostile text: multi-byte characters at the cut (defect 1) and a token echoed
// back (defect 5). Its message becomes a watch.degraded alert's detail, /healthz's last_error
// and a row in SQLite.

#include "auth/token_endpoint.hpp"
#include "azure/arm_parse.hpp"
#include "common/json.hpp"
#include "common/text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rootwatch::azure {
namespace {

bool contains(std::string_view text, std::string_view what) {
  return text.find(what) != std::string_view::npos;
}

std::string repeated(const std::string& ch, int times) {
  std::string out = "x";
  for (int i = 0; i < times; ++i) {
    out += ch;
  }
  return out;
}

TEST(arm_error_text, a_long_multi_byte_message_is_cut_on_a_code_point_boundary) {
  for (const std::string ch : {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x94\x91"}) {
    SCOPED_TRACE(ch);
    const std::string body = json{{"error", {{"code", "AuthorizationFailed"}, {"message", repeated(ch, 400)}}}}.dump();
    const auto e = arm_error(403, body, "arm role assignments");
    EXPECT_TRUE(is_valid_utf8(e.message)) << e.message;
    // The strict serializer is what threw type_error.316 in the store.
    EXPECT_NO_THROW((void)json(e.message).dump());
    EXPECT_LE(e.message.size(), 400u);
  }
}

TEST(arm_error_text, a_user_name_with_an_umlaut_at_the_cut) {
  // "ö" is bytes 300 and 301: the old byte cut at 300 split it.
  const std::string message = std::string(298, 'a') + "j\xC3\xB6rg@contoso.example";
  const std::string body = json{{"error", {{"code", "AuthorizationFailed"}, {"message", message}}}}.dump();
  const auto e = arm_error(403, body, "arm role assignments");
  EXPECT_TRUE(is_valid_utf8(e.message)) << e.message;
}

TEST(arm_error_text, a_long_multi_byte_code_is_cut_on_a_code_point_boundary) {
  const std::string body = json{{"error", {{"code", repeated("\xE2\x82\xAC", 400)}}}}.dump();
  const auto e = arm_error(403, body, "arm role assignments");
  EXPECT_TRUE(is_valid_utf8(e.message)) << e.message;
}

TEST(arm_error_text, a_403_echoing_the_bearer_token_keeps_none_of_it) {
  const std::string jwt =
      "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsIng1dCI6Ii1LSTNROW5OUjdiUm9meG1lWm9YcWJIWkdldyJ9."
      "eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tLyIsImlzcyI6Imh0dHBzOi8vc3RzLndpbmRvd3MubmV0LyJ9."
      "c2lnbmF0dXJlLXBhcnQtb2YtdGhlLXRva2Vu";
  const std::vector<std::string> messages{
      "The request with header 'Authorization: Bearer " + jwt + "' was refused.",
      "token " + jwt + " is not allowed",
      "authorization: bearer " + jwt,
  };
  for (const auto& m : messages) {
    SCOPED_TRACE(m);
    const auto e = arm_error(403, json{{"error", {{"code", "AuthorizationFailed"}, {"message", m}}}}.dump(),
                             "arm role assignments");
    EXPECT_FALSE(contains(e.message, "eyJ")) << e.message;
    EXPECT_FALSE(contains(e.message, "c2lnbmF0dXJl")) << e.message;
    EXPECT_TRUE(contains(e.message, "[redacted]")) << e.message;
  }
}

TEST(arm_error_text, an_opaque_token_received_earlier_is_removed_when_echoed) {
  // Not JWT-shaped and without "Bearer": only knowing it finds it.
  const std::string token = "opaque-access-token-0123456789";
  const auto t = auth::parse_token_response(
      json{{"token_type", "Bearer"}, {"expires_in", 3599}, {"access_token", token}}.dump(), timestamp{});
  ASSERT_TRUE(t) << t.error().message;
  const auto e = arm_error(
      401,
      json{{"error", {{"code", "InvalidAuthenticationToken"}, {"message", "token '" + token + "' is invalid"}}}}.dump(),
      "arm role assignments");
  EXPECT_FALSE(contains(e.message, token)) << e.message;
  EXPECT_TRUE(contains(e.message, "token '[redacted]' is invalid")) << e.message;
}

TEST(arm_error_text, a_token_straddling_the_cut_leaves_no_prefix) {
  const std::string token = "opaque-access-token-straddling-the-cut";
  ASSERT_TRUE(auth::parse_token_response(
      json{{"token_type", "Bearer"}, {"expires_in", 3599}, {"access_token", token}}.dump(), timestamp{}));
  const std::string message = std::string(290, 'a') + token;
  const auto e = arm_error(401, json{{"error", {{"code", "X"}, {"message", message}}}}.dump(), "arm");
  EXPECT_FALSE(contains(e.message, "opaque-acc")) << e.message;
}

}  // namespace
}  // namespace rootwatch::azure
