#include "azure/arm_parse.hpp"

#include "common/json.hpp"
#include "common/secret_scrub.hpp"
#include "common/strings.hpp"
#include "common/text.hpp"

#include <fmt/format.h>

namespace rootwatch::azure {
namespace {

error malformed(std::string_view detail) {
  return make_error(error_kind::parse, fmt::format("malformed role assignment list: {}", detail));
}

result<std::optional<std::string>> optional_string(const json& object, const char* name) {
  const json* v = find_member(object, name);
  if (v == nullptr) {
    return std::optional<std::string>{};
  }
  if (!v->is_string()) {
    return malformed(fmt::format("'{}' is not a string", name));
  }
  return std::optional<std::string>{v->get<std::string>()};
}

result<std::string> required_string(const json& object, const char* name) {
  auto v = optional_string(object, name);
  if (!v) {
    return v.error();
  }
  if (!*v || (*v)->empty()) {
    return malformed(fmt::format("'{}' is missing", name));
  }
  return std::move(**v);
}

result<engine::assignment> parse_item(const json& item) {
  if (!item.is_object()) {
    return malformed("an entry of 'value' is not an object");
  }
  const json* props = find_member(item, "properties");
  if (!props || !props->is_object()) {
    return malformed("an entry has no 'properties' object");
  }
  engine::assignment a;
  auto id = required_string(item, "id");
  auto scope = required_string(*props, "scope");
  auto role = required_string(*props, "roleDefinitionId");
  auto principal = required_string(*props, "principalId");
  auto principal_type = optional_string(*props, "principalType");
  auto condition = optional_string(*props, "condition");
  auto created_on = optional_string(*props, "createdOn");
  auto created_by = optional_string(*props, "createdBy");
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
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    return malformed("the body is not JSON");
  }
  if (!j.is_object()) {
    return malformed("the body is not a JSON object");
  }
  const json* value = find_member(j, "value");
  if (!value || !value->is_array()) {
    return malformed("no 'value' array");
  }
  assignment_page page;
  page.items.reserve(value->size());
  for (const auto& item : *value) {
    auto a = parse_item(item);
    if (!a) {
      return a.error();
    }
    page.items.push_back(std::move(*a));
  }
  auto next = optional_string(j, "nextLink");
  if (!next) {
    return next.error();
  }
  if (*next && !(*next)->empty()) {
    page.next_link = std::move(**next);
  }
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
  std::string code;
  std::string message;
  const json j = json::parse(body, nullptr, false);
  if (j.is_object()) {
    const json* inner = find_member(j, "error");
    const json& e = inner && inner->is_object() ? *inner : j;
    for (const char* key : {"code", "Code"}) {
      if (const json* c = find_member(e, key); c && c->is_string()) {
        code = c->get<std::string>();
      }
    }
    for (const char* key : {"message", "Message"}) {
      if (const json* m = find_member(e, key); m && m->is_string()) {
        message = m->get<std::string>();
      }
    }
  }
  // Scrub before cutting, so that no half of a secret survives; cut on a code-point boundary,
  // so that a name such as "jörg@…" cut in its middle cannot make the text invalid UTF-8
  // (invariant 10). make_error scrubs the whole text again.
  code = cut_utf8(scrub_secrets(code), 100);
  message = cut_utf8(scrub_secrets(message), 300);
  std::string text = fmt::format("{} answered {}", what, status);
  if (!code.empty()) {
    text += " " + code;
  }
  if (!message.empty()) {
    text += ": " + message;
  }
  error_kind kind = error_kind::http;
  bool retryable = false;
  if (status == 401) {
    kind = error_kind::auth;
  } else if (status == 403) {
    kind = error_kind::permission;
  } else if (status == 429) {
    kind = error_kind::throttled;
    retryable = true;
  } else if (status == 408 || status >= 500) {
    retryable = true;
  }
  auto e = make_error(kind, std::move(text), retryable);
  e.http_status = status;
  return e;
}

}  // namespace rootwatch::azure
