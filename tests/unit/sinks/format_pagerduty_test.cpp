#include "sinks/format_pagerduty.hpp"

#include "common/text.hpp"
#include "format_fixture.hpp"

#include <gtest/gtest.h>

namespace rootwatch::sinks {
namespace {

constexpr std::string_view key = "R0UT1NGKEY0123456789abcdefABCDEF";

json event_of(const engine::alert& a) {
  const rendered r = render_pagerduty(a, engine::to_json(a), key);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_TRUE(is_valid_utf8(r.body));
  return json::parse(r.body);
}

TEST(pagerduty, a_firing_alert_is_a_trigger_with_the_correlation_key) {
  const auto a = fixture::created_alert();
  const json e = event_of(a);
  EXPECT_EQ(e["routing_key"], key);
  EXPECT_EQ(e["event_action"], "trigger");
  EXPECT_EQ(e["dedup_key"], "ck-9f8e7d6c");
  EXPECT_EQ(e["client"], "rootwatch");
  const json& p = e["payload"];
  EXPECT_EQ(p.size(), 8u) << p.dump(2);
  EXPECT_TRUE(p["summary"].get<std::string>().starts_with("User Access Administrator at \"/\" for User Zoë"));
  EXPECT_EQ(p["source"], "contoso (00000000-0000-0000-0000-000000000001)");
  EXPECT_EQ(p["severity"], "critical");
  EXPECT_EQ(p["timestamp"], "2025-02-11T10:00:00Z");
  EXPECT_EQ(p["component"], "/");
  EXPECT_EQ(p["group"], "contoso");
  EXPECT_EQ(p["class"], "assignment.created");
  EXPECT_EQ(p["custom_details"], engine::to_json(a));
}

TEST(pagerduty, a_resolved_alert_is_a_resolve_with_the_same_dedup_key_and_nothing_else) {
  const json fired = event_of(fixture::created_alert());
  const json e = event_of(fixture::removed_alert());
  EXPECT_EQ(e, json({{"routing_key", key}, {"event_action", "resolve"}, {"dedup_key", "ck-9f8e7d6c"}}));
  EXPECT_EQ(e["dedup_key"], fired["dedup_key"]);
}

TEST(pagerduty, severities_map_onto_pagerdutys_four) {
  EXPECT_EQ(pagerduty_severity(engine::severity::critical), "critical");
  EXPECT_EQ(pagerduty_severity(engine::severity::high), "error");
  EXPECT_EQ(pagerduty_severity(engine::severity::medium), "warning");
  EXPECT_EQ(pagerduty_severity(engine::severity::low), "warning");
  EXPECT_EQ(pagerduty_severity(engine::severity::info), "info");
}

TEST(pagerduty, a_watch_alert_names_rootwatch_as_the_component) {
  const json p = event_of(fixture::degraded_alert())["payload"];
  EXPECT_EQ(p["component"], "rootwatch");
  EXPECT_EQ(p["class"], "watch.degraded");
  EXPECT_EQ(p["severity"], "error");
}

TEST(pagerduty, the_summary_and_dedup_key_are_cut_on_code_points) {
  auto a = fixture::created_alert();
  std::string name;
  for (int i = 0; i < 1000; ++i) {
    name += "日本";
  }
  a.subject->principal.display_name = name;
  a.correlation_key = std::string(300, 'k') + "é";
  const json e = event_of(a);
  const std::string summary = e["payload"]["summary"];
  EXPECT_LE(summary.size(), pagerduty_summary_max);
  EXPECT_TRUE(is_valid_utf8(summary));
  EXPECT_TRUE(summary.ends_with("…"));
  EXPECT_LE(e["dedup_key"].get<std::string>().size(), pagerduty_dedup_key_max);
  auto resolved = a;
  resolved.status = "resolved";
  EXPECT_EQ(event_of(resolved)["dedup_key"], e["dedup_key"]);
}

}  // namespace
}  // namespace rootwatch::sinks
