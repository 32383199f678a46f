// Graph directory audits on the wire (azure/entra_audit_parse.cpp), table-tested on the shapes
// of azure-apis.md §6: the elevate and removal records, initiated by a user or by an app, with
// null members, a missing ipAddress, annotations, wrong types and bytes that are not UTF-8, the
// $filter we send, and Graph's error body.

#include "azure/entra_audit_parse.hpp"
#include "common/json.hpp"
#include "common/text.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace rootwatch::azure {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view uaa = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
constexpr std::string_view alice = "5c1e7a52-3f0b-4d8e-9a61-2b7c4e9f0d13";

// The elevate record as the service writes it (§6, the Stratus sample's shape).
json elevate_record(std::string_view id = "Directory_ELEV_0001") {
  return json::parse(fmt::format(R"json({{
    "id": "{}",
    "category": "AzureRBACRoleManagementElevateAccess",
    "correlationId": "8B6A7C3E-1F2D-4E5A-9B8C-7D6E5F4A3B2C",
    "result": "success",
    "resultReason": "",
    "activityDisplayName": "User has elevated their access to User Access Administrator for their Azure Resources",
    "activityDateTime": "2024-12-27T10:01:19.5796748Z",
    "loggedByService": "Azure RBAC (Elevated Access)",
    "operationType": "Assign",
    "initiatedBy": {{
      "app": null,
      "user": {{"id": "{}", "displayName": null, "userPrincipalName": "alice@contoso.example",
                "ipAddress": "203.0.113.7", "userType": null, "homeTenantId": null, "homeTenantName": null}}
    }},
    "targetResources": [{{"id": "{}", "displayName": null, "type": "User",
                          "userPrincipalName": "alice@contoso.example", "groupType": null,
                          "modifiedProperties": []}}],
    "additionalDetails": [{{"key": "OperationName", "value": "Microsoft.Authorization/elevateAccess/action"}},
                          {{"key": "Resource", "value": "/providers/Microsoft.Authorization"}}]
  }})json",
                                 id, alice, alice));
}

json page_of(std::vector<json> records, std::optional<std::string> next = std::nullopt) {
  json page = {{"@odata.context", "https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits"},
               {"value", std::move(records)}};
  if (next) {
    page["@odata.nextLink"] = *next;
  }
  return page;
}

result<entra_audit_page> parse(const json& page) {
  return parse_entra_audit_page(page.dump());
}

TEST(parse_entra_audit_page, a_user_elevation_names_who_from_where_and_when) {
  auto page = parse(page_of({elevate_record()}));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_FALSE(page->next_link);
  const auto& e = page->events[0];
  EXPECT_EQ(e.source, "entra_audit");
  EXPECT_EQ(e.event_id, "Directory_ELEV_0001");
  EXPECT_EQ(e.operation, "elevate_access");
  EXPECT_EQ(e.status, "success");
  EXPECT_EQ(e.occurred_at, parse_iso8601("2024-12-27T10:01:19.5796748Z"));
  EXPECT_EQ(e.correlation_id, "8b6a7c3e-1f2d-4e5a-9b8c-7d6e5f4a3b2c") << "GUIDs in one form";
  EXPECT_EQ(e.actor.id, std::string(alice));
  EXPECT_EQ(e.actor.upn, "alice@contoso.example");
  EXPECT_EQ(e.actor.ip, "203.0.113.7");
  EXPECT_FALSE(e.actor.app_id);
  // The elevation gives User Access Administrator at "/" to the caller.
  EXPECT_EQ(e.scope, "/");
  EXPECT_EQ(e.role_id, std::string(uaa));
  EXPECT_EQ(e.principal_id, std::string(alice));
  EXPECT_FALSE(e.assignment_id);
}

TEST(parse_entra_audit_page, the_removal_record_is_a_delete_of_the_same_assignment) {
  json r = elevate_record("Directory_ELEV_0002");
  r["activityDisplayName"] = "The role assignment of User Access Administrator has been removed from the user";
  r["operationType"] = "Unassign";
  r["additionalDetails"] = json::array();
  const std::string bob = "0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d";
  r["targetResources"][0]["id"] = bob;
  auto page = parse(page_of({r}));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->events.size(), 1u);
  const auto& e = page->events[0];
  EXPECT_EQ(e.operation, "role_assignment_delete");
  EXPECT_EQ(e.scope, "/");
  EXPECT_EQ(e.role_id, std::string(uaa));
  EXPECT_EQ(e.principal_id, bob) << "whose elevation ended: the target user";
  EXPECT_EQ(e.actor.id, std::string(alice)) << "who ended it";
  // Without a target, the user removed their own elevation.
  r["targetResources"] = nullptr;
  page = parse(page_of({r}));
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->events.at(0).principal_id, std::string(alice));
}

