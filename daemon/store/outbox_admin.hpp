#pragma once

// The operator's view of the outbox (`rootwatch outbox list|retry|drop`), on its own
// connection to rootwatch.db, so that it works while the daemon runs:
// - WAL: reading never waits for the daemon, nor the daemon for a read;
// - writes are one short BEGIN IMMEDIATE transaction each, and every UPDATE names the state it
//   expects (`WHERE seq = ? AND state = ?`), so a row the dispatcher delivered meanwhile is
//   never brought back;
// - the schema is never migrated here: a database of another schema version is refused.
// Nothing is deleted: a dropped row is marked dead with a note saying who and when.

#include "common/error.hpp"
#include "common/time.hpp"
#include "store/sqlite.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rootwatch::store {

struct outbox_row {
  std::int64_t seq = 0;
  std::string state;  // pending | delivered | dead
  std::string sink;
  std::string kind;
  std::string alert_id;
  std::string tenant_id;    // from the payload; "" when it has none
  std::string tenant_name;  // from the payload; "" when it has none
  timestamp created_at{};   // when the row was queued, or requeued by `outbox retry`
  int attempts = 0;
  timestamp next_attempt_at{};
  std::optional<std::string> last_error;
  std::optional<timestamp> finished_at;
};

// Which rows: every given part must hold (an empty part holds for every row).
struct outbox_filter {
  std::vector<std::int64_t> seqs;
  std::optional<std::string> alert_id;
  std::optional<std::string> sink;
  std::vector<std::string> states;

  bool selects_something() const { return !seqs.empty() || alert_id || sink || !states.empty(); }
};

// A requested seq that retry or drop left alone: in another state, or no such row.
struct outbox_untouched {
  std::int64_t seq = 0;
  std::optional<std::string> state;  // nullopt: no row has this seq
};

struct outbox_change {
  std::vector<outbox_row> changed;  // as they are after the change
  std::vector<outbox_untouched> untouched;
};

// The last_error a dropped row gets.
std::string drop_note(timestamp now);

class outbox_admin {
 public:
  // Opens state_dir/rootwatch.db, which must exist and have this binary's schema version.
  static result<outbox_admin> open(const std::string& state_dir);

  const std::string& path() const { return db_.path(); }

  result<std::vector<outbox_row>> list(const outbox_filter& filter);

  // Matching pending and dead rows (the filter's states, when given, narrow that) go back to
  // pending, due at `now`, with attempts 0 and created_at `now`: the dispatcher measures
  // give_up_after from created_at, so the give-up clock restarts. The original queue time is
  // kept in the row's last_error note.
  result<outbox_change> retry(const outbox_filter& filter, timestamp now);

  // Matching pending rows are marked dead with drop_note(now) as their last_error.
  result<outbox_change> drop(const outbox_filter& filter, timestamp now);

 private:
  explicit outbox_admin(database db) : db_(std::move(db)) {}
  // Rows matching `filter` whose state is one of `acting_on`, each changed by `update` (bound
  // ?1 seq, ?2 expected state, ?3 now, ?4 note of the row), in one transaction.
  template <class Note>
  result<outbox_change> change(const outbox_filter& filter, const std::vector<std::string>& acting_on,
                               std::string_view update, timestamp now, Note note);
  result<std::vector<outbox_row>> select(const outbox_filter& filter);
  result<std::optional<outbox_row>> row(std::int64_t seq);
  database db_;
};

}  // namespace rootwatch::store
