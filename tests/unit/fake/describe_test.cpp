#include "fake/describe.hpp"

#include <gtest/gtest.h>

namespace rootwatch::fake {
namespace {

TEST(describe_request, path_status_and_note_without_the_query) {
  recorded_request r;
  r.method = "GET";
  r.target = "/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$skipToken=fake;2:ab";
  r.headers = {{"Authorization", "Bearer fake.secret-token"}};
  r.status = 200;
  r.note = "2 items";
  EXPECT_EQ(describe_request(r), "azure: GET /providers/Microsoft.Authorization/roleAssignments -> 200 (2 items)");
}

TEST(describe_request, a_token_request_shows_no_body) {
  recorded_request r;
  r.method = "POST";
  r.target = "/tenant/oauth2/v2.0/token";
  r.body = "grant_type=client_credentials&client_secret=hunter2";
  r.status = 401;
  const auto line = describe_request(r);
  EXPECT_EQ(line.find("hunter2"), std::string::npos);
  EXPECT_EQ(line, "azure: POST /tenant/oauth2/v2.0/token -> 401");
}

TEST(describe_delivery, a_resolved_alert_says_the_role_is_gone) {
  delivery d;
  d.status = 200;
  d.signature_valid = true;
  d.body_json =
      json{{"schema", "rootwatch.alert/v1"},
           {"kind", "assignment.removed"},
           {"status", "resolved"},
           {"severity", "critical"},
           {"assignment",
            {{"scope", "/"},
             {"role", {{"id", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"}, {"name", "User Access Administrator"}}},
             {"principal", {{"id", "p1"}, {"type", "User"}, {"display_name", nullptr}}}}},
           {"actor", {{"upn", "alice@contoso.example"}}}};
  EXPECT_EQ(describe_delivery(d),
            "receiver: RESOLVED critical assignment.removed: User 'p1' no longer holds User Access Administrator at "
            "scope \"/\", done by alice@contoso.example (signature verified, answered 200)");
}

TEST(describe_delivery, other_formats_and_unsigned) {
  delivery d;
  d.status = 200;
  d.body = R"({"version":"4","status":"resolved","alerts":[{},{}]})";
  d.body_json = json::parse(d.body);
  EXPECT_EQ(describe_delivery(d),
            "receiver: Alertmanager webhook: resolved with 2 alerts (signature not checked, answered 200)");
  d.body = "plain";
  d.body_json.reset();
  d.signature_valid = false;
  d.signature_problem = "webhook-id is missing";
  EXPECT_EQ(describe_delivery(d),
            "receiver: a 5-byte body that is not JSON (signature INVALID: webhook-id is missing, answered 200)");
}

}  // namespace
}  // namespace rootwatch::fake
