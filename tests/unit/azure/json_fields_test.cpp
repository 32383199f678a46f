// The parsers' shared typed reads and error text: paths in errors, links where empty means the
// last page, bodies that are not a JSON object, and one status table for every API's error.

#include "azure/json_fields.hpp"
#include "azure/answer_error.hpp"

#include <gtest/gtest.h>

namespace rootwatch::azure {
namespace {

constexpr std::string_view what = "test page";

TEST(json_fields, errors_name_the_answer_and_the_members_path) {
  const json j = json::parse(R"({"value":[{"id":5,"user":"x","list":{},"name":""}]})");
  const json_fields top{j, "", what};
  const json_fields item{j["value"][0], "value[0]", what};
  EXPECT_EQ(top.name("value"), "value");
  EXPECT_EQ(item.name("id"), "value[0].id");
  EXPECT_EQ(item.optional_string("id").error().message, "malformed test page: value[0].id is not a string");
  EXPECT_EQ(item.required_string("name").error().message, "malformed test page: value[0].name is missing");
  EXPECT_EQ(item.required_string("absent").error().message, "malformed test page: value[0].absent is missing");
  EXPECT_EQ(item.optional_object("user").error().message, "malformed test page: value[0].user is not an object");
  EXPECT_EQ(item.optional_array("list").error().message, "malformed test page: value[0].list is not an array");
  EXPECT_EQ(item.at(j["value"][0]["list"], "list").name("x"), "value[0].list.x");
  EXPECT_EQ(item.optional_string("id").error().kind, error_kind::parse);
}

TEST(json_fields, absent_and_null_members_are_nullopt_not_errors) {
  const json j = json::parse(R"({"a":null,"o":{"k":1},"l":[1],"s":"text"})");
  const json_fields f{j, "", what};
  EXPECT_EQ(f.optional_string("a").value(), std::nullopt);
  EXPECT_EQ(f.optional_string("missing").value(), std::nullopt);
  EXPECT_EQ(f.optional_string("s").value(), std::optional<std::string>("text"));
  EXPECT_EQ(f.required_string("s").value(), "text");
  EXPECT_EQ(f.optional_object("a").value(), nullptr);
  EXPECT_NE(f.optional_object("o").value(), nullptr);
  EXPECT_EQ(f.optional_array("missing").value(), nullptr);
  EXPECT_NE(f.optional_array("l").value(), nullptr);
}

TEST(json_fields, an_empty_or_null_link_is_the_last_page_and_a_wrong_type_an_error) {
  const json j = json::parse(R"({"empty":"","null":null,"link":"https://x/next?a=b","number":3})");
  const json_fields f{j, "", what};
  EXPECT_EQ(f.optional_link("empty").value(), std::nullopt);
  EXPECT_EQ(f.optional_link("null").value(), std::nullopt);
  EXPECT_EQ(f.optional_link("absent").value(), std::nullopt);
  EXPECT_EQ(f.optional_link("link").value(), std::optional<std::string>("https://x/next?a=b"));
  EXPECT_EQ(f.optional_link("number").error().message, "malformed test page: number is not a string");
}

TEST(parse_answer, only_a_json_object_is_an_answer) {
  EXPECT_TRUE(parse_answer(R"({"value":[]})", what));
  EXPECT_EQ(parse_answer("{not json", what).error().message, "malformed test page: the body is not JSON");
  EXPECT_EQ(parse_answer("", what).error().message, "malformed test page: the body is not JSON");
  for (const char* body : {"[]", "null", "3", R"("text")"}) {
    const auto parsed = parse_answer(body, what);
    ASSERT_FALSE(parsed) << body;
    EXPECT_EQ(parsed.error().message, "malformed test page: the body is not a JSON object") << body;
    EXPECT_EQ(parsed.error().kind, error_kind::parse);
  }
}

TEST(answer_error, text_is_what_status_code_and_message) {
  EXPECT_EQ(answer_error(404, "arm role definition", "RoleDefinitionDoesNotExist", "gone").message,
            "arm role definition answered 404 RoleDefinitionDoesNotExist: gone");
  EXPECT_EQ(answer_error(502, "x", "", "").message, "x answered 502");
  EXPECT_EQ(answer_error(400, "x", "", "only a message").message, "x answered 400: only a message");
  const auto long_one = answer_error(500, "x", std::string(500, 'c'), std::string(1'000, 'm'));
  // Cut (with a mark) to 100 bytes of code and 300 of message: never the body whole.
  EXPECT_EQ(long_one.message.rfind("x answered 500 ccc", 0), 0u) << long_one.message;
  EXPECT_EQ(long_one.message.find(std::string(101, 'c')), std::string::npos) << long_one.message;
  EXPECT_NE(long_one.message.find(": mmm"), std::string::npos) << long_one.message;
  EXPECT_EQ(long_one.message.find(std::string(301, 'm')), std::string::npos) << long_one.message;
}

TEST(answer_error, kind_and_retryability_by_status) {
  struct row {
    int status;
    error_kind kind;
    bool retryable;
  };
  for (const row r :
       {row{400, error_kind::http, false}, row{401, error_kind::auth, false}, row{403, error_kind::permission, false},
        row{404, error_kind::http, false}, row{408, error_kind::http, true}, row{409, error_kind::http, false},
        row{429, error_kind::throttled, true}, row{500, error_kind::http, true}, row{503, error_kind::http, true},
        row{504, error_kind::http, true}}) {
    const auto e = answer_error(r.status, "x", "C", "m");
    EXPECT_EQ(e.kind, r.kind) << r.status;
    EXPECT_EQ(e.retryable, r.retryable) << r.status;
    EXPECT_EQ(e.http_status, r.status);
  }
}

}  // namespace
}  // namespace rootwatch::azure
