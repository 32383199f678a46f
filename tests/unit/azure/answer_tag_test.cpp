#include "azure/answer_tag.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace rootwatch::azure {
namespace {

TEST(answer_tag, same_bytes_same_tag) {
  const std::string page = R"({"value":[{"id":"/providers/Microsoft.Authorization/roleAssignments/a"}]})";
  const auto a = tag_of(page);
  const auto b = tag_of(std::string(page));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_TRUE(tag_of(""));
}

TEST(answer_tag, every_one_byte_change_changes_the_tag) {
  std::string page(5000, ' ');
  for (std::size_t i = 0; i < page.size(); ++i) {
    page[i] = static_cast<char>('a' + i % 26);
  }
  const auto original = tag_of(page);
  ASSERT_TRUE(original);
  std::set<answer_tag> seen{*original};
  for (std::size_t i = 0; i < page.size(); i += 7) {
    std::string changed = page;
    changed[i] = static_cast<char>(changed[i] ^ 0x01);
    const auto t = tag_of(changed);
    ASSERT_TRUE(t);
    EXPECT_TRUE(seen.insert(*t).second) << "byte " << i;
  }
}

TEST(answer_tag, length_counts_trailing_zeros_and_prefixes) {
  const std::string page = "{\"value\":[]}";
  std::set<answer_tag> seen;
  for (std::size_t n = 0; n <= page.size(); ++n) {
    EXPECT_TRUE(seen.insert(*tag_of(page.substr(0, n))).second) << n;
  }
  const std::string zeros(64, '\0');
  for (std::size_t n = 1; n <= zeros.size(); ++n) {
    EXPECT_TRUE(seen.insert(*tag_of(zeros.substr(0, n))).second) << n << " zero bytes";
  }
}

}  // namespace
}  // namespace rootwatch::azure
