#include "sinks/render.hpp"

#include "engine/alert_json.hpp"
#include "sinks/format_alertmanager.hpp"
#include "sinks/format_cloudevents.hpp"
#include "sinks/format_common_alert_schema.hpp"

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
  if (sink.kind != config::sink_kind::webhook) {
    return make_error(error_kind::config, fmt::format("sink '{}': kind '{}' is not available in this version yet",
                                                      sink.name, config::to_string(sink.kind)));
  }
  return {};
}

result<rendered> render(const config::sink_settings& sink, const std::string& stored_payload) {
  if (auto ok = supported(sink); !ok) {
    return ok.error();
  }
  if (sink.format == config::webhook_format::rootwatch) {
    return rendered{stored_payload, "application/json"};
  }
  auto parsed = parse_stored(sink, stored_payload);
  if (!parsed) {
    return parsed.error();
  }
  switch (sink.format) {
    case config::webhook_format::common_alert_schema:
      return render_common_alert_schema(parsed->alert, parsed->payload);
    case config::webhook_format::cloudevents:
      return render_cloudevents(parsed->alert, parsed->payload);
    case config::webhook_format::alertmanager:
      return render_alertmanager(parsed->alert, sink.name);
    case config::webhook_format::rootwatch:
      break;
  }
  return rendered{stored_payload, "application/json"};
}

}  // namespace rootwatch::sinks
