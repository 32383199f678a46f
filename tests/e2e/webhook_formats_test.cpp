// The three other webhook formats end to end: one daemon, three signed sinks of the formats
// common_alert_schema, cloudevents and alertmanager on the fake receiver; an elevation, then
// its removal; each sink gets exactly its format's shape, firing then resolved.

#include "e2e/harness.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <regex>

namespace rootwatch::e2e {
namespace {

// The sink a delivery was meant for, from the query the config gave its URL.
std::string sink_of(const fake::delivery& d) {
  const auto q = d.target.find("?sink=");
  return q == std::string::npos ? "" : d.target.substr(q + 6);
}

std::vector<fake::delivery> accepted_for(const std::vector<fake::delivery>& all, const std::string& sink) {
  std::vector<fake::delivery> out;
  for (const auto& d : all) {
    if (d.status >= 200 && d.status < 300 && sink_of(d) == sink) {
      out.push_back(d);
    }
  }
  return out;
}

std::string extra_sink(const environment& env, const fake::fake_receiver& receiver, const std::string& name,
                       const std::string& format) {
  return "[[sink]]\nname = \"" + name + "\"\nkind = \"webhook\"\nformat = \"" + format + "\"\nurl = \"" +
         receiver.url() + "?sink=" + name + "\"\ntimeout = \"5s\"\nretry_initial_backoff = \"200ms\"\n" +
         "retry_max_backoff = \"1s\"\nsigning_secret_file = \"" + (env.dir() / "signing.key").string() + "\"\n\n";
}

const std::vector<std::string> azure_essentials_keys = {
    "alertId",           "alertRule",      "severity",           "signalType",         "monitorCondition",
    "monitoringService", "alertTargetIDs", "configurationItems", "originAlertId",      "firedDateTime",
    "resolvedDateTime",  "description",    "essentialsVersion",  "alertContextVersion"};

void expect_signed(const fake::delivery& d) {
  ASSERT_TRUE(d.signature_valid.has_value());
  EXPECT_TRUE(*d.signature_valid) << d.signature_problem;
  EXPECT_TRUE(d.header("webhook-id").has_value());
}

void check_common_alert_schema(const fake::delivery& fired, const fake::delivery& resolved, const std::string& name,
                               const std::string& tenant_id) {
  expect_signed(fired);
  expect_signed(resolved);
  EXPECT_EQ(fired.header("Content-Type").value_or(""), "application/json");
  const json& f = *fired.body_json;
  const json& r = *resolved.body_json;
  EXPECT_EQ(f["schemaId"], "azureMonitorCommonAlertSchema");
  EXPECT_EQ(r["schemaId"], "azureMonitorCommonAlertSchema");
  const json& fe = f["data"]["essentials"];
  const json& re = r["data"]["essentials"];
  for (const auto& key : azure_essentials_keys) {
    EXPECT_TRUE(re.contains(key)) << key;
    EXPECT_EQ(fe.contains(key), key != "resolvedDateTime") << key;
  }
  EXPECT_EQ(re.size(), azure_essentials_keys.size());
  EXPECT_EQ(fe["monitorCondition"], "Fired");
  EXPECT_EQ(re["monitorCondition"], "Resolved");
  EXPECT_EQ(fe["severity"], "Sev0");
  EXPECT_EQ(fe["alertId"], re["alertId"]);
  EXPECT_EQ(fe["firedDateTime"], re["firedDateTime"]);
  EXPECT_EQ(fe["alertTargetIDs"], json::array({"/providers/microsoft.authorization/roleassignments/" + name}));
  EXPECT_EQ(f["data"]["alertContext"]["kind"], "assignment.created");
  EXPECT_EQ(r["data"]["alertContext"]["kind"], "assignment.removed");
  EXPECT_EQ(f["data"]["alertContext"]["tenant"]["id"], tenant_id);
  EXPECT_EQ(fired.header("webhook-id").value_or(""), f["data"]["alertContext"]["id"].get<std::string>());
}

void check_cloudevents(const fake::delivery& fired, const fake::delivery& resolved, const std::string& name,
                       const std::string& tenant_id) {
  expect_signed(fired);
  expect_signed(resolved);
  EXPECT_EQ(fired.header("Content-Type").value_or(""), "application/cloudevents+json");
  const json& f = *fired.body_json;
  const json& r = *resolved.body_json;
  for (const json* e : {&f, &r}) {
    EXPECT_EQ((*e)["specversion"], "1.0");
    EXPECT_EQ((*e)["source"], "rootwatch/" + tenant_id);
    EXPECT_EQ((*e)["subject"], "/providers/Microsoft.Authorization/roleAssignments/" + name);
    EXPECT_EQ((*e)["datacontenttype"], "application/json");
    EXPECT_EQ((*e)["time"], (*e)["data"]["detected_at"]);
    EXPECT_EQ((*e)["id"], (*e)["data"]["id"]);
    EXPECT_EQ(e->size(), 8u) << e->dump(2);
  }
  EXPECT_EQ(f["type"], "io.rootwatch.assignment.created");
  EXPECT_EQ(r["type"], "io.rootwatch.assignment.removed");
  EXPECT_EQ(fired.header("webhook-id").value_or(""), f["id"].get<std::string>());
}

void check_alertmanager(const fake::delivery& fired, const fake::delivery& resolved, const std::string& tenant_id) {
  expect_signed(fired);
  expect_signed(resolved);
  const json& f = *fired.body_json;
  const json& r = *resolved.body_json;
  for (const json* b : {&f, &r}) {
    EXPECT_EQ((*b)["version"], "4");
    EXPECT_EQ((*b)["receiver"], "am");
    EXPECT_EQ((*b)["truncatedAlerts"], 0);
    ASSERT_EQ((*b)["alerts"].size(), 1u);
    EXPECT_TRUE(std::regex_match((*b)["alerts"][0]["fingerprint"].get<std::string>(), std::regex("[0-9a-f]{16}")));
  }
  EXPECT_EQ(f["status"], "firing");
  EXPECT_EQ(r["status"], "resolved");
  const json& fa = f["alerts"][0];
  const json& ra = r["alerts"][0];
  EXPECT_EQ(fa["endsAt"], "0001-01-01T00:00:00Z");
  EXPECT_NE(ra["endsAt"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(fa["fingerprint"], ra["fingerprint"]);
  EXPECT_EQ(fa["labels"], ra["labels"]);
  EXPECT_EQ(f["groupKey"], r["groupKey"]);
  EXPECT_EQ(fa["labels"]["alertname"], "RootwatchAssignment");
  EXPECT_EQ(fa["labels"]["severity"], "critical");
  EXPECT_EQ(fa["labels"]["tenant"], "contoso");
  EXPECT_EQ(fa["labels"]["tenant_id"], tenant_id);
  EXPECT_EQ(fa["labels"]["scope"], "/");
  EXPECT_EQ(fa["labels"]["role"], "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9");
  EXPECT_EQ(fa["annotations"]["kind"], "assignment.created");
  EXPECT_EQ(ra["annotations"]["kind"], "assignment.removed");
  EXPECT_EQ(fa["annotations"]["role_name"], "User Access Administrator");
  EXPECT_EQ(fired.header("webhook-id").value_or(""), fa["annotations"]["alert_id"].get<std::string>());
}

TEST(webhook_formats, three_sinks_each_get_their_format_firing_then_resolved_and_signed) {
  environment env;
  sink_options cas;
  cas.name = "cas";
  cas.url_suffix = "?sink=cas";
  const std::string extra = "format = \"common_alert_schema\"\n\n" +
                            extra_sink(env, env.receiver(), "ce", "cloudevents") +
                            extra_sink(env, env.receiver(), "am", "alertmanager");
  env.write_config("1s", "alert", cas, extra);
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const std::string name = env.elevate();

  const auto each_sink_has = [](std::size_t n) {
    return [n](const std::vector<fake::delivery>& all) {
      for (const std::string sink : {"cas", "ce", "am"}) {
        if (accepted_for(all, sink).size() < n) {
          return false;
        }
      }
      return true;
    };
  };
  ASSERT_TRUE(env.receiver().wait_for(each_sink_has(1), wait_long)) << daemon.err();
  ASSERT_TRUE(env.azure().remove_assignment(name));
  ASSERT_TRUE(env.receiver().wait_for(each_sink_has(2), wait_long)) << daemon.err();

  daemon.signal(SIGTERM);
  ASSERT_TRUE(daemon.wait(milliseconds{15'000}).has_value());

  const auto all = env.receiver().deliveries();
  for (const auto& d : all) {
    EXPECT_TRUE(d.body_json.has_value()) << d.body;
    EXPECT_EQ(d.status, 200) << d.target << " " << d.signature_problem;
  }
  const auto c = accepted_for(all, "cas");
  const auto e = accepted_for(all, "ce");
  const auto a = accepted_for(all, "am");
  ASSERT_EQ(c.size(), 2u);
  ASSERT_EQ(e.size(), 2u);
  ASSERT_EQ(a.size(), 2u);
  check_common_alert_schema(c[0], c[1], name, env.tenant_id());
  check_cloudevents(e[0], e[1], name, env.tenant_id());
  check_alertmanager(a[0], a[1], env.tenant_id());
}

}  // namespace
}  // namespace rootwatch::e2e
