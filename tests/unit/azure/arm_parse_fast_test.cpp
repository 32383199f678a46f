// The fast path of the role assignment list page (azure/page_parse_fast.cpp) against the
// nlohmann parser it stands in for: where the fast path answers, it answers the same page;
// everywhere, parse_role_assignment_page gives the DOM parser's page or its exact error.

#include "azure/arm_parse.hpp"
#include "azure/page_parse_fast.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

namespace rootwatch::azure {
namespace {

// One item in the shape of azure-apis.md §4.1, numbered.
std::string item(int n, const std::string& principal_type = "User") {
  return fmt::format(R"({{"properties":{{"roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/)"
                     R"(18D7D88D-d35e-4fb5-a5c3-7773c20a72d9","principalId":"3F2A9C10-5b7e-4d21-9a0c-{:012x}",)"
                     R"("principalType":"{}","scope":"/","condition":null,"conditionVersion":null,)"
                     R"("createdOn":"2025-02-11T09:58:12.1234567Z","updatedOn":"2025-02-11T09:58:12.1234567Z",)"
                     R"("createdBy":"7c1d2e3f4a5b4c6d8e9f0a1b2c3d4e5f","updatedBy":null,)"
                     R"("delegatedManagedIdentityResourceId":null,"description":"n\u00e9 {} \ud83d\ude00"}},)"
                     R"("id":"/providers/Microsoft.Authorization/roleAssignments/a1b2c3d4-0000-4000-8000-{:012x}",)"
                     R"("type":"Microsoft.Authorization/roleAssignments","name":"a1b2c3d4-0000-4000-8000-{:012x}"}})",
                     n, principal_type, n, n, n);
}

std::string page_of(int count, const std::string& tail = R"(,"nextLink":null)") {
  std::string body = R"({"value":[)";
  for (int i = 0; i < count; ++i) {
    body += i == 0 ? "" : ",\n  ";
    body += item(i, i % 3 == 0 ? "User" : i % 3 == 1 ? "Group" : "ServicePrincipal");
  }
  return body + "]" + tail + "}";
}

// A page of one item whose properties are `props`.
std::string one(const std::string& props, const std::string& item_extra = "") {
  return R"({"value":[{"properties":{)" + props +
         R"(},"id":"/providers/Microsoft.Authorization/roleAssignments/a1b2c3d4-0000-4000-8000-000000000009")" +
         item_extra + "}]}";
}

const std::string props_ok =
    R"("roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",)"
    R"("principalId":"0b1c2d3e-4f50-4617-8a9b-acbdcedf0011","scope":"/")";

// The property every body must have: the public parser gives exactly the DOM parser's answer,
// and the fast path, where it answers, the same page.
void expect_same(const std::string& body) {
  SCOPED_TRACE(body.substr(0, 300));
  const auto dom = parse_role_assignment_page_dom(body);
  const auto fast = fast_role_assignment_page(body);
  const auto page = parse_role_assignment_page(body);
  if (fast) {
    ASSERT_TRUE(dom.has_value()) << "the fast path took a page the DOM parser refuses: " << dom.error().message;
    EXPECT_EQ(fast->items, dom->items);
    EXPECT_EQ(fast->next_link, dom->next_link);
  }
  ASSERT_EQ(page.has_value(), dom.has_value());
  if (dom) {
    EXPECT_EQ(page->items, dom->items);
    EXPECT_EQ(page->next_link, dom->next_link);
  } else {
    EXPECT_EQ(page.error().message, dom.error().message);
    EXPECT_EQ(page.error().kind, dom.error().kind);
  }
}

void expect_handled(const std::string& body) {
  expect_same(body);
  EXPECT_TRUE(fast_role_assignment_page(body).has_value()) << body.substr(0, 300);
}

void expect_declined(const std::string& body) {
  expect_same(body);
  EXPECT_FALSE(fast_role_assignment_page(body).has_value()) << body.substr(0, 300);
}

// --- the pages every cycle reads: handled, and equal ---

TEST(ArmParseFast, FullPagesAreHandledAndEqual) {
  expect_handled(page_of(100));
  expect_handled(page_of(100, R"(,"nextLink":"https://management.azure.com/providers/Microsoft.Authorization/)"
                              R"(roleAssignments?api-version=2022-04-01&$skiptoken=abc%3D%3D")"));
  expect_handled(page_of(1));
  expect_handled(page_of(0));
  expect_handled(R"({"value":[]})");
  const auto page = fast_role_assignment_page(page_of(100));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 100U);
  EXPECT_EQ(page->items[7].principal.id, "3f2a9c10-5b7e-4d21-9a0c-000000000007");
  EXPECT_EQ(page->items[7].role.id, "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9");
  EXPECT_EQ(page->items[7].created_by, "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f");
}

