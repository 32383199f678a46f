// Every alert the engine makes, built through the real functions with varied inputs, validates
// against docs/alert.schema.json (the published contract of the "rootwatch" format); and the
// schema rejects alerts that break the contract, so that these checks can fail.

#include "builders.hpp"
#include "engine/alert_json.hpp"
#include "engine/cycle.hpp"
#include "engine/events.hpp"
#include "engine/identity.hpp"
#include "engine/sources.hpp"
#include "support/json_schema.hpp"

#include <gtest/gtest.h>

namespace rootwatch::engine {
namespace {

using namespace testing;
using nlohmann::json;
using std::chrono::minutes;

const test::json_schema& alert_schema() {
  static const test::json_schema schema = [] {
    std::string problem;
    auto loaded = test::json_schema::load_file(ROOTWATCH_ALERT_SCHEMA, &problem);
    if (!loaded) {
      throw std::runtime_error(problem);
    }
    return *loaded;
  }();
  return schema;
}

std::string violations(const json& body) {
  std::string out;
  for (const auto& p : alert_schema().validate(body)) {
    out += "\n  " + p;
  }
  return out;
}

// Each alert as the outbox stores it and the "rootwatch" format sends it.
void expect_valid(const std::vector<alert>& alerts, std::string_view kind) {
  ASSERT_FALSE(alerts.empty()) << "no alert of kind " << kind << " to check";
  for (const alert& a : alerts) {
    const json body = to_json(a);
    EXPECT_EQ(violations(body), "") << body.dump(2);
  }
}

std::vector<alert> of_kind(const std::vector<alert>& alerts, std::string_view kind) {
  std::vector<alert> out;
  for (const auto& a : alerts) {
    if (a.kind == kind) {
      out.push_back(a);
    }
  }
  return out;
}

const timestamp start = at("2025-03-01T12:00:00Z");
const char* const mg_scope = "/providers/Microsoft.Management/managementGroups/contoso-root";

// Assignments that stretch the nullable fields: no createdOn, no role name, an unknown
// principal type, a non-ASCII display name, a condition, a management group scope.
std::vector<assignment> varied_assignments() {
  assignment plain = elevation("0f6e5d4c-3b2a-4190-8877-665544332211");
  assignment named = make_assignment("1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d", "/", owner_role, bob);
  named.principal.display_name = "Zo\xC3\xAB \xC3\x85ngstr\xC3\xB6m \xE6\x9D\x8E\xE9\x9B\xB7 \xF0\x9F\x94\x91";
  named.created_on.reset();
  named.condition = "@Resource[Microsoft.Storage/storageAccounts:name] StringEquals 'x'";
  named.created_by = alice;
  assignment unknown = make_assignment("2b3c4d5e-6f7a-4b1c-8d9e-0f1a2b3c4d5e", mg_scope, owner_role, break_glass);
  unknown.principal.type = "";
  unknown.role.name = "Owner";
  assignment no_role_name = make_assignment("3c4d5e6f-7a8b-4c2d-9e0f-1a2b3c4d5e6f", "/", reader_role, alice);
  return {plain, named, unknown, no_role_name};
}

TEST(alert_schema, created_and_removed_from_cycles_validate) {
  run first;
  first.current = make_snapshot(varied_assignments(), start);
  const auto created = first();
  expect_valid(of_kind(created.alerts, alert_kind::created), alert_kind::created);

  run second;
  second.previous = created.next;
  second.current = make_snapshot({}, start + minutes{5});
  second.now = start + minutes{5};
  expect_valid(of_kind(second().alerts, alert_kind::removed), alert_kind::removed);
}

TEST(alert_schema, created_with_evidence_from_several_sources_validates) {
  const auto rows = varied_assignments();
  snapshot arm = make_snapshot(rows, start, "arm");
  snapshot graph = make_snapshot(rows, start + std::chrono::seconds{2}, "resource_graph");
  cycle_input in;
  tenant_state empty;
  const auto rules = default_rules();
  in.tenant = {tenant_guid, "contoso"};
  in.previous = &empty;
  in.current = &arm;
  in.rules = &rules;
  in.now = start;
  in.others = {&graph};
  const auto out = run_cycle(in);
  const auto created = of_kind(out.alerts, alert_kind::created);
  expect_valid(created, alert_kind::created);
  EXPECT_GE(created.at(0).evidence.size(), 2u);  // what the test means to cover
}

TEST(alert_schema, firing_alerts_for_a_new_sink_validate) {
  run first;
  first.current = make_snapshot(varied_assignments(), start);
  const auto out = first();
  expect_valid(firing_alerts(first.tenant, out.next, start + minutes{30}), alert_kind::created);
}

audit_event log_event(const std::string& source, const std::string& id, const std::string& operation) {
  audit_event e;
  e.source = source;
  e.event_id = id;
  e.operation = operation;
  e.status = source == "entra_audit" ? "success" : "Succeeded";
  e.occurred_at = start - minutes{3};
  e.correlation_id = "9c3e1f0a-5b7d-4e2c-8a6f-1d0b3c5e7a9f";
  e.actor = actor_ref{alice, "j\xC3\xB6rg@contoso.example", std::nullopt, "203.0.113.7"};
  e.scope = "/";
  e.role_id = uaa_role;
  e.principal_id = alice;
  return e;
}

events_output take(const tenant_state& state, std::vector<event_read> reads, std::vector<alert> cycle_alerts = {}) {
  static const auto rules = default_rules();
  events_input in;
  in.tenant = {tenant_guid, "contoso"};
  in.state = &state;
  in.cycle_alerts = std::move(cycle_alerts);
  in.reads = std::move(reads);
  in.rules = &rules;
  in.now = start;
  return take_events(in);
}

TEST(alert_schema, elevation_events_validate) {
  const tenant_state empty;
  // An elevation named in both logs (one alert, two pieces of evidence), an actor known only by
  // its app id, and a write and a delete of an assignment that no snapshot saw.
  audit_event app_only = log_event("activity_log", "ev-app", "role_assignment_write");
  app_only.actor = actor_ref{std::nullopt, std::nullopt, "04b07795-8ddb-461a-bbee-02f9e1bf7b46", std::nullopt};
  app_only.assignment_id = assignment_id("4d5e6f7a-8b9c-4d3e-8f0a-1b2c3d4e5f6a");
  app_only.principal_id = bob;
  audit_event deleted = log_event("activity_log", "ev-del", "role_assignment_delete");
  deleted.assignment_id = assignment_id("5e6f7a8b-9c0d-4e4f-9a1b-2c3d4e5f6a7b");
  deleted.role_id = std::nullopt;
  deleted.actor = actor_ref{};
  const auto out =
      take(empty,
           {event_read{"activity_log", start, {log_event("activity_log", "ev-1", "elevate_access"), app_only, deleted}},
            event_read{"entra_audit", start, {log_event("entra_audit", "aud-1", "elevate_access")}}});
  const auto events = of_kind(out.alerts, alert_kind::elevation);
  expect_valid(events, alert_kind::elevation);
  EXPECT_EQ(events.size(), 3u);
}

TEST(alert_schema, created_alerts_told_who_did_it_validate) {
  run first;
  first.current = make_snapshot(varied_assignments(), start);
  const auto cycle = first();
  audit_event write = log_event("activity_log", "ev-w", "role_assignment_write");
  write.assignment_id = varied_assignments()[1].id;
  write.role_id = owner_role;
  write.principal_id = bob;
  const auto out = take(cycle.next, {event_read{"activity_log", start, {write}}}, cycle.alerts);
  const auto created = of_kind(out.alerts, alert_kind::created);
  expect_valid(created, alert_kind::created);
  EXPECT_TRUE(std::any_of(created.begin(), created.end(), [](const alert& a) { return a.actor.has_value(); }));
}

TEST(alert_schema, watch_degraded_and_recovered_validate) {
  fail f;
  f.degraded_after = 1;
  const auto failed = f();
  expect_valid(of_kind(failed.alerts, alert_kind::degraded), alert_kind::degraded);

  run back;
  back.previous = failed.next;
  back.current = make_snapshot({}, start + minutes{5});
  back.now = start + minutes{5};
  expect_valid(of_kind(back().alerts, alert_kind::recovered), alert_kind::recovered);
}

TEST(alert_schema, a_source_s_own_degraded_and_recovered_validate) {
  const tenant_ref contoso{tenant_guid, "contoso"};
  const auto down =
      source_failed(contoso, "entra_audit", watch_health{}, "HTTP 403 Authorization_RequestDenied", 1, start);
  ASSERT_TRUE(down.raised);
  const auto up = source_succeeded(contoso, "entra_audit", down.next, start + minutes{5}, start + minutes{5});
  ASSERT_TRUE(up.raised);
  expect_valid({*down.raised, *up.raised}, "watch.* of a source");
}

// assignment.lingering is made the way the reminder makes it: the created alert of a firing
// assignment under its own kind and id, same correlation key.
TEST(alert_schema, lingering_validates) {
  run first;
  first.current = make_snapshot(varied_assignments(), start);
  std::vector<alert> reminders = firing_alerts(first.tenant, first().next, start + std::chrono::hours{6});
  for (alert& a : reminders) {
    a.kind = std::string(alert_kind::lingering);
    a.id = alert_id(tenant_guid, alert_kind::lingering, a.id);
  }
  expect_valid(reminders, alert_kind::lingering);
}

// What `rootwatch test-alert` sends (app/check.cpp builds it in place; the e2e harness checks
// the one the binary really sends).
alert test_alert() {
  alert a;
  a.id = "test-4f0c7b2e-9a1d-4c3b-8e5f-6a7b8c9d0e1f";
  a.kind = std::string(alert_kind::test);
  a.status = "firing";
  a.level = severity::info;
  a.rule = "test-alert";
  a.tenant = {tenant_guid, "contoso"};
  a.correlation_key = a.id;
  a.first_seen = a.detected_at = start;
  a.remediation = "Nothing to do: this is a test alert sent by `rootwatch test-alert`.";
  a.test = true;
  return a;
}

TEST(alert_schema, the_test_alert_validates) {
  expect_valid({test_alert()}, alert_kind::test);
}

// The schema must be able to fail: every contract key is required, every enum is closed, and
// the kind decides what the rest may be.
json created_body() {
  run first;
  first.current = make_snapshot(varied_assignments(), start);
  return to_json(of_kind(first().alerts, alert_kind::created).at(1));
}

TEST(alert_schema, a_missing_contract_key_is_a_violation) {
  const json good = created_body();
  ASSERT_EQ(violations(good), "");
  for (const char* key : {"schema", "id", "kind", "status", "severity", "rule", "tenant", "assignment", "actor",
                          "evidence", "correlation_key", "first_seen", "detected_at", "remediation"}) {
    json bad = good;
    bad.erase(key);
    EXPECT_NE(violations(bad), "") << "without " << key;
  }
  for (const char* pointer : {"/tenant/id", "/assignment/role/id", "/assignment/principal/display_name",
                              "/assignment/created_on", "/evidence/0/source"}) {
    json bad = good;
    const json::json_pointer p(pointer);
    bad[p.parent_pointer()].erase(p.back());
    EXPECT_NE(violations(bad), "") << "without " << pointer;
  }
}

TEST(alert_schema, a_wrong_value_is_a_violation) {
  const json good = created_body();
  const std::vector<std::pair<std::string, json>> wrong{
      {"/schema", "rootwatch.alert/v2"},
      {"/id", "not-a-hash"},
      {"/kind", "assignment.updated"},
      {"/status", "open"},
      {"/status", "resolved"},  // assignment.created is never resolved
      {"/severity", "Sev0"},
      {"/rule", ""},
      {"/tenant/id", "contoso"},
      {"/assignment", nullptr},  // an assignment.created is about an assignment
      {"/assignment/role/id", "18D7D88D-D35E-4FB5-A5C3-7773C20A72D9"},
      {"/assignment/role/id", "User Access Administrator"},
      {"/assignment/id", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"},
      {"/assignment/created_on", "2025-02-11 10:00:00"},
      {"/assignment/principal/display_name", 5},
      {"/actor", "alice"},
      {"/evidence", json::object()},
      {"/evidence/0/source", "portal"},
      {"/evidence/0/observed_at", "yesterday"},
      {"/first_seen", "2025-02-30T10:00:00Z"},
      {"/detected_at", "2025-03-01T12:00:00+01:00"},  // always UTC
      {"/remediation", ""},
      {"/test", "yes"},
  };
  for (const auto& [pointer, value] : wrong) {
    json bad = good;
    bad[json::json_pointer(pointer)] = value;
    EXPECT_NE(violations(bad), "") << pointer << " = " << value.dump();
  }
}

TEST(alert_schema, a_test_alert_must_say_so) {
  json good = to_json(test_alert());
  ASSERT_EQ(violations(good), "");
  json unmarked = good;
  unmarked.erase("test");
  EXPECT_NE(violations(unmarked), "");
  json about_something = good;
  about_something["assignment"] = created_body()["assignment"];
  EXPECT_NE(violations(about_something), "");
  json real_kind = good;
  real_kind["kind"] = "assignment.created";
  EXPECT_NE(violations(real_kind), "");
}

TEST(alert_schema, unknown_keys_are_allowed) {
  json later = created_body();
  later["added_in_v1_9"] = {{"anything", true}};
  later["assignment"]["extra"] = 1;
  EXPECT_EQ(violations(later), "");
}

}  // namespace
}  // namespace rootwatch::engine
