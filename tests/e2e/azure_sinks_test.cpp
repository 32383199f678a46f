// action_group and azure_monitor_logs end to end: the real daemon, the fake Azure's token
// endpoint, and two receivers that accept a delivery only with `Authorization: Bearer` holding
// a token the fake issued for the sink's scope. An elevation, then its removal: the action
// group gets the common alert schema Fired then Resolved, the Logs Ingestion receiver both rows
// (204, as the API answers). A 401 makes the daemon fetch a new token; `validate` and
// `test-alert` work for both kinds.

#include "e2e/harness.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

namespace rootwatch::e2e {
namespace {

constexpr std::string_view audience = "api://rootwatch-receiver";
constexpr std::string_view logs_scope = "https://monitor.azure.com//.default";
constexpr std::string_view dcr = "dcr-0123456789abcdef0123456789abcdef";
const std::string logs_path = "/dataCollectionRules/" + std::string(dcr) + "/streams/Custom-Rootwatch_CL";

std::string bearer(const fake::delivery& d) {
  const auto h = d.header("Authorization").value_or("");
  return h.starts_with("Bearer ") ? std::string(h.substr(7)) : "";
}

// A receiver under a CA of its own (appended to the daemon's ca_file) that refuses, with 401,
// a delivery whose bearer token the fake Azure did not issue for `scope`.
struct azure_receiver {
  fake::test_ca ca = fake::test_ca::generate();
  std::unique_ptr<fake::fake_receiver> receiver;

  azure_receiver(environment& env, std::string path, int success, std::string scope) {
    fake::receiver_options ro;
    ro.certificate = ca.issue("localhost");
    ro.path = std::move(path);
    ro.success_status = success;
    ro.admit = [&azure = env.azure(), scope](const fake::delivery& d) -> std::optional<int> {
      const auto issued_for = azure.token_scope(bearer(d));
      return issued_for == scope ? std::nullopt : std::optional<int>(401);
    };
    auto started = fake::fake_receiver::start(std::move(ro));
    if (!started) {
      throw std::runtime_error(started.error().message);
    }
    receiver = std::move(*started);
    std::ofstream(env.dir() / "ca.pem", std::ios::app) << "\n" << ca.ca_pem();
  }
  ~azure_receiver() { receiver->stop(); }

  std::string base() const { return "https://127.0.0.1:" + std::to_string(receiver->port()); }
  std::vector<fake::delivery> accepted() const { return accepted_of(receiver->deliveries()); }
  // For wait_for's predicate, which runs under the receiver's lock: never call back into it.
  static std::vector<fake::delivery> accepted_of(const std::vector<fake::delivery>& all) {
    std::vector<fake::delivery> out;
    for (const auto& d : all) {
      if (d.status >= 200 && d.status < 300) {
        out.push_back(d);
      }
    }
    return out;
  }
};

struct azure_setup {
  environment env;
  azure_receiver ag{env, "/hook", 200, std::string(audience) + "/.default"};
  azure_receiver logs{env, logs_path, 204, std::string(logs_scope)};

