#include "sinks/format_alertmanager.hpp"

#include "sinks/format_text.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace rootwatch::sinks {
namespace {

json labels_of(const engine::alert& a) {
  json labels{
      {"alertname", alertmanager_alertname(a)},
      {"severity", engine::to_string(a.level)},
      {"tenant", a.tenant.name.empty() ? a.tenant.id : a.tenant.name},
      {"tenant_id", a.tenant.id},
      {"correlation_key", a.correlation_key},
  };
  if (!a.rule.empty()) {
    labels["rule"] = a.rule;
  }
  if (a.subject) {
    const engine::assignment& s = *a.subject;
    labels["scope"] = s.scope;
    // Ids, not names: a display name can be resolved only later, and a label that changes
    // would make the resolved alert another alert to Alertmanager-minded receivers.
    labels["role"] = s.role.id;
    labels["principal"] = s.principal.id;
    if (!s.principal.type.empty()) {
      labels["principal_type"] = s.principal.type;
    }
  }
  if (a.test) {
    labels["test"] = "true";
  }
  // Alertmanager drops labels with empty values; so do we, so that receivers see the same.
  for (auto it = labels.begin(); it != labels.end();) {
    it = it->get_ref<const std::string&>().empty() ? labels.erase(it) : std::next(it);
  }
  return labels;
}

json annotations_of(const engine::alert& a) {
  json annotations{
      {"summary", alert_summary(a)},
      {"description", alert_description(a)},
      {"remediation", a.remediation},
      {"kind", a.kind},
      {"alert_id", a.id},
  };
  if (a.subject && !a.subject->role.name.empty()) {
    annotations["role_name"] = a.subject->role.name;
  }
  if (a.subject && a.subject->principal.display_name) {
    annotations["principal_name"] = *a.subject->principal.display_name;
  }
  return annotations;
}

}  // namespace

std::string alertmanager_fingerprint(std::string_view correlation_key) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : correlation_key) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return fmt::format("{:016x}", h);
}

std::string alertmanager_alertname(const engine::alert& a) {
  if (a.test) {
    return "RootwatchTest";
  }
  if (a.kind.starts_with("watch.")) {
    return "RootwatchWatchDegraded";
  }
  return "RootwatchAssignment";
}

rendered render_alertmanager(const engine::alert& a, std::string_view receiver) {
  const bool resolved = a.status == "resolved";
  const std::string status = resolved ? "resolved" : "firing";
  json labels = labels_of(a);
  json annotations = annotations_of(a);
  json one{
      {"status", status},
      {"labels", labels},
      {"annotations", annotations},
      {"startsAt", format_iso8601(a.first_seen)},
      {"endsAt", resolved ? format_iso8601(a.detected_at) : std::string(alertmanager_zero_time)},
      {"generatorURL", ""},
      {"fingerprint", alertmanager_fingerprint(a.correlation_key)},
  };
  json body{
      {"version", "4"},
      {"groupKey", fmt::format("{{}}:{{correlation_key={}}}", dump_tolerant(json(a.correlation_key)))},
      {"truncatedAlerts", 0},
      {"status", status},
      {"receiver", receiver},
      {"groupLabels", {{"correlation_key", a.correlation_key}}},
      {"commonLabels", std::move(labels)},
      {"commonAnnotations", std::move(annotations)},
      {"externalURL", ""},
      {"alerts", json::array({std::move(one)})},
  };
  return rendered{dump_tolerant(body), "application/json"};
}

}  // namespace rootwatch::sinks
