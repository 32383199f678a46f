// token_error on what a token endpoint, a proxy or an attacker in between may answer: any
// shape, any type, any bytes. None may throw (defect 2), none may give invalid UTF-8 (defect 1),
// none may let the client secret through (defect 5).

#include "auth/token_endpoint.hpp"
#include "common/encoding.hpp"
#include "common/json.hpp"
#include "common/text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rootwatch::auth {
namespace {

bool contains(std::string_view text, std::string_view what) {
  return text.find(what) != std::string_view::npos;
}

struct shape_case {
  std::string name;
  std::string body;
  std::string shown;  // expected in the message; empty: only tenant and status
};

TEST(token_error_shapes, every_badly_typed_body_gives_an_error_value) {
  const std::vector<shape_case> cases{
      {"error is an object (ARM style)", R"({"error":{"code":"x","message":"gateway says no"}})",
       "x): gateway says no"},
      {"error object without message", R"({"error":{"code":"x"}})", "(401 x)"},
      {"error object with typed garbage", R"({"error":{"code":1,"message":["a"]}})", ""},
      {"error is null", R"({"error":null})", ""},
      {"error is a number", R"({"error":123,"error_description":"AADSTS1: d"})", "AADSTS1: d"},
      {"error is an array", R"({"error":["invalid_client"]})", ""},
      {"error is a boolean", R"({"error":true})", ""},
      {"description is a number", R"({"error":"invalid_client","error_description":123})", "invalid_client"},
      {"description is null", R"({"error":"invalid_client","error_description":null})", "invalid_client"},
      {"description is an object", R"({"error":"invalid_client","error_description":{"a":{"b":[1]}}})",
       "invalid_client"},
      {"description is an array", R"({"error":"invalid_client","error_description":["x","y"]})", "invalid_client"},
      {"description overrides the object's message",
       R"({"error":{"code":"c","message":"m"},"error_description":"AADSTS2: d"})", "c): AADSTS2: d"},
      {"body is an array", R"([{"error":"invalid_client"}])", ""},
      {"body is a string", R"("invalid_client")", ""},
      {"body is a number", "401", ""},
      {"body is null", "null", ""},
      {"truncated", R"({"error":"invalid_cl)", ""},
      {"deeply nested", std::string(10'000, '[') + std::string(10'000, ']'), ""},
      {"invalid UTF-8 outside strings", "{\"error\":\"x\"}\xFF", ""},
      {"empty", "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    error e;
    ASSERT_NO_THROW(e = token_error(401, c.body, "contoso", "a-client-secret"));
    EXPECT_EQ(e.kind, error_kind::auth);
    EXPECT_EQ(e.http_status, 401);
    EXPECT_TRUE(contains(e.message, "contoso")) << e.message;
    EXPECT_TRUE(is_valid_utf8(e.message)) << e.message;
    if (c.shown.empty()) {
      EXPECT_EQ(e.message, "token request for tenant contoso failed with status 401");
    } else {
      EXPECT_TRUE(contains(e.message, c.shown)) << e.message;
    }
  }
}

TEST(token_error_shapes, a_transient_aadsts_code_in_an_arm_style_body_is_retried) {
  const auto e =
      token_error(400, R"({"error":{"code":"temporarily_unavailable","message":"AADSTS90033: retry"}})", "contoso", "");
  EXPECT_TRUE(e.retryable);
}

// --- defect 1: text cut on code-point boundaries ---

TEST(token_error_shapes, a_long_multi_byte_description_is_cut_on_a_code_point_boundary) {
  for (const std::string ch : {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x94\x91"}) {
    std::string description = "x";
    for (int i = 0; i < 400; ++i) {
      description += ch;
    }
    SCOPED_TRACE(ch);
    const auto e =
        token_error(401, json{{"error", "invalid_client"}, {"error_description", description}}.dump(), "contoso", "");
    EXPECT_TRUE(is_valid_utf8(e.message)) << e.message;
    EXPECT_NO_THROW((void)json(e.message).dump());
    EXPECT_LE(e.message.size(), 600u);
  }
}

TEST(token_error_shapes, a_long_multi_byte_code_is_cut_on_a_code_point_boundary) {
  std::string code = "x";
  for (int i = 0; i < 400; ++i) {
    code += "\xC3\xA9";
  }
  const auto e = token_error(401, json{{"error", code}}.dump(), "contoso", "");
  EXPECT_TRUE(is_valid_utf8(e.message)) << e.message;
  EXPECT_LE(e.message.size(), 400u);
}

// --- defect 5: a secret echoed back ---

const std::string secret = "Xy8Q~abc.DEF_ghi-123+/=";

std::string echoed_form() {
  return "grant_type=client_credentials&client_id=11111111-1111-1111-1111-111111111111&scope=https%3A%2F%2F"
         "management.azure.com%2F.default&client_secret=" +
         form_encode(secret);
}

void expect_no_secret(const error& e) {
  for (const std::string& form : {secret, form_encode(secret), std::string("Xy8Q")}) {
    EXPECT_FALSE(contains(e.message, form)) << e.message;
  }
  EXPECT_TRUE(contains(e.message, "[redacted]")) << e.message;
}

TEST(token_error_shapes, the_form_echoed_in_error_loses_the_secret) {
  const auto e = token_error(400, json{{"error", echoed_form()}}.dump(), "contoso", secret);
  expect_no_secret(e);
}

TEST(token_error_shapes, the_form_encoded_secret_in_the_description_is_removed) {
  const auto e = token_error(
      400, json{{"error", "invalid_request"}, {"error_description", "AADSTS9: bad request " + echoed_form()}}.dump(),
      "contoso", secret);
  expect_no_secret(e);
}

TEST(token_error_shapes, the_secret_in_the_message_of_an_arm_style_body_is_removed) {
  const auto e =
      token_error(400, json{{"error", {{"code", "BadRequest"}, {"message", "body was: " + echoed_form()}}}}.dump(),
                  "contoso", secret);
  expect_no_secret(e);
}

TEST(token_error_shapes, a_lower_case_percent_encoded_secret_is_removed) {
  const auto e =
      token_error(400, json{{"error", "client_secret=Xy8Q%7eabc.DEF_ghi-123%2b%2f%3d"}}.dump(), "contoso", secret);
  expect_no_secret(e);
}

TEST(token_error_shapes, an_echoed_bearer_token_is_removed) {
  const auto e = token_error(
      401, R"({"error":"invalid_request","error_description":"AADSTS50000: header Authorization: Bearer abc.def-ghi"})",
      "contoso", "");
  EXPECT_FALSE(contains(e.message, "abc.def-ghi")) << e.message;
}

}  // namespace
}  // namespace rootwatch::auth
