#include "engine/alert_json.hpp"

#include "builders.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace rootwatch::engine {
namespace {

using namespace testing;

alert full_alert() {
  alert a;
  a.id = "8815c18bf970c7d5bf7f6eaeb5797938";
  a.kind = std::string(alert_kind::created);
  a.status = "firing";
  a.level = severity::critical;
  a.rule = "anything-at-root";
  a.tenant = tenant_ref{tenant_guid, "contoso"};
  assignment s = elevation("0f2b8c5e-1d3a-4c7b-9e6f-2a4d8b1c3e5f");
  s.principal.display_name = "Alice Example";
  s.created_by = bob;
  s.condition = "@Resource[Microsoft.Storage/storageAccounts:name] StringEquals 'x'";
  a.subject = s;
  a.actor = actor_ref{bob, "bob@contoso.example", std::nullopt, "203.0.113.7"};
  a.evidence = {evidence{"arm", at("2025-03-01T11:59:55.5Z"), std::nullopt},
                evidence{"entra_audit", at("2025-02-11T10:00:01.1234567Z"), "Directory_ABC123"}};
  a.correlation_key = "7146d54ea7f079069a025e452528db34";
  a.first_seen = at("2025-03-01T12:00:00Z");
  a.detected_at = at("2025-03-01T12:00:00.25Z");
  a.remediation = "az role assignment delete --ids \"/providers/...\"";
  return a;
}

// The whole contract object, written out by hand from design.md.
TEST(alert_json, golden) {
  const json expected = json::parse(R"({
    "schema": "rootwatch.alert/v1",
    "id": "8815c18bf970c7d5bf7f6eaeb5797938",
    "kind": "assignment.created",
    "status": "firing",
    "severity": "critical",
    "rule": "anything-at-root",
    "tenant": {"id": "72f988bf-86f1-41af-91ab-2d7cd011db47", "name": "contoso"},
    "assignment": {
      "id": "/providers/Microsoft.Authorization/roleAssignments/0f2b8c5e-1d3a-4c7b-9e6f-2a4d8b1c3e5f",
      "scope": "/",
      "role": {"id": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "name": "User Access Administrator"},
      "principal": {"id": "11111111-1111-1111-1111-111111111111", "type": "User", "display_name": "Alice Example"},
      "created_on": "2025-02-11T10:00:00Z",
      "created_by": "22222222-2222-2222-2222-222222222222",
      "condition": "@Resource[Microsoft.Storage/storageAccounts:name] StringEquals 'x'"
    },
    "actor": {"id": "22222222-2222-2222-2222-222222222222", "upn": "bob@contoso.example", "app_id": null,
              "ip": "203.0.113.7"},
    "evidence": [
      {"source": "arm", "observed_at": "2025-03-01T11:59:55.5Z"},
      {"source": "entra_audit", "observed_at": "2025-02-11T10:00:01.1234567Z", "event_id": "Directory_ABC123"}
    ],
    "correlation_key": "7146d54ea7f079069a025e452528db34",
    "first_seen": "2025-03-01T12:00:00Z",
    "detected_at": "2025-03-01T12:00:00.25Z",
    "remediation": "az role assignment delete --ids \"/providers/...\"",
    "detail": null
  })");
  EXPECT_EQ(to_json(full_alert()), expected) << to_json(full_alert()).dump(2);
}

// watch.degraded: about the watcher, not an assignment, and with the reason it cannot see.
TEST(alert_json, golden_degraded) {
  alert a;
  a.id = "0123456789abcdef0123456789abcdef";
  a.kind = std::string(alert_kind::degraded);
  a.status = "firing";
  a.level = severity::high;
  a.tenant = tenant_ref{tenant_guid, "contoso"};
  a.correlation_key = "fedcba9876543210fedcba9876543210";
  a.first_seen = at("2025-03-01T12:00:00Z");
  a.detected_at = at("2025-03-01T12:02:00Z");
  a.remediation = "Check its access.";
  a.detail = "arm role assignments: 403 AuthorizationFailed";
  const json expected = json::parse(R"({
    "schema": "rootwatch.alert/v1",
    "id": "0123456789abcdef0123456789abcdef",
    "kind": "watch.degraded",
    "status": "firing",
    "severity": "high",
    "rule": "",
    "tenant": {"id": "72f988bf-86f1-41af-91ab-2d7cd011db47", "name": "contoso"},
    "assignment": null,
    "actor": null,
    "evidence": [],
    "correlation_key": "fedcba9876543210fedcba9876543210",
    "first_seen": "2025-03-01T12:00:00Z",
    "detected_at": "2025-03-01T12:02:00Z",
    "remediation": "Check its access.",
    "detail": "arm role assignments: 403 AuthorizationFailed"
  })");
  EXPECT_EQ(to_json(a), expected) << to_json(a).dump(2);
  EXPECT_EQ(alert_from_json(expected), a);
}

