#include "common/strings.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rootwatch {
namespace {

TEST(strings, case_folding_is_ascii_only_and_leaves_other_bytes_alone) {
  // "Ä" in UTF-8 and bytes above 0x7f are not letters to fold; '@' and '[' border 'A' and 'Z'.
  EXPECT_EQ(to_lower("\xc3\x84"
                     "BC@[\xff"),
            "\xc3\x84"
            "bc@[\xff");
  EXPECT_FALSE(iequals("\xc3\x84", "\xc3\xa4"));
  EXPECT_FALSE(iequals("@", "`"));
  EXPECT_TRUE(iequals("Content-TYPE", "content-type"));
}

TEST(strings, to_lower_and_case_insensitive_compare) {
  EXPECT_EQ(to_lower("User Access ADMINISTRATOR 42/"), "user access administrator 42/");
  EXPECT_TRUE(iequals("Owner", "oWNER"));
  EXPECT_FALSE(iequals("Owner", "Owners"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_TRUE(istarts_with("/Providers/Microsoft.Management", "/providers/"));
  EXPECT_FALSE(istarts_with("/p", "/providers"));
  EXPECT_TRUE(istarts_with("anything", ""));
}

TEST(strings, trim_removes_surrounding_white_space_only) {
  EXPECT_EQ(trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \t "), "");
  EXPECT_EQ(trim("x"), "x");
}

TEST(strings, words_are_what_runs_of_blanks_separate) {
  using v = std::vector<std::string_view>;
  EXPECT_EQ(words(""), v{});
  EXPECT_EQ(words(" \t\r\n "), v{});
  EXPECT_EQ(words("one"), v{"one"});
  EXPECT_EQ(words("  a\r\nbb \t c\n"), (v{"a", "bb", "c"}));
}

TEST(strings, split_keeps_empty_fields) {
  EXPECT_EQ(split("a,b,,c", ','), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(split("", ','), (std::vector<std::string>{""}));
  EXPECT_EQ(split(",", ','), (std::vector<std::string>{"", ""}));
  EXPECT_EQ(split("abc", ','), (std::vector<std::string>{"abc"}));
}

TEST(is_guid, hyphenated_form_of_any_case) {
  EXPECT_TRUE(is_guid("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"));
  EXPECT_TRUE(is_guid("18D7D88D-D35E-4FB5-A5C3-7773C20A72D9"));
  EXPECT_TRUE(is_guid("00000000-0000-0000-0000-000000000000"));
}

TEST(is_guid, rejects_everything_else) {
  for (const char* text : {"", "18d7d88dd35e4fb5a5c37773c20a72d9", "{18d7d88d-d35e-4fb5-a5c3-7773c20a72d9}",
                           "18d7d88d-d35e-4fb5-a5c3-7773c20a72d", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9a",
                           "18d7d88d_d35e-4fb5-a5c3-7773c20a72d9", "g8d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
                           " 18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator"}) {
    EXPECT_FALSE(is_guid(text)) << text;
  }
}

TEST(normalize_guid, canonical_lower_case_hyphenated) {
  const std::string canonical = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
  EXPECT_EQ(normalize_guid("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"), canonical);
  EXPECT_EQ(normalize_guid("18D7D88D-D35E-4FB5-A5C3-7773C20A72D9"), canonical);
  EXPECT_EQ(normalize_guid("18d7d88dd35e4fb5a5c37773c20a72d9"), canonical) << "the Activity Log's compact form";
  EXPECT_EQ(normalize_guid("18D7D88DD35E4FB5A5C37773C20A72D9"), canonical);
  EXPECT_EQ(normalize_guid("  18D7D88D-D35E-4FB5-A5C3-7773C20A72D9\n"), canonical);
}

TEST(normalize_guid, other_text_is_only_lower_cased) {
  EXPECT_EQ(normalize_guid(""), "");
  EXPECT_EQ(normalize_guid("Owner"), "owner");
  EXPECT_EQ(normalize_guid("{18D7D88D-D35E-4FB5-A5C3-7773C20A72D9}"), "{18d7d88d-d35e-4fb5-a5c3-7773c20a72d9}");
  EXPECT_EQ(normalize_guid("18d7d88dd35e4fb5a5c37773c20a72dz"), "18d7d88dd35e4fb5a5c37773c20a72dz");
  EXPECT_EQ(normalize_guid("18d7d88dd35e4fb5a5c37773c20a72d"), "18d7d88dd35e4fb5a5c37773c20a72d");
}

TEST(last_segment, of_arm_ids) {
  EXPECT_EQ(last_segment("/providers/Microsoft.Authorization/roleDefinitions/18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"),
            "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9");
  EXPECT_EQ(last_segment("/providers/Microsoft.Authorization/roleDefinitions/abc/"), "abc");
  EXPECT_EQ(last_segment("abc"), "abc");
  EXPECT_EQ(last_segment("/"), "");
  EXPECT_EQ(last_segment(""), "");
}

}  // namespace
}  // namespace rootwatch
