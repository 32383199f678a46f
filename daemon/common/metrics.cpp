#include "common/metrics.hpp"

#include <cmath>
#include <iterator>

#include <fmt/format.h>

namespace rootwatch {
namespace {

// Prometheus spells the special values its own way; fmt would write "inf" and "nan".
void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    fmt::format_to(std::back_inserter(out), "{}", v);
  }
}

std::string format_value(double v) {
  std::string out;
  append_value(out, v);
  return out;
}

void append_count(std::string& out, std::uint64_t n) {
  const fmt::format_int text(n);
  out.append(text.data(), text.size());
}

// `name{labels} ` (or `name ` without labels): the start of one sample line.
void append_series(std::string& out, std::string_view name, std::string_view suffix, const std::string& labels) {
  out += name;
  out += suffix;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
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

// Appended piece by piece rather than formatted per line: a scrape writes every bucket of
// every series, and the bucket edges are formatted once per family, not once per series.
void metrics::write_histograms(std::string& out, std::string_view name, const family& f) const {
  std::vector<std::string> family_edges;
  family_edges.reserve(f.bounds.size());
  for (const double b : f.bounds) {
    family_edges.push_back(format_value(b));
  }
  std::vector<std::string> own_edges;
  for (const auto& [labels, h] : f.histograms) {
    const auto& bounds = h.upper_bounds();
    const std::vector<std::string>* edges = &family_edges;
    if (bounds != f.bounds) {  // a series made before its family was described
      own_edges.clear();
      for (const double b : bounds) {
        own_edges.push_back(format_value(b));
      }
      edges = &own_edges;
    }
    for (std::size_t i = 0; i <= bounds.size(); ++i) {
      out += name;
      out += "_bucket{";
      if (!labels.empty()) {
        out += labels;
        out += ',';
      }
      out += "le=\"";
      out += i < bounds.size() ? std::string_view((*edges)[i]) : std::string_view("+Inf");
      out += "\"} ";
      append_count(out, h.cumulative(i));
      out += '\n';
    }
    append_series(out, name, "_sum", labels);
    append_value(out, h.sum());
    out += '\n';
    append_series(out, name, "_count", labels);
    append_count(out, h.count());
    out += '\n';
  }
}

std::string metrics::exposition() const {
  std::string out;
  out.reserve(last_size_ + last_size_ / 8);
  for (const auto& [name, f] : families_) {
    if (!f.help.empty()) {
      out += "# HELP ";
      out += name;
      out += ' ';
      out += f.help;
      out += '\n';
    }
    out += "# TYPE ";
    out += name;
    out += ' ';
    out += type_name(f.kind);
    out += '\n';
    if (f.kind == type::histogram) {
      write_histograms(out, name, f);
      continue;
    }
    for (const auto& [labels, v] : f.values) {
      append_series(out, name, "", labels);
      append_value(out, v);
      out += '\n';
    }
    for (const auto& [labels, read] : f.computed) {
      if (const auto v = read()) {
        append_series(out, name, "", labels);
        append_value(out, *v);
        out += '\n';
      }
    }
  }
  last_size_ = out.size();
  return out;
}

}  // namespace rootwatch
