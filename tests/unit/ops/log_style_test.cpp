// Which log style a process gets: the file's log_format first, then $ROOTWATCH_LOG_FORMAT (the
// container image sets "auto"), then text; and what "auto" makes of where stderr goes.

#include "ops/logging.hpp"

#include <gtest/gtest.h>

namespace rootwatch::ops {
namespace {

constexpr log_stream journal{.journal = true, .terminal = false};
constexpr log_stream terminal{.journal = false, .terminal = true};
constexpr log_stream pipe{.journal = false, .terminal = false};

log_style style(std::optional<log_format_request> configured, std::optional<std::string> env, log_stream stream) {
  const auto chosen = choose_log_style(configured, env, stream);
  EXPECT_TRUE(chosen) << chosen.error().message;
  return chosen ? *chosen : log_style::text;
}

TEST(log_style_choice, without_config_or_environment_it_is_text_as_documented) {
  EXPECT_EQ(style(std::nullopt, std::nullopt, pipe), log_style::text);
  EXPECT_EQ(style(std::nullopt, std::nullopt, terminal), log_style::text);
  EXPECT_EQ(style(std::nullopt, std::nullopt, journal), log_style::journal);
  EXPECT_EQ(style(std::nullopt, std::string(""), pipe), log_style::text);
}

TEST(log_style_choice, auto_is_json_unless_stderr_is_the_journal_or_a_terminal) {
  EXPECT_EQ(style(std::nullopt, std::string("auto"), pipe), log_style::json);
  EXPECT_EQ(style(std::nullopt, std::string("auto"), terminal), log_style::text);
  EXPECT_EQ(style(std::nullopt, std::string("auto"), journal), log_style::journal);
  EXPECT_EQ(style(log_format_request::automatic, std::nullopt, pipe), log_style::json);
  EXPECT_EQ(style(log_format_request::automatic, std::nullopt, journal), log_style::journal);
  // A terminal that is also the journal cannot happen; the journal would win.
  EXPECT_EQ(style(log_format_request::automatic, std::nullopt, {.journal = true, .terminal = true}),
            log_style::journal);
}

TEST(log_style_choice, the_environment_applies_only_when_the_file_says_nothing) {
  EXPECT_EQ(style(std::nullopt, std::string("json"), terminal), log_style::json);
  EXPECT_EQ(style(std::nullopt, std::string("text"), pipe), log_style::text);
  EXPECT_EQ(style(log_format_request::text, std::string("json"), pipe), log_style::text);
  EXPECT_EQ(style(log_format_request::text, std::string("auto"), pipe), log_style::text);
  EXPECT_EQ(style(log_format_request::json, std::string("text"), journal), log_style::json);
  // A file that sets something keeps working even when the variable holds nonsense.
  EXPECT_EQ(style(log_format_request::text, std::string("yaml"), pipe), log_style::text);
}

TEST(log_style_choice, text_under_the_journal_keeps_the_priority_prefixes) {
  EXPECT_EQ(style(log_format_request::text, std::nullopt, journal), log_style::journal);
  EXPECT_EQ(style(log_format_request::json, std::nullopt, journal), log_style::json);
}

TEST(log_style_choice, an_unknown_environment_value_is_an_error_naming_the_variable) {
  for (const std::string value : {"JSON", "yaml", "auto ", "journal"}) {
    const auto chosen = choose_log_style(std::nullopt, value, pipe);
    ASSERT_FALSE(chosen) << value;
    EXPECT_NE(chosen.error().message.find("ROOTWATCH_LOG_FORMAT"), std::string::npos) << chosen.error().message;
  }
  const auto control = choose_log_style(std::nullopt, std::string("x\ny"), pipe);
  ASSERT_FALSE(control);
  EXPECT_EQ(control.error().message.find('\n'), std::string::npos) << control.error().message;
}

}  // namespace
}  // namespace rootwatch::ops
