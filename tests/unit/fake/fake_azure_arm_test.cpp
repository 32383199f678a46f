#include "common/strings.hpp"
#include "unit/fake/azure_fixture.hpp"

#include <regex>
#include <set>

namespace rootwatch::fake {
namespace {

constexpr std::string_view owner_id = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
constexpr std::string_view reader_id = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

std::string principal(int i) {
  return "00000000-0000-4000-8000-" + std::string(11, '0') + std::to_string(i);
}

class arm_api : public azure_test {
 protected:
  void add_assignments(int n) {
    for (int i = 0; i < n; ++i) {
      role_assignment a;
      a.role_definition_id = std::string(i % 2 == 0 ? owner_id : reader_id);
      a.principal_id = principal(i);
      a.created_by = std::string(admin_object_id);
      azure_->add_assignment(a);
    }
  }

  // Follows nextLink verbatim until it is null or absent; returns the pages.
  std::vector<json> all_pages(const std::string& token) {
    std::vector<json> pages;
    std::string where(list_path);
    for (int guard = 0; guard < 20 && !where.empty(); ++guard) {
      const json page = body_of(arm("GET", where, token));
      pages.push_back(page);
      where =
          page.contains("nextLink") && page.at("nextLink").is_string() ? page.at("nextLink").get<std::string>() : "";
    }
    return pages;
  }
};

TEST_F(arm_api, list_pages_across_three_pages_following_next_link_verbatim) {
  add_assignments(5);
  const auto pages = all_pages(app_token());
  ASSERT_EQ(pages.size(), 3U);
  std::set<std::string> names;
  for (const auto& page : pages) {
    for (const auto& item : page.at("value")) {
      names.insert(item.at("name").get<std::string>());
    }
  }
  EXPECT_EQ(names.size(), 5U);
  const std::string next = pages[0].at("nextLink");
  EXPECT_TRUE(next.starts_with(azure_->base_url() + std::string(list_path) + "&$skipToken=")) << next;
  const std::string token = next.substr(next.find("$skipToken=") + 11);
  EXPECT_NE(token.find(';'), std::string::npos);
  EXPECT_NE(token.find(':'), std::string::npos);
  EXPECT_TRUE(pages[2].contains("nextLink"));
  EXPECT_TRUE(pages[2].at("nextLink").is_null());
  EXPECT_EQ(azure_->request_count(azure_route::role_assignments), 3U);
}

TEST_F(arm_api, last_page_can_omit_next_link) {
  add_assignments(1);
  azure_->set_last_page_next_link(false);
  const json page = body_of(arm("GET", std::string(list_path), app_token()));
  EXPECT_EQ(page.at("value").size(), 1U);
  EXPECT_FALSE(page.contains("nextLink"));
}

TEST_F(arm_api, page_size_is_configurable) {
  add_assignments(5);
  azure_->set_page_size(10);
  EXPECT_EQ(all_pages(app_token()).size(), 1U);
}

TEST_F(arm_api, a_re_encoded_skip_token_is_refused) {
  add_assignments(3);
  const std::string token = app_token();
  std::string next = body_of(arm("GET", std::string(list_path), token)).at("nextLink");
  const auto semi = next.find(';', next.find("$skipToken="));
  next.replace(semi, 1, "%3B");
  const auto r = arm("GET", next, token);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json::parse(r->body).at("error").at("code"), "InvalidSkipToken");
}

TEST_F(arm_api, percent_encoded_filter_is_accepted) {
  add_assignments(1);
  role_assignment below;
  below.role_definition_id = std::string(owner_id);
  below.principal_id = principal(9);
  below.scope = "/subscriptions/11111111-1111-1111-1111-111111111111";
  azure_->add_assignment(below);
  const json page = body_of(arm("GET",
                                "/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&"
                                "%24filter=atScope%28%29",
                                app_token()));
  ASSERT_EQ(page.at("value").size(), 1U);
  EXPECT_EQ(page.at("value")[0].at("properties").at("scope"), "/");
}

TEST_F(arm_api, list_item_has_the_arm_shape) {
  role_assignment a;
  a.role_definition_id = std::string(user_access_administrator_id);
  a.principal_id = principal(1);
  a.created_by = std::string(admin_object_id);
  a.updated_by = std::string(admin_object_id);
  const auto stored = azure_->add_assignment(a);
  const json item = body_of(arm("GET", std::string(list_path), app_token())).at("value").at(0);
  EXPECT_EQ(item.at("type"), "Microsoft.Authorization/roleAssignments");
  EXPECT_EQ(item.at("name"), stored.name);
  EXPECT_EQ(item.at("id"), "/providers/Microsoft.Authorization/roleAssignments/" + stored.name);
  const json& p = item.at("properties");
  EXPECT_EQ(p.at("roleDefinitionId"),
            "/providers/Microsoft.Authorization/roleDefinitions/" + std::string(user_access_administrator_id));
  EXPECT_EQ(p.at("principalId"), principal(1));
  EXPECT_EQ(p.at("principalType"), "User");
  EXPECT_EQ(p.at("scope"), "/");
  for (const auto* key : {"condition", "conditionVersion", "delegatedManagedIdentityResourceId", "description"}) {
    EXPECT_TRUE(p.at(key).is_null()) << key;
  }
  const std::regex seven_digits(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z)");
  EXPECT_TRUE(std::regex_match(p.at("createdOn").get<std::string>(), seven_digits)) << p.at("createdOn");
  EXPECT_TRUE(std::regex_match(p.at("updatedOn").get<std::string>(), seven_digits));
  EXPECT_EQ(p.at("createdBy"), admin_object_id);
  EXPECT_EQ(p.at("updatedBy"), admin_object_id);
}

TEST_F(arm_api, without_a_token_401_with_www_authenticate) {
  const auto r = arm("GET", std::string(list_path), "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(json::parse(r->body).at("error").at("code"), "InvalidAuthenticationToken");
  ASSERT_TRUE(r->header_value("WWW-Authenticate"));
  EXPECT_TRUE(istarts_with(*r->header_value("WWW-Authenticate"), "Bearer "));
}

TEST_F(arm_api, a_token_this_fake_did_not_issue_is_invalid) {
  const auto r = arm("GET", std::string(list_path), "eyJhbGciOiJub25lIn0.e30.");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(json::parse(r->body).at("error").at("code"), "InvalidAuthenticationToken");
}

TEST_F(arm_api, an_expired_token_is_expired) {
  const std::string token = app_token();
  azure_->expire_tokens();
  const auto r = arm("GET", std::string(list_path), token);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(json::parse(r->body).at("error").at("code"), "ExpiredAuthenticationToken");
  EXPECT_TRUE(r->header_value("WWW-Authenticate"));
  EXPECT_EQ(body_of(arm("GET", std::string(list_path), app_token())).at("value"), json::array());
}

TEST_F(arm_api, api_version_is_required_and_checked) {
  const std::string token = app_token();
  const auto missing = arm("GET", "/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()", token);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 400);
  EXPECT_EQ(json::parse(missing->body).at("error").at("code"), "MissingApiVersionParameter");
  const auto wrong = arm("GET", "/providers/Microsoft.Authorization/roleAssignments?api-version=1999-01-01", token);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(json::parse(wrong->body).at("error").at("code"), "InvalidApiVersionParameter");
}

TEST_F(arm_api, role_definitions_builtin_custom_and_unknown) {
  const std::string token = app_token();
  const auto path = [](std::string_view id) {
    return "/providers/Microsoft.Authorization/roleDefinitions/" + std::string(id) + "?api-version=2022-04-01";
  };
  const json uaa = body_of(arm("GET", path(user_access_administrator_id), token));
  EXPECT_EQ(uaa.at("properties").at("roleName"), "User Access Administrator");
  EXPECT_EQ(uaa.at("properties").at("type"), "BuiltInRole");
  EXPECT_EQ(uaa.at("name"), user_access_administrator_id);
  EXPECT_EQ(body_of(arm("GET", path("f58310d9-a9f6-439a-9e8d-f62e7b41a168"), token)).at("properties").at("roleName"),
            "Role Based Access Control Administrator");

  role_definition custom;
  custom.name = "c0ffee00-1234-4abc-8def-000000000001";
  custom.role_name = "Break Glass Operator";
  custom.actions = {"*"};
  azure_->add_role_definition(custom);
  const json mine = body_of(arm("GET", path(custom.name), token));
  EXPECT_EQ(mine.at("properties").at("roleName"), "Break Glass Operator");
  EXPECT_EQ(mine.at("properties").at("type"), "CustomRole");

  const auto unknown = arm("GET", path("c0ffee00-1234-4abc-8def-00000000dead"), token);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(json::parse(unknown->body).at("error").at("code"), "RoleDefinitionDoesNotExist");
}

TEST_F(arm_api, role_definitions_by_name_filter) {
  const json list = body_of(arm("GET",
                                "/providers/Microsoft.Authorization/roleDefinitions?api-version=2022-04-01&$filter="
                                "roleName%20eq%20'User%20Access%20Administrator'",
                                app_token()));
  ASSERT_EQ(list.at("value").size(), 1U);
  EXPECT_EQ(list.at("value")[0].at("name"), user_access_administrator_id);
}

TEST_F(arm_api, elevate_access_creates_the_uaa_assignment_once) {
  const std::string user = user_token();
  const std::string elevate = "/providers/Microsoft.Authorization/elevateAccess?api-version=2016-07-01";
  const auto first = arm("POST", elevate, user);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_TRUE(first->body.empty());
  const auto second = arm("POST", elevate, user);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);

