#include "common/text.hpp"
#include "common/json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rootwatch {
namespace {

const std::string e_acute = "\xC3\xA9";        // é, 2 bytes
const std::string euro = "\xE2\x82\xAC";       // €, 3 bytes
const std::string emoji = "\xF0\x9F\x94\x91";  // U+1F511, 4 bytes
const std::string fffd = "\xEF\xBF\xBD";
const std::string ellipsis = "\xE2\x80\xA6";

TEST(cut_utf8, keeps_short_text_whole) {
  EXPECT_EQ(cut_utf8("abc", 3), "abc");
  EXPECT_EQ(cut_utf8("", 0), "");
}

TEST(cut_utf8, never_splits_a_code_point) {
  for (const std::string& ch : {e_acute, euro, emoji}) {
    std::string text = "x";
    for (int i = 0; i < 400; ++i) {
      text += ch;
    }
    for (std::size_t limit = 0; limit < 40; ++limit) {
      const std::string cut = cut_utf8(text, limit);
      EXPECT_TRUE(is_valid_utf8(cut)) << "limit " << limit;
      EXPECT_LE(cut.size(), limit + ellipsis.size());
      EXPECT_EQ(cut.substr(cut.size() - ellipsis.size()), ellipsis);
      // Serializing strictly is what crashed the daemon: it must not throw now.
      EXPECT_NO_THROW((void)json(cut).dump());
    }
  }
}

TEST(cut_utf8, replaces_invalid_input_before_cutting) {
  EXPECT_EQ(cut_utf8("a\xFF"
                     "b",
                     10),
            "a" + fffd + "b");
  EXPECT_TRUE(is_valid_utf8(cut_utf8("\xC3", 10)));
}

TEST(valid_utf8, replaces_each_kind_of_invalid_sequence) {
  EXPECT_EQ(valid_utf8("\x80"), fffd);                                   // stray continuation byte
  EXPECT_EQ(valid_utf8("\xC0\xAF"), fffd + fffd);                        // overlong "/"
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), fffd + fffd + fffd);             // UTF-16 surrogate
  EXPECT_EQ(valid_utf8("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // above U+10FFFF
  EXPECT_EQ(valid_utf8("ok\xE2\x82"), "ok" + fffd + fffd);               // truncated tail
  EXPECT_EQ(valid_utf8(e_acute + euro + emoji), e_acute + euro + emoji);
}

TEST(is_valid_utf8, agrees_with_valid_utf8) {
  for (const std::string& s : {std::string("plain"), e_acute, std::string("\xC3"), std::string("\xFE"), emoji}) {
    EXPECT_EQ(is_valid_utf8(s), valid_utf8(s) == s) << s;
  }
}

TEST(escape_control, keeps_one_log_line_one_line) {
  EXPECT_EQ(escape_control("User\n2026-01-01T00:00:00Z info all clear"), "User\\n2026-01-01T00:00:00Z info all clear");
  EXPECT_EQ(escape_control("a\rb\tc\\d"), "a\\rb\\tc\\\\d");
  EXPECT_EQ(escape_control(std::string("a\0b", 3)), "a\\u{0000}b");
  EXPECT_EQ(escape_control("\x1B[31mred"), "\\u{001B}[31mred");
  EXPECT_EQ(escape_control("\x7F"), "\\u{007F}");
  EXPECT_EQ(escape_control("\xC2\x85"), "\\u{0085}");      // NEL
  EXPECT_EQ(escape_control("\xE2\x80\xA8"), "\\u{2028}");  // line separator
  EXPECT_EQ(escape_control("j" + std::string("\xC3\xB6") + "rg"), "j\xC3\xB6rg");
  EXPECT_EQ(escape_control("\xFF"), fffd);
}

TEST(dump_tolerant, serializes_invalid_utf8_instead_of_throwing) {
  const json j = {{"detail", std::string("x\xC3")}};
  EXPECT_THROW((void)j.dump(), json::type_error);
  EXPECT_EQ(dump_tolerant(j), "{\"detail\":\"x" + fffd + "\"}");
}

TEST(string_member, reads_only_strings) {
  const json j = json::parse(R"({"a":"x","b":1,"c":null,"d":{"e":"f"}})");
  EXPECT_EQ(string_member(j, "a"), "x");
  EXPECT_EQ(string_member(j, "b"), std::nullopt);
  EXPECT_EQ(string_member(j, "c"), std::nullopt);
  EXPECT_EQ(string_member(j, "d"), std::nullopt);
  EXPECT_EQ(string_member(j, "missing"), std::nullopt);
  EXPECT_EQ(string_member(json::array(), "a"), std::nullopt);
  EXPECT_EQ(find_member(j, "c"), nullptr);
  ASSERT_NE(find_member(j, "d"), nullptr);
}

}  // namespace
}  // namespace rootwatch
