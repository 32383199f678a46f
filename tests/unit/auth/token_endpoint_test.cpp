#include "auth/token_endpoint.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace rootwatch::auth {
namespace {

using namespace std::chrono_literals;

const timestamp now = timestamp{} + std::chrono::hours{24 * 365 * 55};

// --- parse_token_response ---

TEST(parse_token_response, a_v2_answer_with_a_numeric_lifetime) {
  const auto t = parse_token_response(
      R"({"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.c2ln"})",
      now);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->value, "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.c2ln");
  EXPECT_EQ(t->issued_at, now);
  EXPECT_EQ(t->expires_on, now + 3599s);
}

TEST(parse_token_response, a_day_long_token_as_sent_when_cae_is_requested) {
  const auto t = parse_token_response(
      R"({"token_type":"Bearer","expires_in":86399,"ext_expires_in":86399,"access_token":"access_token"})", now);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->expires_on, now + 86399s);
}

TEST(parse_token_response, an_imds_answer_where_every_value_is_a_string) {
  const auto t = parse_token_response(R"({
    "access_token": "eyJ0eXAi.imds.token",
    "refresh_token": "",
    "expires_in": "3599",
    "expires_on": "1506484173",
    "not_before": "1506480273",
    "resource": "https://management.azure.com/",
    "token_type": "Bearer"
  })",
                                      now);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->value, "eyJ0eXAi.imds.token");
  EXPECT_EQ(t->expires_on, now + 3599s);
}

TEST(parse_token_response, a_v1_answer_with_string_lifetimes_and_a_client_id) {
  const auto t = parse_token_response(
      R"({"token_type":"Bearer","expires_in":"86399","ext_expires_in":"86399","expires_on":"1586984735",)"
      R"("not_before":"1586897035","resource":"https://management.core.windows.net/",)"
      R"("client_id":"AAAAAAAA-1111-2222-3333-444444444444","access_token":"v1.token"})",
      now);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->expires_on, now + 86399s);
}

TEST(parse_token_response, a_missing_token_type_is_accepted) {
  const auto t = parse_token_response(R"({"expires_in":600,"access_token":"abc"})", now);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->expires_on, now + 600s);
}

TEST(parse_token_response, unknown_fields_are_ignored) {
  const auto t = parse_token_response(
      R"({"token_type":"Bearer","expires_in":3599,"access_token":"abc","scope":"https://graph.microsoft.com/.default",)"
      R"("refresh_in":1800,"extra":{"nested":[1,2,3]}})",
      now);
  ASSERT_TRUE(t) << t.error().message;
}

struct bad_body {
  std::string name;
  std::string body;
  bool retryable;
};

