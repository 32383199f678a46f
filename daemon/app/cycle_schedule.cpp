#include "app/cycle_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace rootwatch::app {

milliseconds first_cycle_delay(std::size_t index, std::size_t count, milliseconds interval) {
  if (count == 0 || index >= count || interval.count() <= 0) {
    return milliseconds{0};
  }
  const auto window = std::min(interval, first_cycle_window);
  return milliseconds{window.count() * static_cast<std::int64_t>(index) / static_cast<std::int64_t>(count)};
}

double tenant_slot(std::size_t index, std::size_t count) {
  if (count == 0 || index >= count) {
    return 1.0;
  }
  return static_cast<double>(index + 1) / static_cast<double>(count);
}

milliseconds next_cycle_after(milliseconds interval, double slot, std::size_t completed, double random01) {
  const auto whole = static_cast<double>(interval.count());
  if (completed == 1) {
    // NaN or out of range: the whole interval, as before slots existed.
    const double s = slot > 0.0 && slot <= 1.0 ? slot : 1.0;
    return milliseconds{static_cast<std::int64_t>(std::llround(whole * s))};
  }
  const double r = std::clamp(random01, 0.0, 1.0);
  return interval + milliseconds{static_cast<std::int64_t>(whole * 0.1 * r)};
}

}  // namespace rootwatch::app