  const json value = body_of(arm("GET", std::string(list_path), app_token())).at("value");
  ASSERT_EQ(value.size(), 1U);
  const json& p = value[0].at("properties");
  EXPECT_EQ(p.at("roleDefinitionId"),
            "/providers/Microsoft.Authorization/roleDefinitions/" + std::string(user_access_administrator_id));
  EXPECT_EQ(p.at("principalId"), admin_object_id);
  EXPECT_EQ(p.at("principalType"), "User");
  EXPECT_EQ(p.at("scope"), "/");
  EXPECT_EQ(p.at("createdBy"), admin_object_id);
}

TEST_F(arm_api, elevate_access_with_an_app_token_is_forbidden) {
  const auto r = arm("POST", "/providers/Microsoft.Authorization/elevateAccess?api-version=2016-07-01", app_token());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(json::parse(r->body).at("error").at("code"), "AuthorizationFailed");
  EXPECT_TRUE(azure_->assignments().empty());
}

TEST_F(arm_api, put_creates_and_answers_with_created_by_null) {
  const std::string token = app_token();
  const std::string name = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
  const std::string where = "/providers/Microsoft.Authorization/roleAssignments/" + name + "?api-version=2022-04-01";
  const json body = {
      {"properties",
       {{"roleDefinitionId", "/providers/Microsoft.Authorization/roleDefinitions/" + std::string(reader_id)},
        {"principalId", app_object_id},
        {"principalType", "ServicePrincipal"}}}};
  const auto created = arm("PUT", where, token, body.dump());
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201) << created->body;
  const json answer = json::parse(created->body);
  EXPECT_EQ(answer.at("name"), name);
  EXPECT_TRUE(answer.at("properties").at("createdBy").is_null());
  EXPECT_EQ(answer.at("properties").at("scope"), "/");

  const json got = body_of(arm("GET", where, token));
  EXPECT_EQ(got.at("properties").at("createdBy"), app_object_id);
  const auto again = arm("PUT", where, token, body.dump());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409);
}

