#pragma once

// Counters, gauges and histograms in the Prometheus text format. One registry per process,
// used from the one I/O thread only. Labels stay low-cardinality (source, sink, reason, tenant
// name).

#include "common/histogram.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rootwatch {

using metric_labels = std::vector<std::pair<std::string, std::string>>;

class metrics {
 public:
  enum class type { counter, gauge, histogram };

  void describe(std::string_view name, type t, std::string_view help);
  // A histogram family and its bucket edges (ascending, +Inf implied). Described before its
  // first observation: a series takes the edges its family has when it is created.
  void describe_histogram(std::string_view name, std::string_view help, std::vector<double> upper_bounds);

  void add(std::string_view name, const metric_labels& labels = {}, double value = 1);
  void set(std::string_view name, const metric_labels& labels, double value);
  void observe(std::string_view name, const metric_labels& labels, double value);
  double value(std::string_view name, const metric_labels& labels = {}) const;
  // nullptr when the series has no observation yet.
  const rootwatch::histogram* find_histogram(std::string_view name, const metric_labels& labels = {}) const;

  // One series of a counter or gauge, looked up once: an update through it neither looks up
  // nor allocates, for code that runs on every request. Valid as long as the registry.
  class value_ref {
   public:
    void add(double v = 1) { *value_ += v; }
    void set(double v) { *value_ = v; }
    double value() const { return *value_; }

   private:
    friend class metrics;
    explicit value_ref(double* v) : value_(v) {}
    double* value_;
  };
  value_ref ref(std::string_view name, const metric_labels& labels = {});
  // Likewise for one series of a histogram.
  rootwatch::histogram& histogram_ref(std::string_view name, const metric_labels& labels = {});

  // A gauge worked out when /metrics is read, for a value that moves by itself (an age): a
  // stored number would be as old as its last update. nullopt leaves the sample out. Whoever
  // sets one removes it before what `read` uses goes away.
  void set_computed(std::string_view name, const metric_labels& labels, std::function<std::optional<double>()> read);
  void remove_computed(std::string_view name, const metric_labels& labels);

  // Text exposition format 0.0.4.
  std::string exposition() const;

 private:
  struct family {
    type kind = type::counter;
    std::string help;
    std::vector<double> bounds;                              // histogram families
    std::map<std::string, double> values;                    // rendered label set -> value
    std::map<std::string, rootwatch::histogram> histograms;  // rendered label set -> series
    std::map<std::string, std::function<std::optional<double>()>> computed;
  };
  static std::string render_labels(const metric_labels& labels);
  family& family_of(std::string_view name);
  void write_histograms(std::string& out, std::string_view name, const family& f) const;
  std::map<std::string, family, std::less<>> families_;
  mutable std::size_t last_size_ = 0;  // of the last exposition: the next one reserves about that
};

}  // namespace rootwatch
