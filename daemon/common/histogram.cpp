#include "common/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace rootwatch {

histogram::histogram(std::vector<double> upper_bounds) {
  for (const double b : upper_bounds) {
    if (std::isfinite(b) && (bounds_.empty() || b > bounds_.back())) {
      bounds_.push_back(b);
    }
  }
  counts_.assign(bounds_.size() + 1, 0);
}

void histogram::observe(double v) {
  if (std::isnan(v)) {
    return;
  }
  const auto at = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  ++counts_[static_cast<std::size_t>(at - bounds_.begin())];
  ++count_;
  sum_ += v;
}

std::uint64_t histogram::cumulative(std::size_t i) const {
  std::uint64_t n = 0;
  for (std::size_t k = 0; k <= i && k < counts_.size(); ++k) {
    n += counts_[k];
  }
  return n;
}

}  // namespace rootwatch
