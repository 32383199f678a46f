#include "common/json.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace rootwatch {
namespace {

TEST(json_optional, nullopt_is_null_both_ways) {
  const std::optional<std::string> none;
  const std::optional<std::string> some = "x";
  EXPECT_TRUE(json(none).is_null());
  EXPECT_EQ(json(some), json("x"));
  EXPECT_EQ(json(nullptr).get<std::optional<std::string>>(), std::nullopt);
  EXPECT_EQ(json("y").get<std::optional<std::string>>(), "y");
  EXPECT_EQ(json(3).get<std::optional<int>>(), 3);
}

TEST(json_optional, wrong_type_still_throws) {
  EXPECT_THROW((void)json(3).get<std::optional<std::string>>(), nlohmann::json::type_error);
}

}  // namespace
}  // namespace rootwatch
