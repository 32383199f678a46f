// The tenant Activity Log page parser (azure-apis.md §5) on the shapes the spec examples and
// recordings show: an elevation, role assignment writes and deletes (BeginRequest with the
// request body as a JSON string, EndRequest with the response body), failed operations,
// events of no interest, and the hazards of §9: string-valued properties, embedded JSON that
// does not parse, wrong types, invalid UTF-8, huge fields, compact GUIDs and odd casing.

#include "azure/activity_log_parse.hpp"
#include "common/json.hpp"
#include "common/text.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace rootwatch::azure {
namespace {

using namespace std::chrono;

constexpr std::string_view uaa = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
constexpr std::string_view alice_oid = "3f2a9c10-5b7e-4d21-9a0c-1e2f3a4b5c6d";
constexpr std::string_view oid_claim = "http://schemas.microsoft.com/identity/claims/objectidentifier";
constexpr std::string_view upn_claim = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";

timestamp utc(int y, unsigned mo, unsigned d, int h, int mi, int s, nanoseconds frac = {}) {
  const sys_days date{year{y} / month{mo} / day{d}};
  return timestamp{
      duration_cast<system_clock::duration>(date.time_since_epoch() + hours{h} + minutes{mi} + seconds{s} + frac)};
}

// An elevation as the tenant log records it (§5.1, §5.2).
json elevate_event() {
  return json::parse(R"j({
    "authorization": {"action": "Microsoft.Authorization/elevateAccess/action",
                      "scope": "/providers/Microsoft.Authorization"},
    "caller": "alice@contoso.example",
    "channels": "Operation",
    "claims": {
      "aud": "https://management.core.windows.net/",
      "iss": "https://sts.windows.net/8d1f3a5c-7e42-4b19-9c60-2f5e8a7d3b14/",
      "http://schemas.microsoft.com/identity/claims/objectidentifier": "3F2A9C10-5B7E-4D21-9A0C-1E2F3A4B5C6D",
      "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "alice@contoso.example",
      "appid": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
      "ipaddr": "198.51.100.20",
      "wids": "62e90394-69f5-4237-9190-012177145e10"
    },
    "correlationId": "5b0f3d1e-8a4c-4e2f-9d7b-1c2a3b4c5d6e",
    "description": "",
    "eventDataId": "0c6f1a2b-3d4e-4f50-8a9b-c0d1e2f3a4b5",
    "eventName": {"value": "EndRequest", "localizedValue": "End request"},
    "category": {"value": "Administrative", "localizedValue": "Administrative"},
    "httpRequest": {"clientRequestId": "e1f2", "clientIpAddress": "203.0.113.7", "method": "POST"},
    "id": "/providers/Microsoft.Authorization/events/0c6f1a2b-3d4e-4f50-8a9b-c0d1e2f3a4b5/ticks/638400000000000000",
    "level": "Informational",
    "operationId": "5b0f3d1e-8a4c-4e2f-9d7b-1c2a3b4c5d6e",
    "operationName": {"value": "Microsoft.Authorization/elevateAccess/action",
                      "localizedValue": "Assigns the caller to User Access Administrator role"},
    "properties": {"statusCode": "OK", "eventCategory": "Administrative",
                   "entity": "/providers/Microsoft.Authorization",
                   "message": "Microsoft.Authorization/elevateAccess/action",
                   "hierarchy": "8d1f3a5c-7e42-4b19-9c60-2f5e8a7d3b14"},
    "resourceGroupName": "",
    "resourceProviderName": {"value": "Microsoft.Authorization", "localizedValue": "Microsoft Authorization"},
    "resourceId": "/providers/Microsoft.Authorization",
    "resourceType": {"value": "Microsoft.Authorization/elevateAccess", "localizedValue": ""},
    "status": {"value": "Succeeded", "localizedValue": "Succeeded"},
    "subStatus": {"value": "OK", "localizedValue": "OK (HTTP Status Code: 200)"},
    "eventTimestamp": "2024-05-01T10:03:21.3422480Z",
    "submissionTimestamp": "2024-05-01T10:04:41.1000000Z",
    "subscriptionId": "",
    "tenantId": "8d1f3a5c-7e42-4b19-9c60-2f5e8a7d3b14"
  })j");
}

