// Graph directoryObjects/getByIds on the wire: the request we POST and the tolerant reading of
// the answer (users, groups, service principals, other types, names missing or of the wrong
// type, invalid UTF-8, over-long names), which fails only when there is no "value" array.

#include "azure/directory_objects_parse.hpp"
#include "common/json.hpp"
#include "common/text.hpp"

#include <gtest/gtest.h>

namespace rootwatch::azure {
namespace {

constexpr std::string_view alice = "5c1e7a52-3f0b-4d8e-9a61-2b7c4e9f0d13";

std::string page_of(const json& items) {
  return dump_tolerant(
      json{{"@odata.context", "https://graph.microsoft.com/v1.0/$metadata#directoryObjects"}, {"value", items}});
}

TEST(directory_objects_parse, url_and_body) {
  EXPECT_EQ(directory_objects_url("https://graph.microsoft.com"),
            "https://graph.microsoft.com/v1.0/directoryObjects/getByIds");
  EXPECT_EQ(directory_objects_url("https://graph.microsoft.us/ "),
            "https://graph.microsoft.us/v1.0/directoryObjects/getByIds");
  const json body = json::parse(directory_objects_body({std::string(alice), "0b944de3-e0fc-4774-a49a-b135213725ef"}));
  EXPECT_EQ(body.at("ids"), json::array({alice, "0b944de3-e0fc-4774-a49a-b135213725ef"}));
  EXPECT_EQ(body.at("types"), json::array({"user", "group", "servicePrincipal"}));
}

TEST(directory_objects_parse, reads_users_groups_and_service_principals) {
  const auto page = parse_directory_objects(page_of(json::array({
      {{"@odata.type", "#microsoft.graph.user"},
       {"id", "5C1E7A52-3F0B-4D8E-9A61-2B7C4E9F0D13"},
       {"displayName", "Alice Example"},
       {"userPrincipalName", "alice@contoso.example"},
       {"businessPhones", json::array()}},
      {{"@odata.type", "#microsoft.graph.group"},
       {"id", "0b944de3-e0fc-4774-a49a-b135213725ef"},
       {"displayName", "Tier 0 admins"},
       {"userPrincipalName", "not-for-groups"}},
      {{"@odata.type", "#microsoft.graph.servicePrincipal"},
       {"id", "84b80893-8749-40a3-97b7-68513b600544"},
       {"displayName", "deploy-pipeline"},
       {"appId", "11111111-2222-3333-4444-555555555555"},
       {"servicePrincipalType", "ManagedIdentity"}},
  })));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->objects.size(), 3u);
  EXPECT_EQ(page->skipped, 0u);
  const auto& u = page->objects[0];
  EXPECT_EQ(u.id, alice) << "ids come back canonical";
  EXPECT_EQ(u.type, "User");
  EXPECT_EQ(u.display_name, "Alice Example");
  EXPECT_EQ(u.user_principal_name, "alice@contoso.example");
  EXPECT_EQ(page->objects[1].type, "Group");
  EXPECT_EQ(page->objects[1].display_name, "Tier 0 admins");
  EXPECT_FALSE(page->objects[1].user_principal_name) << "a UPN is a user's only";
  EXPECT_EQ(page->objects[2].type, "ServicePrincipal");
  EXPECT_EQ(page->objects[2].display_name, "deploy-pipeline");
}

TEST(directory_objects_parse, an_unknown_type_keeps_its_name_without_a_type) {
  const auto page = parse_directory_objects(page_of(json::array({
      {{"@odata.type", "#microsoft.graph.device"}, {"id", alice}, {"displayName", "laptop-17"}},
      {{"id", "0b944de3-e0fc-4774-a49a-b135213725ef"}, {"displayName", "no type at all"}},
      {{"@odata.type", "#MICROSOFT.GRAPH.USER"}, {"id", "84b80893-8749-40a3-97b7-68513b600544"}},
  })));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->objects.size(), 3u);
  EXPECT_EQ(page->objects[0].type, "");
  EXPECT_EQ(page->objects[0].display_name, "laptop-17");
  EXPECT_EQ(page->objects[1].type, "");
  EXPECT_EQ(page->objects[2].type, "User") << "type names compare without case";
}

