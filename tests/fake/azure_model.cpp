// The fake Azure's data as JSON: role assignments and definitions in ARM's shapes (§4.1,
// §4.2), the built-in roles, and faults in the form the /_fake/faults route takes.

#include "fake/azure_wire.hpp"
#include "fake/fake_azure.hpp"
#include "fake/wire_codec.hpp"

#include "common/strings.hpp"

#include <fmt/format.h>
#include <array>

namespace rootwatch::fake {
namespace {

constexpr std::string_view assignments_prefix = "/providers/Microsoft.Authorization/roleAssignments/";
constexpr std::string_view definitions_prefix = "/providers/Microsoft.Authorization/roleDefinitions/";

json optional_string(const std::optional<std::string>& v) {
  return v ? json(*v) : json(nullptr);
}

std::string assignment_id(const role_assignment& a) {
  // At root the id has no scope prefix; below root ARM puts the scope in front.
  const std::string scope = a.scope == "/" ? std::string() : a.scope;
  return scope + std::string(assignments_prefix) + a.name;
}

role_definition builtin(std::string name, std::string role_name, std::string description,
                        std::vector<std::string> actions, std::vector<std::string> not_actions = {}) {
  role_definition d;
  d.name = std::move(name);
  d.role_name = std::move(role_name);
  d.type = "BuiltInRole";
  d.description = std::move(description);
  d.actions = std::move(actions);
  d.not_actions = std::move(not_actions);
  return d;
}

constexpr std::array<std::pair<azure_route, std::string_view>, 12> route_names{{
    {azure_route::token, "token"},
    {azure_route::role_assignments, "role_assignments"},
    {azure_route::role_definitions, "role_definitions"},
    {azure_route::elevate, "elevate"},
    {azure_route::resource_graph, "resource_graph"},
    {azure_route::other, "other"},
    {azure_route::control, "control"},
    {azure_route::any, "any"},
    {azure_route::identity, "identity"},
    {azure_route::entra_audit, "entra_audit"},
    {azure_route::activity_log, "activity_log"},
    {azure_route::directory_objects, "directory_objects"},
}};

constexpr std::array<std::pair<fault_kind, std::string_view>, 12> kind_names{{
    {fault_kind::status, "status"},
    {fault_kind::garbage, "garbage"},
    {fault_kind::wrong_shape, "wrong_shape"},
    {fault_kind::truncate, "truncate"},
    {fault_kind::delay, "delay"},
    {fault_kind::reset, "reset"},
    {fault_kind::stall, "stall"},
    {fault_kind::oversize, "oversize"},
    {fault_kind::invalid_utf8, "invalid_utf8"},
    {fault_kind::wrong_types, "wrong_types"},
    {fault_kind::echo, "echo"},
    {fault_kind::expire_token, "expire_token"},
}};

}  // namespace

std::string_view to_string(azure_route r) {
  for (const auto& [value, name] : route_names) {
    if (value == r) {
      return name;
    }
  }
  return "other";
}

std::optional<azure_route> azure_route_from_string(std::string_view s) {
  for (const auto& [value, name] : route_names) {
    if (name == s) {
      return value;
    }
  }
  return std::nullopt;
}

std::string_view to_string(fault_kind k) {
  for (const auto& [value, name] : kind_names) {
    if (value == k) {
      return name;
    }
  }
  return "status";
}

json to_arm_json(const role_assignment& a) {
  const timestamp created = a.created_on.value_or(timestamp{});
  return json{{"properties",
               {{"roleDefinitionId", std::string(definitions_prefix) + a.role_definition_id},
                {"principalId", a.principal_id},
                {"principalType", a.principal_type},
                {"scope", a.scope},
                {"condition", optional_string(a.condition)},
                {"conditionVersion", optional_string(a.condition_version)},
                {"createdOn", format_arm_time(created)},
                {"updatedOn", format_arm_time(a.updated_on.value_or(created))},
                {"createdBy", optional_string(a.created_by)},
                {"updatedBy", optional_string(a.updated_by)},
                {"delegatedManagedIdentityResourceId", nullptr},
                {"description", optional_string(a.description)}}},
              {"id", assignment_id(a)},
              {"type", "Microsoft.Authorization/roleAssignments"},
              {"name", a.name}};
}

json to_arm_json(const role_definition& d) {
  // Built-in roles carry this odd date on the wire (§9 hazard 4).
  const std::string when = d.type == "BuiltInRole" ? "0001-01-01T08:00:00.0000000Z" : "2024-01-15T09:30:00.0000000Z";
  return json{{"properties",
               {{"roleName", d.role_name},
                {"type", d.type},
                {"description", d.description},
                {"assignableScopes", d.assignable_scopes},
                {"permissions", json::array({{{"actions", d.actions},
                                              {"notActions", d.not_actions},
                                              {"dataActions", d.data_actions},
                                              {"notDataActions", d.not_data_actions}}})},
                {"createdOn", when},
                {"updatedOn", when},
                {"createdBy", nullptr},
                {"updatedBy", nullptr}}},
              {"id", std::string(definitions_prefix) + d.name},
              {"type", "Microsoft.Authorization/roleDefinitions"},
              {"name", d.name}};
}

const std::vector<role_definition>& builtin_role_definitions() {
  static const std::vector<role_definition> roles{
      builtin(std::string(user_access_administrator_id), "User Access Administrator",
              "Lets you manage user access to Azure resources.",
              {"*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"}),
      builtin("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner",
              "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
              {"*"}),
      builtin("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor",
              "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.",
              {"*"},
              {"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
               "Microsoft.Authorization/elevateAccess/Action", "Microsoft.Blueprint/blueprintAssignments/write",
               "Microsoft.Blueprint/blueprintAssignments/delete"}),
      builtin("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader",
              "View all resources, but does not allow you to make any changes.", {"*/read"}),
      builtin("f58310d9-a9f6-439a-9e8d-f62e7b41a168", "Role Based Access Control Administrator",
              "Manage access to Azure resources by assigning roles using Azure RBAC.",
              {"Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete",
               "*/read", "Microsoft.Support/*"}),
  };
  return roles;
}

json to_json(const fault& f) {
  json j = {{"route", to_string(f.route)},
            {"kind", to_string(f.kind)},
            {"status", f.status},
            {"forever", !f.count.has_value()},
            {"delay_ms", f.delay.count()}};
  j["page"] = f.page ? json(*f.page) : json(nullptr);
  j["count"] = f.count ? json(*f.count) : json(nullptr);
  j["retry_after"] = f.retry_after_seconds ? json(*f.retry_after_seconds) : json(nullptr);
  j["code"] = f.code;
  // The body may be any bytes: the state shows its size only, so that it always serializes.
  j["message"] = f.message ? json(*f.message) : json(nullptr);
  j["body_bytes"] = f.body ? json(f.body->size()) : json(nullptr);
  j["aadsts"] = f.aadsts ? json(*f.aadsts) : json(nullptr);
  j["field"] = f.field;
  j["size_bytes"] = f.size_bytes;
  j["no_retry_after"] = f.no_retry_after;
  return j;
}

namespace {

// JSON numbers written from signed C++ values are "integer", not "unsigned", even when >= 0.
bool is_count(const json& v) {
  return v.is_number_integer() && v.get<std::int64_t>() >= 0;
}

// The fault with one JSON field applied.
result<fault> with_field(fault f, const std::string& key, const json& v) {
  if (key == "route" && v.is_string()) {
    const auto r = azure_route_from_string(v.get<std::string>());
    if (!r || *r == azure_route::control) {
      return make_error(error_kind::config, fmt::format("fault: unknown route '{}'", v.get<std::string>()));
    }
    f.route = *r;
  } else if (key == "kind" && v.is_string()) {
    bool known = false;
    for (const auto& [value, name] : kind_names) {
      if (name == v.get<std::string>()) {
        f.kind = value;
        known = true;
      }
    }
    if (!known) {
      return make_error(error_kind::config, fmt::format("fault: unknown kind '{}'", v.get<std::string>()));
    }
  } else if (key == "status" && v.is_number_integer()) {
    f.status = v.get<int>();
  } else if (key == "page" && (is_count(v) || v.is_null())) {
    f.page = v.is_null() ? std::nullopt : std::optional<std::size_t>(v.get<std::size_t>());
  } else if (key == "count" && v.is_number_integer() && v.get<int>() > 0) {
    f.count = v.get<int>();
  } else if (key == "forever" && v.is_boolean()) {
    f.count = v.get<bool>() ? std::nullopt : std::optional<int>(f.count.value_or(1));
  } else if (key == "retry_after" && (is_count(v) || v.is_null())) {
    f.retry_after_seconds = v.is_null() ? std::nullopt : std::optional<int>(v.get<int>());
  } else if (key == "code" && v.is_string()) {
    f.code = v.get<std::string>();
  } else if (key == "delay_ms" && is_count(v)) {
    f.delay = milliseconds(v.get<std::int64_t>());
  } else if (key == "message" && (v.is_string() || v.is_null())) {
    f.message = v.is_null() ? std::nullopt : std::optional<std::string>(v.get<std::string>());
  } else if (key == "body" && v.is_string()) {
    f.body = v.get<std::string>();
  } else if (key == "body_base64" && v.is_string()) {
    // JSON strings cannot carry bytes that are not UTF-8; this key can.
    f.body = from_base64(v.get<std::string>());
    if (!f.body) {
      return make_error(error_kind::config, "fault: body_base64 is not base64");
    }
  } else if (key == "aadsts" && (is_count(v) || v.is_null())) {
    f.aadsts = v.is_null() ? std::nullopt : std::optional<int>(v.get<int>());
  } else if (key == "body_bytes") {
    // What to_json shows instead of the body: informational, so a state round-trips.
  } else if (key == "field" && v.is_string()) {
    f.field = v.get<std::string>();
  } else if (key == "size_bytes" && is_count(v)) {
    f.size_bytes = v.get<std::size_t>();
  } else if (key == "no_retry_after" && v.is_boolean()) {
    f.no_retry_after = v.get<bool>();
  } else {
    return make_error(error_kind::config, fmt::format("fault: key '{}' is unknown or has the wrong type", key));
  }
  return f;
}

}  // namespace

result<fault> fault_from_json(const json& j) {
  if (!j.is_object()) {
    return make_error(error_kind::config, "fault: expected a JSON object");
  }
  fault f;
  // "forever" last, so that it wins over "count" whatever the key order.
  for (const auto& [key, value] : j.items()) {
    if (key == "forever") {
      continue;
    }
    auto next = with_field(f, key, value);
    if (!next) {
      return next.error();
    }
    f = *next;
  }
  if (j.contains("forever")) {
    auto next = with_field(f, "forever", j.at("forever"));
    if (!next) {
      return next.error();
    }
    f = *next;
  }
  if (f.status < 100 || f.status > 599) {
    return make_error(error_kind::config, fmt::format("fault: status {} is not an HTTP status", f.status));
  }
  return f;
}

}  // namespace rootwatch::fake