// A role assignment write at "/", BeginRequest: the request body is a JSON string, here with
// the compact GUIDs a system caller writes (§5.2).
json write_event() {
  json e = elevate_event();
  e["eventDataId"] = "1d7e2b3c-4e5f-4061-9bac-d1e2f3a4b5c6";
  e["operationName"] = {{"value", "Microsoft.Authorization/roleAssignments/write"},
                        {"localizedValue", "Create role assignment"}};
  e["eventName"] = {{"value", "BeginRequest"}, {"localizedValue", "Begin request"}};
  e["status"] = {{"value", "Started"}, {"localizedValue", "Started"}};
  e["resourceId"] = "/providers/Microsoft.Authorization/roleAssignments/A1B2C3D4-0000-4000-8000-000000000001";
  e["properties"] = {
      {"statusCode", "Created"},
      {"entity", "/providers/Microsoft.Authorization/roleAssignments/A1B2C3D4-0000-4000-8000-000000000001"},
      {"requestbody",
       R"({"Id":"a1b2c3d4-0000-4000-8000-000000000001","Properties":{"PrincipalId":"9e8d7c6b5a494382b7160f1e2d3c4b5a","PrincipalType":"User","RoleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/8e3af657a8ff443ca75c2fe8c4bcb635","Scope":"/"}})"}};
  return e;
}

// A delete at a management group, EndRequest: the response body names the assignment.
json delete_event() {
  json e = elevate_event();
  e["eventDataId"] = "2e8f3c4d-5f60-4172-8cbd-e2f3a4b5c6d7";
  e["operationName"] = {{"value", "microsoft.authorization/roleassignments/delete"},
                        {"localizedValue", "Delete role assignment"}};
  e["resourceId"] =
      "/providers/Microsoft.Management/managementGroups/contoso/providers/Microsoft.Authorization/roleAssignments/"
      "b2c3d4e5-0000-4000-8000-000000000002";
  e["properties"] = {
      {"statusCode", "OK"},
      {"responseBody",
       R"({"properties":{"roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/18d7d88d-d35e-4fb5-a5c3-7773c20a72d9","principalId":"3f2a9c10-5b7e-4d21-9a0c-1e2f3a4b5c6d","scope":"/providers/Microsoft.Management/managementGroups/contoso"},"id":"/providers/Microsoft.Management/managementGroups/contoso/providers/Microsoft.Authorization/roleAssignments/b2c3d4e5-0000-4000-8000-000000000002"})"}};
  return e;
}

json other_event() {
  json e = elevate_event();
  e["eventDataId"] = "3f904d5e-6071-4283-9dce-f3a4b5c6d7e8";
  e["operationName"] = {{"value", "Microsoft.Resources/deployments/write"}, {"localizedValue", "Deploy"}};
  return e;
}

std::string page_of(std::initializer_list<json> events, json next_link = nullptr) {
  json page = {{"value", json::array()}, {"nextLink", next_link}};
  for (const auto& e : events) {
    page["value"].push_back(e);
  }
  return page.dump();
}

TEST(activity_log_parse, an_elevation_names_who_from_where_and_what_it_granted) {
  auto page = parse_activity_log_page(page_of({elevate_event()}));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->events.size(), 1u);
  const auto& e = page->events[0];
  EXPECT_EQ(e.source, "activity_log");
  EXPECT_EQ(e.event_id, "0c6f1a2b-3d4e-4f50-8a9b-c0d1e2f3a4b5");
  EXPECT_EQ(e.operation, "elevate_access");
  EXPECT_EQ(e.status, "Succeeded");
  EXPECT_EQ(e.occurred_at, utc(2024, 5, 1, 10, 3, 21, nanoseconds{342248000}));
  EXPECT_EQ(e.correlation_id, "5b0f3d1e-8a4c-4e2f-9d7b-1c2a3b4c5d6e");
  EXPECT_EQ(e.actor.id, alice_oid) << "the oid claim, normalised";
  EXPECT_EQ(e.actor.upn, "alice@contoso.example");
  EXPECT_EQ(e.actor.app_id, "c44b4083-3bb0-49c1-b47d-974e53cbdf3c");
  EXPECT_EQ(e.actor.ip, "203.0.113.7") << "the request's address before the token's ipaddr claim";
  // What elevateAccess grants, by definition.
  EXPECT_EQ(e.scope, "/");
  EXPECT_EQ(e.role_id, uaa);
  EXPECT_EQ(e.principal_id, alice_oid);
  EXPECT_FALSE(e.assignment_id) << "the elevation event does not name the assignment it creates";
  EXPECT_FALSE(page->next_link) << "nextLink null is the last page";
}

