#pragma once

// How long a change at "/" took to become a committed alert: the detection latency histogram
// (rootwatch_detection_latency_seconds{kind}). Pure, so each kind's rule is tested alone.

#include "common/time.hpp"
#include "engine/model.hpp"

#include <optional>

namespace rootwatch::app {

// Seconds from when the change happened to `committed_at`:
// - elevation.event: from the log record's own time (the alert's first_seen);
// - assignment.created: from the assignment's createdOn, when a source gave one.
// Other kinds, and a created alert without createdOn, measure no detection: nullopt. A time
// ahead of ours (clock skew) counts as 0, not as a negative latency.
std::optional<double> detection_latency(const engine::alert& a, timestamp committed_at);

}  // namespace rootwatch::app
