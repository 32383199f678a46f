#include "sinks/render.hpp"

#include "engine/alert_json.hpp"
#include "sinks/format_alertmanager.hpp"
#include "sinks/format_cloudevents.hpp"
#include "sinks/format_common_alert_schema.hpp"
#include "sinks/format_logs_ingestion.hpp"
#include "sinks/format_pagerduty.hpp"
#include "sinks/format_slack.hpp"
#include "sinks/format_teams.hpp"

#include <fmt/format.h>

#include <exception>

namespace rootwatch::sinks {
namespace {

struct parsed_alert {
  json payload;
  engine::alert alert;
};

// The stored payload is our own, but it sits in a database file that anything can edit:
// a row that does not read is an error value, never an exception out of the dispatcher.
result<parsed_alert> parse_stored(const config::sink_settings& sink, const std::string& stored_payload) {
  json payload = json::parse(stored_payload, nullptr, false);
  if (payload.is_discarded()) {
    return make_error(error_kind::parse, fmt::format("sink '{}': the stored alert is not JSON", sink.name));
  }
  try {
    engine::alert a = engine::alert_from_json(payload);
    return parsed_alert{std::move(payload), std::move(a)};
  } catch (const std::exception& e) {
    return make_error(error_kind::parse,
                      fmt::format("sink '{}': the stored alert does not read: {}", sink.name, e.what()));
  }
}

}  // namespace

result<void> supported(const config::sink_settings& sink) {
  switch (sink.kind) {
    case config::sink_kind::webhook:
    case config::sink_kind::slack:
    case config::sink_kind::teams:
    case config::sink_kind::pagerduty:
    case config::sink_kind::action_group:
    case config::sink_kind::azure_monitor_logs:
      return {};
  }
  return make_error(error_kind::config, fmt::format("sink '{}': kind '{}' is not available in this version yet",
                                                    sink.name, config::to_string(sink.kind)));
}

result<rendered> render(const resolved_sink& sink, const std::string& stored_payload) {
  const config::sink_settings& settings = sink.settings;
  if (auto ok = supported(settings); !ok) {
    return ok.error();
  }
  if (settings.kind == config::sink_kind::webhook && settings.format == config::webhook_format::rootwatch) {
    return rendered{stored_payload, "application/json"};
  }
  if (settings.kind == config::sink_kind::pagerduty && sink.routing_key.empty()) {
    return make_error(error_kind::config, fmt::format("sink '{}': no PagerDuty routing key", settings.name));
  }
  auto parsed = parse_stored(settings, stored_payload);
  if (!parsed) {
    return parsed.error();
  }
  switch (settings.kind) {
    case config::sink_kind::slack:
      return render_slack(parsed->alert);
    case config::sink_kind::teams:
      return render_teams(parsed->alert);
    case config::sink_kind::pagerduty:
      return render_pagerduty(parsed->alert, parsed->payload, sink.routing_key);
    case config::sink_kind::action_group:
      // What an action group's secure webhook would have sent.
      return render_common_alert_schema(parsed->alert, parsed->payload);
    case config::sink_kind::azure_monitor_logs: {
      const std::string row = logs_row_text(parsed->alert, parsed->payload);
      return rendered{logs_array(std::span(&row, 1)), "application/json"};
    }
    default:
      break;
  }
  switch (settings.format) {
    case config::webhook_format::common_alert_schema:
      return render_common_alert_schema(parsed->alert, parsed->payload);
    case config::webhook_format::cloudevents:
      return render_cloudevents(parsed->alert, parsed->payload);
    case config::webhook_format::alertmanager:
      return render_alertmanager(parsed->alert, settings.name);
    case config::webhook_format::rootwatch:
      break;
  }
  return rendered{stored_payload, "application/json"};
}

result<rendered> render(const config::sink_settings& sink, const std::string& stored_payload) {
  return render(resolved_sink{sink, {}, {}, {}, nullptr}, stored_payload);
}

result<std::string> render_logs_row(const config::sink_settings& sink, const std::string& stored_payload) {
  auto parsed = parse_stored(sink, stored_payload);
  if (!parsed) {
    return parsed.error();
  }
  return logs_row_text(parsed->alert, parsed->payload);
}

milliseconds min_send_interval(const config::sink_settings& sink) {
  return sink.kind == config::sink_kind::slack ? slack_min_interval : milliseconds{0};
}

}  // namespace rootwatch::sinks
