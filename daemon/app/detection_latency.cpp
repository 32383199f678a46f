#include "app/detection_latency.hpp"

#include <algorithm>

namespace rootwatch::app {

std::optional<double> detection_latency(const engine::alert& a, timestamp committed_at) {
  std::optional<timestamp> happened;
  if (a.kind == engine::alert_kind::elevation) {
    happened = a.first_seen;
  } else if (a.kind == engine::alert_kind::created && a.subject) {
    happened = a.subject->created_on;
  }
  if (!happened) {
    return std::nullopt;
  }
  return std::max(0.0, std::chrono::duration<double>(committed_at - *happened).count());
}

}  // namespace rootwatch::app
