#include "engine/watch.hpp"

#include "engine/cycle.hpp"
#include "engine/identity.hpp"
#include "engine/remediation.hpp"

#include <algorithm>
#include <limits>

namespace rootwatch::engine {
namespace {

// Fields the two watch alerts share. Not about an assignment and not from a rule: the
// assignment, actor and rule stay empty, and a blind watcher is high whatever the rules say.
alert watch_alert(const tenant_ref& tenant, std::string_view kind, const watch_health& streak, timestamp now) {
  const std::string subject = watch_subject_key(streak.last_success);
  alert a;
  a.id = alert_id(tenant.id, kind, subject);
  a.kind = std::string(kind);
  a.level = severity::high;
  a.tenant = tenant;
  a.correlation_key = correlation_key(tenant.id, subject);
  // A streak without a start can only come from a hand-edited state; now is the best guess.
  a.first_seen = streak.failing_since.value_or(now);
  a.detected_at = now;
  return a;
}

alert degraded_alert(const tenant_ref& tenant, const watch_health& streak, timestamp now) {
  alert a = watch_alert(tenant, alert_kind::degraded, streak, now);
  a.status = "firing";
  a.detail = streak.last_error;
  a.remediation = remediation_for_degraded(tenant);
  return a;
}

}  // namespace

watch_health healthy(timestamp now) {
  watch_health h;
  h.last_success = now;
  return h;
}

alert recovered_alert(const tenant_ref& tenant, const watch_health& streak, const snapshot& listing, timestamp now) {
  alert a = watch_alert(tenant, alert_kind::recovered, streak, now);
  a.status = "resolved";
  // The complete listing that ended the outage is what shows the watcher can see again.
  a.evidence.push_back(evidence{listing.source, listing.taken_at, std::nullopt});
  a.remediation = remediation_for_recovered(tenant, a.first_seen);
  return a;
}

failure_output record_failure(const failure_input& in) {
  static const tenant_state empty_state;
  const tenant_state& previous = in.previous != nullptr ? *in.previous : empty_state;

  failure_output out;
  out.next = previous;
  watch_health& health = out.next.health;
  // Saturates rather than overflows: a stored count is input like any other.
  if (health.consecutive_failures < std::numeric_limits<int>::max()) {
    health.consecutive_failures += 1;
  }
  if (!health.failing_since) {
    health.failing_since = in.now;
  }
  health.last_error = in.error;
  // ">=" rather than "==": a threshold lowered by a reload during a streak still fires once.
  if (health.consecutive_failures >= std::max(in.degraded_after, 1) && !health.degraded) {
    health.degraded = true;
    out.alerts.push_back(degraded_alert(in.tenant, health, in.now));
  }
  return out;
}

}  // namespace rootwatch::engine
