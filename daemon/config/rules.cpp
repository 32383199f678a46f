#include "common/strings.hpp"
#include "config/sections.hpp"

namespace rootwatch::config::detail {
namespace {

// What a file without rules watches: the reason rootwatch exists.
engine::rule default_rule() {
  return engine::rule{
      .name = "anything-at-root",
      .scopes = {"/"},
      .roles = {"*"},
      .level = engine::severity::critical,
      .allow = {},
      .escalate_after = std::nullopt,
      .escalate_to = engine::severity::critical,
  };
}

std::vector<std::string> read_scopes(table_reader& r) {
  const auto elements = r.string_array("scopes", need::required);
  std::vector<std::string> out;
  if (!elements) {
    return out;
  }
  if (elements->empty()) {
    r.fail("scopes", "must list at least one scope, e.g. [\"/\"]");
  }
  for (const auto& element : *elements) {
    if (!element.value.starts_with('/')) {
      r.fail_at(*element.node, element.key,
                "is not a scope: scopes start with '/', e.g. \"/\" for the root management group");
    } else {
      out.push_back(element.value);
    }
  }
  return out;
}

std::vector<std::string> read_roles(table_reader& r) {
  const auto elements = r.string_array("roles", need::required);
  std::vector<std::string> out;
  if (!elements) {
    return out;
  }
  if (elements->empty()) {
    r.fail("roles", "must list at least one role name, role definition GUID, or \"*\" for any role");
  }
  for (const auto& element : *elements) {
    if (trim(element.value).empty()) {
      r.fail_at(*element.node, element.key, "a role must not be empty: give a role name, a GUID, or \"*\"");
    } else {
      // The engine compares role ids as lower-case GUIDs.
      out.push_back(is_guid(element.value) ? to_lower(element.value) : element.value);
    }
  }
  return out;
}

engine::allow_entry read_allow_entry(table_reader& r) {
  engine::allow_entry entry;
  entry.principal_id = r.guid("principal_id", need::required).value_or("");
  if (const auto reason = r.string("reason", need::required)) {
    if (trim(*reason).empty()) {
      r.fail("reason", "must say why this principal may hold the role (it goes into the audit trail)");
    } else {
      entry.reason = *reason;
    }
  }
  r.reject_unknown_keys();
  return entry;
}

std::vector<engine::allow_entry> read_allow(table_reader& rule) {
  auto readers = rule.children("allow", "an allow entry of [[rule]]",
                               "an array of tables like [{ principal_id = \"...\", reason = \"...\" }]");
  std::vector<engine::allow_entry> out;
  if (!readers) {
    return out;
  }
  for (auto& r : *readers) {
    out.push_back(read_allow_entry(r));
  }
  return out;
}

// A lingering reminder about an assignment older than escalate_after goes out at escalate_to.
// escalate_to alone would do nothing, which is a mistake worth saying rather than ignoring.
engine::rule with_escalation(table_reader& r, engine::rule rule) {
  rule.escalate_after = r.duration("escalate_after", milliseconds{1});
  rule.escalate_to = r.choice("escalate_to", severity_names).value_or(rule.escalate_to);
  if (r.has("escalate_to") && !r.has("escalate_after")) {
    r.fail("escalate_to", "has no effect without escalate_after, e.g. escalate_after = \"24h\"");
  }
  return rule;
}

engine::rule read_rule(table_reader& r) {
  engine::rule rule = default_rule();
  rule.name = r.non_empty_string("name", need::required).value_or("");
  rule.scopes = read_scopes(r);
  rule.roles = read_roles(r);
  rule.level = r.choice("severity", severity_names).value_or(rule.level);
  rule.allow = read_allow(r);
  rule = with_escalation(r, std::move(rule));
  r.reject_unknown_keys();
  return rule;
}

}  // namespace

std::vector<engine::rule> read_rules(table_reader& top) {
  auto readers = top.children("rule", "[[rule]]", "[[rule]] tables (note the double brackets)");
  if (!readers) {
    return {};
  }
  if (readers->empty()) {
    return {default_rule()};
  }
  std::vector<engine::rule> out;
  unique_names names("rule");
  for (auto& r : *readers) {
    out.push_back(read_rule(r));
    names.check(r, "name", out.back().name);
  }
  return out;
}

}  // namespace rootwatch::config::detail
