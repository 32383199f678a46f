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

std::chrono::steady_clock::time_point on_wake_grid(std::chrono::steady_clock::time_point at, milliseconds grid) {
  const auto step = std::chrono::duration_cast<std::chrono::steady_clock::duration>(grid);
  if (step.count() <= 0) {
    return at;
  }
  const auto since = at.time_since_epoch();
  const auto rest = since % step;
  if (rest.count() == 0) {
    return at;
  }
  return at + (step - rest);
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
  const double spread = std::min(whole * 0.1, static_cast<double>(max_jitter.count()));
  return interval + milliseconds{static_cast<std::int64_t>(spread * r)};
}

}  // namespace rootwatch::app
