#include "azure/entra_audit_parse.hpp"

#include "azure/answer_error.hpp"
#include "azure/builtin_roles.hpp"
#include "azure/json_fields.hpp"
#include "common/encoding.hpp"
#include "common/json.hpp"
#include "common/strings.hpp"
#include "common/text.hpp"

#include <fmt/format.h>

namespace rootwatch::azure {
namespace {

// Longest text kept from a record: ids and UPNs are far shorter; anything longer is not a
// value worth carrying into an alert whole.
constexpr std::size_t max_id_bytes = 200;
constexpr std::size_t max_upn_bytes = 256;
constexpr std::size_t max_ip_bytes = 64;
constexpr std::size_t max_status_bytes = 40;

constexpr std::string_view elevate_operation = "Microsoft.Authorization/elevateAccess/action";
// activityDisplayName of the two records the service writes (§6).
constexpr std::string_view elevated_text = "User has elevated their access";
constexpr std::string_view removed_text = "has been removed from the user";

constexpr std::string_view page_what = "Graph directory audit page";

error malformed(std::string_view detail) {
  return malformed_answer(page_what, detail);
}

using fields = json_fields;

// A GUID in canonical form, anything else (a doc placeholder, §9.8) as cut text: an audit
// field, so an odd value is kept as written, never a reason to drop the record.
std::optional<std::string> guid_or_text(const std::optional<std::string>& v) {
  if (!v || v->empty()) {
    return std::nullopt;
  }
  const std::string g = normalize_guid(*v);
  return is_guid(g) ? g : cut_utf8(*v, max_id_bytes);
}

std::optional<std::string> cut(const std::optional<std::string>& v, std::size_t max_bytes) {
  if (!v || v->empty()) {
    return std::nullopt;
  }
  return cut_utf8(*v, max_bytes);
}

// initiatedBy.user {id, userPrincipalName, ipAddress} or initiatedBy.app {appId,
// servicePrincipalId}: who did it. Both may be null; an unknown actor is still an event.
result<engine::actor_ref> read_actor(const fields& record) {
  engine::actor_ref actor;
  auto initiated = record.optional_object("initiatedBy");
  if (!initiated) {
    return initiated.error();
  }
  if (*initiated == nullptr) {
    return actor;
  }
  const fields by = record.at(**initiated, "initiatedBy");
  auto user = by.optional_object("user");
  auto app = by.optional_object("app");
  if (!user) {
    return user.error();
  }
  if (!app) {
    return app.error();
  }
  if (*app != nullptr) {
    const fields a = by.at(**app, "app");
    auto app_id = a.optional_string("appId");
    auto sp_id = a.optional_string("servicePrincipalId");
    for (const auto* r : {&app_id, &sp_id}) {
      if (!*r) {
        return r->error();
      }
    }
    actor.app_id = guid_or_text(*app_id);
    actor.id = guid_or_text(*sp_id);
  }
  if (*user != nullptr) {
    const fields u = by.at(**user, "user");
    auto id = u.optional_string("id");
    auto upn = u.optional_string("userPrincipalName");
    auto ip = u.optional_string("ipAddress");
    for (const auto* r : {&id, &upn, &ip}) {
      if (!*r) {
        return r->error();
      }
    }
    // A user who acted through an app: the user is who did it, the app stays as app_id.
    if (auto uid = guid_or_text(*id)) {
      actor.id = std::move(uid);
    }
    actor.upn = cut(*upn, max_upn_bytes);
    actor.ip = cut(*ip, max_ip_bytes);
  }
  return actor;
}

// additionalDetails [{key, value}]: the value of `key`, if a pair names it.
result<std::optional<std::string>> detail(const fields& record, std::string_view key) {
  auto details = record.optional_array("additionalDetails");
  if (!details) {
    return details.error();
  }
  std::optional<std::string> found;
  if (*details == nullptr) {
    return found;
  }
  for (std::size_t i = 0; i < (*details)->size(); ++i) {
    const json& pair = (**details)[i];
    const std::string path = fmt::format("{}[{}]", record.name("additionalDetails"), i);
    if (!pair.is_object()) {
      return malformed(fmt::format("{} is not an object", path));
    }
    const fields p{pair, path, page_what};
    auto k = p.optional_string("key");
    auto v = p.optional_string("value");
    for (const auto* r : {&k, &v}) {
      if (!*r) {
        return r->error();
      }
    }
    if (*k && iequals(**k, key) && !found) {
      found = std::move(*v);
    }
  }
  return found;
}

// The user whose elevation a removal record ends: a targetResources entry of type "User", else
// nobody named (the caller falls back to the initiator, who removes their own elevation).
result<std::optional<std::string>> target_user(const fields& record) {
  auto targets = record.optional_array("targetResources");
  if (!targets) {
    return targets.error();
  }
  std::optional<std::string> found;
  if (*targets == nullptr) {
    return found;
  }
  for (std::size_t i = 0; i < (*targets)->size(); ++i) {
    const json& t = (**targets)[i];
    const std::string path = fmt::format("{}[{}]", record.name("targetResources"), i);
    if (!t.is_object()) {
      return malformed(fmt::format("{} is not an object", path));
    }
    const fields f{t, path, page_what};
    auto id = f.optional_string("id");
    auto type = f.optional_string("type");
    for (const auto* r : {&id, &type}) {
      if (!*r) {
        return r->error();
      }
    }
    if (!found && *type && iequals(**type, "User") && *id && is_guid(normalize_guid(**id))) {
      found = normalize_guid(**id);
    }
  }
  return found;
}

// The operation a record stands for, or "" for a record of no interest.
std::string operation_of(std::string_view display_name, const std::optional<std::string>& operation_name) {
  if (display_name.find(removed_text) != std::string_view::npos) {
    return "role_assignment_delete";
  }
  if (istarts_with(display_name, elevated_text) || (operation_name && iequals(*operation_name, elevate_operation))) {
    return "elevate_access";
  }
  return {};
}

// One record: an event, nullopt when it is of no interest, or an error naming the field.
result<std::optional<engine::audit_event>> parse_record(const json& item, std::size_t index) {
  const std::string path = fmt::format("value[{}]", index);
  if (!item.is_object()) {
    return malformed(fmt::format("{} is not an object", path));
  }
  const fields record{item, path, page_what};
  auto id = record.required_string("id");
  auto when = record.required_string("activityDateTime");
  auto display = record.optional_string("activityDisplayName");
  auto service = record.optional_string("loggedByService");
  auto correlation = record.optional_string("correlationId");
  auto status = record.optional_string("result");
  for (const auto* r : {&display, &service, &correlation, &status}) {
    if (!*r) {
      return r->error();
    }
  }
  if (!id) {
    return id.error();
  }
  if (!when) {
    return when.error();
  }
  auto operation_name = detail(record, "OperationName");
  if (!operation_name) {
    return operation_name.error();
  }
  auto actor = read_actor(record);
  if (!actor) {
    return actor.error();
  }
  auto target = target_user(record);
  if (!target) {
    return target.error();
  }
  const auto occurred = parse_iso8601(*when);
  if (!occurred) {
    // Without its time the record cannot be placed in a window: the page is not usable.
    return malformed(fmt::format("{}.activityDateTime is not a date-time", path));
  }
  // Every member read and checked first: a wrong type is an error even on a record skipped.
  if (*service && !iequals(**service, elevated_access_service)) {
    return std::optional<engine::audit_event>{};
  }
  std::string op = operation_of(display->value_or(""), *operation_name);
  if (op.empty()) {
    return std::optional<engine::audit_event>{};
  }
  engine::audit_event e;
  e.source = "entra_audit";
  e.event_id = cut_utf8(*id, max_id_bytes);
  e.operation = std::move(op);
  e.status = cut_utf8(status->value_or(""), max_status_bytes);
  e.occurred_at = *occurred;
  e.correlation_id = guid_or_text(*correlation);
  e.actor = std::move(*actor);
  // Both records are about one assignment: User Access Administrator at "/" for the user who
  // elevated (§4.3); the service names neither the assignment id nor the scope.
  e.scope = "/";
  e.role_id = std::string(user_access_administrator_id);
  if (e.operation == "role_assignment_delete" && *target) {
    e.principal_id = std::move(*target);
  } else if (e.actor.id && is_guid(*e.actor.id)) {
    e.principal_id = e.actor.id;
  }
  return std::optional<engine::audit_event>{std::move(e)};
}

}  // namespace

std::string graph_scope(std::string_view graph_base) {
  std::string base(trim(graph_base));
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  return base + "/.default";
}

std::string entra_audit_filter(timestamp since, timestamp until) {
  const timestamp from = std::chrono::floor<seconds>(since);
  const timestamp to = std::chrono::ceil<seconds>(until);
  return fmt::format("loggedByService eq '{}' and activityDateTime ge {} and activityDateTime le {}",
                     elevated_access_service, format_iso8601(from), format_iso8601(to));
}

std::string entra_audit_url(std::string_view graph_base, timestamp since, timestamp until) {
  std::string base(trim(graph_base));
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  return fmt::format("{}/v1.0/auditLogs/directoryAudits?$filter={}", base,
                     form_encode(entra_audit_filter(since, until)));
}

result<entra_audit_page> parse_entra_audit_page(std::string_view body) {
  const auto parsed = parse_answer(body, page_what);
  if (!parsed) {
    return parsed.error();
  }
  const json& j = *parsed;
  const json* value = find_member(j, "value");
  if (value == nullptr) {
    return malformed("value is missing");
  }
  if (!value->is_array()) {
    return malformed("value is not an array");
  }
  entra_audit_page page;
  auto next = fields{j, "", page_what}.optional_link("@odata.nextLink");
  if (!next) {
    return next.error();
  }
  page.next_link = std::move(*next);
  for (std::size_t i = 0; i < value->size(); ++i) {
    auto e = parse_record((*value)[i], i);
    if (!e) {
      return e.error();
    }
    if (*e) {
      page.events.push_back(std::move(**e));
    } else {
      ++page.ignored;
    }
  }
  return page;
}

error graph_error(int status, std::string_view body, std::string_view what) {
  std::string code;
  std::string message;
  const json j = json::parse(body, nullptr, false);
  if (const json* inner = find_member(j, "error"); inner != nullptr && inner->is_object()) {
    code = string_member(*inner, "code").value_or("");
    message = string_member(*inner, "message").value_or("");
  }
  return answer_error(status, what, code, message);
}

error graph_refusal(int status, std::string_view body, std::string_view what, std::string_view permission,
                    std::string_view purpose) {
  auto e = graph_error(status, body, what);
  if (status == 403) {
    e.message += fmt::format(
        "; the credential lacks the Microsoft Graph application permission {}: grant it to the app rootwatch signs "
        "in as, with admin consent{}",
        permission, purpose);
  }
  return e;
}

}  // namespace rootwatch::azure
