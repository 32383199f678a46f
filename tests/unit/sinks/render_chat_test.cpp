// render() for the receivers with a format of their own: slack, teams, pagerduty.

#include "sinks/render.hpp"

#include "format_fixture.hpp"

#include <gtest/gtest.h>

namespace rootwatch::sinks {
namespace {

resolved_sink sink_of(config::sink_kind kind, std::string routing_key = {}) {
  resolved_sink s;
  s.settings.name = "oncall";
  s.settings.kind = kind;
  s.url = "https://hooks.example.net/services/T0/B0/secret";
  s.routing_key = std::move(routing_key);
  return s;
}

TEST(render_chat, slack_teams_and_pagerduty_are_supported_and_render_their_shape) {
  const std::string payload = fixture::stored(fixture::created_alert());
  const auto slack = render(sink_of(config::sink_kind::slack), payload);
  ASSERT_TRUE(slack) << slack.error().message;
  EXPECT_TRUE(json::parse(slack->body).contains("blocks"));
  const auto teams = render(sink_of(config::sink_kind::teams), payload);
  ASSERT_TRUE(teams) << teams.error().message;
  EXPECT_EQ(json::parse(teams->body)["type"], "message");
  const auto pd = render(sink_of(config::sink_kind::pagerduty, "the-routing-key"), payload);
  ASSERT_TRUE(pd) << pd.error().message;
  EXPECT_EQ(json::parse(pd->body)["routing_key"], "the-routing-key");
  EXPECT_EQ(json::parse(pd->body)["event_action"], "trigger");
  for (const auto kind : {config::sink_kind::slack, config::sink_kind::teams, config::sink_kind::pagerduty}) {
    EXPECT_TRUE(supported(sink_of(kind).settings)) << config::to_string(kind);
  }
}

TEST(render_chat, pagerduty_without_a_routing_key_is_refused) {
  const std::string payload = fixture::stored(fixture::created_alert());
  const auto pd = render(sink_of(config::sink_kind::pagerduty), payload);
  ASSERT_FALSE(pd);
  EXPECT_EQ(pd.error().kind, error_kind::config);
  EXPECT_NE(pd.error().message.find("routing key"), std::string::npos) << pd.error().message;
  EXPECT_FALSE(render(sink_of(config::sink_kind::pagerduty).settings, payload));
}

TEST(render_chat, a_stored_row_that_is_not_an_alert_is_an_error_value) {
  for (const auto kind : {config::sink_kind::slack, config::sink_kind::teams, config::sink_kind::pagerduty}) {
    for (const std::string bad : {"", "not json", "[]", R"({"schema":"rootwatch.alert/v1"})"}) {
      const auto body = render(sink_of(kind, "k"), bad);
      ASSERT_FALSE(body) << config::to_string(kind) << " " << bad;
      EXPECT_EQ(body.error().kind, error_kind::parse);
    }
  }
}

TEST(render_chat, slack_is_paced_at_one_message_a_second_and_the_others_not) {
  EXPECT_EQ(min_send_interval(sink_of(config::sink_kind::slack).settings), milliseconds{1000});
  EXPECT_EQ(min_send_interval(sink_of(config::sink_kind::teams).settings), milliseconds{0});
  EXPECT_EQ(min_send_interval(sink_of(config::sink_kind::webhook).settings), milliseconds{0});
}

}  // namespace
}  // namespace rootwatch::sinks
