#include "azure/page_link.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rootwatch::azure {
namespace {

std::string link_of(std::string_view body) {
  const auto span = find_next_link(body);
  return span ? std::string(body.substr(span->begin, span->end - span->begin)) : std::string("(none)");
}

TEST(page_link, first_member_as_a_sorting_serialiser_writes_it) {
  EXPECT_EQ(link_of(R"({"nextLink":"https://x/l?$skipToken=fake;100:0a1b2c3d","value":[{"id":"a"}]})"),
            "https://x/l?$skipToken=fake;100:0a1b2c3d");
}

TEST(page_link, last_member_as_arm_writes_it) {
  EXPECT_EQ(link_of(R"({"value":[{"id":"a"}],"nextLink":"https://x/l?$skipToken=AS1:063:e0;US1:-1:FF"})"),
            "https://x/l?$skipToken=AS1:063:e0;US1:-1:FF");
  EXPECT_EQ(link_of(R"({"value":[],"other":"x","nextLink":"u"})"), "u");
  EXPECT_EQ(link_of(R"({"value":[],"nextLink":""})"), "") << "found; what an empty link means is the parser's";
}

TEST(page_link, no_plain_link_no_span) {
  EXPECT_EQ(link_of(R"({"value":[],"nextLink":null})"), "(none)");
  EXPECT_EQ(link_of(R"({"value":[]})"), "(none)");
  EXPECT_EQ(link_of(R"({"value":[{"nextLink":"inner"}]})"), "(none)") << "nested, not the top object's";
  EXPECT_EQ(link_of(R"({"value":[],"nextLink":"https:\/\/x\/l"})"), "(none)") << "escapes: not verbatim text";
  EXPECT_EQ(link_of(R"({"nextLink":"https:\/\/x","value":[]})"), "(none)");
  EXPECT_EQ(link_of(R"({ "nextLink": "u", "value": [] })"), "(none)") << "strict about spacing";
  EXPECT_EQ(link_of(R"({"value":[],"nextLink":"u"} )"), "(none)");
  EXPECT_EQ(link_of(R"({"nextLink":"u"})"), "(none)") << "first and only: no member after it";
  EXPECT_EQ(link_of(R"({"nextLink":"u)"), "(none)");
  EXPECT_EQ(link_of(""), "(none)");
  EXPECT_EQ(link_of("{\"value\":[],\"nextLink\":\"a b\"}"), "(none)") << "a space";
  EXPECT_EQ(link_of("{\"value\":[],\"nextLink\":\"a\x01\"}"), "(none)") << "a control character";
  EXPECT_EQ(link_of("{\"value\":[],\"nextLink\":\"caf\xC3\xA9\"}"), "(none)") << "not ASCII";
  EXPECT_EQ(link_of("\"}"), "(none)");
}

TEST(page_link, a_link_spelled_inside_a_string_is_not_the_link) {
  // A description an attacker wrote: its quotes are escaped, so it never matches.
  const std::string body =
      R"({"value":[{"properties":{"description":"x\",\"nextLink\":\"https://evil/"}}],"nextLink":"https://good/"})";
  EXPECT_EQ(link_of(body), "https://good/");
  EXPECT_TRUE(next_link_once(body)) << R"(the escaped one reads \"nextLink\", not "nextLink")";
}

TEST(page_link, once_means_exactly_once) {
  EXPECT_TRUE(next_link_once(R"({"value":[],"nextLink":"u"})"));
  EXPECT_FALSE(next_link_once(R"({"value":[]})"));
  EXPECT_FALSE(next_link_once(R"({"nextLink":"a","value":[],"nextLink":"b"})")) << "a duplicate";
  EXPECT_FALSE(next_link_once(R"({"value":[{"nextLink":"x"}],"nextLink":"u"})")) << "a nested one";
}

}  // namespace
}  // namespace rootwatch::azure