TEST(activity_log_parse, a_write_takes_the_assignment_from_the_resource_id_and_the_request_body_string) {
  auto page = parse_activity_log_page(page_of({write_event()}));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->events.size(), 1u);
  const auto& e = page->events[0];
  EXPECT_EQ(e.operation, "role_assignment_write");
  EXPECT_EQ(e.status, "Started");
  EXPECT_EQ(e.assignment_id, "/providers/Microsoft.Authorization/roleAssignments/a1b2c3d4-0000-4000-8000-000000000001")
      << "canonical, as ARM lists it";
  EXPECT_EQ(e.scope, "/");
  EXPECT_EQ(e.role_id, "8e3af657-a8ff-443c-a75c-2fe8c4bcb635") << "compact GUID normalised";
  EXPECT_EQ(e.principal_id, "9e8d7c6b-5a49-4382-b716-0f1e2d3c4b5a");
}

TEST(activity_log_parse, a_delete_below_root_keeps_its_scope_and_reads_the_response_body) {
  auto page = parse_activity_log_page(page_of({delete_event()}));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->events.size(), 1u);
  const auto& e = page->events[0];
  EXPECT_EQ(e.operation, "role_assignment_delete") << "operation names compare case-insensitively";
  EXPECT_EQ(e.scope, "/providers/Microsoft.Management/managementGroups/contoso");
  EXPECT_EQ(e.assignment_id,
            "/providers/Microsoft.Management/managementGroups/contoso/providers/Microsoft.Authorization/"
            "roleAssignments/b2c3d4e5-0000-4000-8000-000000000002");
  EXPECT_EQ(e.role_id, uaa);
  EXPECT_EQ(e.principal_id, alice_oid);
}

TEST(activity_log_parse, a_failed_operation_is_kept_with_its_status) {
  json failed = elevate_event();
  failed["status"] = {{"value", "Failed"}, {"localizedValue", "Failed"}};
  failed["properties"]["statusCode"] = "Forbidden";
  auto page = parse_activity_log_page(page_of({failed}));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->events[0].status, "Failed") << "an attempt is worth knowing about too";
}

TEST(activity_log_parse, only_events_of_interest_are_kept_and_the_rest_are_counted) {
  auto page = parse_activity_log_page(page_of({other_event(), elevate_event(), other_event(), delete_event()},
                                              "https://management.azure.com/providers/Microsoft.Insights/eventtypes/"
                                              "management/values?api-version=2015-04-01&$skipToken=AS1:0:e0;US1:-1"));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[0].operation, "elevate_access");
  EXPECT_EQ(page->events[1].operation, "role_assignment_delete");
  EXPECT_EQ(page->skipped, 2u);
  EXPECT_EQ(page->next_link,
            "https://management.azure.com/providers/Microsoft.Insights/eventtypes/management/"
            "values?api-version=2015-04-01&$skipToken=AS1:0:e0;US1:-1")
      << "verbatim";
}

