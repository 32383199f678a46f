#include "engine/delivery_failed.hpp"

#include "engine/identity.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace rootwatch::engine {

alert delivery_failed_alert(const alert& lost, const lost_delivery& what, timestamp now) {
  const std::string subject = fmt::format("delivery:{}:{}", what.sink, lost.id);
  alert a;
  a.id = alert_id(lost.tenant.id, alert_kind::delivery_failed, subject);
  a.kind = std::string(alert_kind::delivery_failed);
  a.status = "firing";
  a.level = std::max(severity::high, lost.level);
  a.rule = lost.rule;
  a.tenant = lost.tenant;
  a.subject = lost.subject;
  a.actor = lost.actor;
  a.correlation_key = correlation_key(lost.tenant.id, subject);
  a.first_seen = now;
  a.detected_at = now;
  a.detail = fmt::format("sink {} gave up on alert {} ({}, {}) after {} attempt{}: {}", what.sink, lost.id, lost.kind,
                         to_string(lost.level), what.attempts, what.attempts == 1 ? "" : "s", what.error);
  a.remediation = fmt::format(
      "The receiver of sink {0} did not take alert {1}; it is kept as dead in the outbox. See it with: rootwatch "
      "outbox "
      "list --config <FILE> --state dead --sink {0}. Once the receiver works again, send it with: rootwatch outbox "
      "retry --config <FILE> --alert {1}.",
      what.sink, lost.id);
  return a;
}

}  // namespace rootwatch::engine
