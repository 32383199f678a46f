#include "azure/arm_parse.hpp"
#include "azure/builtin_roles.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace rootwatch::azure {
namespace {

using namespace std::chrono;

timestamp utc(int y, unsigned mo, unsigned d, int h, int mi, int s, nanoseconds frac = {}) {
  const sys_days date{year{y} / month{mo} / day{d}};
  return timestamp{
      duration_cast<system_clock::duration>(date.time_since_epoch() + hours{h} + minutes{mi} + seconds{s} + frac)};
}

// One list page at "/" in the shape of azure-apis.md §4.1.
constexpr const char* root_page = R"({
  "value": [
    {
      "properties": {
        "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        "principalId": "3f2a9c10-5b7e-4d21-9a0c-1e2f3a4b5c6d",
        "principalType": "User",
        "scope": "/",
        "condition": null,
        "conditionVersion": null,
        "createdOn": "2025-02-11T09:58:12.1234567Z",
        "updatedOn": "2025-02-11T09:58:12.1234567Z",
        "createdBy": "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
        "updatedBy": "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
        "delegatedManagedIdentityResourceId": null,
        "description": null
      },
      "id": "/providers/Microsoft.Authorization/roleAssignments/a1b2c3d4-0000-4000-8000-000000000001",
      "type": "Microsoft.Authorization/roleAssignments",
      "name": "a1b2c3d4-0000-4000-8000-000000000001"
    },
    {
      "properties": {
        "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
        "principalId": "9e8d7c6b-5a49-4382-b716-0f1e2d3c4b5a",
        "principalType": "ServicePrincipal",
        "scope": "/",
        "condition": null,
        "conditionVersion": null,
        "createdOn": "2016-08-17T19:21:16.3422480Z",
        "updatedOn": "2016-08-17T19:21:16.3422480Z",
        "createdBy": null,
        "updatedBy": null,
        "delegatedManagedIdentityResourceId": null,
        "description": "rootwatch reader"
      },
      "id": "/providers/Microsoft.Authorization/roleAssignments/a1b2c3d4-0000-4000-8000-000000000002",
      "type": "Microsoft.Authorization/roleAssignments",
      "name": "a1b2c3d4-0000-4000-8000-000000000002"
    }
  ],
  "nextLink": null
})";

// A page holding one item whose properties are `props` (a JSON object body without braces)
// and whose id is `id_json`.
std::string page_with(
    const std::string& props,
    const std::string& id_json =
        R"("/providers/Microsoft.Authorization/roleAssignments/a1b2c3d4-0000-4000-8000-000000000009")") {
  return R"({"value":[{"properties":{)" + props + R"(},"id":)" + id_json +
         R"(,"type":"Microsoft.Authorization/roleAssignments","name":"a1b2c3d4-0000-4000-8000-000000000009"}]})";
}

const std::string minimal_props =
    R"("roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",)"
    R"("principalId":"0b1c2d3e-4f50-4617-8a9b-acbdcedf0011","scope":"/")";

// --- parse_role_assignment_page: good shapes ---

TEST(parse_role_assignment_page, the_documented_root_page_parses_completely) {
  const auto page = parse_role_assignment_page(root_page);
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_FALSE(page->next_link);

  const auto& uaa = page->items[0];
  EXPECT_EQ(uaa.id, "/providers/Microsoft.Authorization/roleAssignments/a1b2c3d4-0000-4000-8000-000000000001");
  EXPECT_EQ(uaa.scope, "/");
  EXPECT_EQ(uaa.role.id, "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9");
  EXPECT_EQ(uaa.role.name, "") << "names are resolved separately";
  EXPECT_EQ(uaa.principal.id, "3f2a9c10-5b7e-4d21-9a0c-1e2f3a4b5c6d");
  EXPECT_EQ(uaa.principal.type, "User");
  EXPECT_FALSE(uaa.principal.display_name);
  EXPECT_FALSE(uaa.condition);
  EXPECT_EQ(uaa.created_on, utc(2025, 2, 11, 9, 58, 12, nanoseconds{123'456'700}));
  EXPECT_EQ(uaa.created_by, "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f");

  const auto& reader = page->items[1];
  EXPECT_EQ(reader.role.id, "acdd72a7-3385-48ef-bd42-f606fba81ae7");
  EXPECT_EQ(reader.principal.type, "ServicePrincipal");
  EXPECT_EQ(reader.created_on, utc(2016, 8, 17, 19, 21, 16, nanoseconds{342'248'000}));
  EXPECT_FALSE(reader.created_by) << "createdBy null is unknown";
}