  azure_setup() {
    const std::string backoff = "retry_initial_backoff = \"200ms\"\nretry_max_backoff = \"1s\"\ntimeout = \"5s\"\n";
    // The logs sink gets its token scope from the tenant's cloud; the fake's token endpoint
    // stands in for that cloud's authority through [tenant.endpoints].
    env.write_config("1s", "alert", {},
                     "[[sink]]\nname = \"ag\"\nkind = \"action_group\"\nurl = \"" + ag.receiver->url() +
                         "\"\naudience = \"" + std::string(audience) + "\"\ntenant = \"contoso\"\n" + backoff +
                         "\n[[sink]]\nname = \"law\"\nkind = \"azure_monitor_logs\"\n" + "endpoint = \"" + logs.base() +
                         "\"\ndcr_immutable_id = \"" + std::string(dcr) + "\"\n" + backoff);
  }
};

std::size_t rows_in(const std::vector<fake::delivery>& all) {
  std::size_t n = 0;
  for (const auto& d : all) {
    n += d.body_json && d.body_json->is_array() ? d.body_json->size() : 0;
  }
  return n;
}

void check_essentials(const json& body, const std::string& condition) {
  EXPECT_EQ(body["schemaId"], "azureMonitorCommonAlertSchema");
  const json& e = body["data"]["essentials"];
  // Every key of Azure's own example (azure-apis.md §7.1); resolvedDateTime only when Resolved.
  for (const char* key : {"alertId", "alertRule", "severity", "signalType", "monitorCondition", "monitoringService",
                          "alertTargetIDs", "configurationItems", "originAlertId", "firedDateTime", "description",
                          "essentialsVersion", "alertContextVersion"}) {
    EXPECT_TRUE(e.contains(key)) << key << " in " << e.dump(2);
  }
  EXPECT_EQ(e["monitorCondition"], condition);
  EXPECT_EQ(e.contains("resolvedDateTime"), condition == "Resolved");
  EXPECT_EQ(e["severity"], "Sev0");
  EXPECT_TRUE(e["alertTargetIDs"].is_array());
  EXPECT_TRUE(body["data"]["alertContext"].is_object());
}

void check_row(const json& row, const std::string& kind, const std::string& tenant_id) {
  EXPECT_EQ(row.size(), 15u) << row.dump(2);
  for (const char* column :
       {"TimeGenerated", "AlertId", "Kind", "Status", "Severity", "TenantId", "TenantName", "Scope", "RoleName",
        "PrincipalId", "ActorUpn", "ActorIp", "CorrelationKey", "Remediation"}) {
    EXPECT_TRUE(row.contains(column) && row[column].is_string()) << column << " in " << row.dump(2);
  }
  EXPECT_EQ(row["Kind"], kind);
  EXPECT_EQ(row["TenantId"], tenant_id);
  EXPECT_EQ(row["TenantName"], "contoso");
  EXPECT_EQ(row["Scope"], "/");
  EXPECT_EQ(row["RoleName"], "User Access Administrator");
  ASSERT_TRUE(row["Alert"].is_object());
  EXPECT_EQ(row["Alert"]["kind"], kind);
  EXPECT_EQ(row["Alert"]["id"], row["AlertId"]);
}

TEST(azure_sinks, action_group_gets_fired_then_resolved_and_logs_gets_both_rows_with_tokens_for_their_scopes) {
  azure_setup t;
  auto daemon = t.env.start({"run", "--config", t.env.config_path().string()});
  const std::string name = t.env.elevate();
  const auto count_at_least = [](std::size_t n, bool rows) {
    return [n, rows](const std::vector<fake::delivery>& all) {
      const auto ok = azure_receiver::accepted_of(all);
      return (rows ? rows_in(ok) : ok.size()) >= n;
    };
  };
  ASSERT_TRUE(t.ag.receiver->wait_for(count_at_least(1, false), wait_long)) << daemon.err();
  ASSERT_TRUE(t.logs.receiver->wait_for(count_at_least(1, true), wait_long)) << daemon.err();
  ASSERT_TRUE(t.env.azure().remove_assignment(name));
  ASSERT_TRUE(t.ag.receiver->wait_for(count_at_least(2, false), wait_long)) << daemon.err();
  ASSERT_TRUE(t.logs.receiver->wait_for(count_at_least(2, true), wait_long)) << daemon.err();
  daemon.signal(SIGTERM);
  ASSERT_TRUE(daemon.wait(milliseconds{15'000}).has_value());

  // Every delivery was accepted: no token for a wrong scope was ever sent.
  for (const auto* r : {&t.ag, &t.logs}) {
    for (const auto& d : r->receiver->deliveries()) {
      EXPECT_TRUE(d.status == 200 || d.status == 204) << d.status << " " << d.target;
      EXPECT_FALSE(d.header("webhook-signature").has_value());
      EXPECT_EQ(d.header("Content-Type").value_or(""), "application/json");
    }
  }
  const auto ag = t.ag.accepted();
  ASSERT_EQ(ag.size(), 2u);
  check_essentials(*ag[0].body_json, "Fired");
  check_essentials(*ag[1].body_json, "Resolved");
  EXPECT_EQ((*ag[0].body_json)["data"]["essentials"]["alertId"], (*ag[1].body_json)["data"]["essentials"]["alertId"]);
  EXPECT_EQ(t.env.azure().token_scope(bearer(ag[0])), std::string(audience) + "/.default");

  const auto logs = t.logs.accepted();
  std::vector<json> rows;
  for (const auto& d : logs) {
    EXPECT_EQ(d.status, 204);
    EXPECT_TRUE(d.body.empty() || d.body.front() == '[');
    EXPECT_EQ(d.target, logs_path + "?api-version=2023-01-01");
    EXPECT_EQ(t.env.azure().token_scope(bearer(d)), std::string(logs_scope));
    for (const auto& row : *d.body_json) {
      rows.push_back(row);
    }
  }
  ASSERT_EQ(rows.size(), 2u);
  check_row(rows[0], "assignment.created", t.env.tenant_id());
  check_row(rows[1], "assignment.removed", t.env.tenant_id());
  EXPECT_EQ(rows[0]["Status"], "firing");
  EXPECT_EQ(rows[1]["Status"], "resolved");
  EXPECT_EQ(rows[0]["CorrelationKey"], rows[1]["CorrelationKey"]);

  // Tokens are secrets: none reaches the log.
  for (const auto& d : ag) {
    EXPECT_EQ(daemon.err().find(bearer(d)), std::string::npos) << "a token reached the log";
  }
}

TEST(azure_sinks, alerts_queued_together_reach_logs_ingestion_in_one_request) {
  azure_setup t;
  // There before the first cycle: its three creations are committed, and queued, together.
  t.env.elevate("a11ce000-0000-4000-8000-0000000000b1");
  t.env.elevate("a11ce000-0000-4000-8000-0000000000b2");
  t.env.elevate("a11ce000-0000-4000-8000-0000000000b3");
  auto daemon = t.env.start({"run", "--config", t.env.config_path().string()});
  ASSERT_TRUE(t.logs.receiver->wait_for([](const auto& all) { return rows_in(azure_receiver::accepted_of(all)) >= 3; },
                                        wait_long))
      << daemon.err();
  const auto got = t.logs.accepted();
  ASSERT_EQ(got.size(), 1u) << "one request for the three rows";
  ASSERT_TRUE(got[0].body_json && got[0].body_json->is_array());
  EXPECT_EQ(got[0].body_json->size(), 3u);
  for (const auto& row : *got[0].body_json) {
    check_row(row, "assignment.created", t.env.tenant_id());
  }
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

TEST(azure_sinks, a_401_makes_the_daemon_fetch_a_new_token_and_deliver) {
  azure_setup t;
  t.ag.receiver->fail_next(1, 401);
  auto daemon = t.env.start({"run", "--config", t.env.config_path().string()});
  t.env.elevate();
  ASSERT_TRUE(t.ag.receiver->wait_for(
      [](const std::vector<fake::delivery>& all) { return !azure_receiver::accepted_of(all).empty(); }, wait_long))
      << daemon.err();
  daemon.signal(SIGTERM);
  ASSERT_TRUE(daemon.wait(milliseconds{15'000}).has_value());
  const auto all = t.ag.receiver->deliveries();
  ASSERT_GE(all.size(), 2u);
  EXPECT_EQ(all[0].status, 401);
  const auto delivered = t.ag.accepted().front();
  EXPECT_NE(bearer(all[0]), bearer(delivered)) << "the token was not fetched again after the 401";
  EXPECT_EQ(t.env.azure().token_scope(bearer(delivered)), std::string(audience) + "/.default");
  EXPECT_EQ(t.env.azure().token_scope(bearer(all[0])), std::string(audience) + "/.default");
}

TEST(azure_sinks, validate_and_test_alert_work_for_both_kinds) {
  azure_setup t;
  const auto valid = t.env.run({"validate", "--config", t.env.config_path().string()});
  EXPECT_EQ(valid.code, 0) << valid.out << valid.err;
  const auto ag = t.env.run({"test-alert", "--config", t.env.config_path().string(), "--sink", "ag"});
  EXPECT_EQ(ag.code, 0) << ag.out << ag.err;
  EXPECT_NE(ag.out.find("receiver answered status 200"), std::string::npos) << ag.out;
  const auto law = t.env.run({"test-alert", "--config", t.env.config_path().string(), "--sink", "law"});
  EXPECT_EQ(law.code, 0) << law.out << law.err;
  EXPECT_NE(law.out.find("receiver answered status 204"), std::string::npos) << law.out;
  ASSERT_EQ(t.ag.accepted().size(), 1u);
  EXPECT_EQ((*t.ag.accepted()[0].body_json)["data"]["alertContext"]["kind"], "test");
  ASSERT_EQ(t.logs.accepted().size(), 1u);
  EXPECT_EQ((*t.logs.accepted()[0].body_json)[0]["Kind"], "test");
}

}  // namespace
}  // namespace rootwatch::e2e
