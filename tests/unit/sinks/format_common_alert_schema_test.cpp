#include "sinks/format_common_alert_schema.hpp"

#include "format_fixture.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace rootwatch::sinks {
namespace {

json body_of(const engine::alert& a) {
  const rendered r = render_common_alert_schema(a, engine::to_json(a));
  EXPECT_EQ(r.content_type, "application/json");
  return json::parse(r.body);
}

// Every key of essentials in Azure Monitor's own sample payload (a Resolved metric alert,
// alerts-common-schema / alerts-payload-samples on learn.microsoft.com).
const std::vector<std::string> azure_essentials_keys = {
    "alertId",           "alertRule",      "severity",           "signalType",         "monitorCondition",
    "monitoringService", "alertTargetIDs", "configurationItems", "originAlertId",      "firedDateTime",
    "resolvedDateTime",  "description",    "essentialsVersion",  "alertContextVersion"};

TEST(common_alert_schema, a_resolved_alert_has_every_essentials_key_of_azures_sample_and_no_other) {
  const json body = body_of(fixture::removed_alert());
  EXPECT_EQ(body["schemaId"], "azureMonitorCommonAlertSchema");
  const json& essentials = body["data"]["essentials"];
  for (const auto& key : azure_essentials_keys) {
    EXPECT_TRUE(essentials.contains(key)) << key;
  }
  EXPECT_EQ(essentials.size(), azure_essentials_keys.size()) << essentials.dump(2);
  EXPECT_EQ(essentials["monitorCondition"], "Resolved");
  EXPECT_EQ(essentials["resolvedDateTime"], "2025-02-11T10:05:00.5Z");
  EXPECT_EQ(essentials["firedDateTime"], "2025-02-11T10:00:00Z");
  EXPECT_TRUE(body["data"].contains("alertContext"));
  EXPECT_TRUE(body["data"]["customProperties"].is_null());
}

TEST(common_alert_schema, a_firing_alert_is_fired_and_has_no_resolved_time) {
  const json essentials = body_of(fixture::created_alert())["data"]["essentials"];
  EXPECT_EQ(essentials["monitorCondition"], "Fired");
  EXPECT_FALSE(essentials.contains("resolvedDateTime"));
  EXPECT_EQ(essentials.size(), azure_essentials_keys.size() - 1);
}

TEST(common_alert_schema, essentials_values_for_an_assignment) {
  const engine::alert a = fixture::created_alert();
  const json essentials = body_of(a)["data"]["essentials"];
  EXPECT_EQ(essentials["alertRule"], "anything-at-root");
  EXPECT_EQ(essentials["severity"], "Sev0");
  EXPECT_EQ(essentials["signalType"], "Activity Log");
  EXPECT_EQ(essentials["monitoringService"], "rootwatch");
  EXPECT_EQ(essentials["alertTargetIDs"],
            json::array({"/providers/microsoft.authorization/roleassignments/9f8e7d6c-0000-4000-8000-00000000abcd"}));
  EXPECT_EQ(essentials["configurationItems"], json::array({"9f8e7d6c-0000-4000-8000-00000000abcd"}));
  EXPECT_EQ(essentials["originAlertId"], a.correlation_key);
  EXPECT_EQ(essentials["essentialsVersion"], "1.0");
  EXPECT_EQ(essentials["alertContextVersion"], "1.0");
  const std::regex arm_alert_id(
      "/providers/Microsoft\\.AlertsManagement/alerts/"
      "[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  EXPECT_TRUE(std::regex_match(essentials["alertId"].get<std::string>(), arm_alert_id)) << essentials["alertId"];
}

TEST(common_alert_schema, fired_and_resolved_of_one_assignment_share_the_alert_id) {
  const json fired = body_of(fixture::created_alert())["data"]["essentials"];
  const json resolved = body_of(fixture::removed_alert())["data"]["essentials"];
  EXPECT_EQ(fired["alertId"], resolved["alertId"]);
  EXPECT_EQ(fired["alertId"], cas_alert_id("ck-9f8e7d6c")) << "deterministic";
  EXPECT_NE(fired["alertId"], body_of(fixture::degraded_alert())["data"]["essentials"]["alertId"]);
}

TEST(common_alert_schema, severities_map_to_sev0_through_sev4) {
  EXPECT_EQ(cas_severity(engine::severity::critical), "Sev0");
  EXPECT_EQ(cas_severity(engine::severity::high), "Sev1");
  EXPECT_EQ(cas_severity(engine::severity::medium), "Sev2");
  EXPECT_EQ(cas_severity(engine::severity::low), "Sev3");
  EXPECT_EQ(cas_severity(engine::severity::info), "Sev4");
}

TEST(common_alert_schema, alert_context_is_the_rootwatch_alert) {
  const engine::alert a = fixture::created_alert();
  EXPECT_EQ(body_of(a)["data"]["alertContext"], engine::to_json(a));
}

TEST(common_alert_schema, non_ascii_names_arrive_as_utf8) {
  const rendered r = render_common_alert_schema(fixture::created_alert(), engine::to_json(fixture::created_alert()));
  EXPECT_NE(r.body.find("Zoë Ångström 日本"), std::string::npos) << r.body;
  const json essentials = json::parse(r.body)["data"]["essentials"];
  const auto description = essentials["description"].get<std::string>();
  EXPECT_NE(description.find("Zoë Ångström 日本"), std::string::npos) << description;
  EXPECT_NE(description.find("User Access Administrator"), std::string::npos) << description;
  EXPECT_NE(description.find("zoe@contoso.example"), std::string::npos) << description;
}

TEST(common_alert_schema, invalid_utf8_from_outside_does_not_throw) {
  engine::alert a = fixture::created_alert();
  a.subject->principal.display_name = std::string("bad \xff\xfe name");
  const rendered r = render_common_alert_schema(a, engine::to_json(a));
  EXPECT_FALSE(json::parse(r.body, nullptr, false).is_discarded());
}

TEST(common_alert_schema, the_watchers_own_alert_targets_the_tenant_root_group) {
  const engine::alert a = fixture::degraded_alert();
  const json essentials = body_of(a)["data"]["essentials"];
  EXPECT_EQ(essentials["alertTargetIDs"],
            json::array({"/providers/microsoft.management/managementgroups/" + a.tenant.id}));
  EXPECT_EQ(essentials["configurationItems"], json::array({"contoso"}));
  EXPECT_EQ(essentials["alertRule"], "watch.degraded") << "no rule: the kind names it";
  EXPECT_EQ(essentials["severity"], "Sev1");
  EXPECT_NE(essentials["description"].get<std::string>().find("ARM answered 403"), std::string::npos);
}

}  // namespace
}  // namespace rootwatch::sinks
