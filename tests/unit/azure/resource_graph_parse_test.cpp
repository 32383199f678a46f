// Resource Graph on the wire (azure/resource_graph_parse.cpp), table-tested on the shapes of
// azure-apis.md §3: the request body we send, pages with and without $skipToken, the string
// resultTruncated, int count/totalRecords, wrong types and bytes that are not UTF-8, and the
// user-quota headers.

#include "azure/resource_graph_parse.hpp"
#include "common/json.hpp"
#include "common/text.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>

#include <chrono>
#include <string>
#include <vector>

namespace rootwatch::azure {
namespace {

using namespace std::chrono_literals;

// One authorizationresources row for the elevate assignment, in the expected shape of §3.5:
// lower-case type, tenantId, "RoleDefinitions" with a capital R and an upper-case GUID.
json root_row(std::string_view name = "a1b2c3d4-0000-4000-8000-000000000001") {
  return json::parse(fmt::format(R"({{
    "id": "/providers/Microsoft.Authorization/roleAssignments/{0}",
    "name": "{0}",
    "type": "microsoft.authorization/roleassignments",
    "tenantId": "8d1f3a5c-7e42-4b19-9c60-2f5e8a7d3b14",
    "properties": {{
      "scope": "/",
      "principalId": "3F2A9C10-5B7E-4D21-9A0C-1E2F3A4B5C6D",
      "principalType": "User",
      "roleDefinitionId": "/providers/Microsoft.Authorization/RoleDefinitions/18D7D88D-D35E-4FB5-A5C3-7773C20A72D9",
      "condition": null,
      "createdOn": "2025-02-11T09:58:12.123Z",
      "updatedOn": "2025-02-11T09:58:12.123Z",
      "createdBy": "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
      "updatedBy": null
    }}
  }})",
                                 name));
}

// A page in the shape of the recorded §3.2 response.
json page_of(std::vector<json> rows, std::optional<std::string> skip_token = std::nullopt, std::int64_t total = -1) {
  json data = json::array();
  for (auto& r : rows) {
    data.push_back(std::move(r));
  }
  json page = {{"totalRecords", total < 0 ? static_cast<std::int64_t>(data.size()) : total},
               {"count", data.size()},
               {"data", data},
               {"facets", json::array()},
               {"resultTruncated", "false"}};
  if (skip_token) {
    page["$skipToken"] = *skip_token;
  }
  return page;
}

result<resource_graph_page> parse(const json& j) {
  return parse_resource_graph_page(j.dump());
}

TEST(resource_graph_body, asks_at_tenant_scope_for_rows_above_and_below_with_paging) {
  const json first = json::parse(resource_graph_body(resource_graph_query({"/"}), 1000, std::nullopt));
  EXPECT_FALSE(first.contains("subscriptions")) << "subscriptions leave root rows out";
  EXPECT_FALSE(first.contains("managementGroups"));
  EXPECT_EQ(first.at("options").at("authorizationScopeFilter"), "AtScopeAboveAndBelow");
  EXPECT_EQ(first.at("options").at("resultFormat"), "objectArray");
  EXPECT_EQ(first.at("options").at("$top"), 1000);
  EXPECT_FALSE(first.at("options").contains("$skipToken"));
  const std::string query = first.at("query").get<std::string>();
  EXPECT_NE(query.find("authorizationresources"), std::string::npos);
  EXPECT_NE(query.find("'microsoft.authorization/roleassignments'"), std::string::npos);
  EXPECT_NE(query.find("project id,"), std::string::npos) << "without id there is no $skipToken (§3.2)";

  // The token goes back byte for byte: never decoded or re-encoded (§9, hazard 7).
  const std::string token = "ew0KICAiJGlkIjogIjEiLA0K+/=";
  const json next = json::parse(resource_graph_body("q", 5, token));
  EXPECT_EQ(next.at("options").at("$skipToken"), token);
  EXPECT_FALSE(next.at("options").contains("$skip"));
}

TEST(resource_graph_query, a_quote_in_a_scope_cannot_end_the_string_literal) {
  const std::string q = resource_graph_query({"/", "/x') | project secrets | where ('1"});
  EXPECT_NE(q.find("in~ (@'/', @'/x'') | project secrets | where (''1')"), std::string::npos) << q;
}

