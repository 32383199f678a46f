#pragma once

// rootwatch.db: what the engine remembers per tenant, and the outbox of alerts to deliver.
// A cycle's next state and the alerts it caused are committed in one transaction
// (invariant 2): after a crash at any point, either both are there or neither is.

#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/model.hpp"
#include "store/sqlite.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::store {

inline constexpr int schema_version = 8;

// Where alerts raised while no [[sink]] is configured wait: a name no configured sink can have
// (names are letters, digits, '.', '_' and '-'). The first sinks configured later take them
// over (welcome_sinks), so that nothing raised meanwhile is lost.
inline constexpr std::string_view unsent_sink = "(no sink)";

// An alert id already queued for a sink under a different alert (another kind, or another
// first_seen: another occurrence). The new one cannot be queued under that id; this is a bug
// in how ids are made, and it is said loudly instead of being dropped in silence.
struct id_collision {
  std::string alert_id;
  std::string sink;
  std::string queued_kind;
  std::string queued_first_seen;
  std::string dropped_kind;
  std::string dropped_first_seen;
};

// What welcome_sinks did.
struct sink_welcome {
  std::vector<std::string> introduced;  // configured sinks never welcomed before
  std::int64_t handed_over = 0;         // rows of unsent_sink queued for the configured sinks
  std::int64_t replayed = 0;            // firing alerts queued for the introduced sinks (new rows only)
};

// What a sink's routing looks at (config: severity, kinds, tenants).
struct route_facts {
  std::string kind;
  engine::severity level = engine::severity::info;
  std::string tenant_id;
  std::string tenant_name;
};

// Whether `sink` takes an alert; unset, every sink takes every alert.
using sink_router = std::function<bool(std::string_view sink, const route_facts&)>;

// One alert as the outbox queues it.
struct queued_alert {
  std::string alert_id;
  std::string kind;
  std::string payload;    // rootwatch.alert/v1 JSON
  std::string order_key;  // its correlation key (the alert id when it has none)
  route_facts facts;
};

struct outbox_item {
  std::int64_t seq = 0;
  std::string alert_id;
  std::string sink;
  std::string payload;  // the alert as rootwatch.alert/v1 JSON
  std::string kind;
  std::string order_key;
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

  // The tenant's state as last committed. Read from the database once per tenant, then kept in
  // memory: commit_cycle writes through, so the copy stays equal to the row (two [[tenant]]
  // tables with one tenant_id share it). A commit by another connection (`rootwatch check`, an
  // old process) empties the copy, and the next call reads the rows again.
  result<engine::tenant_state> load_tenant(const std::string& tenant_id);
  // The same without a copy: valid until the next call of a non-const member of this store.
  result<const engine::tenant_state*> tenant(const std::string& tenant_id);
  // How many times a tenant's rows were read from the database (the cost the copy saves).
  std::int64_t tenant_reads() const { return tenant_reads_; }
  // Moves whenever any tenant's state may have changed: a commit here (or one that failed), or
  // a commit by another connection seen by tenant() or load_tenant(). Equal twice, with a
  // tenant() call just before the second look, means no tenant's state changed in between.
  std::uint64_t tenant_changes() const { return tenant_changes_; }

  // The cycle's outcome, atomically: the tenant's next state, and one outbox row per alert
  // and sink. An alert id already in the outbox for that sink is not added again.
  result<void> commit_cycle(const std::string& tenant_id, const engine::tenant_state& next,
                            const std::vector<engine::alert>& alerts, const std::vector<std::string>& sinks,
                            timestamp now);

  // Alerts not bound to a cycle (test alerts, watch.degraded): outbox rows only.
  result<void> enqueue(const std::vector<engine::alert>& alerts, const std::vector<std::string>& sinks, timestamp now);

  // Called when a generation of sinks starts, after the previous one stopped, in one
  // transaction:
  // - rows waiting for unsent_sink are queued for every configured sink, then removed (when at
  //   least one is configured);
  // - every configured sink not welcomed before gets `firing` (the assignment.created alerts
  //   of what fires now, see engine::firing_alerts), each as first queued when the outbox still
  //   holds it, so a sink that had an alert de-duplicates it by id; it is then known.
  // New rows are due at once, and their give_up_after counts from `now`.
  result<sink_welcome> welcome_sinks(const std::vector<std::string>& configured,
                                     const std::vector<engine::alert>& firing, timestamp now);

  // Routing: rows are queued only for the sinks that take the alert (unsent_sink takes all;
  // its rows are routed when they are handed over).
  void set_router(sink_router router) { router_ = std::move(router); }

