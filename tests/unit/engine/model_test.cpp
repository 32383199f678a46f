#include "engine/model.hpp"

#include <gtest/gtest.h>

namespace rootwatch::engine {
namespace {

TEST(severity, names_round_trip) {
  for (const severity s : {severity::info, severity::low, severity::medium, severity::high, severity::critical}) {
    EXPECT_EQ(parse_severity(to_string(s)), s);
  }
  EXPECT_EQ(to_string(severity::critical), "critical");
  EXPECT_EQ(to_string(severity::high), "high");
  EXPECT_EQ(to_string(severity::medium), "medium");
  EXPECT_EQ(to_string(severity::low), "low");
  EXPECT_EQ(to_string(severity::info), "info");
}

TEST(severity, only_the_exact_lower_case_names_parse) {
  for (const char* text : {"", "Critical", "CRITICAL", " critical", "critical ", "warning", "error", "crit", "0"}) {
    EXPECT_FALSE(parse_severity(text)) << text;
  }
}

TEST(severity, ordered_from_info_to_critical) {
  EXPECT_LT(severity::info, severity::low);
  EXPECT_LT(severity::low, severity::medium);
  EXPECT_LT(severity::medium, severity::high);
  EXPECT_LT(severity::high, severity::critical);
}

}  // namespace
}  // namespace rootwatch::engine
