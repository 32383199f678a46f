#pragma once

#include "config/settings.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::config {

// `value` is set only when `problems` is empty.
struct load_result {
  std::optional<settings> value;
  std::vector<problem> problems;
};

// Parses and validates. Reads the file and nothing else: no secrets, no network.
load_result load_file(const std::string& path);
load_result load_string(std::string_view toml_text, const std::string& path_for_messages);

}  // namespace rootwatch::config
