#pragma once

// Counters and gauges in the Prometheus text format. One registry per process, used from the
// one I/O thread only. Labels stay low-cardinality (source, sink, reason, tenant name).

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rootwatch {

using metric_labels = std::vector<std::pair<std::string, std::string>>;

class metrics {
 public:
  enum class type { counter, gauge };

  void describe(std::string_view name, type t, std::string_view help);
  void add(std::string_view name, const metric_labels& labels = {}, double value = 1);
  void set(std::string_view name, const metric_labels& labels, double value);
  double value(std::string_view name, const metric_labels& labels = {}) const;

  // Text exposition format 0.0.4.
  std::string exposition() const;

 private:
  struct family {
    type kind = type::counter;
    std::string help;
    std::map<std::string, double> series;  // rendered label set -> value
  };
  static std::string render_labels(const metric_labels& labels);
  std::map<std::string, family, std::less<>> families_;
};

}  // namespace rootwatch
