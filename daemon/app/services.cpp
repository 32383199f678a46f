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
  m.describe("rootwatch_sink_open", t::gauge,
             "1 while the sink's circuit breaker is open: its receiver did not answer, one probe at a time goes out.");
  m.describe("rootwatch_outbox_orphaned", t::gauge, "Alerts waiting for a sink that is no longer configured.");
  m.describe("rootwatch_config_last_reload_successful", t::gauge,
             "1 when the last configuration load (start or SIGHUP) was applied, 0 if refused.");
  m.describe("rootwatch_config_reload_timestamp_seconds", t::gauge,
             "Unix time of the last configuration load (start or SIGHUP), applied or refused.");
  m.describe("rootwatch_events_read_total", t::counter, "Log records read per tenant and log source.");
  m.describe("rootwatch_outbox_overflow_total", t::counter,
             "Alerts given up on because the sink's outbox was over outbox_limit, per sink.");

  // Issue 8: what an SRE expects. Labels stay low: source, code class, credential kind, sink.
  m.describe("rootwatch_api_requests_total", t::counter,
             "Requests to Azure APIs, every attempt, by source and status class (2xx, 3xx, 4xx, 5xx, error: no "
             "answer).");
  m.describe("rootwatch_throttle_waits_total", t::counter,
             "Waits Azure asked for (429, Retry-After, Resource Graph quota), by source.");
  m.describe("rootwatch_throttle_wait_seconds_total", t::counter, "Seconds spent in those waits, by source.");
  m.describe("rootwatch_token_refreshes_total", t::counter, "Token requests to the credential, by credential kind.");
  m.describe("rootwatch_token_refresh_failures_total", t::counter,
             "Token requests that failed (shutdown aside), by credential kind.");
  m.describe_histogram("rootwatch_source_cycle_duration_seconds",
                       "Time a source took in a cycle (token, every page, role names), by source.",
                       {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300});
  // Wide: a log can lag by minutes, and after downtime the change is as old as the downtime.
  m.describe_histogram("rootwatch_detection_latency_seconds",
                       "From the change (log event time, or createdOn) to its alert committed, by alert kind; the "
                       "first cycle of a tenant (baseline) is left out.",
                       {5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400});
  m.describe_histogram("rootwatch_delivery_latency_seconds",
                       "From an alert queued in the outbox to its delivery (retries included), by sink.",
                       {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400});
  m.describe("rootwatch_outbox_oldest_pending_age_seconds", t::gauge,
             "Age of the oldest alert waiting for delivery, per sink; 0 when none waits.");
}

}  // namespace rootwatch::app
