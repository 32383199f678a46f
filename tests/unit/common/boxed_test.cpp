#include "common/boxed.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>

namespace rootwatch {
namespace {

TEST(boxed_test, is_one_pointer_wide_and_starts_empty) {
  static_assert(sizeof(boxed<std::string>) == sizeof(void*));
  const boxed<std::string> b;
  EXPECT_FALSE(b.has_value());
  EXPECT_FALSE(static_cast<bool>(b));
  EXPECT_EQ(std::optional<std::string>(b), std::nullopt);
}

TEST(boxed_test, copies_are_deep) {
  boxed<std::string> a = std::string("alice");
  boxed<std::string> b = a;
  b->append("!");
  EXPECT_EQ(*a, "alice");
  EXPECT_EQ(*b, "alice!");
  a = b;
  EXPECT_EQ(*a, "alice!");
  b->clear();
  EXPECT_EQ(*a, "alice!");
  a = a;  // NOLINT: self-assignment keeps the value
  EXPECT_EQ(*a, "alice!");
}

TEST(boxed_test, a_move_leaves_the_value_with_the_target) {
  boxed<std::string> a = std::string("bob");
  boxed<std::string> b = std::move(a);
  EXPECT_EQ(*b, "bob");
  boxed<std::string> c;
  c = std::move(b);
  EXPECT_EQ(*c, "bob");
}

TEST(boxed_test, compares_values_as_optional_does) {
  const boxed<std::string> empty;
  const boxed<std::string> x = std::string("x");
  const boxed<std::string> also_x = std::string("x");
  const boxed<std::string> y = std::string("y");
  EXPECT_EQ(empty, boxed<std::string>(std::nullopt));
  EXPECT_EQ(x, also_x);
  EXPECT_NE(x, y);
  EXPECT_NE(x, empty);
  EXPECT_NE(empty, x);
}

TEST(boxed_test, converts_to_and_from_optional) {
  const std::optional<std::string> some = "carol";
  boxed<std::string> b = some;
  EXPECT_EQ(std::optional<std::string>(b), some);
  b = std::optional<std::string>();
  EXPECT_FALSE(b.has_value());
  b = std::optional<std::string>("dave");
  EXPECT_EQ(*b, "dave");
  b = std::nullopt;
  EXPECT_FALSE(b.has_value());
}

TEST(boxed_test, emplace_and_reset) {
  boxed<std::string> b;
  EXPECT_EQ(b.emplace(3, 'z'), "zzz");
  EXPECT_EQ(*b, "zzz");
  b.reset();
  EXPECT_FALSE(b.has_value());
}

}  // namespace
}  // namespace rootwatch