TEST(parse_entra_audit_page, an_app_initiated_record_names_the_app_and_its_service_principal) {
  json r = elevate_record();
  r["initiatedBy"] = {{"user", nullptr},
                      {"app",
                       {{"appId", "3F2504E0-4F89-41D3-9A0C-0305E82C3301"},
                        {"displayName", "automation"},
                        {"servicePrincipalId", "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"},
                        {"servicePrincipalName", "automation"}}}};
  auto page = parse(page_of({r}));
  ASSERT_TRUE(page) << page.error().message;
  const auto& e = page->events.at(0);
  EXPECT_EQ(e.actor.app_id, "3f2504e0-4f89-41d3-9a0c-0305e82c3301");
  EXPECT_EQ(e.actor.id, "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a");
  EXPECT_FALSE(e.actor.upn);
  EXPECT_FALSE(e.actor.ip);
  EXPECT_EQ(e.principal_id, "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a");
}

TEST(parse_entra_audit_page, missing_and_null_members_are_unknowns_not_errors) {
  struct row {
    std::string name;
    std::function<void(json&)> edit;
    std::function<void(const engine::audit_event&)> check;
  };
  const std::vector<row> rows{
      {"no ipAddress", [](json& r) { r["initiatedBy"]["user"].erase("ipAddress"); },
       [](const engine::audit_event& e) {
         EXPECT_FALSE(e.actor.ip);
         EXPECT_EQ(e.actor.upn, "alice@contoso.example");
       }},
      {"null ipAddress and upn",
       [](json& r) {
         r["initiatedBy"]["user"]["ipAddress"] = nullptr;
         r["initiatedBy"]["user"]["userPrincipalName"] = nullptr;
       },
       [](const engine::audit_event& e) {
         EXPECT_FALSE(e.actor.ip);
         EXPECT_FALSE(e.actor.upn);
       }},
      {"empty ipAddress", [](json& r) { r["initiatedBy"]["user"]["ipAddress"] = ""; },
       [](const engine::audit_event& e) { EXPECT_FALSE(e.actor.ip); }},
      {"null initiatedBy", [](json& r) { r["initiatedBy"] = nullptr; },
       [](const engine::audit_event& e) {
         EXPECT_EQ(e.actor, engine::actor_ref{});
         EXPECT_FALSE(e.principal_id);
       }},
      {"doc placeholder as user id", [](json& r) { r["initiatedBy"]["user"]["id"] = "{objectID}"; },
       [](const engine::audit_event& e) {
         EXPECT_EQ(e.actor.id, "{objectID}");
         EXPECT_FALSE(e.principal_id) << "no GUID, no principal";
       }},
      {"no correlationId, result or additionalDetails",
       [](json& r) {
         r.erase("correlationId");
         r.erase("result");
         r["additionalDetails"] = nullptr;
       },
       [](const engine::audit_event& e) {
         EXPECT_FALSE(e.correlation_id);
         EXPECT_EQ(e.status, "");
         EXPECT_EQ(e.operation, "elevate_access") << "the display name is enough";
       }},
      {"only the operation name", [](json& r) { r["activityDisplayName"] = "Something reworded by Microsoft"; },
       [](const engine::audit_event& e) { EXPECT_EQ(e.operation, "elevate_access"); }},
      {"a failure", [](json& r) { r["result"] = "failure"; },
       [](const engine::audit_event& e) { EXPECT_EQ(e.status, "failure"); }},
  };
  for (const auto& r : rows) {
    json record = elevate_record();
    r.edit(record);
    auto page = parse(page_of({record}));
    ASSERT_TRUE(page) << r.name << ": " << page.error().message;
    ASSERT_EQ(page->events.size(), 1u) << r.name;
    r.check(page->events[0]);
  }
}

TEST(parse_entra_audit_page, records_of_no_interest_are_counted_and_left_out) {
  json other_service = elevate_record("other-1");
  other_service["loggedByService"] = "Core Directory";
  json other_activity = elevate_record("other-2");
  other_activity["activityDisplayName"] = "Something else entirely";
  other_activity["additionalDetails"] = json::array();
  auto page = parse(page_of({other_service, elevate_record("kept"), other_activity}));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->events[0].event_id, "kept");
  EXPECT_EQ(page->ignored, 2u);
}

TEST(parse_entra_audit_page, next_link_and_annotations) {
  const std::string next = "https://graph.microsoft.com/v1.0/auditLogs/directoryAudits?$skiptoken=a;b:c%3D";
  json body = page_of({elevate_record()}, next);
  body["@microsoft.graph.tips"] = "Use $select to choose only the properties your app needs.";
  auto page = parse(body);
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->next_link, next) << "verbatim";
  for (const json& last : {json(nullptr), json("")}) {
    body["@odata.nextLink"] = last;
    page = parse(body);
    ASSERT_TRUE(page) << page.error().message;
    EXPECT_FALSE(page->next_link);
  }
  auto empty = parse(page_of({}, next));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->events.empty());
  EXPECT_EQ(empty->next_link, next) << "an empty page may still have a next one";
}