TEST(parse_role_assignment_page, an_empty_page_is_a_complete_empty_listing) {
  const auto page = parse_role_assignment_page(R"({"value":[]})");
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_TRUE(page->items.empty());
  EXPECT_FALSE(page->next_link);
}

TEST(parse_role_assignment_page, an_empty_page_may_still_point_to_the_next) {
  const auto page = parse_role_assignment_page(
      R"({"value":[],"nextLink":"https://management.azure.com/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()&$skipToken=abc"})");
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_TRUE(page->items.empty());
  EXPECT_TRUE(page->next_link);
}

TEST(parse_role_assignment_page, a_next_link_is_kept_verbatim) {
  const std::string link =
      "https://management.azure.com/providers/Microsoft.Authorization/roleAssignments"
      "?api-version=2022-04-01&%24filter=atScope%28%29&%24skipToken=AS1:0637350613487791640:e06c2071;US1:-1:FFFF%3d%3d";
  const auto page = parse_role_assignment_page(R"({"value":[],"nextLink":")" + link + R"("})");
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->next_link, link);
}

TEST(parse_role_assignment_page, an_absent_null_or_empty_next_link_ends_the_listing) {
  for (const std::string body :
       {R"({"value":[]})", R"({"value":[],"nextLink":null})", R"({"value":[],"nextLink":""})"}) {
    SCOPED_TRACE(body);
    const auto page = parse_role_assignment_page(body);
    ASSERT_TRUE(page) << page.error().message;
    EXPECT_FALSE(page->next_link);
  }
}

TEST(parse_role_assignment_page, a_condition_string_is_kept) {
  const std::string condition =
      "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
      "(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals "
      "{acdd72a7-3385-48ef-bd42-f606fba81ae7}))";
  const auto page = parse_role_assignment_page(
      page_with(minimal_props + R"(,"condition":")" + condition + R"(","conditionVersion":"2.0")"));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].condition, condition);
}

TEST(parse_role_assignment_page, optional_fields_may_be_missing) {
  const auto page = parse_role_assignment_page(page_with(minimal_props));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  const auto& a = page->items[0];
  EXPECT_EQ(a.principal.type, "") << "principalType missing is unknown";
  EXPECT_FALSE(a.condition);
  EXPECT_FALSE(a.created_on);
  EXPECT_FALSE(a.created_by);
  EXPECT_EQ(a.role.id, "8e3af657-a8ff-443c-a75c-2fe8c4bcb635");
}

TEST(parse_role_assignment_page, a_role_definition_id_with_a_subscription_prefix_keys_on_the_guid) {
  const auto page = parse_role_assignment_page(page_with(
      R"("roleDefinitionId":"/subscriptions/00000000-1111-2222-3333-444444444444/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c",)"
      R"("principalId":"0b1c2d3e-4f50-4617-8a9b-acbdcedf0011","scope":"/subscriptions/00000000-1111-2222-3333-444444444444")"));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].role.id, "b24988ac-6180-42a0-ab88-20f7382dd24c");
  EXPECT_EQ(page->items[0].scope, "/subscriptions/00000000-1111-2222-3333-444444444444");
}

TEST(parse_role_assignment_page, role_definition_casing_and_a_trailing_slash_do_not_matter) {
  const auto page = parse_role_assignment_page(page_with(
      R"("roleDefinitionId":"/providers/microsoft.authorization/RoleDefinitions/18D7D88D-D35E-4FB5-A5C3-7773C20A72D9/",)"
      R"("principalId":"0b1c2d3e-4f50-4617-8a9b-acbdcedf0011","scope":"/")"));
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->items[0].role.id, user_access_administrator_id);
}

