#include "sinks/render.hpp"

#include <fmt/format.h>

namespace rootwatch::sinks {

result<void> supported(const config::sink_settings& sink) {
  if (sink.kind != config::sink_kind::webhook) {
    return make_error(error_kind::config, fmt::format("sink '{}': kind '{}' is not available in this version yet",
                                                      sink.name, config::to_string(sink.kind)));
  }
  if (sink.format != config::webhook_format::rootwatch) {
    return make_error(error_kind::config, fmt::format("sink '{}': format '{}' is not available in this version yet",
                                                      sink.name, config::to_string(sink.format)));
  }
  return {};
}

result<rendered> render(const config::sink_settings& sink, const std::string& stored_payload) {
  if (auto ok = supported(sink); !ok) {
    return ok.error();
  }
  return rendered{stored_payload, "application/json"};
}

}  // namespace rootwatch::sinks
