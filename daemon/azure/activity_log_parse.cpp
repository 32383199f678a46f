#include "azure/activity_log_parse.hpp"

#include "azure/arm_parse.hpp"
#include "azure/json_fields.hpp"
#include "common/json.hpp"
#include "common/strings.hpp"
#include "common/text.hpp"

#include <fmt/format.h>

namespace rootwatch::azure {
namespace {

// Bounds for text that goes from the log into alerts and the database (invariant 10).
constexpr std::size_t id_limit = 200;
constexpr std::size_t text_limit = 300;
constexpr std::size_t scope_limit = 1000;

constexpr std::string_view oid_claim = "http://schemas.microsoft.com/identity/claims/objectidentifier";
constexpr std::string_view upn_claim = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";
constexpr std::string_view assignments_segment = "/providers/microsoft.authorization/roleassignments/";
constexpr std::string_view canonical_assignments_segment = "/providers/Microsoft.Authorization/roleAssignments/";
// What elevateAccess grants, by definition: User Access Administrator at "/" to the caller.
constexpr std::string_view user_access_administrator = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";

// The object a member holds, or an empty one: absent and wrong-typed are the same "unknown".
const json& object_or_empty(const json* member) {
  static const json empty = json::object();
  return member != nullptr && member->is_object() ? *member : empty;
}

constexpr std::string_view page_what = "activity log page";

error malformed(std::string_view detail) {
  return malformed_answer(page_what, detail);
}

// The event kinds we take (§5.2); ARM's casing varies, so the names compare case-insensitively.
std::optional<std::string> operation_of(std::string_view operation_name) {
  if (iequals(operation_name, "Microsoft.Authorization/elevateAccess/action")) {
    return "elevate_access";
  }
  if (iequals(operation_name, "Microsoft.Authorization/roleAssignments/write")) {
    return "role_assignment_write";
  }
  if (iequals(operation_name, "Microsoft.Authorization/roleAssignments/delete")) {
    return "role_assignment_delete";
  }
  return std::nullopt;
}

// Property and claim names are written in more than one case ("requestbody", "responseBody",
// "Properties" in PowerShell's request bodies).
const json* find_member_ci(const json& object, std::string_view name) {
  if (const json* exact = find_member(object, name)) {
    return exact;
  }
  if (!object.is_object()) {
    return nullptr;
  }
  for (const auto& [key, value] : object.items()) {
    if (iequals(key, name) && !value.is_null()) {
      return &value;
    }
  }
  return nullptr;
}

// A string from the log as it may go into an alert: trimmed, valid UTF-8, bounded. Absent,
// empty or of another type is unknown.
std::optional<std::string> text_member(const json& object, std::string_view name, std::size_t limit) {
  const json* v = find_member_ci(object, name);
  if (v == nullptr || !v->is_string()) {
    return std::nullopt;
  }
  const auto s = trim(v->get_ref<const std::string&>());
  if (s.empty()) {
    return std::nullopt;
  }
  return cut_utf8(s, limit);
}

// A GUID in canonical form from a bare GUID (either form, §9 hazard 2) or an ARM id ending in
// one; nullopt for anything else.
std::optional<std::string> guid_of(const std::optional<std::string>& text) {
  if (!text) {
    return std::nullopt;
  }
  std::string g = normalize_guid(trim(last_segment(*text)));
  if (!is_guid(g)) {
    return std::nullopt;
  }
  return g;
}

// `name`.value of the {value, localizedValue} members (operationName, status): absent is
// nullopt, any other shape is a malformed page.
result<std::optional<std::string>> value_of(const json& event, const char* name) {
  const json* v = find_member(event, name);
  if (v == nullptr) {
    return std::optional<std::string>{};
  }
  const json* inner = v->is_object() ? find_member(*v, "value") : nullptr;
  if (!v->is_object() || (inner != nullptr && !inner->is_string())) {
    return malformed(fmt::format("'{}.value' is not a string", name));
  }
  if (inner == nullptr) {
    return std::optional<std::string>{};
  }
  return std::optional<std::string>{inner->get<std::string>()};
}

// properties.requestbody / responseBody: JSON inside a string (§9 hazard 6). Read tolerantly:
// a body that does not parse, or is not an object, says nothing.
json embedded_body(const json& properties, std::string_view name) {
  const json* v = find_member_ci(properties, name);
  if (v == nullptr || !v->is_string()) {
    return json();
  }
  json parsed = json::parse(v->get_ref<const std::string&>(), nullptr, false);
  return parsed.is_object() ? parsed : json();
}

struct assignment_ref {
  std::string id;     // canonical ARM id
  std::string scope;  // "/" at root
};

// ".../providers/Microsoft.Authorization/roleAssignments/<guid>", in any case and either GUID
// form, as one canonical id, so that it compares with what ARM lists.
std::optional<assignment_ref> assignment_in(const std::optional<std::string>& resource_id) {
  if (!resource_id) {
    return std::nullopt;
  }
  const std::string lower = to_lower(*resource_id);
  const auto pos = lower.find(assignments_segment);
  if (pos == std::string::npos) {
    return std::nullopt;
  }
  const auto rest = std::string_view(*resource_id).substr(pos + assignments_segment.size());
  const auto guid = guid_of(std::string(rest.substr(0, rest.find('/'))));
  if (!guid) {
    return std::nullopt;
  }
  assignment_ref ref;
  ref.scope = pos == 0 ? std::string("/") : resource_id->substr(0, pos);
  ref.id = (pos == 0 ? std::string() : ref.scope) + std::string(canonical_assignments_segment) + *guid;
  return ref;
}

engine::actor_ref actor_of(const json& event) {
  engine::actor_ref actor;
  const json& c = object_or_empty(find_member(event, "claims"));
  const auto caller = text_member(event, "caller", text_limit);
  actor.id = guid_of(text_member(c, oid_claim, id_limit));
  if (!actor.id) {
    actor.id = guid_of(text_member(c, "oid", id_limit));
  }
  if (!actor.id) {
    actor.id = guid_of(caller);  // an app's calls name its object id as the caller
  }
  actor.upn = text_member(c, upn_claim, text_limit);
  if (!actor.upn) {
    actor.upn = text_member(c, "upn", text_limit);
  }
  // Whether the caller is a UPN is decided on the whole text: a cut one may have lost its '@'.
  const json* raw_caller = find_member_ci(event, "caller");
  if (!actor.upn && caller && raw_caller->get_ref<const std::string&>().find('@') != std::string::npos) {
    actor.upn = caller;
  }
  actor.app_id = guid_of(text_member(c, "appid", id_limit));
  // The address the request came from; the token's ipaddr claim when the log has no request.
  const json* http = find_member(event, "httpRequest");
  actor.ip = http != nullptr ? text_member(*http, "clientIpAddress", text_limit) : std::nullopt;
  if (!actor.ip) {
    actor.ip = text_member(c, "ipaddr", text_limit);
  }
  return actor;
}

// Which assignment a write or delete was about: the resource id, properties.entity, and the
// request body (BeginRequest) or response body (EndRequest of a delete) for role and principal.
void fill_assignment(engine::audit_event& e, const json& event) {
  const json& props = object_or_empty(find_member(event, "properties"));
  auto ref = assignment_in(text_member(event, "resourceId", scope_limit));
  if (!ref) {
    ref = assignment_in(text_member(props, "entity", scope_limit));
  }
  for (const char* name : {"requestbody", "responseBody"}) {
    const json body = embedded_body(props, name);
    const json& b = object_or_empty(find_member_ci(body, "properties"));
    if (!ref) {
      ref = assignment_in(text_member(body, "id", scope_limit));
    }
    if (!e.role_id) {
      e.role_id = guid_of(text_member(b, "roleDefinitionId", scope_limit));
    }
    if (!e.principal_id) {
      e.principal_id = guid_of(text_member(b, "principalId", id_limit));
    }
    if (!e.scope) {
      e.scope = text_member(b, "scope", scope_limit);
    }
  }
  if (ref) {
    e.assignment_id = ref->id;
    e.scope = ref->scope;
  }
}

result<std::optional<engine::audit_event>> parse_event(const json& event) {
  if (!event.is_object()) {
    return malformed("an entry of 'value' is not an object");
  }
  auto operation_name = value_of(event, "operationName");
  if (!operation_name) {
    return operation_name.error();
  }
  if (!*operation_name) {
    return malformed("an entry has no 'operationName.value'");
  }
  auto operation = operation_of(**operation_name);
  if (!operation) {
    return std::optional<engine::audit_event>{};
  }
  engine::audit_event e;
  e.source = "activity_log";
  e.operation = std::move(*operation);
  const auto id = text_member(event, "eventDataId", id_limit);
  if (!id) {
    return malformed(fmt::format("a {} event has no 'eventDataId' string", e.operation));
  }
  e.event_id = *id;
  const auto when = text_member(event, "eventTimestamp", text_limit);
  const auto occurred = when ? parse_iso8601(*when) : std::nullopt;
  if (!occurred) {
    return malformed(fmt::format("event {}: 'eventTimestamp' is missing or not a date", e.event_id));
  }
  e.occurred_at = *occurred;
  auto status = value_of(event, "status");
  if (!status) {
    return with_context(status.error(), fmt::format("event {}", e.event_id));
  }
  e.status = cut_utf8(status->value_or(""), text_limit);
  e.correlation_id = text_member(event, "correlationId", id_limit);
  e.actor = actor_of(event);
  if (e.operation == "elevate_access") {
    e.scope = "/";
    e.role_id = std::string(user_access_administrator);
    e.principal_id = e.actor.id;
  } else {
    fill_assignment(e, event);
  }
  return std::optional<engine::audit_event>{std::move(e)};
}

}  // namespace

result<activity_log_page> parse_activity_log_page(std::string_view body) {
  const auto parsed = parse_answer(body, page_what);
  if (!parsed) {
    return parsed.error();
  }
  const json& j = *parsed;
  const json* value = find_member(j, "value");
  if (value == nullptr || !value->is_array()) {
    return malformed("no 'value' array");
  }
  activity_log_page page;
  for (const auto& item : *value) {
    auto e = parse_event(item);
    if (!e) {
      return e.error();
    }
    if (*e) {
      page.events.push_back(std::move(**e));
    } else {
      ++page.skipped;
    }
  }
  auto next = json_fields{j, "", page_what}.optional_link("nextLink");
  if (!next) {
    return next.error();
  }
  page.next_link = std::move(*next);
  return page;
}

std::string activity_log_filter(timestamp since, timestamp until) {
  // Whole seconds, as the docs write them: the clock's nanoseconds are more digits than the
  // service's 7. Widened outwards, so that nothing in [since, until] is left out; the caller
  // cuts the window exactly.
  const auto from = std::chrono::floor<seconds>(since);
  const auto to = std::chrono::ceil<seconds>(until);
  return fmt::format("eventTimestamp ge '{}' and eventTimestamp le '{}'", format_iso8601(from), format_iso8601(to));
}

error activity_log_error(int status, std::string_view body, std::string_view what) {
  error e = arm_error(status, body, what);
  if (status == 400 && to_lower(e.message).find("90 days") != std::string::npos) {
    // Not a fault of Azure's: the window asked for (a watermark from a long outage, a large
    // initial_lookback) reaches past what the log keeps. Retrying the same window cannot help.
    e.message = fmt::format(
        "the Activity Log keeps 90 days and the window asked for starts further back; events older than that "
        "are gone and the window must start later ({})",
        e.message);
    e.retryable = false;
  }
  return e;
}

}  // namespace rootwatch::azure