TEST(ArmParseFast, ParserReuseAcrossPagesOfDifferentSizes) {
  // The thread's parser keeps its buffers: a small page after a large one must not see the
  // large one's bytes.
  expect_handled(page_of(100));
  expect_handled(page_of(2));
  expect_declined(R"({"value":[)");
  expect_handled(page_of(3));
}

TEST(ArmParseFast, NextLinkVariants) {
  expect_handled(page_of(1, R"(,"nextLink":"")"));
  expect_handled(page_of(1, R"(,"nextLink":null)"));
  expect_handled(page_of(1, ""));
  expect_handled(page_of(1, R"(,"nextLink":"https://x/\u0041?a=\"b\"")"));
  expect_declined(page_of(1, R"(,"nextLink":5)"));
  expect_declined(page_of(1, R"(,"nextLink":{})"));
  expect_declined(page_of(1, R"(,"nextLink":"a","nextLink":"b")"));
  expect_declined(page_of(1, R"(,"nextLink":null,"nextLink":"b")"));
}

TEST(ArmParseFast, OptionalMembers) {
  expect_handled(one(props_ok));
  expect_handled(one(props_ok + R"(,"principalType":null,"condition":null,"createdOn":null,"createdBy":null)"));
  expect_handled(one(props_ok + R"(,"createdBy":"","createdOn":"not a date","condition":"")"));
  expect_handled(one(props_ok + R"(,"createdBy":"  0B1C2D3E4F5046178A9BACBDCEDF0011 ")"));
  expect_handled(one(props_ok + R"(,"createdBy":"\t0B1C2D3E4F5046178A9BACBDCEDF001\u000b")"));
  expect_handled(one(props_ok + R"(,"condition":"@Resource[x] StringEquals 'a\\b\"c'")"));
  expect_handled(one(props_ok + R"(,"createdOn":"2025-02-11T09:58:12Z")"));
  expect_handled(one(props_ok, R"(,"extra":[1,2.5e3,-0,true,false,null,{"a":{"b":[]}}])"));
}

TEST(ArmParseFast, GuidsAreNormalizedLikeTheDomPath) {
  for (const char* principal : {"0B1C2D3E-4F50-4617-8A9B-ACBDCEDF0011", "0b1c2d3e4f5046178a9bacbdcedf0011",
                                " 0B1C2D3E4F5046178A9BACBDCEDF0011\\n", "0b1c2d3e4f5046178a9bacbdcedf001g",
                                "not-a-guid", "\u00c9T\u00c9", "ABC\\u00C9"}) {
    expect_handled(one(fmt::format(R"("roleDefinitionId":"/x/roleDefinitions/8E3AF657A8FF443CA75C2FE8C4BCB635/",)"
                                   R"("principalId":"{}","scope":"/","createdBy":"{}")",
                                   principal, principal)));
  }
}

// --- doubts: declined, and the DOM parser's answer stands ---

TEST(ArmParseFast, DuplicateKeysAmongTheMembersReadAreDeclined) {
  const std::string other_role =
      R"("roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7")";
  expect_declined(one(props_ok + "," + other_role));
  expect_declined(one(props_ok + R"(,"scope":"/subscriptions/x")"));
  expect_declined(one(props_ok + R"(,"principalId":"9e8d7c6b-5a49-4382-b716-0f1e2d3c4b5a")"));
  expect_declined(one(props_ok + R"(,"createdBy":null,"createdBy":"9e8d7c6b-5a49-4382-b716-0f1e2d3c4b5a")"));
  expect_declined(one(props_ok + R"(,"condition":"a","condition":null)"));
  expect_declined(one(props_ok + R"(,"principalType":"User","principalType":"Group")"));
  expect_declined(one(props_ok + R"(,"createdOn":"2025-02-11T09:58:12Z","createdOn":"2024-02-11T09:58:12Z")"));
  expect_declined(one(props_ok, R"(,"id":"/providers/Microsoft.Authorization/roleAssignments/other")"));
  expect_declined(one(props_ok, R"(,"properties":{})"));
  // The same key written with an escape is the same key to both parsers.
  expect_declined(one(props_ok + R"(,"\u0073cope":"/subscriptions/x")"));
  expect_declined(R"({"value":[],"value":[]})");
  expect_declined(R"({"value":[],"va\u006cue":)" + page_of(1).substr(10));
  // Duplicates of members nobody reads change nothing.
  expect_handled(one(props_ok + R"(,"updatedBy":"a","updatedBy":"b")", R"(,"name":"a","name":"b")"));
}

TEST(ArmParseFast, WrongTypesAndMissingMembersGiveTheDomError) {
  expect_declined("[]");
  expect_declined("null");
  expect_declined(R"("value")");
  expect_declined("{}");
  expect_declined(R"({"value":null})");
  expect_declined(R"({"value":{}})");
  expect_declined(R"({"value":[1]})");
  expect_declined(R"({"value":[null]})");
  expect_declined(R"({"value":[{}]})");
  expect_declined(R"({"value":[{"properties":null,"id":"x"}]})");
  expect_declined(R"({"value":[{"properties":[],"id":"x"}]})");
  expect_declined(one(props_ok, R"(,"id":null)").replace(0, 0, ""));
  for (const char* member : {"roleDefinitionId", "principalId", "scope"}) {
    for (const char* bad : {"null", "\"\"", "1", "true", "[]", "{}"}) {
      std::string props = props_ok;
      const auto at = props.find(std::string("\"") + member + "\":");
      const auto start = at + std::string(member).size() + 3;
      const auto end = props.find('"', start + 1) + 1;
      props.replace(start, end - start, bad);
      expect_declined(one(props));
    }
  }
  for (const char* member : {"principalType", "condition", "createdOn", "createdBy"}) {
    for (const char* bad : {"1", "false", "[]", "{}", "1e400"}) {
      expect_declined(one(props_ok + fmt::format(R"(,"{}":{})", member, bad)));
    }
  }
  expect_declined(one(R"("roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/reader",)"
                      R"("principalId":"0b1c2d3e-4f50-4617-8a9b-acbdcedf0011","scope":"/")"));
}

TEST(ArmParseFast, InvalidJsonGivesTheDomError) {
  const std::string good = page_of(2);
  expect_declined("");
  expect_declined("   ");
  expect_declined(good + "x");
  expect_declined(good + "{}");
  expect_declined(good.substr(0, good.size() - 1));
  expect_declined(good + ",");
  expect_declined("\xef\xbb\xbf" + good);  // a BOM: nlohmann skips it; either way, the same answer
  expect_same(good + " \n\t\r");
  expect_declined(one(props_ok + ",\"condition\":\"a\xff\""));
  expect_declined(one(props_ok + ",\"condition\":\"\xc0\xaf\""));
  expect_declined(one(props_ok + ",\"condition\":\"\xed\xa0\x80\""));
  expect_declined(one(props_ok, ",\"x\":\"\xf4\x90\x80\x80\""));
  expect_declined(one(props_ok + ",\"condition\":\"\\ud800\""));
  expect_declined(one(props_ok + ",\"condition\":\"\\udc00\""));
  expect_declined(one(props_ok, ",\"x\":\"\\ud800\\u0041\""));
  expect_declined(one(props_ok, ",\"x\":\"\\udfff\""));
  expect_declined(one(props_ok + ",\"condition\":\"tab\there\""));
  expect_declined(one(props_ok + ",\"condition\":\"\\x\""));
  expect_declined(one(props_ok, R"(,"x":01)"));
  expect_declined(one(props_ok, R"(,"x":1.)"));
  expect_declined(one(props_ok, R"(,"x":NaN)"));
  expect_declined(one(props_ok, R"(,"x":1e400)"));
  expect_declined(one(props_ok, R"(,"x":-1e400)"));
  expect_declined(one(props_ok, R"(,"x":[1,])"));
  expect_declined(one(props_ok, "/*c*/"));
  expect_same(std::string("{\"value\":[]}\0", 13));
}

TEST(ArmParseFast, NumbersItDoesNotReadAreAcceptedLikeTheDomPath) {
  expect_same(one(props_ok, R"(,"x":123456789012345678901234567890)"));
  expect_same(one(props_ok, R"(,"x":18446744073709551616)"));
  expect_same(one(props_ok, R"(,"x":-9223372036854775809)"));
  expect_same(one(props_ok, R"(,"x":1e308,"y":4.9e-324,"z":1e-400)"));
  expect_same(one(props_ok, R"(,"x":0.1e-999999999999)"));
}

TEST(ArmParseFast, DeepNestingGivesTheSameAnswer) {
  for (const int depth : {100, 1000, 1030, 5000}) {
    const std::string deep =
        std::string(static_cast<std::size_t>(depth), '[') + std::string(static_cast<std::size_t>(depth), ']');
    expect_same(one(props_ok, R"(,"deep":)" + deep));
    expect_same(R"({"value":[],"deep":)" + deep + "}");
  }
}

TEST(ArmParseFast, EscapesInReadStrings) {
  expect_handled(
      one(R"("roleDefinitionId":"\/providers\/x\/roleDefinitions\/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",)"
          R"("principalId":"\u0030b1c2d3e-4f50-4617-8a9b-acbdcedf0011","scope":"\/","condition":"\u0000\n")"));
  expect_handled(one(props_ok + R"(,"principalType":"Us\u00e9r \ud83d\ude00")"));
}

}  // namespace
}  // namespace rootwatch::azure
