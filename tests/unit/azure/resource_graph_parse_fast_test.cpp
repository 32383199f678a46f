// The fast path of the Resource Graph page (azure/page_parse_fast.cpp) against the nlohmann
// parser it stands in for: where the fast path answers, it answers the same page; everywhere,
// parse_resource_graph_page gives the DOM parser's page or its exact error.

#include "azure/page_parse_fast.hpp"
#include "azure/resource_graph_parse.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

namespace rootwatch::azure {
namespace {

// One authorizationresources row in the shape of azure-apis.md §3.5, with `extra` members.
std::string row(int n, const std::string& extra = "") {
  return fmt::format(
      R"({{"id":"/providers/Microsoft.Authorization/roleAssignments/a1b2c3d4-0000-4000-8000-{0:012x}",)"
      R"("name":"a1b2c3d4-0000-4000-8000-{0:012x}","type":"microsoft.authorization/roleassignments",)"
      R"("tenantId":"8d1f3a5c-7e42-4b19-9c60-2f5e8a7d3b14","properties":{{"scope":"/",)"
      R"("principalId":"3F2A9C10-5B7E-4D21-9A0C-{0:012X}","principalType":"User",)"
      R"("roleDefinitionId":"/providers/Microsoft.Authorization/RoleDefinitions/18D7D88D-D35E-4FB5-A5C3-7773C20A72D9",)"
      R"("condition":null,"createdOn":"2025-02-11T09:58:12.123Z","createdBy":"7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",)"
      R"("updatedBy":null{1}}}}})",
      n, extra);
}

// A page of `rows` rows; `top` replaces the members around "data".
std::string page(int rows, const std::string& top = R"("totalRecords":{n},"count":{n},"resultTruncated":"false")",
                 const std::string& row_extra = "") {
  std::string data;
  for (int i = 0; i < rows; ++i) {
    data += (i == 0 ? "" : ",") + row(i, row_extra);
  }
  std::string head = top;
  for (auto at = head.find("{n}"); at != std::string::npos; at = head.find("{n}")) {
    head.replace(at, 3, std::to_string(rows));
  }
  return "{" + head + (head.empty() ? "" : ",") + R"("data":[)" + data + R"(],"facets":[]})";
}

void expect_same(const std::string& body) {
  SCOPED_TRACE(body.substr(0, 300));
  const auto dom = parse_resource_graph_page_dom(body);
  const auto fast = fast_resource_graph_page(body);
  const auto result = parse_resource_graph_page(body);
  if (fast) {
    ASSERT_TRUE(dom.has_value()) << "the fast path took a page the DOM parser refuses: " << dom.error().message;
    EXPECT_EQ(fast->items, dom->items);
    EXPECT_EQ(fast->skip_token, dom->skip_token);
    EXPECT_EQ(fast->truncated, dom->truncated);
    EXPECT_EQ(fast->total_records, dom->total_records);
  }
  ASSERT_EQ(result.has_value(), dom.has_value());
  if (dom) {
    EXPECT_EQ(result->items, dom->items);
    EXPECT_EQ(result->skip_token, dom->skip_token);
    EXPECT_EQ(result->truncated, dom->truncated);
    EXPECT_EQ(result->total_records, dom->total_records);
  } else {
    EXPECT_EQ(result.error().message, dom.error().message);
  }
}

void expect_handled(const std::string& body) {
  expect_same(body);
  EXPECT_TRUE(fast_resource_graph_page(body).has_value()) << body.substr(0, 300);
}

void expect_declined(const std::string& body) {
  expect_same(body);
  EXPECT_FALSE(fast_resource_graph_page(body).has_value()) << body.substr(0, 300);
}

TEST(ResourceGraphFast, RealPagesAreHandledAndEqual) {
  expect_handled(page(100));
  expect_handled(page(100, R"("totalRecords":250,"count":100,"resultTruncated":"false","$skipToken":"ew0KICAi")"));
  expect_handled(page(0));
  expect_handled(page(2, R"("resultTruncated":"TRUE")"));
  expect_handled(page(2, R"("resultTruncated":false,"count":null,"totalRecords":null,"$skipToken":null)"));
  expect_handled(page(2, R"("resultTruncated":true,"$skipToken":"")"));
  expect_handled(page(2, R"("resultTruncated":"False","totalRecords":9223372036854775807)"));
  std::string empty_creator = page(1);
  empty_creator.replace(empty_creator.find(R"("createdBy":"7)"), 50, R"("createdBy":"")");
  expect_handled(empty_creator);
  // nlohmann reads -0 as the integer 0, simdjson as INT64 0: the same page.
  expect_handled(page(0, R"("resultTruncated":"false","count":-0,"totalRecords":-0)"));
  expect_handled(page(1, R"("resultTruncated":"false")", R"(,"type":"Microsoft.Authorization/RoleAssignments")"));
  const auto fast = fast_resource_graph_page(page(3));
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->items[2].principal.id, "3f2a9c10-5b7e-4d21-9a0c-000000000002");
  EXPECT_EQ(fast->items[2].role.id, "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9");
}

TEST(ResourceGraphFast, DoubtsAreDeclinedWithTheDomAnswer) {
  // Duplicates of the members read.
  expect_declined(page(1, R"("resultTruncated":"false","resultTruncated":"true")"));
  expect_declined(page(1, R"("resultTruncated":"false","count":1,"count":1)"));
  expect_declined(page(1, R"("resultTruncated":"false","$skipToken":"a","$skipToken":"b")"));
  expect_declined(page(1, R"("resultTruncated":"false","totalRecords":1,"totalRecords":2)"));
  expect_declined(page(1, R"("resultTruncated":"false","data":[])"));
  expect_declined(page(1, R"("resultTruncated":"false")", R"(,"scope":"/x")"));
  expect_declined(page(1, R"("resultTruncated":"false")", R"(,"createdBy":"a","createdBy":"")"));
  // Wrong types, values and counts.
  expect_declined(page(1, R"("resultTruncated":"yes")"));
  expect_declined(page(1, R"("resultTruncated":null)"));
  expect_declined(page(1, R"("resultTruncated":1)"));
  expect_declined(page(1, ""));
  for (const char* count :
       {"2", "-1", "1.0", "1e0", "\"1\"", "true", "9223372036854775808", "18446744073709551616", "[]"}) {
    expect_declined(page(1, fmt::format(R"("resultTruncated":"false","count":{})", count)));
    if (std::string(count) != "2") {
      expect_declined(page(1, fmt::format(R"("resultTruncated":"false","totalRecords":{})", count)));
    }
  }
  expect_declined(page(1, R"("resultTruncated":"false","$skipToken":1)"));
  expect_declined(R"({"resultTruncated":"false","data":{"columns":[],"rows":[]}})");
  expect_declined(R"({"resultTruncated":"false","data":null})");
  expect_declined(R"({"resultTruncated":"false","data":[1]})");
  expect_declined(R"({"resultTruncated":"false","data":[{"id":"x","properties":null}]})");
  expect_declined(page(1, R"("resultTruncated":"false")", R"(,"principalType":7)"));
  expect_declined(R"({"resultTruncated":"false","data":[)" +
                  row(0).replace(row(0).find("\"type\":\""), 8, "\"type\":\"x") + "]}");
  // Invalid JSON.
  expect_declined(page(1) + "x");
  expect_declined(page(1).substr(1));
  expect_declined("");
  expect_declined("[]");
  expect_declined(page(1, R"("resultTruncated":"false","x":"\ud800")"));
  expect_declined(page(1, R"("resultTruncated":"false","x":"\xff")"));
  expect_declined(page(1, R"("resultTruncated":"false","x":1e400)"));
}

}  // namespace
}  // namespace rootwatch::azure
