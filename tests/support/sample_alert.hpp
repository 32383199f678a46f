#pragma once

// A plausible assignment.created alert for tests that move alerts around (store, outbox,
// dispatcher) and do not care what it says.

#include "common/time.hpp"
#include "engine/model.hpp"

#include <string>

namespace rootwatch::testing_support {

inline engine::alert sample_alert(const std::string& id, timestamp at) {
  engine::alert a;
  a.id = id;
  a.kind = "assignment.created";
  a.status = "firing";
  a.level = engine::severity::critical;
  a.rule = "anything-at-root";
  a.tenant = {"00000000-0000-0000-0000-000000000001", "contoso"};
  a.correlation_key = "c-" + id;
  a.first_seen = at;
  a.detected_at = at;
  a.remediation = "az role assignment delete";
  return a;
}

}  // namespace rootwatch::testing_support