TEST_F(arm_api, put_with_an_unknown_role_is_refused) {
  const json body = {{"properties",
                      {{"roleDefinitionId",
                        "/providers/Microsoft.Authorization/roleDefinitions/"
                        "c0ffee00-1234-4abc-8def-00000000dead"},
                       {"principalId", app_object_id}}}};
  const auto r = arm("PUT",
                     "/providers/Microsoft.Authorization/roleAssignments/3fa85f64-5717-4562-b3fc-2c963f66afa6"
                     "?api-version=2022-04-01",
                     app_token(), body.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json::parse(r->body).at("error").at("code"), "RoleDefinitionDoesNotExist");
}

TEST_F(arm_api, delete_answers_the_assignment_then_it_is_gone) {
  add_assignments(2);
  const auto victim = azure_->assignments().at(0);
  const std::string token = app_token();
  const std::string where =
      "/providers/Microsoft.Authorization/roleAssignments/" + victim.name + "?api-version=2022-04-01";
  const auto deleted = arm("DELETE", where, token);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 200);
  EXPECT_EQ(json::parse(deleted->body).at("name"), victim.name);

  const json value = body_of(arm("GET", std::string(list_path), token)).at("value");
  ASSERT_EQ(value.size(), 1U);
  EXPECT_NE(value[0].at("name"), victim.name);

  const auto again = arm("DELETE", where, token);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 204);
  EXPECT_TRUE(again->body.empty());
}

