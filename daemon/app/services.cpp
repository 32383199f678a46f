#include "app/services.hpp"

#include "common/metrics.hpp"

namespace rootwatch::app {

void describe_metrics(metrics& m) {
  using t = metrics::type;
  m.describe("rootwatch_build_info", t::gauge, "Always 1; the version label says which rootwatch runs.");
  m.describe("rootwatch_cycles_total", t::counter, "Watch cycles per tenant, by result (ok, failed).");
  m.describe("rootwatch_cycle_duration_seconds", t::gauge, "Duration of the last successful cycle per tenant.");
  m.describe("rootwatch_last_success_timestamp_seconds", t::gauge, "Unix time of the last successful cycle.");
  m.describe("rootwatch_assignments_watched", t::gauge, "Role assignments at the root scope in the last snapshot.");
  m.describe("rootwatch_alerts_firing", t::gauge, "Watched assignments with an open assignment.created alert.");
  m.describe("rootwatch_alerts_total", t::counter, "Alerts queued for delivery, by kind.");
  m.describe("rootwatch_source_up", t::gauge, "1 when the source's last listing was complete, 0 when it failed.");
  m.describe("rootwatch_source_disagreements", t::gauge,
             "Rows only this source showed at the last comparison (never alerted on by themselves).");
  m.describe("rootwatch_deliveries_total", t::counter, "Delivery attempts per sink, by result (delivered, failed).");
  m.describe("rootwatch_alerts_dead_total", t::counter, "Alerts given up on after give_up_after, per sink.");
  m.describe("rootwatch_outbox_pending", t::gauge, "Alerts waiting for delivery, per sink.");
  m.describe("rootwatch_outbox_orphaned", t::gauge, "Alerts waiting for a sink that is no longer configured.");
  m.describe("rootwatch_config_last_reload_successful", t::gauge, "1 when the last reload was applied, 0 if refused.");
}

}  // namespace rootwatch::app
