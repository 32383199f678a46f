#include "common/metrics.hpp"

#include <cmath>
#include <iterator>

#include <fmt/format.h>

namespace rootwatch {
namespace {

// Prometheus spells the special values its own way; fmt would write "inf" and "nan".
std::string format_value(double v) {
  if (std::isnan(v)) {
    return "NaN";
  }
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  return fmt::format("{}", v);
}

// `labels` rendered, then one more label: `{a="1",le="0.5"}`.
std::string with_label(const std::string& labels, std::string_view extra) {
  return labels.empty() ? fmt::format("{{{}}}", extra) : fmt::format("{{{},{}}}", labels, extra);
}

std::string braced(const std::string& labels) {
  return labels.empty() ? std::string{} : "{" + labels + "}";
}

std::string_view type_name(metrics::type t) {
  switch (t) {
    case metrics::type::counter:
      return "counter";
    case metrics::type::gauge:
      return "gauge";
    case metrics::type::histogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

metrics::family& metrics::family_of(std::string_view name) {
  // Looked up by view first: only a family's first use allocates its name.
  if (const auto it = families_.find(name); it != families_.end()) {
    return it->second;
  }
  return families_.emplace(std::string(name), family{}).first->second;
}

void metrics::describe(std::string_view name, type t, std::string_view help) {
  auto& f = family_of(name);
  f.kind = t;
  f.help = std::string(help);
}

void metrics::describe_histogram(std::string_view name, std::string_view help, std::vector<double> upper_bounds) {
  auto& f = family_of(name);
  f.kind = type::histogram;
  f.help = std::string(help);
  f.bounds = std::move(upper_bounds);
}

// The label set as it goes between the braces: `a="1",b="2"`.
std::string metrics::render_labels(const metric_labels& labels) {
  std::string out;
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
  return out;
}

void metrics::add(std::string_view name, const metric_labels& labels, double value) {
  family_of(name).values[render_labels(labels)] += value;
}

void metrics::set(std::string_view name, const metric_labels& labels, double value) {
  family_of(name).values[render_labels(labels)] = value;
}

void metrics::observe(std::string_view name, const metric_labels& labels, double value) {
  histogram_ref(name, labels).observe(value);
}

metrics::value_ref metrics::ref(std::string_view name, const metric_labels& labels) {
  // A std::map node never moves: the pointer stays good while the registry lives.
  return value_ref(&family_of(name).values[render_labels(labels)]);
}

histogram& metrics::histogram_ref(std::string_view name, const metric_labels& labels) {
  auto& f = family_of(name);
  return f.histograms.try_emplace(render_labels(labels), f.bounds).first->second;
}

double metrics::value(std::string_view name, const metric_labels& labels) const {
  const auto f = families_.find(name);
  if (f == families_.end()) {
    return 0;
  }
  const auto s = f->second.values.find(render_labels(labels));
  return s == f->second.values.end() ? 0 : s->second;
}

const histogram* metrics::find_histogram(std::string_view name, const metric_labels& labels) const {
  const auto f = families_.find(name);
  if (f == families_.end()) {
    return nullptr;
  }
  const auto s = f->second.histograms.find(render_labels(labels));
  return s == f->second.histograms.end() ? nullptr : &s->second;
}

void metrics::set_computed(std::string_view name, const metric_labels& labels,
                           std::function<std::optional<double>()> read) {
  auto& f = family_of(name);
  auto key = render_labels(labels);
  // One sample per label set: a stored value under the same labels would be a duplicate.
  f.values.erase(key);
  f.computed[std::move(key)] = std::move(read);
}

void metrics::remove_computed(std::string_view name, const metric_labels& labels) {
  if (const auto f = families_.find(name); f != families_.end()) {
    f->second.computed.erase(render_labels(labels));
  }
}

void metrics::write_histograms(std::string& out, std::string_view name, const family& f) const {
  auto to = std::back_inserter(out);
  for (const auto& [labels, h] : f.histograms) {
    const auto& bounds = h.upper_bounds();
    for (std::size_t i = 0; i <= bounds.size(); ++i) {
      const std::string le = i < bounds.size() ? format_value(bounds[i]) : "+Inf";
      fmt::format_to(to, "{}_bucket{} {}\n", name, with_label(labels, fmt::format("le=\"{}\"", le)), h.cumulative(i));
    }
    fmt::format_to(to, "{}_sum{} {}\n", name, braced(labels), format_value(h.sum()));
    fmt::format_to(to, "{}_count{} {}\n", name, braced(labels), h.count());
  }
}

std::string metrics::exposition() const {
  std::string out;
  auto to = std::back_inserter(out);
  for (const auto& [name, f] : families_) {
    if (!f.help.empty()) {
      fmt::format_to(to, "# HELP {} {}\n", name, f.help);
    }
    fmt::format_to(to, "# TYPE {} {}\n", name, type_name(f.kind));
    if (f.kind == type::histogram) {
      write_histograms(out, name, f);
      continue;
    }
    for (const auto& [labels, v] : f.values) {
      fmt::format_to(to, "{}{} {}\n", name, braced(labels), format_value(v));
    }
    for (const auto& [labels, read] : f.computed) {
      if (const auto v = read()) {
        fmt::format_to(to, "{}{} {}\n", name, braced(labels), format_value(*v));
      }
    }
  }
  return out;
}

}  // namespace rootwatch
