#include "config/settings.hpp"

#include "config/names.hpp"

namespace rootwatch::config {

std::string_view to_string(credential_kind k) {
  return name_of(credential_kind_names, k);
}

std::string_view to_string(source_kind k) {
  return name_of(source_kind_names, k);
}

std::string_view to_string(sink_kind k) {
  return name_of(sink_kind_names, k);
}

std::string_view to_string(webhook_format f) {
  return name_of(webhook_format_names, f);
}

std::string problem::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += ':' + std::to_string(line);
    // toml++ always knows the column; a caller that builds a problem by hand may not.
    if (column > 0) {
      out += ':' + std::to_string(column);
    }
  }
  out += ": ";
  if (!key.empty()) {
    out += key;
    out += ": ";
  }
  out += message;
  return out;
}

}  // namespace rootwatch::config
