#pragma once

// An alert in the receiver's format. Pure.

#include "common/error.hpp"
#include "common/time.hpp"
#include "config/settings.hpp"
#include "engine/model.hpp"
#include "sinks/sink.hpp"

#include <string>

namespace rootwatch::sinks {

struct rendered {
  std::string body;
  std::string content_type = "application/json";
};

// Whether this version can deliver to such a sink; the reason when not.
result<void> supported(const config::sink_settings& sink);

// `stored_payload` is the alert as the outbox holds it (rootwatch.alert/v1 JSON): the
// "rootwatch" format sends exactly those bytes; the other formats (format_*.hpp) are built from
// it, and a row that does not read as an alert is an error value, never a throw. A pagerduty
// sink needs its routing key, which only a resolved sink has.
result<rendered> render(const resolved_sink& sink, const std::string& stored_payload);
// The same without secrets: a pagerduty sink is refused.
result<rendered> render(const config::sink_settings& sink, const std::string& stored_payload);

// azure_monitor_logs: the alert's row of a Logs Ingestion request (format_logs_ingestion.hpp);
// render() sends it alone, in an array of one.
result<std::string> render_logs_row(const config::sink_settings& sink, const std::string& stored_payload);

// The shortest time between two deliveries to this sink that its receiver accepts without
// throttling: one second for Slack's incoming webhooks, zero (no pacing) for the others. Not
// applied by the dispatcher yet: a Slack 429 and its Retry-After are honoured instead.
milliseconds min_send_interval(const config::sink_settings& sink);

}  // namespace rootwatch::sinks
