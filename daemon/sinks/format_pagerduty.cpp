#include "sinks/format_pagerduty.hpp"

#include "sinks/format_facts.hpp"
#include "sinks/format_text.hpp"

#include <fmt/format.h>

namespace rootwatch::sinks {
namespace {

json trigger_payload(const engine::alert& a, const json& payload) {
  const std::string summary = fmt::format("{}{}", a.test ? "TEST: " : "", alert_summary(a));
  return {
      {"summary", cut_to(summary, pagerduty_summary_max)},
      // The watched tenant is the "system" that is affected.
      {"source", cut_to(tenant_text(a.tenant), pagerduty_summary_max)},
      {"severity", pagerduty_severity(a.level)},
      {"timestamp", format_iso8601(a.detected_at)},
      {"component", cut_to(a.subject ? a.subject->scope : std::string("rootwatch"), pagerduty_summary_max)},
      {"group", cut_to(a.tenant.name.empty() ? a.tenant.id : a.tenant.name, pagerduty_summary_max)},
      {"class", a.kind},
      {"custom_details", payload},
  };
}

}  // namespace

std::string_view pagerduty_severity(engine::severity s) {
  switch (s) {
    case engine::severity::critical:
      return "critical";
    case engine::severity::high:
      return "error";
    case engine::severity::medium:
    case engine::severity::low:
      return "warning";
    case engine::severity::info:
      break;
  }
  return "info";
}

rendered render_pagerduty(const engine::alert& a, const json& payload, std::string_view routing_key) {
  json event{
      {"routing_key", routing_key},
      {"event_action", is_resolved(a) ? "resolve" : "trigger"},
      {"dedup_key", cut_to(a.correlation_key, pagerduty_dedup_key_max)},
  };
  if (!is_resolved(a)) {
    event["client"] = "rootwatch";
    event["payload"] = trigger_payload(a, payload);
  }
  return rendered{dump_tolerant(event), "application/json"};
}

}  // namespace rootwatch::sinks