TEST(directory_objects_parse, a_missing_or_mistyped_name_is_no_name) {
  // An app that may not read an object type gets the id and @odata.type only (Graph's
  // "limited information"): the object is there, its name is not.
  const auto page = parse_directory_objects(page_of(json::array({
      {{"@odata.type", "#microsoft.graph.user"}, {"id", alice}},
      {{"@odata.type", "#microsoft.graph.user"},
       {"id", "0b944de3-e0fc-4774-a49a-b135213725ef"},
       {"displayName", nullptr}},
      {{"@odata.type", "#microsoft.graph.user"}, {"id", "84b80893-8749-40a3-97b7-68513b600544"}, {"displayName", 42}},
      {{"@odata.type", "#microsoft.graph.user"},
       {"id", "b75a5ab2-fe55-4463-bd31-d21ad555c6e0"},
       {"displayName", json::array({"x"})},
       {"userPrincipalName", json::object()}},
      {{"@odata.type", "#microsoft.graph.user"}, {"id", "5d6059b6-368d-45f8-91e1-8e07d485f1d0"}, {"displayName", ""}},
  })));
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->objects.size(), 5u);
  for (const auto& o : page->objects) {
    EXPECT_FALSE(o.display_name) << o.id;
    EXPECT_FALSE(o.user_principal_name) << o.id;
    EXPECT_EQ(o.type, "User");
  }
}

TEST(directory_objects_parse, items_without_a_guid_id_are_skipped_and_counted) {
  const auto page = parse_directory_objects(page_of(json::array({
      "a string",
      42,
      nullptr,
      json::array(),
      {{"displayName", "no id"}},
      {{"id", 12345}, {"displayName", "numeric id"}},
      {{"id", "{objectID}"}, {"displayName", "doc placeholder"}},
      {{"id", alice}, {"displayName", "Alice"}},
  })));
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->skipped, 7u);
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].display_name, "Alice");
}

TEST(directory_objects_parse, names_are_valid_utf8_and_cut) {
  std::string body = page_of(json::array({
      {{"id", alice}, {"displayName", "Al@@BAD@@ice"}, {"@odata.type", "#microsoft.graph.user"}},
      {{"id", "0b944de3-e0fc-4774-a49a-b135213725ef"}, {"displayName", std::string(1000, 'n')}},
      {{"id", "84b80893-8749-40a3-97b7-68513b600544"}, {"displayName", std::string(300, '\xc3') + "x"}},
  }));
  // Raw bytes that are not UTF-8 inside the string, as a broken proxy might pass them on.
  body.replace(body.find("@@BAD@@"), 7, "\xC3\x28\xFF");
  const auto page = parse_directory_objects(body);
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->objects.size(), 3u);
  for (const auto& o : page->objects) {
    ASSERT_TRUE(o.display_name) << o.id;
    EXPECT_TRUE(is_valid_utf8(*o.display_name)) << o.id;
    EXPECT_LE(o.display_name->size(), max_display_name_bytes + std::string_view("…").size()) << o.id;
  }
  EXPECT_TRUE(page->objects[0].display_name->starts_with("Al")) << *page->objects[0].display_name;
  EXPECT_TRUE(page->objects[0].display_name->ends_with("ice")) << *page->objects[0].display_name;
  EXPECT_TRUE(page->objects[1].display_name->ends_with("…"));
}

TEST(directory_objects_parse, an_answer_without_a_value_array_is_an_error) {
  for (const std::string_view body :
       {std::string_view("<html>Service Unavailable</html>"), std::string_view("[]"), std::string_view("{}"),
        std::string_view(R"({"value":null})"), std::string_view(R"({"value":{"id":"x"}})"),
        std::string_view(R"({"value":"[]"})"), std::string_view("")}) {
    const auto page = parse_directory_objects(body);
    ASSERT_FALSE(page) << body;
    EXPECT_EQ(page.error().kind, error_kind::parse) << body;
    EXPECT_NE(page.error().message.find("getByIds"), std::string::npos) << page.error().message;
  }
  const auto empty = parse_directory_objects(R"({"value":[]})");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->objects.empty());
}

}  // namespace
}  // namespace rootwatch::azure
