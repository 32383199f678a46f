#include "common/metrics.hpp"

#include <fmt/format.h>

namespace rootwatch {

void metrics::describe(std::string_view name, type t, std::string_view help) {
  auto& f = families_[std::string(name)];
  f.kind = t;
  f.help = std::string(help);
}

std::string metrics::render_labels(const metric_labels& labels) {
  if (labels.empty()) {
    return {};
  }
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i != 0) {
      out += ',';
    }
    out += labels[i].first + "=\"";
    for (const char c : labels[i].second) {
      if (c == '\\' || c == '"') {
        out += '\\';
        out += c;
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    out += '"';
  }
  return out + "}";
}

void metrics::add(std::string_view name, const metric_labels& labels, double value) {
  families_[std::string(name)].series[render_labels(labels)] += value;
}

void metrics::set(std::string_view name, const metric_labels& labels, double value) {
  families_[std::string(name)].series[render_labels(labels)] = value;
}

double metrics::value(std::string_view name, const metric_labels& labels) const {
  const auto f = families_.find(name);
  if (f == families_.end()) {
    return 0;
  }
  const auto s = f->second.series.find(render_labels(labels));
  return s == f->second.series.end() ? 0 : s->second;
}

std::string metrics::exposition() const {
  std::string out;
  for (const auto& [name, f] : families_) {
    if (!f.help.empty()) {
      out += fmt::format("# HELP {} {}\n", name, f.help);
    }
    out += fmt::format("# TYPE {} {}\n", name, f.kind == type::counter ? "counter" : "gauge");
    for (const auto& [labels, v] : f.series) {
      out += fmt::format("{}{} {}\n", name, labels, v);
    }
  }
  return out;
}

}  // namespace rootwatch
