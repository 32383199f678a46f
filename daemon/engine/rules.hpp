#pragma once

#include "engine/model.hpp"

#include <optional>
#include <string>
#include <vector>

namespace rootwatch::engine {

struct allow_entry {
  std::string principal_id;  // lower-case GUID
  std::string reason;
  bool operator==(const allow_entry&) const = default;
};

// A [[rule]] of the configuration. Scopes match case-insensitively, ignoring a trailing "/"
// except on the root "/" itself; a scope ending in "/*" matches everything below its prefix.
// Roles are role names (case-insensitive), role definition GUIDs, or "*".
struct rule {
  std::string name;
  std::vector<std::string> scopes;
  std::vector<std::string> roles;
  severity level = severity::critical;
  std::vector<allow_entry> allow;
  // A lingering reminder about an assignment at least this old goes out at escalate_to, or at
  // its own level when that is higher: an escalation never lowers a severity. nullopt: never.
  std::optional<milliseconds> escalate_after;
  severity escalate_to = severity::critical;
  bool operator==(const rule&) const = default;
};

struct rule_match {
  const rule* matched = nullptr;          // the first rule, in configuration order, that matches
  std::optional<allow_entry> allowed_by;  // set when that rule's allow list covers the principal
};

bool scope_matches(std::string_view pattern, std::string_view scope);
bool role_matches(std::string_view pattern, const role_ref& role);

// nullopt when no rule watches this assignment.
std::optional<rule_match> match_rules(const std::vector<rule>& rules, const assignment& a);

}  // namespace rootwatch::engine
