#pragma once

#include "config/settings.hpp"

#include <functional>
#include <optional>
#include <string>

namespace rootwatch::app {

// The process environment, handed in by main (the only place that reads it).
using env_lookup = std::function<std::optional<std::string>(const std::string& name)>;

struct options {
  config::settings settings;
  env_lookup getenv;
};

}  // namespace rootwatch::app