  // Every id collision is logged at error; `observer` also hears of each (for a metric).
  void on_id_collision(std::function<void(const id_collision&)> observer) { collision_observer_ = std::move(observer); }
  std::int64_t id_collisions() const { return id_collisions_; }

  // Pending rows of `sink` whose next attempt is due, oldest first, after row `after_seq`;
  // only the first pending row of each order key (the others wait for it to be delivered or
  // given up on).
  result<std::vector<outbox_item>> due(const std::string& sink, timestamp now, std::size_t limit,
                                       std::int64_t after_seq = 0);
  // When the earliest of those rows is due, leaving out the rows `busy` (being delivered);
  // nullopt when there is none.
  result<std::optional<timestamp>> next_due(const std::string& sink, const std::vector<std::int64_t>& busy = {});

  // Every pending row of `sink`, in the order queued (due or not, first of its key or not).
  result<std::vector<outbox_item>> pending(const std::string& sink);

  // The oldest pending rows of `sink` past `limit` rows, reminders first: what the bound
  // gives up on.
  result<std::vector<outbox_item>> overflow(const std::string& sink, std::int64_t limit);
  // Pending rows of `sink` queued (or requeued) at or before `queued_by`, oldest first, at most
  // `limit`: what give_up_after gives up on while no attempt reaches them (the sink's breaker
  // is open).
  result<std::vector<outbox_item>> expired(const std::string& sink, timestamp queued_by, std::size_t limit);
  // Forgets delivered rows finished before `before`; returns how many.
  result<std::int64_t> prune_delivered(timestamp before);

  result<void> mark_delivered(std::int64_t seq, timestamp now);
  // Several delivered rows in one transaction (one fsync): the dispatcher records a few 2xx at
  // once; a crash before this returns re-delivers them (at least once, never lost).
  result<void> mark_delivered(const std::vector<std::int64_t>& seqs, timestamp now);
  result<void> mark_retry(std::int64_t seq, int attempts, timestamp next_attempt_at, const std::string& last_error);
  result<void> mark_dead(std::int64_t seq, int attempts, const std::string& last_error, timestamp now);

  result<outbox_counts> counts(const std::string& sink);
  // When the oldest pending row of `sink` was queued (or requeued); nullopt when none waits.
  result<std::optional<timestamp>> oldest_pending(const std::string& sink);

  // Pending rows per sink name, every sink that has any: rows of a sink that is no longer
  // configured are found here, so that they can be reported instead of waiting unseen.
  result<std::vector<std::pair<std::string, std::int64_t>>> pending_by_sink();

 private:
  explicit state_store(database db) : db_(std::move(db)) {}
  result<engine::tenant_state> read_tenant(const std::string& tenant_id);
  result<void> write_cycle(const std::string& tenant_id, const engine::tenant_state& next,
                           const std::vector<engine::alert>& alerts, const std::vector<std::string>& sinks,
                           timestamp now);
  result<void> forget_if_changed_elsewhere();
  result<void> save_events(const std::string& tenant_id, const engine::event_memory& events);
  result<void> load_events(const std::string& tenant_id, engine::event_memory& events);
  result<void> insert_outbox(const std::vector<engine::alert>& alerts, const std::vector<std::string>& sinks,
                             timestamp now);
  result<void> save_marks(const std::string& tenant_id, const std::map<std::string, int, std::less<>>& marks);
  result<void> load_marks(const std::string& tenant_id, std::map<std::string, int, std::less<>>& marks);
  result<bool> insert_row(statement& ins, const queued_alert& a, const std::string& sink, timestamp now);
  result<void> check_collision(const std::string& alert_id, const std::string& sink, const std::string& kind,
                               const std::string& payload);
  result<std::int64_t> hand_over_unsent(statement& ins, const std::vector<std::string>& configured, timestamp now);
  result<std::vector<std::string>> unknown_sinks(const std::vector<std::string>& configured);
  result<std::int64_t> replay_firing(statement& ins, const std::vector<std::string>& sinks,
                                     const std::vector<engine::alert>& firing, timestamp now);
  database db_;
  std::function<void(const id_collision&)> collision_observer_;
  std::int64_t id_collisions_ = 0;
  sink_router router_;
  // Tenant states as committed, by tenant id (see load_tenant).
  std::map<std::string, engine::tenant_state, std::less<>> tenants_;
  std::int64_t tenant_reads_ = 0;
  std::uint64_t tenant_changes_ = 0;
  std::optional<statement> data_version_;  // PRAGMA data_version: moves on another connection's commit
  std::int64_t seen_version_ = -1;
};

queued_alert queued(const engine::alert& a);
// From a stored payload; tolerant: a payload it cannot read is routed to every sink.
queued_alert queued(std::string alert_id, std::string kind, std::string payload);

}  // namespace rootwatch::store
