#pragma once

// When a tenant's next cycle starts. Every tenant's first cycle runs at once (a start or a
// reload must not delay detection); without more, a thousand tenants would then wake together
// every interval, open a connection each and hold a thousand TLS buffers at the same moment.
// So each tenant has a slot in (0, 1] of the interval, spread evenly over the tenants: its
// second cycle is brought forward to that slot (never later than one interval after the
// first), and from then on the cycles are an interval apart, plus up to 10% jitter so that
// tenants keep drifting apart rather than back together.

#include "common/time.hpp"

#include <cstddef>

namespace rootwatch::app {

// The slot of tenant `index` of `count`: (index + 1) / count, so the last tenant keeps the
// full interval and one tenant alone changes nothing.
double tenant_slot(std::size_t index, std::size_t count);

// How long after the start of cycle number `completed` (1 for the first) the next one starts.
// `slot` in (0, 1], `random01` in [0, 1).
milliseconds next_cycle_after(milliseconds interval, double slot, std::size_t completed, double random01);

}  // namespace rootwatch::app