TEST(parse_role_assignment_page, upper_case_guids_are_normalized) {
  const auto page = parse_role_assignment_page(page_with(
      R"("roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/18D7D88D-D35E-4FB5-A5C3-7773C20A72D9",)"
      R"("principalId":"3F2A9C10-5B7E-4D21-9A0C-1E2F3A4B5C6D","principalType":"Group","scope":"/",)"
      R"("createdBy":"7C1D2E3F-4A5B-4C6D-8E9F-0A1B2C3D4E5F")"));
  ASSERT_TRUE(page) << page.error().message;
  const auto& a = page->items[0];
  EXPECT_EQ(a.role.id, "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9");
  EXPECT_EQ(a.principal.id, "3f2a9c10-5b7e-4d21-9a0c-1e2f3a4b5c6d");
  EXPECT_EQ(a.created_by, "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f");
  EXPECT_EQ(a.principal.type, "Group");
}

// Year 1 is what Azure writes for "never"; it is outside the nanosecond clock's range.
TEST(parse_role_assignment_page, doc_placeholders_and_unreadable_created_on_are_unknown_not_errors) {
  for (const std::string created_on :
       {"YYYY-MM-DD", "YYYY-MM-DD HH:MM:SSZ", "{createdOn}", "", "yesterday", "0001-01-01T08:00:00.0000000Z"}) {
    SCOPED_TRACE(created_on);
    const auto page = parse_role_assignment_page(page_with(minimal_props + R"(,"createdOn":")" + created_on + R"(")"));
    ASSERT_TRUE(page) << page.error().message;
    EXPECT_FALSE(page->items[0].created_on);
  }
}

TEST(parse_role_assignment_page, created_on_in_other_azure_forms) {
  const std::vector<std::pair<std::string, timestamp>> cases{
      {"2025-02-11T10:00:00Z", utc(2025, 2, 11, 10, 0, 0)},
      {"2025-02-11T10:00:00.5+00:00", utc(2025, 2, 11, 10, 0, 0, milliseconds{500})},
  };
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    const auto page = parse_role_assignment_page(page_with(minimal_props + R"(,"createdOn":")" + text + R"(")"));
    ASSERT_TRUE(page) << page.error().message;
    EXPECT_EQ(page->items[0].created_on, expected);
  }
}

TEST(parse_role_assignment_page, every_principal_type_is_kept_as_sent) {
  for (const std::string type : {"User", "Group", "ServicePrincipal", "ForeignGroup", "Device"}) {
    SCOPED_TRACE(type);
    const auto page = parse_role_assignment_page(page_with(minimal_props + R"(,"principalType":")" + type + R"(")"));
    ASSERT_TRUE(page) << page.error().message;
    EXPECT_EQ(page->items[0].principal.type, type);
  }
}

// --- parse_role_assignment_page: malformed answers ---

struct malformed_case {
  std::string name;
  std::string body;
};