TEST(activity_log_parse, an_empty_page_may_still_have_a_next_link) {
  auto page = parse_activity_log_page(R"({"value":[],"nextLink":"https://management.azure.com/x?$skipToken=a"})");
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_TRUE(page->events.empty());
  EXPECT_TRUE(page->next_link);
  for (const char* last : {R"({"value":[]})", R"({"value":[],"nextLink":null})", R"({"value":[],"nextLink":""})"}) {
    auto p = parse_activity_log_page(last);
    ASSERT_TRUE(p) << last;
    EXPECT_FALSE(p->next_link) << last;
  }
}

TEST(activity_log_parse, a_request_body_that_is_not_json_leaves_role_and_principal_unknown) {
  for (const json& broken : {json("{\"properties\":{\"principalId\":"), json("not json at all"), json("[1,2]"),
                             json("\"a string\""), json::object({{"properties", {{"principalId", "x"}}}}), json(42)}) {
    json e = write_event();
    e["properties"]["requestbody"] = broken;
    auto page = parse_activity_log_page(page_of({e}));
    ASSERT_TRUE(page) << broken.dump() << ": " << page.error().message;
    ASSERT_EQ(page->events.size(), 1u);
    EXPECT_FALSE(page->events[0].role_id) << broken.dump();
    EXPECT_FALSE(page->events[0].principal_id) << broken.dump();
    EXPECT_TRUE(page->events[0].assignment_id) << "the resource id still names it";
  }
}

TEST(activity_log_parse, properties_and_claims_of_the_wrong_type_are_unknown_not_errors) {
  json e = elevate_event();
  e["properties"] = json::array({1, 2});
  e["claims"] = "not a map";
  e["httpRequest"] = 7;
  e["caller"] = json::object();
  e["correlationId"] = 12;
  auto page = parse_activity_log_page(page_of({e}));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->events.size(), 1u);
  const auto& a = page->events[0].actor;
  EXPECT_FALSE(a.id);
  EXPECT_FALSE(a.upn);
  EXPECT_FALSE(a.ip);
  EXPECT_FALSE(page->events[0].correlation_id);

  // The IP from the token's claim when the record has no httpRequest.
  json no_request = elevate_event();
  no_request.erase("httpRequest");
  auto p2 = parse_activity_log_page(page_of({no_request}));
  ASSERT_TRUE(p2);
  EXPECT_EQ(p2->events[0].actor.ip, "198.51.100.20");

  // An app: no upn claim, the caller is its object id.
  json app = elevate_event();
  app["claims"] = {{"appid", "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"}};
  app["caller"] = "9E8D7C6B-5A49-4382-B716-0F1E2D3C4B5A";
  auto p3 = parse_activity_log_page(page_of({app}));
  ASSERT_TRUE(p3);
  EXPECT_EQ(p3->events[0].actor.id, "9e8d7c6b-5a49-4382-b716-0f1e2d3c4b5a");
  EXPECT_FALSE(p3->events[0].actor.upn);
}

// Each case: the event edited, and the field the error must name.
struct broken_case {
  const char* name;
  void (*edit)(json&);
  const char* field;
};

TEST(activity_log_parse, what_identifies_an_event_of_interest_is_required_and_errors_name_the_field) {
  const broken_case cases[] = {
      {"no eventDataId", [](json& e) { e.erase("eventDataId"); }, "eventDataId"},
      {"numeric eventDataId", [](json& e) { e["eventDataId"] = 42; }, "eventDataId"},
      {"empty eventDataId", [](json& e) { e["eventDataId"] = " "; }, "eventDataId"},
      {"no eventTimestamp", [](json& e) { e.erase("eventTimestamp"); }, "eventTimestamp"},
      {"placeholder time", [](json& e) { e["eventTimestamp"] = "YYYY-MM-DD HH:MM:SSZ"; }, "eventTimestamp"},
      {"numeric time", [](json& e) { e["eventTimestamp"] = 1714557801; }, "eventTimestamp"},
      {"operationName a string", [](json& e) { e["operationName"] = "x"; }, "operationName.value"},
      {"operationName.value a number", [](json& e) { e["operationName"]["value"] = 1; }, "operationName.value"},
      {"no operationName", [](json& e) { e.erase("operationName"); }, "operationName.value"},
      {"status a string", [](json& e) { e["status"] = "Succeeded"; }, "status.value"},
  };
  for (const auto& c : cases) {
    json e = elevate_event();
    c.edit(e);
    auto page = parse_activity_log_page(page_of({e}));
    ASSERT_FALSE(page) << c.name;
    EXPECT_EQ(page.error().kind, error_kind::parse) << c.name;
    EXPECT_NE(page.error().message.find(c.field), std::string::npos) << c.name << ": " << page.error().message;
  }
  // An event of no interest needs nothing but its operation name.
  json other = other_event();
  other.erase("eventDataId");
  other.erase("eventTimestamp");
  auto page = parse_activity_log_page(page_of({other}));
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->skipped, 1u);
}