TEST(parse_resource_graph_page, reads_a_root_row_with_guids_in_one_case) {
  auto page = parse(page_of({root_row()}));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  const auto& a = page->items[0];
  EXPECT_EQ(a.id, "/providers/Microsoft.Authorization/roleAssignments/a1b2c3d4-0000-4000-8000-000000000001");
  EXPECT_EQ(a.scope, "/");
  EXPECT_EQ(a.role.id, "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9") << "RoleDefinitions/<GUID> compares case-insensitively";
  EXPECT_EQ(a.principal.id, "3f2a9c10-5b7e-4d21-9a0c-1e2f3a4b5c6d");
  EXPECT_EQ(a.principal.type, "User");
  EXPECT_FALSE(a.condition);
  ASSERT_TRUE(a.created_on);
  EXPECT_EQ(a.created_by, "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f");
  EXPECT_FALSE(page->skip_token);
  EXPECT_FALSE(page->truncated);
  EXPECT_EQ(page->total_records, 1);
}

TEST(parse_resource_graph_page, paging_and_truncation) {
  struct row {
    const char* name;
    json page;
    std::optional<std::string> skip_token;
    bool truncated;
  };
  json truncated_string = page_of({root_row()});
  truncated_string["resultTruncated"] = "true";
  json truncated_bool = page_of({root_row()});
  truncated_bool["resultTruncated"] = true;
  json truncated_upper = page_of({root_row()});
  truncated_upper["resultTruncated"] = "True";
  json null_token = page_of({root_row()});
  null_token["$skipToken"] = nullptr;
  const std::vector<row> rows{
      {"last page", page_of({root_row()}), std::nullopt, false},
      {"more pages", page_of({root_row()}, "ew0KICAiJGlkIjogIjEiLA0K", 3), "ew0KICAiJGlkIjogIjEiLA0K", false},
      {"empty token is the last page", page_of({root_row()}, ""), std::nullopt, false},
      {"null token is the last page", null_token, std::nullopt, false},
      {"truncated as a string", truncated_string, std::nullopt, true},
      {"truncated as a boolean", truncated_bool, std::nullopt, true},
      {"truncated in another case", truncated_upper, std::nullopt, true},
  };
  for (const auto& r : rows) {
    auto page = parse(r.page);
    ASSERT_TRUE(page) << r.name << ": " << page.error().message;
    EXPECT_EQ(page->skip_token, r.skip_token) << r.name;
    EXPECT_EQ(page->truncated, r.truncated) << r.name;
  }
}

TEST(parse_resource_graph_page, an_empty_result_is_an_empty_page) {
  auto page =
      parse_resource_graph_page(R"({"totalRecords":0,"count":0,"data":[],"facets":[],"resultTruncated":"false"})");
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_TRUE(page->items.empty());
}

TEST(parse_resource_graph_page, audit_fields_that_do_not_parse_are_unknown_not_errors) {
  json row = root_row();
  row["properties"]["createdOn"] = "YYYY-MM-DD HH:MM:SSZ";  // a doc placeholder (§9, hazard 8)
  row["properties"]["createdBy"] = nullptr;
  row["properties"].erase("principalType");
  auto page = parse(page_of({row}));
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_FALSE(page->items[0].created_on);
  EXPECT_FALSE(page->items[0].created_by);
  EXPECT_EQ(page->items[0].principal.type, "");
}

// Each broken page is an error of kind parse whose message names the field, and never quotes
// the body.
TEST(parse_resource_graph_page, wrong_shapes_and_types_are_errors_naming_the_field) {
  struct row {
    const char* name;
    std::function<void(json&)> spoil;
    const char* field;
  };
  const std::vector<row> rows{
      {"resultTruncated missing", [](json& p) { p.erase("resultTruncated"); }, "resultTruncated"},
      {"resultTruncated a number", [](json& p) { p["resultTruncated"] = 0; }, "resultTruncated"},
      {"resultTruncated another word", [](json& p) { p["resultTruncated"] = "maybe"; }, "resultTruncated"},
      {"count a string", [](json& p) { p["count"] = "1"; }, "count"},
      {"count not the rows held", [](json& p) { p["count"] = 2; }, "count"},
      {"totalRecords a string", [](json& p) { p["totalRecords"] = "2876"; }, "totalRecords"},
      {"totalRecords negative", [](json& p) { p["totalRecords"] = -1; }, "totalRecords"},
      {"$skipToken a number", [](json& p) { p["$skipToken"] = 42; }, "$skipToken"},
      {"data missing", [](json& p) { p.erase("data"); }, "data"},
      {"data in table format",
       [](json& p) {
         p["data"] = {{"columns", json::array()}, {"rows", json::array()}};
       },
       "data"},
      {"row not an object", [](json& p) { p["data"][0] = "row"; }, "data[0]"},
      {"id missing", [](json& p) { p["data"][0].erase("id"); }, "data[0].id"},
      {"id a number", [](json& p) { p["data"][0]["id"] = 7; }, "data[0].id"},
      {"type of another table", [](json& p) { p["data"][0]["type"] = "microsoft.compute/virtualmachines"; },
       "data[0].type"},
      {"properties an array", [](json& p) { p["data"][0]["properties"] = json::array(); }, "data[0].properties"},
      {"scope missing", [](json& p) { p["data"][0]["properties"].erase("scope"); }, "data[0].properties.scope"},
      {"principalId an object", [](json& p) { p["data"][0]["properties"]["principalId"] = json::object(); },
       "data[0].properties.principalId"},
      {"roleDefinitionId without a GUID",
       [](json& p) { p["data"][0]["properties"]["roleDefinitionId"] = "/providers/x/RoleDefinitions/owner"; },
       "data[0].properties.roleDefinitionId"},
      {"createdOn a number", [](json& p) { p["data"][0]["properties"]["createdOn"] = 1700000000; },
       "data[0].properties.createdOn"},
      {"condition an array", [](json& p) { p["data"][0]["properties"]["condition"] = json::array(); },
       "data[0].properties.condition"},
  };
  for (const auto& r : rows) {
    json page = page_of({root_row()});
    r.spoil(page);
    auto parsed = parse(page);
    ASSERT_FALSE(parsed) << r.name;
    EXPECT_EQ(parsed.error().kind, error_kind::parse) << r.name;
    EXPECT_NE(parsed.error().message.find(r.field), std::string::npos) << r.name << ": " << parsed.error().message;
    EXPECT_EQ(parsed.error().message.find("tenantId"), std::string::npos) << r.name << ": the body is not quoted";
  }
}

