// assignment.lingering in every receiver format: still "firing" wherever a format has a status,
// joined to the incident or alert its assignment.created opened, with its age in the text.

#include "format_fixture.hpp"
#include "sinks/format_alertmanager.hpp"
#include "sinks/format_cloudevents.hpp"
#include "sinks/format_common_alert_schema.hpp"
#include "sinks/format_pagerduty.hpp"
#include "sinks/format_slack.hpp"
#include "sinks/format_teams.hpp"
#include "sinks/format_text.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rootwatch::sinks {
namespace {

using testing::HasSubstr;
using testing::Not;

// The first reminder, six hours and three minutes after the creation, escalated to critical
// from the created alert's high.
engine::alert lingering_alert() {
  engine::alert a = fixture::created_alert();
  a.id = "a-lingering";
  a.kind = "assignment.lingering";
  a.level = engine::severity::critical;
  a.detected_at = a.first_seen + std::chrono::hours{6} + std::chrono::minutes{3};
  a.detail = "Still present after 6h 3m (reminder 1, one every 6h 0m).";
  return a;
}

engine::alert created_high() {
  engine::alert a = fixture::created_alert();
  a.level = engine::severity::high;
  return a;
}

TEST(lingering_formats, the_text_says_the_age) {
  const auto a = lingering_alert();
  EXPECT_THAT(alert_summary(a), HasSubstr("role assignment still present after 6h 3m"));
  EXPECT_THAT(alert_description(a), HasSubstr("First seen 2025-02-11T10:00:00Z"));
}

TEST(lingering_formats, pagerduty_triggers_the_incident_of_the_creation_again) {
  const auto a = lingering_alert();
  const json created = json::parse(render_pagerduty(created_high(), engine::to_json(created_high()), "k").body);
  const json e = json::parse(render_pagerduty(a, engine::to_json(a), "k").body);
  EXPECT_EQ(e["event_action"], "trigger");
  EXPECT_EQ(e["dedup_key"], created["dedup_key"]);
  EXPECT_EQ(e["payload"]["severity"], "critical") << "an escalation reaches the incident";
  EXPECT_EQ(e["payload"]["class"], "assignment.lingering");
  EXPECT_THAT(e["payload"]["summary"].get<std::string>(), HasSubstr("still present after 6h 3m"));
}

TEST(lingering_formats, alertmanager_keeps_it_firing_under_the_same_fingerprint) {
  const json created = json::parse(render_alertmanager(created_high(), "soc").body);
  const json body = json::parse(render_alertmanager(lingering_alert(), "soc").body);
  EXPECT_EQ(body["status"], "firing");
  EXPECT_EQ(body["groupKey"], created["groupKey"]);
  const json& one = body["alerts"][0];
  EXPECT_EQ(one["status"], "firing");
  EXPECT_EQ(one["fingerprint"], created["alerts"][0]["fingerprint"]);
  EXPECT_EQ(one["startsAt"], "2025-02-11T10:00:00Z");
  EXPECT_EQ(one["endsAt"], created["alerts"][0]["endsAt"]) << "not ended";
  EXPECT_EQ(one["labels"]["severity"], "critical");
  EXPECT_THAT(one["annotations"]["summary"].get<std::string>(), HasSubstr("still present after 6h 3m"));
}

TEST(lingering_formats, common_alert_schema_fires_again_under_the_same_alert_id) {
  const auto a = lingering_alert();
  const json created = json::parse(render_common_alert_schema(created_high(), engine::to_json(created_high())).body);
  const json body = json::parse(render_common_alert_schema(a, engine::to_json(a)).body);
  const json& essentials = body["data"]["essentials"];
  EXPECT_EQ(essentials["monitorCondition"], "Fired");
  EXPECT_FALSE(essentials.contains("resolvedDateTime"));
  EXPECT_EQ(essentials["alertId"], created["data"]["essentials"]["alertId"]);
  EXPECT_EQ(essentials["severity"], "Sev0");
}

TEST(lingering_formats, cloudevents_names_the_kind) {
  const auto a = lingering_alert();
  const json body = json::parse(render_cloudevents(a, engine::to_json(a)).body);
  EXPECT_EQ(body["type"], "io.rootwatch.assignment.lingering");
  EXPECT_EQ(body["data"]["status"], "firing");
}

TEST(lingering_formats, chat_messages_are_not_resolved_and_say_the_age) {
  const auto a = lingering_alert();
  const std::string slack = render_slack(a).body;
  EXPECT_THAT(slack, HasSubstr("still present after 6h 3m"));
  EXPECT_THAT(slack, Not(HasSubstr("RESOLVED")));
  const std::string teams = render_teams(a).body;
  EXPECT_THAT(teams, HasSubstr("still present after 6h 3m"));
  EXPECT_THAT(teams, Not(HasSubstr("RESOLVED")));
}

}  // namespace
}  // namespace rootwatch::sinks