TEST(activity_log_parse, a_page_of_the_wrong_shape_is_an_error) {
  for (const char* body : {"", "<html>", "[]", "null", R"({"value":{}})", R"({"values":[]})", R"({"value":[1]})",
                           R"({"value":[],"nextLink":42})", R"({"value":[],"nextLink":{}})"}) {
    auto page = parse_activity_log_page(body);
    ASSERT_FALSE(page) << body;
    EXPECT_EQ(page.error().kind, error_kind::parse) << body;
    EXPECT_TRUE(is_valid_utf8(page.error().message));
  }
}

TEST(activity_log_parse, invalid_utf8_is_an_error_never_an_exception) {
  std::string body = page_of({elevate_event()});
  const auto at = body.find("alice@contoso.example");
  body.replace(at, 5, "\xC3\x28\xFF");
  auto page = parse_activity_log_page(body);
  ASSERT_FALSE(page);
  EXPECT_TRUE(is_valid_utf8(page.error().message));
}

TEST(activity_log_parse, huge_fields_are_cut_on_code_point_boundaries) {
  std::string huge;
  while (huge.size() < 200'000) {
    huge += "jörg";
  }
  json e = elevate_event();
  e["caller"] = huge + "@contoso.example";
  e["claims"].erase(std::string(upn_claim));
  e["claims"][std::string(oid_claim)] = huge;
  e["httpRequest"]["clientIpAddress"] = huge;
  e["status"]["value"] = huge;
  e["eventDataId"] = huge;
  e["correlationId"] = huge;
  auto page = parse_activity_log_page(page_of({e}));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->events.size(), 1u);
  const auto& ev = page->events[0];
  for (const std::string* s : {&ev.event_id, &ev.status, &*ev.actor.upn, &*ev.actor.ip, &*ev.correlation_id}) {
    EXPECT_LE(s->size(), 1000u);
    EXPECT_TRUE(is_valid_utf8(*s));
  }
  EXPECT_FALSE(ev.actor.id) << "a huge oid is no GUID";
}

TEST(activity_log_parse, the_filter_is_the_documented_quoted_form) {
  EXPECT_EQ(activity_log_filter(utc(2024, 5, 1, 10, 0, 0), utc(2024, 5, 1, 10, 15, 0)),
            "eventTimestamp ge '2024-05-01T10:00:00Z' and eventTimestamp le '2024-05-01T10:15:00Z'");
  // The clock's nanoseconds are more digits than the service takes: whole seconds, widened.
  EXPECT_EQ(activity_log_filter(utc(2024, 5, 1, 10, 0, 0, nanoseconds{123456789}),
                                utc(2024, 5, 1, 10, 15, 0, nanoseconds{1})),
            "eventTimestamp ge '2024-05-01T10:00:00Z' and eventTimestamp le '2024-05-01T10:15:01Z'");
}

TEST(activity_log_parse, the_90_day_error_with_its_flat_body_is_said_plainly) {
  for (const char* body :
       {R"({"code":"BadRequest","message":"The start time cannot be more than 90 days in the past."})",
        R"({"Code":"BadRequest","Message":"The start time cannot be more than 90 days in the past."})"}) {
    const error e = activity_log_error(400, body, "activity log");
    EXPECT_EQ(e.http_status, 400);
    EXPECT_FALSE(e.retryable);
    EXPECT_NE(e.message.find("keeps 90 days"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("BadRequest"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("cannot be more than 90 days"), std::string::npos) << e.message;
  }
  const error other = activity_log_error(400, R"({"code":"BadRequest","message":"The $filter is not valid."})", "a");
  EXPECT_EQ(other.message.find("keeps 90 days"), std::string::npos) << other.message;
  const error throttled =
      activity_log_error(429, R"({"error":{"code":"TenantRequestsThrottled","message":"later"}})", "activity log");
  EXPECT_EQ(throttled.kind, error_kind::throttled);
  EXPECT_TRUE(throttled.retryable);
  EXPECT_NE(throttled.message.find("TenantRequestsThrottled"), std::string::npos);
}

}  // namespace
}  // namespace rootwatch::azure
