#pragma once

// Small builders for engine tests: assignments, rules and cycle runs written in one line each.

#include "common/time.hpp"
#include "engine/cycle.hpp"
#include "engine/model.hpp"
#include "engine/rules.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace rootwatch::engine::testing {

inline constexpr const char* tenant_guid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
inline constexpr const char* uaa_role = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
inline constexpr const char* owner_role = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
inline constexpr const char* reader_role = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
inline constexpr const char* alice = "11111111-1111-1111-1111-111111111111";
inline constexpr const char* bob = "22222222-2222-2222-2222-222222222222";
inline constexpr const char* break_glass = "33333333-3333-3333-3333-333333333333";

inline timestamp at(const char* iso) {
  return *parse_iso8601(iso);
}

inline std::string assignment_id(const std::string& guid) {
  return "/providers/Microsoft.Authorization/roleAssignments/" + guid;
}

inline assignment make_assignment(const std::string& guid, const std::string& scope, const std::string& role_id,
                                  const std::string& principal_id) {
  assignment a;
  a.id = assignment_id(guid);
  a.scope = scope;
  a.role = role_ref{role_id, role_id == uaa_role ? "User Access Administrator" : ""};
  a.principal = principal_ref{principal_id, "User", std::nullopt};
  a.created_on = at("2025-02-11T10:00:00Z");
  return a;
}

// User Access Administrator at "/" for `principal_id`: what elevateAccess leaves behind.
inline assignment elevation(const std::string& guid, const std::string& principal_id = alice) {
  return make_assignment(guid, "/", uaa_role, principal_id);
}

inline rule make_rule(const std::string& name, std::vector<std::string> scopes, std::vector<std::string> roles,
                      severity level = severity::critical, std::vector<allow_entry> allow = {}) {
  return rule{name, std::move(scopes), std::move(roles), level, std::move(allow), std::nullopt, severity::critical};
}

// The rules most cycle tests use: anything at the root is critical, Owner on a management
// group is high, nothing else is watched.
inline std::vector<rule> default_rules() {
  return {make_rule("anything-at-root", {"/"}, {"*"}, severity::critical),
          make_rule("owner-on-management-groups", {"/providers/Microsoft.Management/managementGroups/*"}, {"Owner"},
                    severity::high)};
}

inline snapshot make_snapshot(std::vector<assignment> assignments, timestamp taken_at,
                              const std::string& source = "arm") {
  return snapshot{source, taken_at, std::move(assignments)};
}

// One cycle with owned inputs, so a test reads as a sequence of cycles.
struct run {
  tenant_state previous;
  snapshot current;
  std::vector<rule> rules = default_rules();
  baseline_mode baseline = baseline_mode::alert;
  timestamp now = at("2025-03-01T12:00:00Z");
  tenant_ref tenant{tenant_guid, "contoso"};
  milliseconds remind_every{0};

  cycle_output operator()() const {
    cycle_input in;
    in.tenant = tenant;
    in.previous = &previous;
    in.current = &current;
    in.rules = &rules;
    in.baseline = baseline;
    in.now = now;
    in.remind_every = remind_every;
    return run_cycle(in);
  }
};

// One failed cycle with owned inputs, the counterpart of `run`.
struct fail {
  tenant_state previous;
  std::string error = "arm role assignments: 403 AuthorizationFailed";
  int degraded_after = 3;
  timestamp now = at("2025-03-01T12:00:00Z");
  tenant_ref tenant{tenant_guid, "contoso"};

  failure_output operator()() const {
    failure_input in;
    in.tenant = tenant;
    in.previous = &previous;
    in.error = error;
    in.degraded_after = degraded_after;
    in.now = now;
    return record_failure(in);
  }
};

}  // namespace rootwatch::engine::testing
