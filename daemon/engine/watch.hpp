#pragma once

// watch.degraded and watch.recovered (design invariant 1): the watcher going blind is itself an
// alert, since an attacker at "/" can remove the watcher's own Reader role. record_failure, in
// cycle.hpp, raises the first; run_cycle the second.

#include "engine/model.hpp"

namespace rootwatch::engine {

// Health after a complete cycle at `now`: whatever streak there was is over.
watch_health healthy(timestamp now);

// The resolution of the outage that `streak` (the health before the complete cycle) describes,
// seen over by `listing`. Same correlation key as the outage's watch.degraded.
alert recovered_alert(const tenant_ref& tenant, const watch_health& streak, const snapshot& listing, timestamp now);

}  // namespace rootwatch::engine
