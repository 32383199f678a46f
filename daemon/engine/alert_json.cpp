#include "engine/alert_json.hpp"

#include <stdexcept>

namespace rootwatch::engine {
namespace {

constexpr std::string_view schema_v1 = "rootwatch.alert/v1";

json optional_string(const std::optional<std::string>& v) {
  return v ? json(*v) : json(nullptr);
}

json to_json(const assignment& a) {
  return json{
      {"id", a.id},
      {"scope", a.scope},
      {"role", {{"id", a.role.id}, {"name", a.role.name.empty() ? json(nullptr) : json(a.role.name)}}},
      {"principal",
       {{"id", a.principal.id},
        {"type", a.principal.type},
        {"display_name", optional_string(a.principal.display_name)}}},
      {"created_on", a.created_on ? json(format_iso8601(*a.created_on)) : json(nullptr)},
      {"created_by", optional_string(a.created_by)},
      {"condition", optional_string(a.condition)},
  };
}

json to_json(const actor_ref& a) {
  return json{{"id", optional_string(a.id)},
              {"upn", optional_string(a.upn)},
              {"app_id", optional_string(a.app_id)},
              {"ip", optional_string(a.ip)}};
}

json to_json(const evidence& e) {
  json j{{"source", e.source}, {"observed_at", format_iso8601(e.observed_at)}};
  if (e.event_id) {
    j["event_id"] = *e.event_id;
  }
  return j;
}

// Reading: required keys throw through at(); keys whose value may be null may also be absent,
// so that an alert written by a later version with fewer nulls still reads.

std::string required_string(const json& j, const char* key) {
  return j.at(key).get<std::string>();
}

std::optional<std::string> nullable_string(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

timestamp parse_time(const std::string& text, const char* key) {
  const auto t = parse_iso8601(text);
  if (!t) {
    throw std::invalid_argument(std::string("alert: \"") + key + "\" is not an ISO-8601 time");
  }
  return *t;
}

timestamp required_time(const json& j, const char* key) {
  return parse_time(required_string(j, key), key);
}

assignment assignment_from_json(const json& j) {
  assignment a;
  a.id = required_string(j, "id");
  a.scope = required_string(j, "scope");
  const json& role = j.at("role");
  a.role.id = required_string(role, "id");
  a.role.name = nullable_string(role, "name").value_or("");
  const json& principal = j.at("principal");
  a.principal.id = required_string(principal, "id");
  a.principal.type = nullable_string(principal, "type").value_or("");
  a.principal.display_name = nullable_string(principal, "display_name");
  if (const auto created_on = nullable_string(j, "created_on")) {
    a.created_on = parse_time(*created_on, "created_on");
  }
  a.created_by = nullable_string(j, "created_by");
  a.condition = nullable_string(j, "condition");
  return a;
}

actor_ref actor_from_json(const json& j) {
  return actor_ref{nullable_string(j, "id"), nullable_string(j, "upn"), nullable_string(j, "app_id"),
                   nullable_string(j, "ip")};
}

evidence evidence_from_json(const json& j) {
  return evidence{required_string(j, "source"), required_time(j, "observed_at"), nullable_string(j, "event_id")};
}

severity severity_from_json(const json& j) {
  const auto level = parse_severity(required_string(j, "severity"));
  if (!level) {
    throw std::invalid_argument("alert: unknown severity");
  }
  return *level;
}

// nullptr when the key is absent or null.
const json* nullable_object(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return nullptr;
  }
  if (!it->is_object()) {
    throw std::invalid_argument(std::string("alert: \"") + key + "\" is neither an object nor null");
  }
  return &*it;
}

}  // namespace

json to_json(const alert& a) {
  json evidence_list = json::array();
  for (const evidence& e : a.evidence) {
    evidence_list.push_back(to_json(e));
  }
  json j{
      {"schema", schema_v1},
      {"id", a.id},
      {"kind", a.kind},
      {"status", a.status},
      {"severity", to_string(a.level)},
      {"rule", a.rule},
      {"tenant", {{"id", a.tenant.id}, {"name", a.tenant.name}}},
      {"assignment", a.subject ? to_json(*a.subject) : json(nullptr)},
      {"actor", a.actor ? to_json(*a.actor) : json(nullptr)},
      {"evidence", std::move(evidence_list)},
      {"correlation_key", a.correlation_key},
      {"first_seen", format_iso8601(a.first_seen)},
      {"detected_at", format_iso8601(a.detected_at)},
      {"remediation", a.remediation},
      {"detail", optional_string(a.detail)},
  };
  if (a.test) {
    j["test"] = true;
  }
  return j;
}

alert alert_from_json(const json& j) {
  if (!j.is_object()) {
    throw std::invalid_argument("alert: not a JSON object");
  }
  if (required_string(j, "schema") != schema_v1) {
    throw std::invalid_argument("alert: schema is not \"rootwatch.alert/v1\"");
  }
  alert a;
  a.id = required_string(j, "id");
  a.kind = required_string(j, "kind");
  a.status = required_string(j, "status");
  if (a.status != "firing" && a.status != "resolved") {
    throw std::invalid_argument("alert: status is neither \"firing\" nor \"resolved\"");
  }
  a.level = severity_from_json(j);
  a.rule = required_string(j, "rule");
  const json& tenant = j.at("tenant");
  a.tenant = tenant_ref{required_string(tenant, "id"), required_string(tenant, "name")};
  if (const json* subject = nullable_object(j, "assignment")) {
    a.subject = assignment_from_json(*subject);
  }
  if (const json* actor = nullable_object(j, "actor")) {
    a.actor = actor_from_json(*actor);
  }
  const json& evidence_list = j.at("evidence");
  if (!evidence_list.is_array()) {
    throw std::invalid_argument("alert: \"evidence\" is not an array");
  }
  for (const json& e : evidence_list) {
    a.evidence.push_back(evidence_from_json(e));
  }
  a.correlation_key = required_string(j, "correlation_key");
  a.first_seen = required_time(j, "first_seen");
  a.detected_at = required_time(j, "detected_at");
  a.remediation = required_string(j, "remediation");
  a.detail = nullable_string(j, "detail");
  const auto test = j.find("test");
  a.test = test != j.end() && test->get<bool>();
  return a;
}

}  // namespace rootwatch::engine
