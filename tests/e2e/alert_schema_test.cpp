// The harness checks every rootwatch-format alert the receiver gets against
// docs/alert.schema.json (harness.cpp, check_alert_schema): here, that the check finds what it
// should, and that a violation fails the running test.

#include "e2e/harness.hpp"
#include "fake/test_client.hpp"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

namespace rootwatch::e2e {
namespace {

const json valid_alert = json::parse(R"({
  "schema": "rootwatch.alert/v1", "id": "4c1d7e0a9b8f3e2d1c0b9a8f7e6d5c4b", "kind": "assignment.created",
  "status": "firing", "severity": "critical", "rule": "anything-at-root",
  "tenant": {"id": "72f988bf-86f1-41af-91ab-2d7cd011db47", "name": "contoso"},
  "assignment": {"id": "/providers/Microsoft.Authorization/roleAssignments/0f6e5d4c-3b2a-4190-8877-665544332211",
                 "scope": "/", "role": {"id": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "name": "User Access Administrator"},
                 "principal": {"id": "11111111-1111-1111-1111-111111111111", "type": "User", "display_name": null},
                 "created_on": "2025-02-11T10:00:00Z", "created_by": null, "condition": null},
  "actor": null, "evidence": [{"source": "arm", "observed_at": "2025-03-01T12:00:00Z"}],
  "correlation_key": "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b", "first_seen": "2025-03-01T12:00:00Z",
  "detected_at": "2025-03-01T12:00:00Z", "remediation": "az role assignment delete --ids ...", "detail": null
})");

fake::delivery with_body(const json& body) {
  fake::delivery d;
  d.body = body.dump();
  d.body_json = body;
  return d;
}

TEST(alert_schema_check, finds_violations_in_rootwatch_bodies_and_cloudevents_data_only) {
  EXPECT_EQ(alert_schema_violations(with_body(valid_alert)), std::vector<std::string>{});
  json bad = valid_alert;
  bad["severity"] = "Sev0";
  EXPECT_FALSE(alert_schema_violations(with_body(bad)).empty());
  json unversioned = valid_alert;
  unversioned.erase("schema");  // still recognised as ours by its correlation_key
  EXPECT_FALSE(alert_schema_violations(with_body(unversioned)).empty());

  const json event{{"specversion", "1.0"}, {"type", "io.rootwatch.assignment.created"}, {"data", bad}};
  const auto in_event = alert_schema_violations(with_body(event));
  ASSERT_FALSE(in_event.empty());
  EXPECT_EQ(in_event.front().rfind("/data/severity", 0), 0u) << in_event.front();
  EXPECT_TRUE(alert_schema_violations(with_body({{"specversion", "1.0"}, {"data", valid_alert}})).empty());

  // Other formats have their own shape tests.
  EXPECT_TRUE(alert_schema_violations(with_body({{"schemaId", "azureMonitorCommonAlertSchema"}})).empty());
  EXPECT_TRUE(alert_schema_violations(with_body({{"blocks", json::array()}})).empty());
  fake::delivery not_json;
  not_json.body = "severity=critical";
  EXPECT_TRUE(alert_schema_violations(not_json).empty());
}

// The receiver records and answers only after its check ran, so the failure is in by the time
// fetch returns.
void post_to_receiver(environment& env, const json& body) {
  const auto answer = fake::fetch(read_text(env.dir() / "ca.pem"), "POST", env.receiver().url(),
                                  {{"Content-Type", "application/json"}}, body.dump());
  ASSERT_TRUE(answer) << answer.error().message;
}

TEST(alert_schema_check, an_alert_that_breaks_the_schema_fails_the_test_that_received_it) {
  environment env;
  json bad = valid_alert;
  bad["status"] = "open";
  EXPECT_NONFATAL_FAILURE_ON_ALL_THREADS(post_to_receiver(env, bad),
                                         "the receiver got an alert that breaks docs/alert.schema.json");
  post_to_receiver(env, valid_alert);  // and a valid one passes (the test would fail otherwise)
  EXPECT_EQ(env.receiver().deliveries().size(), 2u);
}

}  // namespace
}  // namespace rootwatch::e2e