TEST(parse_role_assignment_page, every_malformed_answer_is_a_parse_error_never_a_partial_page) {
  const std::string role = R"("roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/)"
                           R"(8e3af657-a8ff-443c-a75c-2fe8c4bcb635")";
  const std::string principal = R"("principalId":"0b1c2d3e-4f50-4617-8a9b-acbdcedf0011")";
  const std::string scope = R"("scope":"/")";
  const std::vector<malformed_case> cases{
      {"not JSON", "<html><body>Bad Gateway</body></html>"},
      {"empty body", ""},
      {"truncated JSON", std::string(root_page).substr(0, 400)},
      {"an array", R"([{"value":[]}])"},
      {"a string", R"("value")"},
      {"null", "null"},
      {"no value", R"({"nextLink":null})"},
      {"value null", R"({"value":null})"},
      {"value an object", R"({"value":{}})"},
      {"value a string", R"({"value":"[]"})"},
      {"item a number", R"({"value":[1]})"},
      {"item null", R"({"value":[null]})"},
      {"item a string", R"({"value":["/providers/Microsoft.Authorization/roleAssignments/x"]})"},
      {"no properties", R"({"value":[{"id":"/providers/Microsoft.Authorization/roleAssignments/x"}]})"},
      {"properties null", R"({"value":[{"id":"/x","properties":null}]})"},
      {"properties an array", R"({"value":[{"id":"/x","properties":[]}]})"},
      {"missing id", R"({"value":[{"properties":{)" + role + "," + principal + "," + scope + "}}]}"},
      {"empty id", page_with(minimal_props, R"("")")},
      {"null id", page_with(minimal_props, "null")},
      {"numeric id", page_with(minimal_props, "42")},
      {"missing scope", page_with(role + "," + principal)},
      {"empty scope", page_with(role + "," + principal + R"(,"scope":"")")},
      {"numeric scope", page_with(role + "," + principal + R"(,"scope":1)")},
      {"missing roleDefinitionId", page_with(principal + "," + scope)},
      {"null roleDefinitionId", page_with(R"("roleDefinitionId":null,)" + principal + "," + scope)},
      {"missing principalId", page_with(role + "," + scope)},
      {"principalId an object", page_with(role + R"(,"principalId":{"id":"x"},)" + scope)},
      {"principalType a number", page_with(minimal_props + R"(,"principalType":1)")},
      {"condition a boolean", page_with(minimal_props + R"(,"condition":true)")},
      {"createdOn a number", page_with(minimal_props + R"(,"createdOn":1739268000)")},
      {"createdBy an array", page_with(minimal_props + R"(,"createdBy":["x"])")},
      {"nextLink a number", R"({"value":[],"nextLink":2})"},
      {"nextLink an object", R"({"value":[],"nextLink":{"href":"https://x"}})"},
      {"roleDefinitionId not ending in a GUID",
       page_with(R"("roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/Owner",)" + principal + "," +
                 scope)},
      {"roleDefinitionId a placeholder",
       page_with(R"("roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/{roleDefinitionId}",)" +
                 principal + "," + scope)},
      {"roleDefinitionId a short GUID",
       page_with(R"("roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c",)" +
                 principal + "," + scope)},
      {"a bad item after a good one",
       R"({"value":[)" + std::string(R"({"properties":{)") + minimal_props +
           R"(},"id":"/providers/Microsoft.Authorization/roleAssignments/ok"},{"properties":{"scope":"/"},"id":"/x"}]})"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto page = parse_role_assignment_page(c.body);
    ASSERT_FALSE(page) << page->items.size() << " items";
    EXPECT_EQ(page.error().kind, error_kind::parse);
    EXPECT_FALSE(page.error().retryable);
    EXPECT_NE(page.error().message.find("malformed role assignment list"), std::string::npos) << page.error().message;
  }
}

TEST(parse_role_assignment_page, the_error_names_the_missing_field) {
  const auto page =
      parse_role_assignment_page(page_with(R"("roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/)"
                                           R"(8e3af657-a8ff-443c-a75c-2fe8c4bcb635","scope":"/")"));
  ASSERT_FALSE(page);
  EXPECT_NE(page.error().message.find("principalId"), std::string::npos) << page.error().message;
}

// --- parse_role_definition_name ---

TEST(parse_role_definition_name, a_built_in_role_by_id) {
  const auto name = parse_role_definition_name(R"({
    "properties": {
      "roleName": "User Access Administrator",
      "type": "BuiltInRole",
      "description": "Lets you manage user access to Azure resources.",
      "assignableScopes": ["/"],
      "permissions": [{"actions": ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
                       "notActions": [], "dataActions": [], "notDataActions": []}],
      "createdOn": "0001-01-01T08:00:00.0000000Z",
      "updatedOn": "2021-11-11T20:13:50.0000000Z",
      "createdBy": null,
      "updatedBy": null
    },
    "id": "/providers/Microsoft.Authorization/roleDefinitions/18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "type": "Microsoft.Authorization/roleDefinitions",
    "name": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
  })");
  ASSERT_TRUE(name) << name.error().message;
  EXPECT_EQ(*name, "User Access Administrator");
}