TEST_F(arm_api, unknown_route_is_an_arm_404) {
  const auto r = arm("GET", "/providers/Microsoft.Compute/virtualMachines?api-version=2024-01-01", app_token());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_TRUE(json::parse(r->body).at("error").contains("code"));
  EXPECT_EQ(azure_->request_count(azure_route::other), 1U);
}

TEST_F(arm_api, the_bearer_token_travels_only_in_the_header) {
  add_assignments(3);
  const std::string token = app_token();
  (void)all_pages(token);
  for (const auto& r : azure_->requests()) {
    EXPECT_EQ(r.target.find(token), std::string::npos) << r.target;
    EXPECT_EQ(r.note.find(token), std::string::npos);
  }
}

TEST_F(arm_api, seed_loads_everything_or_nothing) {
  const json good = json::parse(R"({
    "apps": [{"client_id": "11111111-aaaa-4aaa-8aaa-111111111111", "client_secret": "x",
              "object_id": "22222222-aaaa-4aaa-8aaa-222222222222", "display_name": "seeded"}],
    "role_definitions": [{"name": "c0ffee00-1234-4abc-8def-000000000002", "role_name": "Seeded Role"}],
    "assignments": [{"role": "Seeded Role", "principal_id": "22222222-aaaa-4aaa-8aaa-222222222222"},
                    {"properties": {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
                                    "principalId": "33333333-aaaa-4aaa-8aaa-333333333333", "principalType": "Group",
                                    "scope": "/", "createdOn": "2016-08-17T19:21:16.3422480Z"},
                     "name": "44444444-aaaa-4aaa-8aaa-444444444444"}]
  })");
  ASSERT_TRUE(azure_->load_seed(good));
  const auto stored = azure_->assignments();
  ASSERT_EQ(stored.size(), 2U);
  EXPECT_EQ(stored[0].principal_type, "ServicePrincipal");
  EXPECT_EQ(stored[1].name, "44444444-aaaa-4aaa-8aaa-444444444444");
  EXPECT_EQ(to_arm_json(stored[1]).at("properties").at("createdOn"), "2016-08-17T19:21:16.3422480Z");

  const json bad =
      json::parse(R"({"assignments": [{"role": "Owner", "principal_id": "55555555-aaaa-4aaa-8aaa-555555555555"},
                                                   {"role": "No Such Role", "principal_id": "55555555-aaaa-4aaa-8aaa-555555555555"}]})");
  const auto refused = azure_->load_seed(bad);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("No Such Role"), std::string::npos);
  EXPECT_EQ(azure_->assignments().size(), 2U);
}

}  // namespace
}  // namespace rootwatch::fake