TEST(parse_resource_graph_page, bodies_that_are_not_a_json_object_are_errors) {
  for (const std::string_view body : {"", "<html>busy</html>", "[]", "null", "{\"data\":", "\"text\""}) {
    auto parsed = parse_resource_graph_page(body);
    ASSERT_FALSE(parsed) << body;
    EXPECT_EQ(parsed.error().kind, error_kind::parse);
  }
}

TEST(parse_resource_graph_page, bytes_that_are_not_utf8_never_throw_and_errors_stay_valid_utf8) {
  // Inside a value the parser keeps: the page parses (the bytes are the row's business).
  std::string body = page_of({root_row()}).dump();
  const auto at = body.find("User");
  ASSERT_NE(at, std::string::npos);
  body.insert(at, "\xC3\x28\xFF");
  auto parsed = parse_resource_graph_page(body);
  if (parsed) {
    EXPECT_EQ(parsed->items.size(), 1u);
  } else {
    EXPECT_TRUE(is_valid_utf8(parsed.error().message));
  }
  // Inside a value an error quotes (a row's type), cut in the middle of a code point.
  json page = page_of({root_row()});
  page["data"][0]["type"] = std::string(79, 'x') + "\xC3\xA9" + "tail";
  std::string quoted = page.dump();
  auto bad = parse_resource_graph_page(quoted);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(is_valid_utf8(bad.error().message)) << "cut on a code-point boundary";
  std::string raw = R"({"resultTruncated":"t)"
                    "\xFF\xFE"
                    R"(","data":[]})";
  auto rawbad = parse_resource_graph_page(raw);
  ASSERT_FALSE(rawbad);
  EXPECT_TRUE(is_valid_utf8(rawbad.error().message));
}

TEST(quota_headers, remaining_is_a_whole_number) {
  EXPECT_EQ(parse_quota_remaining("14"), 14);
  EXPECT_EQ(parse_quota_remaining("0"), 0);
  EXPECT_EQ(parse_quota_remaining(" 3 "), 3);
  for (const std::string_view bad : {"", "-1", "1.5", "many", "14 left", "99999999999999999999"}) {
    EXPECT_FALSE(parse_quota_remaining(bad)) << bad;
  }
}

TEST(quota_headers, resets_after_is_a_timespan) {
  struct row {
    std::string_view text;
    std::optional<std::chrono::milliseconds> wait;
  };
  const std::vector<row> rows{
      {"00:00:05", 5s},
      {"00:00:00", 0s},
      {"00:01:30", 90s},
      {"01:00:00", 3600s},
      {"1.02:03:04", 26h + 3min + 4s},
      {"00:00:04.5000000", 4500ms},
      {"00:00:04.0001", 4001ms},  // a part of a millisecond is still waited out
      {"0:00:05", 5s},
      {"", std::nullopt},
      {"5", std::nullopt},
      {"00:05", std::nullopt},
      {"00:00:60", std::nullopt},
      {"24:00:00", std::nullopt},
      {"00:00:05Z", std::nullopt},
      {"-00:00:05", std::nullopt},
      {"00:00:05.", std::nullopt},
      {"aa:bb:cc", std::nullopt},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(parse_quota_resets_after(r.text), r.wait) << r.text;
  }
}

}  // namespace
}  // namespace rootwatch::azure
