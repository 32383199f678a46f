// Every log line, in every format, is one line whatever the message holds (defect 6), and
// carries no known secret and no bearer token (defect 5, defence in depth).

#include "ops/logging.hpp"

#include "common/json.hpp"
#include "common/secret_scrub.hpp"
#include "common/text.hpp"

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace rootwatch::ops {
namespace {

std::string log_one(log_style style, std::string_view message) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("test", sink);
  logger.set_formatter(make_log_formatter(style));
  logger.warn("principal type {}", message);
  return out.str();
}

std::size_t count(std::string_view text, char c) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), c));
}

const std::vector<log_style> styles{log_style::text, log_style::journal, log_style::json};

TEST(logging, a_forged_line_stays_inside_the_one_it_came_in) {
  const std::string forged = "User\n2026-01-02T03:04:05.678Z info  all clear: 0 assignments at the root scope";
  for (const auto style : styles) {
    SCOPED_TRACE(static_cast<int>(style));
    const std::string line = log_one(style, forged);
    EXPECT_EQ(count(line, '\n'), 1u) << line;
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(count(line, '\r'), 0u) << line;
    EXPECT_NE(line.find("User\\"), std::string::npos) << "written as an escape, kept visible: " << line;
  }
}

TEST(logging, every_control_character_is_escaped) {
  std::string nasty = "a\r\x1b[2Jb\x7f\tc";
  nasty += "\xE2\x80\xA8";  // U+2028, a line separator to some viewers
  nasty += "\xC2\x85";      // NEL
  nasty += "\xFF";          // invalid UTF-8
  for (const auto style : styles) {
    SCOPED_TRACE(static_cast<int>(style));
    const std::string line = log_one(style, nasty);
    EXPECT_EQ(count(line, '\n'), 1u) << line;
    const std::string body = line.substr(0, line.size() - 1);
    for (const char ch : body) {
      const auto c = static_cast<unsigned char>(ch);
      EXPECT_FALSE(c < 0x20 || c == 0x7f) << "control byte " << static_cast<int>(c) << " in " << line;
    }
    EXPECT_EQ(body.find("\xE2\x80\xA8"), std::string::npos) << line;
    EXPECT_TRUE(is_valid_utf8(line)) << line;
  }
}

TEST(logging, the_json_format_is_one_parseable_object_per_line) {
  const std::string line = log_one(log_style::json, "User\n{\"level\":\"info\"}");
  const json j = json::parse(line, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << line;
  EXPECT_EQ(j.at("level"), "warning");
  EXPECT_EQ(j.at("message"), "principal type User\\n{\"level\":\"info\"}");
}

TEST(logging, the_journal_format_keeps_its_priority_prefix_on_the_only_line) {
  const std::string line = log_one(log_style::journal, "x\n<6>forged");
  EXPECT_EQ(line.rfind("<4>", 0), 0u) << line;
  EXPECT_EQ(line.find("\n<6>"), std::string::npos) << line;
}

TEST(logging, known_secrets_and_bearer_tokens_never_reach_a_line) {
  const std::string secret = "logging-test-client-secret~42";
  register_secret(secret);
  for (const auto style : styles) {
    SCOPED_TRACE(static_cast<int>(style));
    const std::string line = log_one(style, "echo " + secret + " and Authorization: Bearer abcdefghijkl");
    EXPECT_EQ(line.find("logging-test-client-secret"), std::string::npos) << line;
    EXPECT_EQ(line.find("abcdefghijkl"), std::string::npos) << line;
    EXPECT_NE(line.find("[redacted]"), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace rootwatch::ops
