// The test-only JSON Schema validator: each keyword accepts what it should and, above all,
// rejects what it should; a validator that accepts everything would make every schema test pass.

#include "support/json_schema.hpp"

#include <gtest/gtest.h>

namespace rootwatch::test {
namespace {

using nlohmann::json;

json_schema must_load(const json& schema) {
  std::string problem;
  auto s = json_schema::load(schema, &problem);
  EXPECT_TRUE(s) << problem;
  return s ? *s : *json_schema::load(json::object(), nullptr);
}

bool valid(const json& schema, const json& instance) {
  return must_load(schema).validate(instance).empty();
}

TEST(JsonSchema, TypeNamesAndLists) {
  EXPECT_TRUE(valid({{"type", "string"}}, "x"));
  EXPECT_FALSE(valid({{"type", "string"}}, 1));
  EXPECT_FALSE(valid({{"type", "string"}}, nullptr));
  EXPECT_TRUE(valid({{"type", "null"}}, nullptr));
  EXPECT_FALSE(valid({{"type", "null"}}, ""));
  EXPECT_TRUE(valid({{"type", {"string", "null"}}}, nullptr));
  EXPECT_TRUE(valid({{"type", {"string", "null"}}}, "a"));
  EXPECT_FALSE(valid({{"type", {"string", "null"}}}, false));
  EXPECT_TRUE(valid({{"type", "boolean"}}, true));
  EXPECT_FALSE(valid({{"type", "boolean"}}, "true"));
  EXPECT_TRUE(valid({{"type", "object"}}, json::object()));
  EXPECT_FALSE(valid({{"type", "object"}}, json::array()));
  EXPECT_TRUE(valid({{"type", "array"}}, json::array()));
  EXPECT_TRUE(valid({{"type", "integer"}}, 3));
  EXPECT_FALSE(valid({{"type", "integer"}}, 3.5));
}

TEST(JsonSchema, RequiredAndProperties) {
  const json s = {{"type", "object"},
                  {"required", {"a", "b"}},
                  {"properties", {{"a", {{"type", "string"}}}, {"c", {{"type", "null"}}}}}};
  EXPECT_TRUE(valid(s, {{"a", "x"}, {"b", 1}}));
  EXPECT_TRUE(valid(s, {{"a", "x"}, {"b", 1}, {"unknown", 2}}));  // unknown keys are allowed
  EXPECT_FALSE(valid(s, {{"a", "x"}}));
  EXPECT_FALSE(valid(s, {{"a", 1}, {"b", 1}}));
  EXPECT_FALSE(valid(s, {{"a", "x"}, {"b", 1}, {"c", "not null"}}));
  const auto problems = must_load(s).validate({{"b", 1}, {"c", 2}});
  ASSERT_EQ(problems.size(), 2U);
  EXPECT_EQ(problems[0], ": required key \"a\" is missing");
  EXPECT_EQ(problems[1].rfind("/c: is number", 0), 0U) << problems[1];
}

TEST(JsonSchema, Items) {
  const json s = {{"type", "array"}, {"items", {{"type", "string"}}}};
  EXPECT_TRUE(valid(s, json::array({"a", "b"})));
  EXPECT_TRUE(valid(s, json::array()));
  const auto problems = must_load(s).validate(json::array({"a", 2}));
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_EQ(problems[0].rfind("/1:", 0), 0U) << problems[0];
}

TEST(JsonSchema, EnumAndConst) {
  EXPECT_TRUE(valid({{"enum", {"firing", "resolved"}}}, "firing"));
  EXPECT_FALSE(valid({{"enum", {"firing", "resolved"}}}, "Firing"));
  EXPECT_FALSE(valid({{"enum", {"firing", "resolved"}}}, nullptr));
  EXPECT_TRUE(valid({{"const", "rootwatch.alert/v1"}}, "rootwatch.alert/v1"));
  EXPECT_FALSE(valid({{"const", "rootwatch.alert/v1"}}, "rootwatch.alert/v2"));
  EXPECT_TRUE(valid({{"const", true}}, true));
  EXPECT_FALSE(valid({{"const", true}}, false));
  EXPECT_FALSE(valid({{"const", true}}, 1));
}

TEST(JsonSchema, PatternIsSearchedNotAnchored) {
  EXPECT_TRUE(valid({{"pattern", "^[0-9a-f]{4}$"}}, "00af"));
  EXPECT_FALSE(valid({{"pattern", "^[0-9a-f]{4}$"}}, "00AF"));
  EXPECT_FALSE(valid({{"pattern", "^[0-9a-f]{4}$"}}, "00af0"));
  EXPECT_TRUE(valid({{"pattern", "b"}}, "abc"));
  EXPECT_FALSE(valid({{"pattern", "z"}}, "abc"));
  EXPECT_TRUE(valid({{"pattern", "z"}}, 5));  // applies to strings only
}

TEST(JsonSchema, MinLengthCountsCharacters) {
  EXPECT_FALSE(valid({{"minLength", 1}}, ""));
  EXPECT_TRUE(valid({{"minLength", 1}}, "x"));
  EXPECT_TRUE(valid({{"minLength", 2}}, "\xC3\xA9\xC3\xA9"));   // "éé": two characters
  EXPECT_FALSE(valid({{"minLength", 3}}, "\xC3\xA9\xC3\xA9"));  // four bytes, but two characters
}

TEST(JsonSchema, DateTime) {
  const json s = {{"type", "string"}, {"format", "date-time"}};
  for (const char* good : {"2025-02-11T10:00:00Z", "2025-02-11T10:00:00.1234567Z", "2024-02-29T23:59:59+01:00",
                           "2025-12-31T00:00:00-05:30"}) {
    EXPECT_TRUE(valid(s, good)) << good;
  }
  for (const char* bad : {"2025-02-11 10:00:00Z", "2025-02-11T10:00:00", "2025-02-30T10:00:00Z", "2025-02-29T10:00:00Z",
                          "2025-13-01T10:00:00Z", "2025-02-11T24:00:00Z", "2025-02-11T10:00:00.Z", "2025-02-11T10:00Z",
                          "2025-02-11T10:00:00+0100", "", "now", "2025-02-11T10:00:00Zjunk"}) {
    EXPECT_FALSE(valid(s, bad)) << bad;
  }
}

TEST(JsonSchema, RefToDefs) {
  const json s = {{"$defs", {{"guid", {{"type", "string"}, {"pattern", "^[0-9a-f-]{36}$"}}}}},
                  {"properties", {{"id", {{"$ref", "#/$defs/guid"}}}}}};
  EXPECT_TRUE(valid(s, {{"id", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"}}));
  EXPECT_FALSE(valid(s, {{"id", "User Access Administrator"}}));
  EXPECT_FALSE(valid(s, {{"id", 7}}));
}

TEST(JsonSchema, AnyOf) {
  const json s = {{"anyOf", {{{"type", "null"}}, {{"type", "string"}, {"minLength", 1}}}}};
  EXPECT_TRUE(valid(s, nullptr));
  EXPECT_TRUE(valid(s, "x"));
  EXPECT_FALSE(valid(s, ""));
  EXPECT_FALSE(valid(s, 1));
}

TEST(JsonSchema, OneOfNeedsExactlyOne) {
  const json s = {{"oneOf", {{{"type", "string"}}, {{"pattern", "^a"}}}}};
  EXPECT_TRUE(valid(s, "bcd"));   // only the first
  EXPECT_FALSE(valid(s, "abc"));  // both
  EXPECT_TRUE(valid(s, 1.5));     // the pattern applies to strings only: 1.5 matches the second alone
  EXPECT_TRUE(valid({{"oneOf", {{{"type", "string"}}, {{"type", "null"}}}}}, nullptr));
  EXPECT_FALSE(valid({{"oneOf", {{{"type", "string"}}, {{"type", "null"}}}}}, 1));
}

TEST(JsonSchema, RejectsSchemasOutsideItsSubset) {
  std::string problem;
  EXPECT_FALSE(json_schema::load({{"additionalProperties", false}}, &problem));
  EXPECT_NE(problem.find("additionalProperties"), std::string::npos) << problem;
  EXPECT_FALSE(json_schema::load({{"properties", {{"a", {{"maxLength", 3}}}}}}, &problem));
  EXPECT_FALSE(json_schema::load({{"$ref", "#/$defs/missing"}}, &problem));
  EXPECT_FALSE(json_schema::load({{"type", "text"}}, &problem));
  EXPECT_FALSE(json_schema::load({{"pattern", "("}}, &problem));
  EXPECT_FALSE(json_schema::load({{"format", "email"}}, &problem));
  EXPECT_FALSE(json_schema::load({{"oneOf", {{{"typo", 1}}}}}, &problem));
}

TEST(JsonSchema, TheAlertSchemaLoads) {
  std::string problem;
  EXPECT_TRUE(json_schema::load_file(ROOTWATCH_ALERT_SCHEMA, &problem)) << problem;
}

}  // namespace
}  // namespace rootwatch::test
