#pragma once

// Alerts for the receiver-format tests: a firing assignment.created with a non-ASCII display
// name and an actor, its assignment.removed, and a watch.degraded, each as the outbox stores it.

#include "common/json.hpp"
#include "engine/alert_json.hpp"
#include "support/sample_alert.hpp"

#include <string>

namespace rootwatch::sinks::fixture {

inline timestamp at(const char* text) {
  return *parse_iso8601(text);
}

inline engine::alert created_alert() {
  engine::alert a = testing_support::sample_alert("a-created", at("2025-02-11T10:00:00Z"));
  engine::assignment s;
  s.id = "/providers/Microsoft.Authorization/roleAssignments/9f8e7d6c-0000-4000-8000-00000000abcd";
  s.scope = "/";
  s.role = {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator"};
  s.principal = {"a11ce000-0000-4000-8000-000000000001", "User", std::string("Zoë Ångström 日本")};
  s.created_on = at("2025-02-11T09:59:30Z");
  a.subject = s;
  a.actor =
      engine::actor_ref{"a11ce000-0000-4000-8000-000000000001", "zoe@contoso.example", std::nullopt, "203.0.113.7"};
  a.evidence.push_back(engine::evidence{"arm", at("2025-02-11T10:00:00Z"), std::nullopt});
  a.correlation_key = "ck-9f8e7d6c";
  a.remediation = "az role assignment delete --ids \"" + s.id + "\".";
  return a;
}

inline engine::alert removed_alert() {
  engine::alert a = created_alert();
  a.id = "a-removed";
  a.kind = "assignment.removed";
  a.status = "resolved";
  a.detected_at = at("2025-02-11T10:05:00.5Z");
  a.remediation = "Nothing to remove.";
  return a;
}

inline engine::alert degraded_alert() {
  engine::alert a = testing_support::sample_alert("a-degraded", at("2025-02-11T11:00:00Z"));
  a.kind = "watch.degraded";
  a.level = engine::severity::high;
  a.rule.clear();
  a.correlation_key = "ck-watch";
  a.detail = "ARM answered 403";
  return a;
}

inline std::string stored(const engine::alert& a) {
  return dump_tolerant(engine::to_json(a));
}

}  // namespace rootwatch::sinks::fixture
