#pragma once

#include "config/settings.hpp"
#include "sinks/signing.hpp"

#include <optional>
#include <string>
#include <vector>

namespace rootwatch::sinks {

// A [[sink]] with its secrets read: the URL (which may embed a token), the signing key, and a
// pagerduty sink's routing key.
struct resolved_sink {
  config::sink_settings settings;
  std::string url;
  std::vector<signing_key> keys;  // empty: unsigned; several while keys rotate
  std::string routing_key;
};

}  // namespace rootwatch::sinks