TEST(parse_token_response, answers_without_a_usable_token_are_parse_errors) {
  const std::vector<bad_body> cases{
      {"not JSON", "<html><body>Service Unavailable</body></html>", true},
      {"empty", "", true},
      {"truncated", R"({"token_type":"Bearer","expires_in":3599,"access_tok)", true},
      {"an array", R"([{"access_token":"abc","expires_in":3599}])", true},
      {"a string", R"("abc")", true},
      {"null", "null", true},
      {"no access_token", R"({"token_type":"Bearer","expires_in":3599})", true},
      {"empty access_token", R"({"token_type":"Bearer","expires_in":3599,"access_token":""})", true},
      {"null access_token", R"({"token_type":"Bearer","expires_in":3599,"access_token":null})", true},
      {"numeric access_token", R"({"token_type":"Bearer","expires_in":3599,"access_token":42})", true},
      {"pop token_type", R"({"token_type":"pop","expires_in":3599,"access_token":"abc"})", false},
      {"lower-case token_type", R"({"token_type":"bearer","expires_in":3599,"access_token":"abc"})", false},
      {"numeric token_type", R"({"token_type":1,"expires_in":3599,"access_token":"abc"})", false},
      {"no expires_in", R"({"token_type":"Bearer","access_token":"abc"})", true},
      {"null expires_in", R"({"token_type":"Bearer","expires_in":null,"access_token":"abc"})", true},
      {"zero lifetime", R"({"token_type":"Bearer","expires_in":0,"access_token":"abc"})", true},
      {"negative lifetime", R"({"token_type":"Bearer","expires_in":-60,"access_token":"abc"})", true},
      {"zero lifetime string", R"({"token_type":"Bearer","expires_in":"0","access_token":"abc"})", true},
      {"negative lifetime string", R"({"token_type":"Bearer","expires_in":"-60","access_token":"abc"})", true},
      {"empty lifetime string", R"({"token_type":"Bearer","expires_in":"","access_token":"abc"})", true},
      {"lifetime with a unit", R"({"token_type":"Bearer","expires_in":"3599s","access_token":"abc"})", true},
      {"fractional lifetime", R"({"token_type":"Bearer","expires_in":3599.5,"access_token":"abc"})", true},
      {"boolean lifetime", R"({"token_type":"Bearer","expires_in":true,"access_token":"abc"})", true},
      {"huge lifetime string", R"({"token_type":"Bearer","expires_in":"999999999999999","access_token":"abc"})", true},
      {"eleven-digit lifetime string", R"({"token_type":"Bearer","expires_in":"99999999999","access_token":"abc"})",
       true},
      {"lifetime of a century", R"({"token_type":"Bearer","expires_in":3153600000,"access_token":"abc"})", true},
      {"largest 64-bit lifetime", R"({"token_type":"Bearer","expires_in":9223372036854775807,"access_token":"abc"})",
       true},
      {"lifetime beyond 64 bits", R"({"token_type":"Bearer","expires_in":18446744073709551615,"access_token":"abc"})",
       true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto t = parse_token_response(c.body, now);
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().kind, error_kind::parse);
    EXPECT_EQ(t.error().retryable, c.retryable);
  }
}

TEST(parse_token_response, a_refusal_never_repeats_the_token) {
  const auto t = parse_token_response(R"({"token_type":"pop","expires_in":3599,"access_token":"SECRET-TOKEN"})", now);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message.find("SECRET-TOKEN"), std::string::npos) << t.error().message;
  const auto z = parse_token_response(R"({"token_type":"Bearer","expires_in":0,"access_token":"SECRET-TOKEN"})", now);
  ASSERT_FALSE(z);
  EXPECT_EQ(z.error().message.find("SECRET-TOKEN"), std::string::npos) << z.error().message;
}

// --- token_error ---

// The v1/v2 error body, in the shape of azure-apis.md §1.4.
constexpr const char* invalid_client_body = R"({
  "error": "invalid_client",
  "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '11111111-1111-1111-1111-111111111111'.\r\nTrace ID: 0a1b2c3d-0000-4000-8000-000000000001\r\nCorrelation ID: 0a1b2c3d-0000-4000-8000-000000000002\r\nTimestamp: 2025-02-11 10:00:00Z",
  "error_codes": [7000215],
  "timestamp": "2025-02-11 10:00:00Z",
  "trace_id": "0a1b2c3d-0000-4000-8000-000000000001",
  "correlation_id": "0a1b2c3d-0000-4000-8000-000000000002",
  "error_uri": "https://login.microsoftonline.com/error?code=7000215"
})";

// IMDS, App Service, az and the v1 endpoint write their seconds as strings; only digits count.
TEST(seconds_field, an_integer_or_a_string_of_at_most_eleven_digits) {
  const json answer = {{"int", 3599},
                       {"text", "1764496800"},
                       {"eleven", "99999999999"},
                       {"twelve", "999999999999"},
                       {"signed", "-5"},
                       {"spaced", " 60"},
                       {"empty", ""},
                       {"fraction", 1.5},
                       {"flag", true},
                       {"null", nullptr}};
  EXPECT_EQ(seconds_field(answer, "int"), 3599);
  EXPECT_EQ(seconds_field(answer, "text"), 1764496800);
  EXPECT_EQ(seconds_field(answer, "eleven"), 99999999999);
  for (const auto* name : {"twelve", "signed", "spaced", "empty", "fraction", "flag", "null", "absent"}) {
    EXPECT_EQ(seconds_field(answer, name), std::nullopt) << name;
  }
  EXPECT_EQ(seconds_field(json::array({1}), "int"), std::nullopt);
}

