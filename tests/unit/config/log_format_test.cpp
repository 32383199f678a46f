// [daemon] log_format: unset stays unset (text, unless $ROOTWATCH_LOG_FORMAT says otherwise),
// and "auto" is a value of its own.

#include "config/load.hpp"
#include "support/config_text.hpp"

#include <gtest/gtest.h>

namespace rootwatch::config {
namespace {

std::optional<log_format> format_of(const std::string& daemon_table) {
  const auto loaded = load_string(daemon_table + testing_support::tenant_table(), "test.toml");
  EXPECT_TRUE(loaded.value) << testing_support::problem_lines(loaded);
  return loaded.value ? loaded.value->daemon.format : std::nullopt;
}

TEST(log_format_key, is_unset_unless_the_file_sets_it) {
  EXPECT_EQ(format_of(""), std::nullopt);
  EXPECT_EQ(format_of("[daemon]\nlog_level = \"info\"\n"), std::nullopt);
}

TEST(log_format_key, takes_text_json_and_auto) {
  EXPECT_EQ(format_of("[daemon]\nlog_format = \"text\"\n"), log_format::text);
  EXPECT_EQ(format_of("[daemon]\nlog_format = \"json\"\n"), log_format::json);
  EXPECT_EQ(format_of("[daemon]\nlog_format = \"auto\"\n"), log_format::automatic);
}

TEST(log_format_key, names_auto_among_the_choices_of_a_wrong_value) {
  const auto loaded = load_string("[daemon]\nlog_format = \"yaml\"\n" + testing_support::tenant_table(), "test.toml");
  EXPECT_FALSE(loaded.value);
  EXPECT_NE(testing_support::problem_lines(loaded).find("auto"), std::string::npos)
      << testing_support::problem_lines(loaded);
}

}  // namespace
}  // namespace rootwatch::config