TEST(parse_role_definition_name, a_custom_role_with_non_ascii_characters) {
  const auto name = parse_role_definition_name(
      R"({"properties":{"roleName":"Überwachung – Leser","type":"CustomRole","assignableScopes":["/"]},)"
      R"("id":"/providers/Microsoft.Authorization/roleDefinitions/0f0e0d0c-0b0a-4909-8807-060504030201",)"
      R"("type":"Microsoft.Authorization/roleDefinitions","name":"0f0e0d0c-0b0a-4909-8807-060504030201"})");
  ASSERT_TRUE(name) << name.error().message;
  EXPECT_EQ(*name, "Überwachung – Leser");
}

TEST(parse_role_definition_name, answers_without_a_role_name_are_parse_errors) {
  const std::vector<malformed_case> cases{
      {"not JSON", "Not Found"},
      {"empty", ""},
      {"an array", R"([{"properties":{"roleName":"Owner"}}])"},
      {"no properties", R"({"id":"/x","name":"x"})"},
      {"properties null", R"({"properties":null})"},
      {"properties a string", R"({"properties":"Owner"})"},
      {"no roleName", R"({"properties":{"type":"BuiltInRole"}})"},
      {"roleName null", R"({"properties":{"roleName":null}})"},
      {"roleName a number", R"({"properties":{"roleName":7}})"},
      {"a list instead of one definition", R"({"value":[{"properties":{"roleName":"Owner"}}]})"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto name = parse_role_definition_name(c.body);
    ASSERT_FALSE(name);
    EXPECT_EQ(name.error().kind, error_kind::parse);
  }
}

// --- arm_error ---

TEST(arm_error, the_nested_arm_error_body) {
  const auto e = arm_error(
      403,
      R"({"error":{"code":"AuthorizationFailed","message":"The client '0b1c2d3e-4f50-4617-8a9b-acbdcedf0011' with object id '0b1c2d3e-4f50-4617-8a9b-acbdcedf0011' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read' over scope '/providers/Microsoft.Authorization' or the scope is invalid. If access was recently granted, please refresh your credentials."}})",
      "arm role assignments");
  EXPECT_EQ(e.kind, error_kind::permission);
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(e.http_status, 403);
  EXPECT_EQ(e.message.rfind("arm role assignments answered 403 AuthorizationFailed: The client '", 0), 0u) << e.message;
  EXPECT_NE(e.message.find("over scope '/providers/Microsoft.Authorization'"), std::string::npos) << e.message;
}

TEST(arm_error, details_and_target_are_ignored) {
  const auto e = arm_error(
      400,
      R"({"error":{"code":"InvalidFilterInQueryString","message":"Invalid filter.","target":"$filter","details":[{"code":"Inner","message":"inner"}]}})",
      "arm role assignments");
  EXPECT_EQ(e.message, "arm role assignments answered 400 InvalidFilterInQueryString: Invalid filter.");
}

TEST(arm_error, the_flat_body_of_the_activity_log) {
  const auto e = arm_error(
      400, R"({"code":"BadRequest","message":"The start time of the query cannot be more than 90 days ago."})",
      "activity log");
  EXPECT_EQ(e.kind, error_kind::http);
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(e.message,
            "activity log answered 400 BadRequest: The start time of the query cannot be more than 90 days ago.");
}

TEST(arm_error, capitalised_code_and_message_keys) {
  const auto flat =
      arm_error(400, R"({"Code":"BadRequest","Message":"Query parameter $filter is invalid."})", "activity log");
  EXPECT_EQ(flat.message, "activity log answered 400 BadRequest: Query parameter $filter is invalid.");
  const auto nested =
      arm_error(404, R"({"error":{"Code":"RoleDefinitionDoesNotExist","Message":"gone"}})", "arm role definition");
  EXPECT_EQ(nested.message, "arm role definition answered 404 RoleDefinitionDoesNotExist: gone");
}

TEST(arm_error, a_code_without_a_message) {
  const auto e = arm_error(401, R"({"error":{"code":"ExpiredAuthenticationToken"}})", "arm role assignments");
  EXPECT_EQ(e.message, "arm role assignments answered 401 ExpiredAuthenticationToken");
}

TEST(arm_error, a_body_that_is_not_arm_json_names_only_the_status) {
  for (const std::string body : {"<html><body><h1>502 Bad Gateway</h1></body></html>", "", "[]", "null",
                                 R"({"error":"not an object"})", R"({"error":{"code":5,"message":["x"]}})"}) {
    SCOPED_TRACE(body);
    const auto e = arm_error(502, body, "arm role assignments");
    EXPECT_EQ(e.message, "arm role assignments answered 502");
    EXPECT_TRUE(e.retryable);
  }
}

struct arm_status_case {
  int status;
  error_kind kind;
  bool retryable;
};

TEST(arm_error, kind_and_retryability_follow_the_status) {
  const std::vector<arm_status_case> cases{
      {400, error_kind::http, false},     {401, error_kind::auth, false}, {403, error_kind::permission, false},
      {404, error_kind::http, false},     {405, error_kind::http, false}, {408, error_kind::http, true},
      {409, error_kind::http, false},     {410, error_kind::http, false}, {412, error_kind::http, false},
      {429, error_kind::throttled, true}, {500, error_kind::http, true},  {502, error_kind::http, true},
      {503, error_kind::http, true},      {504, error_kind::http, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.status);
    const auto e = arm_error(c.status, R"({"error":{"code":"Some","message":"thing"}})", "arm");
    EXPECT_EQ(e.kind, c.kind);
    EXPECT_EQ(e.retryable, c.retryable);
    EXPECT_EQ(e.http_status, c.status);
  }
}

TEST(arm_error, a_throttled_answer_keeps_the_throttling_message) {
  const auto e = arm_error(
      429,
      R"({"error":{"code":"TenantRequestsThrottled","message":"Number of 'read' requests for tenant exceeded. Please try again after '10' seconds after additional tokens are available."}})",
      "arm role assignments");
  EXPECT_EQ(e.kind, error_kind::throttled);
  EXPECT_TRUE(e.retryable);
  EXPECT_NE(e.message.find("TenantRequestsThrottled"), std::string::npos) << e.message;
}

TEST(arm_error, a_long_message_is_cut) {
  const auto e =
      arm_error(500, R"({"error":{"code":"InternalServerError","message":")" + std::string(10'000, 'm') + R"("}})",
                "arm role assignments");
  // "…" marks the cut.
  EXPECT_EQ(e.message,
            "arm role assignments answered 500 InternalServerError: " + std::string(300, 'm') + "\xE2\x80\xA6");
}

// --- builtin_role_name ---

TEST(builtin_role_name, the_five_built_in_roles_resolve) {
  const std::vector<std::pair<std::string, std::string>> roles{
      {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator"},
      {"8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"},
      {"b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"},
      {"acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"},
      {"f58310d9-a9f6-439a-9e8d-f62e7b41a168", "Role Based Access Control Administrator"},
  };
  for (const auto& [id, name] : roles) {
    SCOPED_TRACE(id);
    EXPECT_EQ(builtin_role_name(id), name);
  }
  EXPECT_EQ(builtin_role_name(user_access_administrator_id), "User Access Administrator");
}

TEST(builtin_role_name, an_unknown_or_unnormalized_id_does_not_resolve) {
  EXPECT_EQ(builtin_role_name("0f0e0d0c-0b0a-4909-8807-060504030201"), std::nullopt);
  EXPECT_EQ(builtin_role_name(""), std::nullopt);
  EXPECT_EQ(builtin_role_name("Owner"), std::nullopt);
  EXPECT_EQ(
      builtin_role_name("/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
      std::nullopt)
      << "callers pass the bare GUID";
  EXPECT_EQ(builtin_role_name("8E3AF657-A8FF-443C-A75C-2FE8C4BCB635"), std::nullopt)
      << "callers pass the normalized lower-case GUID";
}

}  // namespace
}  // namespace rootwatch::azure
