#pragma once

// What the status page reads from rootwatch.db: the assignments a tenant's committed state holds,
// the latest alerts with their delivery per sink, and the outbox backlog. A connection of its
// own, made read-only (PRAGMA query_only), so that nothing the page does can write; in WAL mode
// its reads never wait for the daemon's writes. Every query is bounded by a LIMIT or by the
// pending rows (which the outbox bound caps), so one page costs a bounded amount of work on the
// event loop.

#include "common/error.hpp"
#include "common/time.hpp"
#include "store/sqlite.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rootwatch::store {

// One live (not tombstoned) assignment of a tenant's committed state.
struct current_assignment {
  std::string assignment_id;
  std::string scope;
  std::string role_id;
  std::string role_name;
  std::string principal_id;
  std::string principal_type;
  std::optional<std::string> principal_name;
  std::string rule;  // empty: no rule matched it
  std::string severity;
  bool firing = false;
  bool allowed = false;
  bool baselined = false;
  std::optional<timestamp> first_seen;
};

struct tenant_assignments {
  std::vector<current_assignment> rows;  // firing first, at most the limit asked for
  std::int64_t total = 0;                // live assignments in all
};

// One outbox row of an alert: its delivery to one sink.
struct alert_delivery {
  std::string sink;
  std::string state;  // pending | delivered | dead
  int attempts = 0;
  std::optional<std::string> last_error;  // scrubbed when it was stored
  timestamp next_attempt_at{};
  std::optional<timestamp> finished_at;
};

// An alert as its payload (rootwatch.alert/v1) says; fields a payload lacks are empty.
struct recent_alert {
  std::string alert_id;
  std::string kind;
  std::string severity;
  std::string status;  // firing | resolved
  std::string tenant_name;
  std::string role_name;
  std::string principal_id;
  std::string principal_name;
  std::optional<timestamp> detected_at;
  timestamp queued_at{};                   // the first of its rows' created_at
  std::vector<alert_delivery> deliveries;  // by sink name
};

struct outbox_backlog {
  std::int64_t pending = 0;
  std::optional<timestamp> oldest_pending;  // created_at of the oldest pending row
  std::vector<std::pair<std::string, std::int64_t>> pending_by_sink;
};

class status_reader {
 public:
  // Opens state_dir/rootwatch.db, which the state store has already created and migrated.
  static result<status_reader> open(const std::string& state_dir);

  // The tenant's live assignments, firing first, then by scope, role and principal.
  result<tenant_assignments> assignments(const std::string& tenant_id, std::size_t limit);

  // The last `limit` alerts queued (newest first), each with every sink's row. Only the newest
  // `window` outbox rows are looked at to find them: an alert older than that is not "recent".
  result<std::vector<recent_alert>> recent_alerts(std::size_t limit, std::size_t window = 5000);

  result<outbox_backlog> backlog();

 private:
  explicit status_reader(database db) : db_(std::move(db)) {}
  result<void> read_deliveries(std::vector<recent_alert>& alerts);
  database db_;
};

}  // namespace rootwatch::store
