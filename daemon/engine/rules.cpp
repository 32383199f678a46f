#include "engine/rules.hpp"

#include "common/strings.hpp"
#include "engine/identity.hpp"

#include <algorithm>

namespace rootwatch::engine {
namespace {

// Scopes compare without their trailing "/", except the root, which is nothing but "/".
std::string_view strip_trailing_slashes(std::string_view scope) {
  while (scope.size() > 1 && scope.back() == '/') {
    scope.remove_suffix(1);
  }
  return scope;
}

bool below_prefix(std::string_view prefix, std::string_view scope) {
  // "/*" below the root: any scope but the root itself.
  if (prefix.empty() || prefix == "/") {
    return scope.size() > 1 && scope.front() == '/';
  }
  return scope.size() > prefix.size() + 1 && istarts_with(scope, prefix) && scope[prefix.size()] == '/';
}

// An empty principal id is a parser gap, not a principal: it never matches an allow entry.
std::optional<allow_entry> allow_entry_for(const rule& r, const principal_ref& principal) {
  if (r.allow.empty()) {
    // Most rules allow no one: no need for the principal's canonical id (every row, every cycle).
    return std::nullopt;
  }
  const std::string id = normalize_guid(principal.id);
  if (id.empty()) {
    return std::nullopt;
  }
  const auto entry = std::find_if(r.allow.begin(), r.allow.end(),
                                  [&](const allow_entry& e) { return normalize_guid(e.principal_id) == id; });
  if (entry == r.allow.end()) {
    return std::nullopt;
  }
  return *entry;
}

}  // namespace

bool scope_matches(std::string_view pattern, std::string_view scope) {
  pattern = trim(pattern);
  scope = strip_trailing_slashes(trim(scope));
  if (pattern == "*") {
    return true;
  }
  if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == "/*") {
    const std::string_view prefix = strip_trailing_slashes(pattern.substr(0, pattern.size() - 2));
    return below_prefix(prefix, scope);
  }
  return iequals(strip_trailing_slashes(pattern), scope);
}

bool role_matches(std::string_view pattern, const role_ref& role) {
  pattern = trim(pattern);
  if (pattern == "*") {
    return true;
  }
  const std::string as_guid = normalize_guid(pattern);
  if (is_guid(as_guid)) {
    return as_guid == canonical_role_id(role.id);
  }
  return !role.name.empty() && iequals(pattern, role.name);
}

std::optional<rule_match> match_rules(const std::vector<rule>& rules, const assignment& a) {
  for (const rule& r : rules) {
    const bool scope_ok =
        std::any_of(r.scopes.begin(), r.scopes.end(), [&](const std::string& p) { return scope_matches(p, a.scope); });
    const bool role_ok =
        std::any_of(r.roles.begin(), r.roles.end(), [&](const std::string& p) { return role_matches(p, a.role); });
    if (!scope_ok || !role_ok) {
      continue;
    }
    return rule_match{&r, allow_entry_for(r, a.principal)};
  }
  return std::nullopt;
}

}  // namespace rootwatch::engine
