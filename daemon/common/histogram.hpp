#pragma once

// A Prometheus histogram with fixed buckets: a count per bucket, the sum and the count of what
// was observed. The buckets are chosen once, when the family is described, so that every
// series of a family has the same `le` edges and an observation never allocates.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rootwatch {

class histogram {
 public:
  // `upper_bounds`: the finite, inclusive upper edges, ascending; +Inf is implied. Edges out of
  // order, repeated or not finite are dropped (a bug in a describe call must not break /metrics).
  explicit histogram(std::vector<double> upper_bounds);

  // Goes into the first bucket whose edge is >= v (edges are inclusive, as `le` says); a NaN
  // is left out, since it would turn the sum into NaN for good.
  void observe(double v);

  const std::vector<double>& upper_bounds() const { return bounds_; }
  // Observations <= upper_bounds()[i], cumulative as exposed; i == upper_bounds().size() is +Inf.
  std::uint64_t cumulative(std::size_t i) const;
  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;  // per bucket, not cumulative; the last one is +Inf
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace rootwatch