TEST(alert_json, nulls_where_nothing_is_known) {
  alert a = full_alert();
  a.subject->role.name.clear();
  a.subject->principal.display_name.reset();
  a.subject->created_on.reset();
  a.subject->created_by.reset();
  a.subject->condition.reset();
  a.actor.reset();
  a.detail.reset();
  const json j = to_json(a);
  EXPECT_TRUE(j.at("detail").is_null());
  EXPECT_TRUE(j.at("assignment").at("role").at("name").is_null());
  EXPECT_TRUE(j.at("assignment").at("principal").at("display_name").is_null());
  EXPECT_TRUE(j.at("assignment").at("created_on").is_null());
  EXPECT_TRUE(j.at("assignment").at("created_by").is_null());
  EXPECT_TRUE(j.at("assignment").at("condition").is_null());
  EXPECT_TRUE(j.at("actor").is_null());

  a.subject.reset();
  EXPECT_TRUE(to_json(a).at("assignment").is_null());
}

TEST(alert_json, test_flag_only_on_test_alerts) {
  alert a = full_alert();
  EXPECT_FALSE(to_json(a).contains("test"));
  a.test = true;
  EXPECT_EQ(to_json(a).at("test"), true);
}

TEST(alert_json, every_severity_by_name) {
  alert a = full_alert();
  for (const auto& [level, name] :
       {std::pair{severity::critical, "critical"}, std::pair{severity::high, "high"},
        std::pair{severity::medium, "medium"}, std::pair{severity::low, "low"}, std::pair{severity::info, "info"}}) {
    a.level = level;
    EXPECT_EQ(to_json(a).at("severity"), name);
  }
}

std::vector<alert> round_trip_cases() {
  std::vector<alert> out;
  out.push_back(full_alert());

  alert sparse = full_alert();
  sparse.subject->role.name.clear();
  sparse.subject->principal.type.clear();
  sparse.subject->principal.display_name.reset();
  sparse.subject->created_on.reset();
  sparse.subject->created_by.reset();
  sparse.subject->condition.reset();
  sparse.actor = actor_ref{};
  out.push_back(sparse);

  alert resolved = full_alert();
  resolved.kind = std::string(alert_kind::removed);
  resolved.status = "resolved";
  resolved.level = severity::low;
  resolved.actor.reset();
  resolved.evidence.clear();
  out.push_back(resolved);

  alert degraded;
  degraded.id = "0123456789abcdef0123456789abcdef";
  degraded.kind = std::string(alert_kind::degraded);
  degraded.status = "firing";
  degraded.level = severity::high;
  degraded.tenant = tenant_ref{tenant_guid, "contoso"};
  degraded.first_seen = at("1999-12-31T23:59:59.999999999Z");
  degraded.detected_at = at("2000-01-01T00:00:00Z");
  degraded.remediation = "Grant the watcher Reader at \"/\" again.";
  degraded.detail = "resource graph: 401 InvalidAuthenticationToken \"quoted\" \u00e9\n";
  out.push_back(degraded);

  alert detail_empty = degraded;
  detail_empty.detail = "";
  out.push_back(detail_empty);

  alert recovered = degraded;
  recovered.kind = std::string(alert_kind::recovered);
  recovered.status = "resolved";
  recovered.detail.reset();
  recovered.evidence = {evidence{"resource_graph", at("2000-01-01T00:05:00Z"), std::nullopt}};
  out.push_back(recovered);

  alert test_alert = degraded;
  test_alert.kind = std::string(alert_kind::test);
  test_alert.test = true;
  test_alert.rule = "";
  test_alert.tenant = tenant_ref{"", ""};
  out.push_back(test_alert);
  return out;
}

TEST(alert_json, round_trip) {
  for (const alert& a : round_trip_cases()) {
    const json j = to_json(a);
    EXPECT_EQ(alert_from_json(j), a) << j.dump(2);
    EXPECT_EQ(alert_from_json(json::parse(j.dump())), a) << "through text";
    EXPECT_EQ(to_json(alert_from_json(j)), j);
  }
}

TEST(alert_json, optional_keys_may_be_absent_on_input) {
  json j = to_json(full_alert());
  j.erase("actor");
  j["assignment"].erase("condition");
  j["assignment"].erase("created_by");
  j["assignment"].erase("created_on");
  j["assignment"]["principal"].erase("display_name");
  j["assignment"]["role"].erase("name");
  const alert a = alert_from_json(j);
  EXPECT_FALSE(a.actor);
  EXPECT_FALSE(a.subject->condition);
  EXPECT_FALSE(a.subject->created_by);
  EXPECT_FALSE(a.subject->created_on);
  EXPECT_FALSE(a.subject->principal.display_name);
  EXPECT_TRUE(a.subject->role.name.empty());

  j.erase("assignment");
  EXPECT_FALSE(alert_from_json(j).subject);
}

