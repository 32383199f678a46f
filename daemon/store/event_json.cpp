#include "store/event_json.hpp"

namespace rootwatch::store {
namespace {

json optional_json(const std::optional<std::string>& s) {
  return s ? json(*s) : json(nullptr);
}

json to_json(const engine::actor_ref& a) {
  return json{{"id", optional_json(a.id)},
              {"upn", optional_json(a.upn)},
              {"app_id", optional_json(a.app_id)},
              {"ip", optional_json(a.ip)}};
}

engine::actor_ref actor_from(const json& j) {
  return engine::actor_ref{string_member(j, "id"), string_member(j, "upn"), string_member(j, "app_id"),
                           string_member(j, "ip")};
}

json parse_object(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  return j.is_object() ? j : json();
}

}  // namespace

std::string actor_text(const engine::actor_ref& a) {
  return dump_tolerant(to_json(a));
}

std::optional<engine::actor_ref> actor_from_text(std::string_view text) {
  const json j = parse_object(text);
  if (!j.is_object()) {
    return std::nullopt;
  }
  return actor_from(j);
}

std::string event_text(const engine::audit_event& e) {
  const json j{{"source", e.source},
               {"event_id", e.event_id},
               {"operation", e.operation},
               {"status", e.status},
               {"occurred_at", format_iso8601(e.occurred_at)},
               {"correlation_id", optional_json(e.correlation_id)},
               {"actor", to_json(e.actor)},
               {"assignment_id", optional_json(e.assignment_id)},
               {"scope", optional_json(e.scope)},
               {"role_id", optional_json(e.role_id)},
               {"principal_id", optional_json(e.principal_id)}};
  return dump_tolerant(j);
}

std::optional<engine::audit_event> event_from_text(std::string_view text) {
  const json j = parse_object(text);
  if (!j.is_object()) {
    return std::nullopt;
  }
  engine::audit_event e;
  auto source = string_member(j, "source");
  auto id = string_member(j, "event_id");
  auto when = string_member(j, "occurred_at");
  const auto occurred = when ? parse_iso8601(*when) : std::nullopt;
  if (!source || !id || !occurred) {
    return std::nullopt;
  }
  e.source = std::move(*source);
  e.event_id = std::move(*id);
  e.occurred_at = *occurred;
  e.operation = string_member(j, "operation").value_or("");
  e.status = string_member(j, "status").value_or("");
  e.correlation_id = string_member(j, "correlation_id");
  if (const json* actor = find_member(j, "actor"); actor != nullptr && actor->is_object()) {
    e.actor = actor_from(*actor);
  }
  e.assignment_id = string_member(j, "assignment_id");
  e.scope = string_member(j, "scope");
  e.role_id = string_member(j, "role_id");
  e.principal_id = string_member(j, "principal_id");
  return e;
}

}  // namespace rootwatch::store