TEST(parse_entra_audit_page, wrong_types_are_errors_naming_the_field) {
  struct row {
    std::string name;
    std::function<void(json&)> spoil;
    std::string field;
  };
  const std::vector<row> rows{
      {"value object", [](json& p) { p["value"] = json::object(); }, "value"},
      {"value missing", [](json& p) { p.erase("value"); }, "value"},
      {"nextLink number", [](json& p) { p["@odata.nextLink"] = 42; }, "@odata.nextLink"},
      {"record array", [](json& p) { p["value"][0] = json::array(); }, "value[0]"},
      {"id number", [](json& p) { p["value"][0]["id"] = 7; }, "value[0].id"},
      {"id missing", [](json& p) { p["value"][0].erase("id"); }, "value[0].id"},
      {"time number", [](json& p) { p["value"][0]["activityDateTime"] = 1735293679; }, "value[0].activityDateTime"},
      {"time text", [](json& p) { p["value"][0]["activityDateTime"] = "yesterday"; }, "value[0].activityDateTime"},
      {"time missing", [](json& p) { p["value"][0].erase("activityDateTime"); }, "value[0].activityDateTime"},
      {"display object", [](json& p) { p["value"][0]["activityDisplayName"] = json::object(); },
       "value[0].activityDisplayName"},
      {"service bool", [](json& p) { p["value"][0]["loggedByService"] = true; }, "value[0].loggedByService"},
      {"result number", [](json& p) { p["value"][0]["result"] = 0; }, "value[0].result"},
      {"initiatedBy string", [](json& p) { p["value"][0]["initiatedBy"] = "alice"; }, "value[0].initiatedBy"},
      {"user array", [](json& p) { p["value"][0]["initiatedBy"]["user"] = json::array(); },
       "value[0].initiatedBy.user"},
      {"ip number", [](json& p) { p["value"][0]["initiatedBy"]["user"]["ipAddress"] = 3405803783; },
       "value[0].initiatedBy.user.ipAddress"},
      {"upn array", [](json& p) { p["value"][0]["initiatedBy"]["user"]["userPrincipalName"] = json::array(); },
       "value[0].initiatedBy.user.userPrincipalName"},
      {"app string", [](json& p) { p["value"][0]["initiatedBy"]["app"] = "automation"; }, "value[0].initiatedBy.app"},
      {"appId number",
       [](json& p) {
         p["value"][0]["initiatedBy"]["app"] = {{"appId", 1}};
       },
       "value[0].initiatedBy.app.appId"},
      {"targets object", [](json& p) { p["value"][0]["targetResources"] = json::object(); },
       "value[0].targetResources"},
      {"target type number", [](json& p) { p["value"][0]["targetResources"][0]["type"] = 1; },
       "value[0].targetResources[0].type"},
      {"details string", [](json& p) { p["value"][0]["additionalDetails"] = "x"; }, "value[0].additionalDetails"},
      {"detail value number", [](json& p) { p["value"][0]["additionalDetails"][1]["value"] = 5; },
       "value[0].additionalDetails[1].value"},
  };
  for (const auto& r : rows) {
    json page = page_of({elevate_record()});
    r.spoil(page);
    auto parsed = parse(page);
    ASSERT_FALSE(parsed) << r.name;
    EXPECT_EQ(parsed.error().kind, error_kind::parse) << r.name;
    EXPECT_NE(parsed.error().message.find(r.field), std::string::npos) << r.name << ": " << parsed.error().message;
    EXPECT_EQ(parsed.error().message.find("alice@"), std::string::npos) << r.name << ": the body is not quoted";
  }
  // A wrong type on a record of another service is an error too: the page is not the shape we read.
  json page = page_of({elevate_record()});
  page["value"][0]["loggedByService"] = "Core Directory";
  page["value"][0]["initiatedBy"]["user"]["ipAddress"] = 1;
  EXPECT_FALSE(parse(page));
}

TEST(parse_entra_audit_page, bodies_that_are_not_a_json_object_are_errors) {
  for (const std::string_view body : {"", "<html>busy</html>", "[]", "null", "{\"value\":", "\"text\""}) {
    auto parsed = parse_entra_audit_page(body);
    ASSERT_FALSE(parsed) << body;
    EXPECT_EQ(parsed.error().kind, error_kind::parse);
  }
}

