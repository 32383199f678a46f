// The fake's Graph directory audits (§6): the documented $filter grammar and nothing more, a
// $skiptoken that must come back verbatim, the 403 switch, and the control route.

#include "azure_fixture.hpp"

#include <fmt/format.h>

namespace rootwatch::fake {
namespace {

constexpr std::string_view audits = "/v1.0/auditLogs/directoryAudits";

class graph_audit_test : public azure_test {
 protected:
  net::response get(const std::string& where, const std::string& token) {
    auto r = arm("GET", where, token);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : net::response{};
  }

  static std::string filtered(std::string_view filter) {
    return std::string(audits) + "?$filter=" + form_encode(filter);
  }

  static std::string code_of(const net::response& r) {
    const json j = json::parse(r.body, nullptr, false);
    return j.is_object() && j.contains("error") && j["error"].is_object() ? j["error"].value("code", "") : "";
  }

  directory_audit record(std::string id, std::string_view when) {
    directory_audit a;
    a.id = std::move(id);
    a.activity_date_time = parse_iso8601(when);
    a.user_id = "5c1e7a52-3f0b-4d8e-9a61-2b7c4e9f0d13";
    a.user_upn = "alice@contoso.example";
    return azure_->add_directory_audit(a);
  }
};

TEST_F(graph_audit_test, filters_by_service_and_time_with_the_documented_operators_only) {
  const auto token = app_token();
  record("early", "2025-02-11T09:00:00Z");
  record("late", "2025-02-11T11:00:00Z");
  directory_audit other;
  other.id = "core";
  other.activity_date_time = parse_iso8601("2025-02-11T11:00:00Z");
  other.logged_by_service = "Core Directory";
  azure_->add_directory_audit(other);

  auto r = get(filtered("loggedByService eq 'Azure RBAC (Elevated Access)' and activityDateTime ge "
                        "2025-02-11T10:00:00Z and activityDateTime le 2025-02-11T12:00:00Z"),
               token);
  ASSERT_EQ(r.status, 200) << r.body;
  const json page = json::parse(r.body);
  ASSERT_EQ(page["value"].size(), 1u);
  EXPECT_EQ(page["value"][0]["id"], "late");
  EXPECT_TRUE(page["value"][0]["initiatedBy"]["app"].is_null());
  EXPECT_FALSE(page["value"][0]["initiatedBy"]["user"].contains("ipAddress")) << "absent unless set";

  for (const std::string_view bad : {"activityDateTime lt 2025-02-11T12:00:00Z", "activityDateTime gt 2025-02-11Z",
                                     "initiatedBy/user/id eq 'x'", "loggedByService ne 'x'"}) {
    r = get(filtered(bad), token);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(code_of(r), "Request_UnsupportedQuery") << bad;
  }
  r = get(filtered("activityDateTime ge '2025-02-11T10:00:00Z'"), token);
  EXPECT_EQ(r.status, 400) << "a DateTimeOffset literal is unquoted";
  EXPECT_EQ(code_of(r), "BadRequest");
}

TEST_F(graph_audit_test, pages_newest_first_with_a_skiptoken_that_must_come_back_verbatim) {
  const auto token = app_token();
  azure_->set_directory_audit_page_size(2);
  record("a", "2025-02-11T09:00:00Z");
  record("c", "2025-02-11T11:00:00Z");
  record("b", "2025-02-11T10:00:00Z");
  auto r = get(std::string(audits), token);
  ASSERT_EQ(r.status, 200) << r.body;
  json page = json::parse(r.body);
  EXPECT_EQ(page["value"][0]["id"], "c");
  EXPECT_EQ(page["value"][1]["id"], "b");
  const std::string next = page["@odata.nextLink"];
  ASSERT_NE(next.find("$skiptoken=audit;2:"), std::string::npos) << next;
  r = get(next, token);
  ASSERT_EQ(r.status, 200) << r.body;
  page = json::parse(r.body);
  EXPECT_EQ(page["value"][0]["id"], "a");
  EXPECT_FALSE(page.contains("@odata.nextLink"));
  // Re-encoded: refused.
  std::string reencoded = next;
  reencoded.replace(reencoded.find("audit;"), 6, "audit%3B");
  r = get(reencoded, token);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("verbatim"), std::string::npos) << r.body;
}

TEST_F(graph_audit_test, needs_a_token_and_refuses_an_app_without_the_permission) {
  EXPECT_EQ(get(std::string(audits), "").status, 401);
  azure_->set_directory_audit_denied(true);
  const auto r = get(std::string(audits), app_token());
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(code_of(r), "Authorization_RequestDenied");
  EXPECT_EQ(azure_->request_count(azure_route::entra_audit), 2u);
  EXPECT_EQ(to_string(azure_route::entra_audit), "entra_audit");
  EXPECT_EQ(azure_route_from_string("entra_audit"), azure_route::entra_audit);
}

TEST_F(graph_audit_test, records_and_settings_through_the_control_routes) {
  auto r = arm("POST", "/_fake/directory_audits", "",
               R"([{"id":"x1","activity_date_time":"2025-02-11T10:00:00Z","user_id":"u","upn":"bob@contoso.example",)"
               R"("ip":"198.51.100.4"},{"id":"x2","removal":true}])");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->status, 201) << r->body;
  r = arm("POST", "/_fake/settings", "", R"({"entra_audit":{"page_size":5,"denied":false}})");
  ASSERT_TRUE(r);
  const json state = json::parse(r->body);
  EXPECT_EQ(state["entra_audit"]["records"], 2);
  EXPECT_EQ(state["entra_audit"]["page_size"], 5);
  const auto listed = get(std::string(audits), app_token());
  const json page = json::parse(listed.body);
  ASSERT_EQ(page["value"].size(), 2u);
  bool removal_seen = false;
  for (const auto& v : page["value"]) {
    if (v["id"] == "x2") {
      removal_seen = v["activityDisplayName"] == directory_audit_removed_text;
    }
  }
  EXPECT_TRUE(removal_seen);
}

}  // namespace
}  // namespace rootwatch::fake