TEST(token_error, an_invalid_secret_names_the_code_and_status_and_keeps_the_first_line) {
  const auto e = token_error(401, invalid_client_body, "contoso", "not-in-the-body");
  EXPECT_EQ(e.kind, error_kind::auth);
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(e.http_status, 401);
  EXPECT_NE(e.message.find("contoso"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("401"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("invalid_client"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("AADSTS7000215: Invalid client secret provided."), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("for a secret added to app '11111111-1111-1111-1111-111111111111'."), std::string::npos)
      << e.message;
  EXPECT_EQ(e.message.find("Trace ID"), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find("Correlation ID"), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find("Timestamp"), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find('\r'), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find('\n'), std::string::npos) << e.message;
}

TEST(token_error, the_same_body_with_status_400_is_an_auth_error_too) {
  const auto e = token_error(400, invalid_client_body, "contoso", "");
  EXPECT_EQ(e.kind, error_kind::auth);
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(e.http_status, 400);
}

TEST(token_error, an_invalid_scope_is_a_configuration_problem_not_retried) {
  const auto e = token_error(
      400,
      R"({"error":"invalid_scope",)"
      R"("error_description":"AADSTS70011: The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid.\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 2025-02-11 10:00:00Z",)"
      R"("error_codes":[70011]})",
      "contoso", "");
  EXPECT_EQ(e.kind, error_kind::auth);
  EXPECT_FALSE(e.retryable);
  EXPECT_NE(e.message.find("AADSTS70011"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("invalid_scope"), std::string::npos) << e.message;
}

TEST(token_error, the_transient_aadsts90033_is_retried) {
  const auto e = token_error(
      400,
      R"({"error":"temporarily_unavailable","error_description":"AADSTS90033: A transient error has occurred. Please try again.\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 2025-02-11 10:00:00Z","error_codes":[90033]})",
      "contoso", "");
  EXPECT_TRUE(e.retryable);
  EXPECT_NE(e.kind, error_kind::auth);
  EXPECT_NE(e.message.find("AADSTS90033"), std::string::npos) << e.message;
}

struct status_case {
  int status;
  error_kind kind;
  bool retryable;
};

TEST(token_error, kind_and_retryability_follow_the_status) {
  const std::vector<status_case> cases{
      {400, error_kind::auth, false}, {401, error_kind::auth, false},     {403, error_kind::auth, false},
      {404, error_kind::auth, false}, {429, error_kind::throttled, true}, {500, error_kind::http, true},
      {502, error_kind::http, true},  {503, error_kind::http, true},      {504, error_kind::http, true},
  };
  const std::string body =
      R"({"error":"invalid_request","error_description":"AADSTS900144: The request body must contain the following parameter: 'grant_type'.\r\nTrace ID: 1"})";
  for (const auto& c : cases) {
    SCOPED_TRACE(c.status);
    const auto e = token_error(c.status, body, "contoso", "");
    EXPECT_EQ(e.kind, c.kind);
    EXPECT_EQ(e.retryable, c.retryable);
    EXPECT_EQ(e.http_status, c.status);
    EXPECT_NE(e.message.find(std::to_string(c.status)), std::string::npos) << e.message;
  }
}

TEST(token_error, every_5xx_is_retried_whatever_the_body) {
  for (int status = 500; status <= 599; ++status) {
    SCOPED_TRACE(status);
    EXPECT_TRUE(token_error(status, "<html>oops</html>", "contoso", "").retryable);
  }
}

TEST(token_error, a_body_that_is_not_json_still_names_tenant_and_status) {
  const auto e = token_error(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "contoso", "");
  EXPECT_EQ(e.message, "token request for tenant contoso failed with status 502");
  EXPECT_TRUE(e.retryable);
  const auto empty = token_error(401, "", "fabrikam", "");
  EXPECT_EQ(empty.message, "token request for tenant fabrikam failed with status 401");
  EXPECT_EQ(empty.kind, error_kind::auth);
}

TEST(token_error, a_secret_in_the_description_is_redacted) {
  const std::string secret = "Xy8Q~abc.DEF_ghi-123";
  const std::string body = R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret ')" +
                           secret + R"(' provided; ')" + secret + R"(' again.\r\nTrace ID: 1"})";
  const auto e = token_error(401, body, "contoso", secret);
  EXPECT_EQ(e.message.find(secret), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("secret '[redacted]' provided; '[redacted]' again."), std::string::npos) << e.message;
}

TEST(token_error, a_secret_only_on_a_later_line_is_dropped_with_it) {
  const std::string secret = "S3cr3t-value";
  const auto e = token_error(
      401, R"({"error":"invalid_client","error_description":"AADSTS7000215: bad.\r\nsecret: S3cr3t-value"})", "contoso",
      secret);
  EXPECT_EQ(e.message.find(secret), std::string::npos) << e.message;
}

TEST(token_error, a_huge_description_is_cut) {
  const std::string body =
      R"({"error":"invalid_request","error_description":"AADSTS50000: )" + std::string(100'000, 'x') + R"("})";
  const auto e = token_error(400, body, "contoso", "");
  EXPECT_NE(e.message.find("AADSTS50000"), std::string::npos);
  EXPECT_LE(e.message.size(), 600u) << "cut to about 400 characters of description";
}

TEST(token_error, a_secret_straddling_the_cut_is_still_redacted) {
  const std::string secret = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const std::string body =
      R"({"error":"invalid_client","error_description":")" + std::string(390, 'x') + secret + R"( tail"})";
  const auto e = token_error(401, body, "contoso", secret);
  EXPECT_EQ(e.message.find("ABCDEFGHIJ"), std::string::npos) << e.message;
}

// --- refresh_due ---

access_token token_for(std::chrono::seconds lifetime) {
  access_token t;
  t.value = "abc";
  t.issued_at = now;
  t.expires_on = now + lifetime;
  return t;
}

struct refresh_case {
  std::string name;
  std::chrono::seconds lifetime;
  std::chrono::milliseconds due_after;
};

TEST(refresh_due, at_half_life_or_five_minutes_before_expiry_whichever_comes_first) {
  const std::vector<refresh_case> cases{
      {"1 h: half-life first", 3600s, 1800s},
      {"24 h: half-life first", 86400s, 43200s},
      {"3599 s as v2 sends", 3599s, 1'799'500ms},
      {"10 min: both at once", 600s, 300s},
      {"8 min: five minutes before expiry first", 480s, 180s},
      {"6 min: five minutes before expiry first", 360s, 60s},
      {"5 min: no time before expiry, half-life", 300s, 150s},
      {"2 min: shorter than five minutes, half-life", 120s, 60s},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto t = token_for(c.lifetime);
    const auto due = refresh_due(t);
    EXPECT_EQ(due, now + c.due_after);
    EXPECT_GT(due, t.issued_at);
    EXPECT_LT(due, t.expires_on);
  }
}

TEST(refresh_due, counts_from_when_the_token_was_issued) {
  access_token t = token_for(3600s);
  t.issued_at = now + 10min;
  t.expires_on = t.issued_at + 3600s;
  EXPECT_EQ(refresh_due(t), now + 10min + 1800s);
}

}  // namespace
}  // namespace rootwatch::auth