// Alerts in an outbox written before "detail" existed still read.
TEST(alert_json, detail_may_be_absent_or_null_on_input) {
  json j = to_json(full_alert());
  ASSERT_TRUE(j.contains("detail"));
  j.erase("detail");
  EXPECT_FALSE(alert_from_json(j).detail);
  EXPECT_EQ(alert_from_json(j), full_alert());
  j["detail"] = nullptr;
  EXPECT_FALSE(alert_from_json(j).detail);
  j["detail"] = "token endpoint unreachable";
  EXPECT_EQ(alert_from_json(j).detail, "token endpoint unreachable");
}

TEST(alert_json, wrong_schema_is_refused) {
  json j = to_json(full_alert());
  j["schema"] = "rootwatch.alert/v2";
  EXPECT_THROW(alert_from_json(j), std::invalid_argument);
  j["schema"] = "";
  EXPECT_THROW(alert_from_json(j), std::invalid_argument);
  j.erase("schema");
  EXPECT_ANY_THROW(alert_from_json(j));
}

TEST(alert_json, every_required_key_is_required) {
  for (const char* key : {"schema", "id", "kind", "status", "severity", "rule", "tenant", "evidence", "correlation_key",
                          "first_seen", "detected_at", "remediation"}) {
    json j = to_json(full_alert());
    j.erase(key);
    EXPECT_ANY_THROW(alert_from_json(j)) << key;
  }
  const std::vector<std::vector<const char*>> nested{
      {"tenant", "id"},        {"tenant", "name"},     {"assignment", "id"},
      {"assignment", "scope"}, {"assignment", "role"}, {"assignment", "principal"},
  };
  for (const auto& path : nested) {
    json j = to_json(full_alert());
    j[path[0]].erase(path[1]);
    EXPECT_ANY_THROW(alert_from_json(j)) << path[0] << "." << path[1];
  }
  json j = to_json(full_alert());
  j["assignment"]["role"].erase("id");
  EXPECT_ANY_THROW(alert_from_json(j));
  j = to_json(full_alert());
  j["assignment"]["principal"].erase("id");
  EXPECT_ANY_THROW(alert_from_json(j));
  j = to_json(full_alert());
  j["evidence"][0].erase("observed_at");
  EXPECT_ANY_THROW(alert_from_json(j));
  j = to_json(full_alert());
  j["evidence"][0].erase("source");
  EXPECT_ANY_THROW(alert_from_json(j));
}

TEST(alert_json, malformed_values_are_refused) {
  const auto refuses = [](auto change) {
    json j = to_json(full_alert());
    change(j);
    try {
      (void)alert_from_json(j);
    } catch (const std::exception&) {
      return true;
    }
    return false;
  };
  EXPECT_TRUE(refuses([](json& j) { j = json::array(); }));
  EXPECT_TRUE(refuses([](json& j) { j = "rootwatch.alert/v1"; }));
  EXPECT_TRUE(refuses([](json& j) { j["severity"] = "urgent"; }));
  EXPECT_TRUE(refuses([](json& j) { j["severity"] = "CRITICAL"; }));
  EXPECT_TRUE(refuses([](json& j) { j["severity"] = 5; }));
  EXPECT_TRUE(refuses([](json& j) { j["status"] = "open"; }));
  EXPECT_TRUE(refuses([](json& j) { j["id"] = 42; }));
  EXPECT_TRUE(refuses([](json& j) { j["id"] = nullptr; }));
  EXPECT_TRUE(refuses([](json& j) { j["first_seen"] = "yesterday"; }));
  EXPECT_TRUE(refuses([](json& j) { j["detected_at"] = "YYYY-MM-DDTHH:MM:SSZ"; }));
  EXPECT_TRUE(refuses([](json& j) { j["assignment"]["created_on"] = "not a time"; }));
  EXPECT_TRUE(refuses([](json& j) { j["evidence"] = json::object(); }));
  EXPECT_TRUE(refuses([](json& j) { j["evidence"][0]["observed_at"] = "2025-13-01T00:00:00Z"; }));
  EXPECT_TRUE(refuses([](json& j) { j["assignment"] = "gone"; }));
  EXPECT_TRUE(refuses([](json& j) { j["actor"] = 1; }));
  EXPECT_TRUE(refuses([](json& j) { j["actor"]["upn"] = 7; }));
  EXPECT_TRUE(refuses([](json& j) { j["test"] = "yes"; }));
  EXPECT_TRUE(refuses([](json& j) { j["tenant"] = nullptr; }));
  EXPECT_TRUE(refuses([](json& j) { j["detail"] = 403; }));
  EXPECT_TRUE(refuses([](json& j) { j["detail"] = json::object(); }));
  EXPECT_FALSE(refuses([](json& j) { j["extra_key_from_a_later_version"] = 1; }));
}

}  // namespace
}  // namespace rootwatch::engine
