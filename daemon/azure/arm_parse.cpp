#include "azure/arm_parse.hpp"

#include "azure/answer_error.hpp"
#include "azure/json_fields.hpp"
#include "azure/page_parse_fast.hpp"
#include "common/json.hpp"
#include "common/strings.hpp"

#include <fmt/format.h>

namespace rootwatch::azure {
namespace {

constexpr std::string_view list_what = "role assignment list";

error malformed(std::string_view detail) {
  return malformed_answer(list_what, detail);
}

result<engine::assignment> parse_item(const json& item, std::size_t index) {
  if (!item.is_object()) {
    return malformed("an entry of 'value' is not an object");
  }
  const json* props_json = find_member(item, "properties");
  if (!props_json || !props_json->is_object()) {
    return malformed("an entry has no 'properties' object");
  }
  const json_fields entry{item, fmt::format("value[{}]", index), list_what};
  const json_fields props = entry.at(*props_json, "properties");
  engine::assignment a;
  auto id = entry.required_string("id");
  auto scope = props.required_string("scope");
  auto role = props.required_string("roleDefinitionId");
  auto principal = props.required_string("principalId");
  auto principal_type = props.optional_string("principalType");
  auto condition = props.optional_string("condition");
  auto created_on = props.optional_string("createdOn");
  auto created_by = props.optional_string("createdBy");
  for (const auto* r : {&id, &scope, &role, &principal}) {
    if (!*r) {
      return r->error();
    }
  }
  for (const auto* r : {&principal_type, &condition, &created_on, &created_by}) {
    if (!*r) {
      return r->error();
    }
  }
  a.id = std::move(*id);
  a.scope = std::move(*scope);
  // Root-scope ids have no subscription prefix, others do; either way the GUID is last.
  a.role.id = normalize_guid(last_segment(*role));
  if (!is_guid(a.role.id)) {
    return malformed(fmt::format("roleDefinitionId of {} does not end in a GUID", a.id));
  }
  a.principal.id = normalize_guid(*principal);
  a.principal.type = principal_type->value_or("");
  a.condition = std::move(*condition);
  if (*created_on) {
    // Docs and fixtures carry placeholders here; an unreadable date is treated as unknown.
    a.created_on = parse_iso8601(**created_on);
  }
  if (*created_by) {
    a.created_by = normalize_guid(**created_by);
  }
  return a;
}

}  // namespace

result<assignment_page> parse_role_assignment_page(std::string_view body) {
  // The well-formed page, the one every cycle reads, without building nlohmann's DOM; anything
  // else (and every error's wording) is the DOM parser's.
  if (auto page = fast_role_assignment_page(body)) {
    return std::move(*page);
  }
  return parse_role_assignment_page_dom(body);
}

result<assignment_page> parse_role_assignment_page_dom(std::string_view body) {
  const auto parsed = parse_answer(body, list_what);
  if (!parsed) {
    return parsed.error();
  }
  const json& j = *parsed;
  const json* value = find_member(j, "value");
  if (!value || !value->is_array()) {
    return malformed("no 'value' array");
  }
  assignment_page page;
  page.items.reserve(value->size());
  for (std::size_t i = 0; i < value->size(); ++i) {
    auto a = parse_item((*value)[i], i);
    if (!a) {
      return a.error();
    }
    page.items.push_back(std::move(*a));
  }
  auto next = json_fields{j, "", list_what}.optional_link("nextLink");
  if (!next) {
    return next.error();
  }
  page.next_link = std::move(*next);
  return page;
}

result<std::string> parse_role_definition_name(std::string_view body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error(error_kind::parse, "malformed role definition: the body is not a JSON object");
  }
  const json* props = find_member(j, "properties");
  const json* name = props && props->is_object() ? find_member(*props, "roleName") : nullptr;
  if (!name || !name->is_string()) {
    return make_error(error_kind::parse, "malformed role definition: no properties.roleName");
  }
  return name->get<std::string>();
}

error arm_error(int status, std::string_view body, std::string_view what) {
  // {"error":{"code","message"}}, or the flat {"code","message"} (also "Code"/"Message") that
  // some services send.
  std::string code;
  std::string message;
  const json j = json::parse(body, nullptr, false);
  if (j.is_object()) {
    const json* inner = find_member(j, "error");
    const json& e = inner && inner->is_object() ? *inner : j;
    for (const char* key : {"code", "Code"}) {
      if (auto c = string_member(e, key)) {
        code = std::move(*c);
      }
    }
    for (const char* key : {"message", "Message"}) {
      if (auto m = string_member(e, key)) {
        message = std::move(*m);
      }
    }
  }
  return answer_error(status, what, code, message);
}

}  // namespace rootwatch::azure
