#pragma once

// An alert in the receiver's format. Pure.

#include "common/error.hpp"
#include "config/settings.hpp"
#include "engine/model.hpp"

#include <string>

namespace rootwatch::sinks {

struct rendered {
  std::string body;
  std::string content_type = "application/json";
};

// Whether this version can deliver to such a sink; the reason when not.
result<void> supported(const config::sink_settings& sink);

// `stored_payload` is the alert as the outbox holds it (rootwatch.alert/v1 JSON): the
// "rootwatch" format sends exactly those bytes; the other webhook formats (format_*.hpp) are
// built from it, and a row that does not read as an alert is an error value, never a throw.
result<rendered> render(const config::sink_settings& sink, const std::string& stored_payload);

}  // namespace rootwatch::sinks
