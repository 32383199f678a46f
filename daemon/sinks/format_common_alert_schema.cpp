#include "sinks/format_common_alert_schema.hpp"

#include "common/encoding.hpp"
#include "common/sha256.hpp"
#include "common/strings.hpp"
#include "sinks/format_text.hpp"

#include <fmt/format.h>

namespace rootwatch::sinks {
namespace {

// A name-based GUID (RFC 9562 version 8, SHA-256): the same key gives the same GUID on every
// replica and restart, which is what lets a receiver match Resolved to Fired.
std::string guid_from(std::string_view name) {
  std::string b = sha256(std::string("rootwatch.common_alert_schema|") + std::string(name)).substr(0, 16);
  b[6] = static_cast<char>((static_cast<unsigned char>(b[6]) & 0x0f) | 0x80);
  b[8] = static_cast<char>((static_cast<unsigned char>(b[8]) & 0x3f) | 0x80);
  const std::string h = hex_encode(b);
  return fmt::format("{}-{}-{}-{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(12, 4), h.substr(16, 4), h.substr(20));
}

// The root management group of the tenant: what an alert that is not about one assignment
// (the watcher going blind, a test) is about.
std::string tenant_root_id(const engine::tenant_ref& tenant) {
  return "/providers/microsoft.management/managementgroups/" + to_lower(tenant.id);
}

// Azure writes alertTargetIDs in lower case; receivers built on its payloads compare them so.
std::string target_id(const engine::alert& a) {
  if (a.subject && !a.subject->id.empty()) {
    return to_lower(a.subject->id);
  }
  return tenant_root_id(a.tenant);
}

// The affected resource by name, as Azure lists the resource name for a metric alert.
std::string configuration_item(const engine::alert& a) {
  if (a.subject && !a.subject->id.empty()) {
    return std::string(last_segment(a.subject->id));
  }
  return a.tenant.name.empty() ? a.tenant.id : a.tenant.name;
}

}  // namespace

std::string_view cas_severity(engine::severity s) {
  switch (s) {
    case engine::severity::critical:
      return "Sev0";
    case engine::severity::high:
      return "Sev1";
    case engine::severity::medium:
      return "Sev2";
    case engine::severity::low:
      return "Sev3";
    case engine::severity::info:
      return "Sev4";
  }
  return "Sev4";
}

std::string cas_alert_id(std::string_view correlation_key) {
  return "/providers/Microsoft.AlertsManagement/alerts/" + guid_from(correlation_key);
}

rendered render_common_alert_schema(const engine::alert& a, const json& payload) {
  const bool resolved = a.status == "resolved";
  json essentials{
      {"alertId", cas_alert_id(a.correlation_key)},
      {"alertRule", a.rule.empty() ? a.kind : a.rule},
      {"severity", cas_severity(a.level)},
      {"signalType", cas_signal_type},
      {"monitorCondition", resolved ? "Resolved" : "Fired"},
      {"monitoringService", cas_monitoring_service},
      {"alertTargetIDs", json::array({target_id(a)})},
      {"configurationItems", json::array({configuration_item(a)})},
      {"originAlertId", a.correlation_key},
      {"firedDateTime", format_iso8601(a.first_seen)},
      {"description", alert_description(a)},
      {"essentialsVersion", "1.0"},
      {"alertContextVersion", "1.0"},
  };
  // Azure sends resolvedDateTime only with a Resolved notification.
  if (resolved) {
    essentials["resolvedDateTime"] = format_iso8601(a.detected_at);
  }
  json body{
      {"schemaId", "azureMonitorCommonAlertSchema"},
      {"data", {{"essentials", std::move(essentials)}, {"alertContext", payload}, {"customProperties", nullptr}}},
  };
  return rendered{dump_tolerant(body), "application/json"};
}

}  // namespace rootwatch::sinks
