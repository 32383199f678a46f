#include "sinks/format_alertmanager.hpp"

#include "format_fixture.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace rootwatch::sinks {
namespace {

json body_of(const engine::alert& a) {
  const rendered r = render_alertmanager(a, "oncall");
  EXPECT_EQ(r.content_type, "application/json");
  return json::parse(r.body);
}

TEST(alertmanager, the_v4_envelope_has_every_key) {
  const json b = body_of(fixture::created_alert());
  for (const char* key : {"version", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels", "commonLabels",
                          "commonAnnotations", "externalURL", "alerts"}) {
    EXPECT_TRUE(b.contains(key)) << key;
  }
  EXPECT_EQ(b["version"], "4");
  EXPECT_EQ(b["truncatedAlerts"], 0);
  EXPECT_EQ(b["status"], "firing");
  EXPECT_EQ(b["receiver"], "oncall");
  EXPECT_EQ(b["groupLabels"], json({{"correlation_key", "ck-9f8e7d6c"}}));
  EXPECT_EQ(b["groupKey"], R"({}:{correlation_key="ck-9f8e7d6c"})");
  ASSERT_EQ(b["alerts"].size(), 1u);
  EXPECT_EQ(b["commonLabels"], b["alerts"][0]["labels"]);
  EXPECT_EQ(b["commonAnnotations"], b["alerts"][0]["annotations"]);
}

TEST(alertmanager, a_firing_alert_has_labels_annotations_and_the_zero_end) {
  const json one = body_of(fixture::created_alert())["alerts"][0];
  for (const char* key : {"status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"}) {
    EXPECT_TRUE(one.contains(key)) << key;
  }
  EXPECT_EQ(one["status"], "firing");
  EXPECT_EQ(one["startsAt"], "2025-02-11T10:00:00Z");
  EXPECT_EQ(one["endsAt"], "0001-01-01T00:00:00Z");
  const json& labels = one["labels"];
  EXPECT_EQ(labels["alertname"], "RootwatchAssignment");
  EXPECT_EQ(labels["severity"], "critical");
  EXPECT_EQ(labels["tenant"], "contoso");
  EXPECT_EQ(labels["tenant_id"], "00000000-0000-0000-0000-000000000001");
  EXPECT_EQ(labels["scope"], "/");
  EXPECT_EQ(labels["role"], "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9");
  EXPECT_EQ(labels["principal"], "a11ce000-0000-4000-8000-000000000001");
  EXPECT_EQ(labels["principal_type"], "User");
  EXPECT_EQ(labels["rule"], "anything-at-root");
  for (const auto& [k, v] : labels.items()) {
    EXPECT_TRUE(v.is_string() && !v.get<std::string>().empty()) << k;
    EXPECT_TRUE(std::regex_match(k, std::regex("[a-zA-Z_][a-zA-Z0-9_]*"))) << k;
  }
  const json& annotations = one["annotations"];
  EXPECT_EQ(annotations["kind"], "assignment.created");
  EXPECT_EQ(annotations["alert_id"], "a-created");
  EXPECT_EQ(annotations["remediation"], fixture::created_alert().remediation);
  EXPECT_EQ(annotations["role_name"], "User Access Administrator");
  EXPECT_EQ(annotations["principal_name"], "Zoë Ångström 日本");
  EXPECT_NE(annotations["summary"].get<std::string>().find("Zoë Ångström 日本"), std::string::npos);
  EXPECT_FALSE(annotations["description"].get<std::string>().empty());
}

TEST(alertmanager, the_resolution_matches_the_firing_alert) {
  const json fired = body_of(fixture::created_alert());
  const json resolved = body_of(fixture::removed_alert());
  EXPECT_EQ(resolved["status"], "resolved");
  EXPECT_EQ(resolved["alerts"][0]["status"], "resolved");
  EXPECT_EQ(resolved["alerts"][0]["endsAt"], "2025-02-11T10:05:00.5Z");
  EXPECT_EQ(resolved["alerts"][0]["startsAt"], fired["alerts"][0]["startsAt"]);
  EXPECT_EQ(resolved["alerts"][0]["fingerprint"], fired["alerts"][0]["fingerprint"]);
  EXPECT_EQ(resolved["alerts"][0]["labels"], fired["alerts"][0]["labels"]);
  EXPECT_EQ(resolved["groupKey"], fired["groupKey"]);
  EXPECT_EQ(resolved["alerts"][0]["annotations"]["kind"], "assignment.removed");
}

TEST(alertmanager, the_fingerprint_is_16_hex_digits_per_correlation_key) {
  const std::string f = alertmanager_fingerprint("ck-9f8e7d6c");
  EXPECT_TRUE(std::regex_match(f, std::regex("[0-9a-f]{16}"))) << f;
  EXPECT_EQ(f, alertmanager_fingerprint("ck-9f8e7d6c"));
  EXPECT_NE(f, alertmanager_fingerprint("ck-9f8e7d6d"));
  // FNV-1a 64 of the empty string is its offset basis.
  EXPECT_EQ(alertmanager_fingerprint(""), "cbf29ce484222325");
}

TEST(alertmanager, the_watchers_own_alert_has_no_assignment_labels) {
  const json labels = body_of(fixture::degraded_alert())["alerts"][0]["labels"];
  EXPECT_EQ(labels["alertname"], "RootwatchWatchDegraded");
  EXPECT_EQ(labels["severity"], "high");
  EXPECT_FALSE(labels.contains("scope"));
  EXPECT_FALSE(labels.contains("rule")) << "an empty label is left out, as Alertmanager does";
}

TEST(alertmanager, invalid_utf8_from_outside_does_not_throw) {
  engine::alert a = fixture::created_alert();
  a.subject->principal.display_name = std::string("bad \xff name");
  a.correlation_key = "ck-\xfe";
  EXPECT_FALSE(json::parse(render_alertmanager(a, "x").body, nullptr, false).is_discarded());
}

}  // namespace
}  // namespace rootwatch::sinks
