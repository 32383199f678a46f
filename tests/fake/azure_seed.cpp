// The fake's directory helpers, and assignments read from seed or control JSON.

#include "fake/azure_state.hpp"

#include "common/strings.hpp"
#include "fake/wire_codec.hpp"

#include <fmt/format.h>

namespace rootwatch::fake {
namespace {

std::optional<std::string> string_at(const json& j, std::string_view key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

result<std::optional<timestamp>> time_at(const json& j, std::string_view key) {
  const auto text = string_at(j, key);
  if (!text) {
    return std::optional<timestamp>();
  }
  const auto t = parse_iso8601(*text);
  if (!t) {
    return make_error(error_kind::config, fmt::format("assignment: '{}' is not an ISO 8601 time", key));
  }
  return std::optional<timestamp>(*t);
}

// A role given by GUID (bare or as a definition id) or by name.
result<std::string> resolve_role(const azure_state& st, std::string_view role) {
  const std::string guid = normalize_guid(last_segment(role));
  if (is_guid(guid)) {
    return guid;  // unknown GUIDs are allowed: a test may want a role whose name cannot be found
  }
  for (const auto& [id, d] : st.definitions) {
    if (iequals(d.role_name, role)) {
      return id;
    }
  }
  return make_error(error_kind::config, fmt::format("assignment: no role named '{}'", role));
}

}  // namespace

std::string azure_state::new_token() {
  std::string bytes;
  for (int i = 0; i < 4; ++i) {
    const std::uint64_t v = random.next();
    for (int b = 0; b < 8; ++b) {
      bytes += static_cast<char>((v >> (8 * b)) & 0xff);
    }
  }
  // Opaque on purpose: a client must not depend on reading its tokens.
  return token_prefix + to_base64url(bytes);
}

const role_definition* azure_state::find_definition(std::string_view guid) const {
  const auto it = definitions.find(normalize_guid(guid));
  return it == definitions.end() ? nullptr : &it->second;
}

std::string azure_state::principal_type_of(std::string_view object_id) const {
  for (const auto& [id, app] : apps) {
    if (iequals(app.object_id, object_id)) {
      return "ServicePrincipal";
    }
  }
  return "User";
}

result<role_assignment> assignment_from_json(const azure_state& st, const json& j) {
  if (!j.is_object()) {
    return make_error(error_kind::config, "assignment: expected a JSON object");
  }
  // Either ARM's own shape (§4.1) or the short seed form; the fields are the same underneath.
  const bool arm_shape = j.contains("properties") && j.at("properties").is_object();
  const json& p = arm_shape ? j.at("properties") : j;
  const auto key = [&](std::string_view arm, std::string_view simple) { return arm_shape ? arm : simple; };

  role_assignment a;
  a.name = normalize_guid(string_at(j, "name").value_or(std::string(last_segment(string_at(j, "id").value_or("")))));
  const auto role = string_at(p, key("roleDefinitionId", "role_definition_id"));
  const auto role_alias = arm_shape ? std::nullopt : string_at(p, "role");
  if (!role && !role_alias) {
    return make_error(error_kind::config, "assignment: needs 'role' or 'role_definition_id'");
  }
  auto resolved = resolve_role(st, role ? *role : *role_alias);
  if (!resolved) {
    return resolved.error();
  }
  a.role_definition_id = *resolved;
  a.principal_id = normalize_guid(string_at(p, key("principalId", "principal_id")).value_or(""));
  if (!is_guid(a.principal_id)) {
    return make_error(error_kind::config, "assignment: 'principal_id' must be a GUID");
  }
  a.principal_type =
      string_at(p, key("principalType", "principal_type")).value_or(st.principal_type_of(a.principal_id));
  a.scope = string_at(p, "scope").value_or("/");
  a.created_by = string_at(p, key("createdBy", "created_by"));
  a.updated_by = string_at(p, key("updatedBy", "updated_by"));
  a.description = string_at(p, "description");
  auto created = time_at(p, key("createdOn", "created_on"));
  auto updated = time_at(p, key("updatedOn", "updated_on"));
  if (!created || !updated) {
    return created ? updated.error() : created.error();
  }
  a.created_on = *created;
  a.updated_on = *updated;
  return a;
}

}  // namespace rootwatch::fake
