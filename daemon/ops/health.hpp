#pragma once

// What the health listener serves, and the systemd STATUS line.
// GET / is the status page (ops/status_page.hpp): one HTML page for a person, read-only.
// /healthz answers 200 while the event loop answers, and its body says "ok", "starting" (before
// the first cycle of every tenant) or "degraded" (a tenant's last cycle failed: a watcher that
// cannot see), and per tenant "ok", "starting" or "failing". A restart would not fix a revoked
// permission, so liveness probes must not fail on it.
// /readyz is 503 until start-up is complete and again from the moment shutdown begins.
// /metrics is the Prometheus exposition.

#include "common/time.hpp"
#include "net/http_server.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace rootwatch {
class metrics;
class clock;
}  // namespace rootwatch

namespace rootwatch::ops {

// One source of a tenant (a snapshot or a log), as its last result left it.
struct source_health {
  bool ok = false;
  bool authoritative = false;  // its listing decides presence; its failure fails the cycle
  std::optional<timestamp> last_result;
  std::optional<timestamp> last_success;
  std::string last_error;  // free of secrets; empty after a success
  int consecutive_failures = 0;
  bool degraded = false;  // its own watch.degraded went out
  std::size_t disagreements = 0;
  bool events_source = false;           // a log, read in windows
  std::size_t events = 0;               // records of interest in its last window
  std::optional<timestamp> read_until;  // the end of its last complete window

  std::string_view status() const;  // "ok" or "error"
};

struct tenant_health {
  bool checked = false;  // a cycle has finished since start or reload
  bool ok = false;
  int consecutive_failures = 0;
  std::optional<timestamp> last_success;
  std::string last_error;
  std::size_t firing = 0;
  // By source name. A failing source that is not the authoritative one leaves the tenant "ok"
  // (what decides presence is still complete) and says so here and in rootwatch_source_up.
  std::map<std::string, source_health> sources;

  // "starting" before the first cycle, "ok" after a good one, "failing" from the first failed
  // cycle on: a watcher that cannot see says so at once, not only after degraded_after (the
  // watch.degraded alert waits for that, so that one slow poll pages nobody).
  std::string_view status() const;
};

struct health_state {
  bool ready = false;
  bool stopping = false;
  std::map<std::string, tenant_health> tenants;  // by tenant name
  std::int64_t pending_deliveries = 0;

  bool degraded() const;            // a tenant's last cycle failed
  bool starting() const;            // a tenant has not finished a cycle yet
  std::string status_line() const;  // for STATUS= and logs
};

struct status_page_data;

// What the status page shows now; called on the event loop for each GET /. Empty: no page (404).
using status_page_source = std::function<status_page_data()>;

// Every route answers GET and HEAD only: the listener is read-only.
net::request_handler health_handler(const health_state& state, const metrics& stats,
                                    status_page_source status_page = {});

}  // namespace rootwatch::ops
