#pragma once

// rootwatch.db: what the engine remembers per tenant, and the outbox of alerts to deliver.
// A cycle's next state and the alerts it caused are committed in one transaction
// (invariant 2): after a crash at any point, either both are there or neither is.

#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/model.hpp"
#include "store/sqlite.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rootwatch::store {

inline constexpr int schema_version = 4;

struct outbox_item {
  std::int64_t seq = 0;
  std::string alert_id;
  std::string sink;
  std::string payload;  // the alert as rootwatch.alert/v1 JSON
  int attempts = 0;
  timestamp created_at{};
  timestamp next_attempt_at{};
};

struct outbox_counts {
  std::int64_t pending = 0;
  std::int64_t delivered = 0;
  std::int64_t dead = 0;
};

class state_store {
 public:
  // Creates state_dir/rootwatch.db, or opens and migrates it. A file that is not SQLite, or a
  // SQLite file that is not ours, or one from a newer rootwatch, is an error: it is never
  // replaced or modified.
  static result<std::unique_ptr<state_store>> open(const std::string& state_dir);

  const std::string& path() const { return db_.path(); }

  result<engine::tenant_state> load_tenant(const std::string& tenant_id);

  // The cycle's outcome, atomically: the tenant's next state, and one outbox row per alert
  // and sink. An alert id already in the outbox for that sink is not added again.
  result<void> commit_cycle(const std::string& tenant_id, const engine::tenant_state& next,
                            const std::vector<engine::alert>& alerts, const std::vector<std::string>& sinks,
                            timestamp now);

  // Alerts not bound to a cycle (test alerts, watch.degraded): outbox rows only.
  result<void> enqueue(const std::vector<engine::alert>& alerts, const std::vector<std::string>& sinks, timestamp now);

  // Pending rows of `sink` whose next attempt is due, oldest first, after row `after_seq`.
  result<std::vector<outbox_item>> due(const std::string& sink, timestamp now, std::size_t limit,
                                       std::int64_t after_seq = 0);
  // When the earliest pending row of `sink` is due; nullopt when none is pending.
  result<std::optional<timestamp>> next_due(const std::string& sink);

  result<void> mark_delivered(std::int64_t seq, timestamp now);
  result<void> mark_retry(std::int64_t seq, int attempts, timestamp next_attempt_at, const std::string& last_error);
  result<void> mark_dead(std::int64_t seq, int attempts, const std::string& last_error, timestamp now);

  result<outbox_counts> counts(const std::string& sink);

  // Pending rows per sink name, every sink that has any: rows of a sink that is no longer
  // configured are found here, so that they can be reported instead of waiting unseen.
  result<std::vector<std::pair<std::string, std::int64_t>>> pending_by_sink();

 private:
  explicit state_store(database db) : db_(std::move(db)) {}
  result<void> save_events(const std::string& tenant_id, const engine::event_memory& events);
  result<void> load_events(const std::string& tenant_id, engine::event_memory& events);
  result<void> insert_outbox(const std::vector<engine::alert>& alerts, const std::vector<std::string>& sinks,
                             timestamp now);
  database db_;
};

}  // namespace rootwatch::store
