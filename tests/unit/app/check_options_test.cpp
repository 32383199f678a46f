// `rootwatch check --deliver-for`: the value's one parse, and the stop request that SIGINT and
// SIGTERM turn into while `check` delivers.

#include "app/check.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rootwatch::app {
namespace {

TEST(deliver_for, reads_config_durations) {
  const std::vector<std::pair<std::string, milliseconds>> good{
      {"0s", milliseconds{0}},          {"500ms", milliseconds{500}},       {"60s", milliseconds{60'000}},
      {"5m", milliseconds{300'000}},    {"1h30m", milliseconds{5'400'000}}, {"24h", milliseconds{86'400'000}},
      {"1d", milliseconds{86'400'000}},
  };
  for (const auto& [text, expected] : good) {
    SCOPED_TRACE(text);
    const auto d = parse_deliver_for(text);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(*d, expected);
  }
}

TEST(deliver_for, refuses_what_is_not_a_duration_or_longer_than_a_day_naming_the_flag) {
  for (const std::string text : {"", "60", "-1s", "soon", "1 m", "5x", "24h1ms", "2d", "99999999999d"}) {
    SCOPED_TRACE(text);
    const auto d = parse_deliver_for(text);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().kind, error_kind::config);
    EXPECT_EQ(d.error().message.rfind("--deliver-for: ", 0), 0u) << d.error().message;
  }
}

TEST(deliver_for, never_echoes_a_value_with_control_characters) {
  const auto d = parse_deliver_for("5s\nforged line");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message.find('\n'), std::string::npos) << d.error().message;
}

TEST(check_interrupt, is_refused_while_nobody_listens_so_the_signal_keeps_its_default_effect) {
  check_interrupt interrupt;
  EXPECT_FALSE(interrupt.request());
  EXPECT_FALSE(interrupt.requested());
}

TEST(check_interrupt, is_taken_once_while_listening_and_a_second_request_is_refused) {
  check_interrupt interrupt;
  int stops = 0;
  interrupt.listen([&] { ++stops; });
  EXPECT_TRUE(interrupt.request());
  EXPECT_TRUE(interrupt.requested());
  EXPECT_EQ(stops, 1);
  EXPECT_FALSE(interrupt.request()) << "a second signal ends the process";
  EXPECT_EQ(stops, 1);
}

TEST(check_interrupt, stops_nothing_after_stop_listening) {
  check_interrupt interrupt;
  int stops = 0;
  interrupt.listen([&] { ++stops; });
  interrupt.stop_listening();
  EXPECT_FALSE(interrupt.request());
  EXPECT_EQ(stops, 0);
}

}  // namespace
}  // namespace rootwatch::app