TEST(parse_entra_audit_page, bytes_that_are_not_utf8_never_throw_and_what_is_kept_is_valid_utf8) {
  // Raw bytes inside a string: the whole body is refused, and the error is valid UTF-8.
  std::string body = page_of({elevate_record()}).dump();
  const auto at = body.find("alice@");
  ASSERT_NE(at, std::string::npos);
  body.insert(at, "\xC3\x28\xFF");
  auto parsed = parse_entra_audit_page(body);
  if (parsed) {
    for (const auto& e : parsed->events) {
      EXPECT_TRUE(is_valid_utf8(e.actor.upn.value_or("")));
    }
  } else {
    EXPECT_TRUE(is_valid_utf8(parsed.error().message));
  }
  // A UPN far too long, with a code point across the cut: kept cut, and valid UTF-8.
  json record = elevate_record();
  record["initiatedBy"]["user"]["userPrincipalName"] = std::string(255, 'x') + "\xC3\xA9" + "@contoso.example";
  record["id"] = std::string(199, 'i') + "\xC3\xA9";
  auto cut = parse(page_of({record}));
  ASSERT_TRUE(cut) << cut.error().message;
  EXPECT_TRUE(is_valid_utf8(*cut->events.at(0).actor.upn));
  EXPECT_LE(cut->events[0].actor.upn->size(), 256u + 3u);
  EXPECT_TRUE(is_valid_utf8(cut->events[0].event_id));
}

TEST(entra_audit_filter, names_the_service_and_a_window_in_whole_seconds_widened_outwards) {
  const auto since = *parse_iso8601("2024-05-01T10:00:00.250Z");
  const auto until = *parse_iso8601("2024-05-01T10:15:00.250Z");
  EXPECT_EQ(entra_audit_filter(since, until),
            "loggedByService eq 'Azure RBAC (Elevated Access)' and activityDateTime ge 2024-05-01T10:00:00Z and "
            "activityDateTime le 2024-05-01T10:15:01Z");
  EXPECT_EQ(entra_audit_url("https://graph.microsoft.com/", since, until),
            "https://graph.microsoft.com/v1.0/auditLogs/directoryAudits?$filter="
            "loggedByService%20eq%20%27Azure%20RBAC%20%28Elevated%20Access%29%27%20and%20activityDateTime%20ge%20"
            "2024-05-01T10%3A00%3A00Z%20and%20activityDateTime%20le%202024-05-01T10%3A15%3A01Z");
  EXPECT_EQ(graph_scope("https://graph.microsoft.us/"), "https://graph.microsoft.us/.default");
  EXPECT_EQ(graph_scope("https://microsoftgraph.chinacloudapi.cn"), "https://microsoftgraph.chinacloudapi.cn/.default");
}

TEST(graph_error, reads_the_graph_body_and_classifies_by_status) {
  const std::string body =
      R"({"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.",)"
      R"("innerError":{"date":"2022-10-17T08:27:45","request-id":"r","client-request-id":"c"}}})";
  auto e = graph_error(403, body, "graph directory audits");
  EXPECT_EQ(e.kind, error_kind::permission);
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(e.http_status, 403);
  EXPECT_NE(e.message.find("Authorization_RequestDenied"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("Insufficient privileges"), std::string::npos) << e.message;
  EXPECT_EQ(graph_error(429, "", "x").kind, error_kind::throttled);
  EXPECT_TRUE(graph_error(429, "", "x").retryable);
  EXPECT_TRUE(graph_error(503, "<html>", "x").retryable);
  EXPECT_TRUE(graph_error(504, "{}", "x").retryable);
  EXPECT_EQ(graph_error(401, "null", "x").kind, error_kind::auth);
  EXPECT_FALSE(graph_error(400, R"({"error":"flat"})", "x").retryable);
  const auto bad = graph_error(400, "{\"error\":{\"message\":\"" + std::string(299, 'm') + "\xC3\xA9\"}}", "x");
  EXPECT_TRUE(is_valid_utf8(bad.message));
}

TEST(graph_refusal, a_403_names_the_permission_to_grant_and_nothing_else_does) {
  const std::string body = R"({"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges"}})";
  const auto denied = graph_refusal(403, body, "graph getByIds", "Directory.Read.All", ", to see names");
  EXPECT_EQ(denied.kind, error_kind::permission);
  EXPECT_NE(denied.message.find("Authorization_RequestDenied"), std::string::npos) << denied.message;
  EXPECT_NE(denied.message.find("lacks the Microsoft Graph application permission Directory.Read.All: grant it to "
                                "the app rootwatch signs in as, with admin consent, to see names"),
            std::string::npos)
      << denied.message;
  for (const int status : {401, 404, 429, 500}) {
    const auto other = graph_refusal(status, body, "graph getByIds", "Directory.Read.All");
    EXPECT_EQ(other.message, graph_error(status, body, "graph getByIds").message) << status;
  }
}

}  // namespace
}  // namespace rootwatch::azure
