#pragma once

// When a tenant's cycles start. A thousand tenants that woke together would open a connection
// each and hold a thousand TLS buffers at the same moment, every interval. So:
// - the first cycles, at a start or a reload, are spread over a short window (at most 10 s, and
//   never more than the interval): the tenant of index i of n starts i/n of the way into it, so
//   the first tenant starts at once and none waits long for its first look;
// - each tenant has a slot in (0, 1] of the interval, spread evenly over the tenants: its second
//   cycle is brought forward to that slot (never later than one interval after the first);
// - from then on the cycles are an interval apart, plus a jitter of up to 10% of it but never
//   more than half a second, so that tenants keep drifting apart rather than back together,
//   while the gap between two looks stays within the interval plus 0.75 s (jitter and grid):
//   detection within the interval plus a second;
// - every wake-up is rounded up to the next quarter second of the steady clock, so that the
//   tenants due within one quarter run together: waking a sleeping process costs far more than
//   a cycle that follows one on warm caches (measured on a VM: a sleep and wake alone, ~18 us
//   of CPU; a lone cycle after a second of sleep, ~0.45 ms; bench/), while a quarter second
//   keeps a thousand tenants at 60 s to about four per wake-up.

#include "common/time.hpp"

#include <chrono>
#include <cstddef>

namespace rootwatch::app {

inline constexpr milliseconds first_cycle_window{10'000};
inline constexpr milliseconds wake_grid{250};
inline constexpr milliseconds max_jitter{500};

// `at`, rounded up to the next multiple of `grid` since the clock's epoch.
std::chrono::steady_clock::time_point on_wake_grid(std::chrono::steady_clock::time_point at,
                                                   milliseconds grid = wake_grid);

// How long after a start or reload the first cycle of tenant `index` of `count` starts.
milliseconds first_cycle_delay(std::size_t index, std::size_t count, milliseconds interval);

// The slot of tenant `index` of `count`: (index + 1) / count, so the last tenant keeps the
// full interval and one tenant alone changes nothing.
double tenant_slot(std::size_t index, std::size_t count);

// How long after the start of cycle number `completed` (1 for the first) the next one starts.
// `slot` in (0, 1], `random01` in [0, 1).
milliseconds next_cycle_after(milliseconds interval, double slot, std::size_t completed, double random01);

}  // namespace rootwatch::app
