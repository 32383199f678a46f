#include "store/state_store.hpp"

#include "engine/alert_json.hpp"
#include "engine/identity.hpp"
#include "store/event_json.hpp"
#include "store/schema.hpp"
#include "store/time_columns.hpp"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <system_error>

#include <fmt/format.h>

namespace rootwatch::store {
namespace {

std::optional<std::string> iso_or_null(const std::optional<timestamp>& t) {
  return t ? std::optional<std::string>(format_iso8601(*t)) : std::nullopt;
}

constexpr std::string_view insert_outbox_sql =
    "INSERT OR IGNORE INTO outbox (alert_id, sink, kind, payload, created_at, next_attempt_at, order_key) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)";

// Rows that may go now: pending, and the first of their order key (see schema migration 6).
constexpr std::string_view first_of_key_sql =
    "o.sink = ?1 AND o.state = 'pending' AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.sink = o.sink AND "
    "p.order_key = o.order_key AND p.state = 'pending' AND p.seq < o.seq)";

constexpr std::string_view item_columns =
    "o.seq, o.alert_id, o.sink, o.payload, o.attempts, o.created_at, o.next_attempt_at, o.kind, o.order_key";

result<void> configure(database& db) {
  // WAL with synchronous=FULL: a commit is on disk when commit() returns, which is what lets
  // the outbox promise delivery after a crash.
  auto mode = db.scalar("PRAGMA journal_mode=WAL");
  if (!mode) {
    return mode.error();
  }
  if (*mode != "wal") {
    return make_error(error_kind::store, fmt::format("{}: cannot switch to WAL journaling", db.path()));
  }
  // A short busy_timeout: the daemon's store calls run on its event loop, so waiting out another
  // writer stalls health, the watchdog and delivery; SQLITE_BUSY is a retryable error instead.
  // A small page cache (256 KiB, SQLite's default is 2 MiB): the tenants' state is kept in
  // memory and only written through, so pages are seldom read twice, and a re-read comes from
  // the kernel's page cache; at a thousand tenants the default cache was a twentieth of the RSS.
  return db.exec("PRAGMA synchronous=FULL; PRAGMA busy_timeout=200; PRAGMA foreign_keys=ON; PRAGMA cache_size=-256");
}

// The subject as the engine keeps it in memory: empty where it is the default,
// occurrence_key(key, occurrence) (see tracked_assignment::subject). The column always holds
// it in full, so that the row reads alone and survives a change of how keys are made.
void kept_subject(engine::tracked_assignment& t) {
  if (!t.subject.empty() && t.subject == engine::occurrence_key(t.key, t.occurrence)) {
    t.subject.clear();
  }
}

engine::tracked_assignment read_tracked(const statement& s) {
  engine::tracked_assignment t;
  t.key = s.text(0);
  t.current.id = s.text(1);
  t.current.scope = s.text(2);
  t.current.role.id = s.text(3);
  t.current.role.name = s.text(4);
  t.current.principal.id = s.text(5);
  t.current.principal.type = s.text(6);
  t.current.principal.display_name = s.optional_text(7);
  t.current.condition = s.optional_text(8);
  if (auto created = s.optional_text(9)) {
    t.current.created_on = parse_iso8601(*created);
  }
  t.current.created_by = s.optional_text(10);
  t.first_seen = parse_iso8601(s.text(11)).value_or(timestamp{});
  t.rule = s.text(12);
  t.level = engine::parse_severity(s.text(13)).value_or(engine::severity::info);
  t.firing = s.integer(14) != 0;
  t.baselined = s.integer(15) != 0;
  t.allowed = s.integer(16) != 0;
  t.occurrence = static_cast<int>(s.integer(17));
  if (auto removed = s.optional_text(18)) {
    t.removed_at = parse_iso8601(*removed);
  }
  t.subject = s.text(19);
  kept_subject(t);
  if (auto actor = s.optional_text(20)) {
    t.actor = actor_from_text(*actor);
  }
  // Stored numbers are input like any other: one beyond int saturates, below zero reads as none.
  t.reminders = static_cast<int>(std::clamp<std::int64_t>(s.integer(21), 0, std::numeric_limits<int>::max()));
  return t;
}

std::optional<timestamp> optional_time(const statement& s, int column) {
  auto text = s.optional_text(column);
  return text ? parse_iso8601(*text) : std::nullopt;
}

// A time as it reads back from its column.
std::optional<timestamp> stored_time(const std::optional<timestamp>& t) {
  return t ? parse_iso8601(format_iso8601(*t)) : std::nullopt;
}

// What load_tenant reads back after commit_cycle wrote `next`: each column through the same
// text it is stored as, rows in the order read. The copy kept in memory is this, so that it
// equals the row to the byte (JSON columns replace invalid UTF-8, say), and a process that
// restarts decides exactly as one that kept going. Mirrors read_tenant and read_tracked.
engine::tenant_state as_stored(const engine::tenant_state& next) {
  engine::tenant_state out = next;
  out.health.failing_since = stored_time(out.health.failing_since);
  out.health.last_success = stored_time(out.health.last_success);
  if (!std::is_sorted(out.assignments.begin(), out.assignments.end(),
                      [](const auto& a, const auto& b) { return a.key < b.key; })) {
    std::sort(out.assignments.begin(), out.assignments.end(),
              [](const auto& a, const auto& b) { return a.key < b.key; });
  }
  for (auto& t : out.assignments) {
    t.current.created_on = stored_time(t.current.created_on);
    t.first_seen = stored_time(t.first_seen).value_or(timestamp{});
    t.level = engine::parse_severity(engine::to_string(t.level)).value_or(engine::severity::info);
    t.removed_at = stored_time(t.removed_at);
    if (t.actor) {
      t.actor = actor_from_text(actor_text(*t.actor));
    }
    t.reminders = std::max(t.reminders, 0);
    kept_subject(t);
  }
  std::map<std::string, timestamp, std::less<>> watermarks;
  for (const auto& [source, at] : out.events.watermarks) {
    if (const auto stored = stored_time(at)) {
      watermarks.emplace(source, *stored);
    }
  }
  out.events.watermarks = std::move(watermarks);
  // One row per (source, event id), the last written replacing the others, read in that order.
  std::map<std::pair<std::string, std::string>, const engine::seen_event*> rows;
  for (const auto& s : next.events.seen) {
    rows[{s.event.source, s.event.event_id}] = &s;
  }
  out.events.seen.clear();
  for (const auto& [key, s] : rows) {
    if (auto e = event_from_text(event_text(s->event))) {
      out.events.seen.push_back(engine::seen_event{std::move(*e), s->subject});
    }
  }
  for (auto& [key, occurrence] : out.occurrence_marks) {
    occurrence = std::max(occurrence, 1);
  }
  return out;
}

// The first_seen of a queued payload as written, or "" when it has none (never a throw: a
// payload is our own JSON, but a store is input like any other).
std::string first_seen_of(const std::string& payload) {
  const json j = json::parse(payload, nullptr, false);
  if (!j.is_object()) {
    return {};
  }
  const auto it = j.find("first_seen");
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::string text_field(const json& j, std::string_view key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

}  // namespace

queued_alert queued(const engine::alert& a) {
  queued_alert q;
  q.alert_id = a.id;
  q.kind = a.kind;
  q.payload = dump_tolerant(engine::to_json(a));
  q.order_key = a.correlation_key.empty() ? a.id : a.correlation_key;
  q.facts = route_facts{a.kind, a.level, a.tenant.id, a.tenant.name};
  return q;
}

queued_alert queued(std::string alert_id, std::string kind, std::string payload) {
  queued_alert q;
  q.facts.kind = kind;
  // Unreadable facts route everywhere: a sink getting one alert too many beats none getting it.
  q.facts.level = engine::severity::critical;
  const json j = json::parse(payload, nullptr, false);
  if (j.is_object()) {
    q.order_key = text_field(j, "correlation_key");
    if (auto level = engine::parse_severity(text_field(j, "severity"))) {
      q.facts.level = *level;
    }
    if (const auto t = j.find("tenant"); t != j.end() && t->is_object()) {
      q.facts.tenant_id = text_field(*t, "id");
      q.facts.tenant_name = text_field(*t, "name");
    }
  }
  if (q.order_key.empty()) {
    q.order_key = alert_id;
  }
  q.alert_id = std::move(alert_id);
  q.kind = std::move(kind);
  q.payload = std::move(payload);
  return q;
}

result<std::unique_ptr<state_store>> state_store::open(const std::string& state_dir) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) {
    return make_error(error_kind::io, fmt::format("cannot create state_dir {}: {}", state_dir, ec.message()));
  }
  auto db = database::open((std::filesystem::path(state_dir) / "rootwatch.db").string());
  if (!db) {
    return db.error();
  }
  if (auto r = prepare_schema(*db, schema_version); !r) {
    return r.error();
  }
  if (auto r = configure(*db); !r) {
    return r.error();
  }
  return std::unique_ptr<state_store>(new state_store(std::move(*db)));
}

result<engine::tenant_state> state_store::load_tenant(const std::string& tenant_id) {
  auto state = tenant(tenant_id);
  if (!state) {
    return state.error();
  }
  return **state;
}

result<const engine::tenant_state*> state_store::tenant(const std::string& tenant_id) {
  if (auto r = forget_if_changed_elsewhere(); !r) {
    return r.error();
  }
  if (const auto it = tenants_.find(tenant_id); it != tenants_.end()) {
    return &it->second;
  }
  auto state = read_tenant(tenant_id);
  if (!state) {
    return state.error();
  }
  ++tenant_reads_;
  return &tenants_.insert_or_assign(tenant_id, std::move(*state)).first->second;
}

// Another connection's commit (`rootwatch check` on the same state_dir, `rootwatch outbox`, a
// process still stopping) may have changed any tenant's rows: the copies are dropped and read
// again. A one-row pragma, far cheaper than reading the rows.
result<void> state_store::forget_if_changed_elsewhere() {
  if (!data_version_) {
    auto q = db_.prepare("PRAGMA data_version");
    if (!q) {
      return q.error();
    }
    data_version_.emplace(std::move(*q));
  }
  std::int64_t version = -1;
  auto read = data_version_->for_each_row([&](const statement& r) { version = r.integer(0); });
  if (!read) {
    return read.error();
  }
  if (version != seen_version_) {
    tenants_.clear();
    seen_version_ = version;
    ++tenant_changes_;
  }
  return {};
}

result<engine::tenant_state> state_store::read_tenant(const std::string& tenant_id) {
  engine::tenant_state state;
  auto head = db_.prepare(
      "SELECT initialized, consecutive_failures, failing_since, last_success, degraded, last_error "
      "FROM tenant_state WHERE tenant_id = ?1");
  if (!head) {
    return head.error();
  }
  head->bind(1, tenant_id);
  auto row = head->step();
  if (!row) {
    return row.error();
  }
  if (*row) {
    state.initialized = head->integer(0) != 0;
    state.health.consecutive_failures = static_cast<int>(head->integer(1));
    state.health.failing_since = optional_time(*head, 2);
    state.health.last_success = optional_time(*head, 3);
    state.health.degraded = head->integer(4) != 0;
    state.health.last_error = head->text(5);
  }
  auto rows = db_.prepare(
      "SELECT key, assignment_id, scope, role_id, role_name, principal_id, principal_type, principal_display_name, "
      "condition, created_on, created_by, first_seen, rule, severity, firing, baselined, allowed, occurrence, "
      "removed_at, subject, actor, reminders FROM assignment_state WHERE tenant_id = ?1 ORDER BY key");
  if (!rows) {
    return rows.error();
  }
  rows->bind(1, tenant_id);
  auto read = rows->for_each_row([&](const statement& r) { state.assignments.push_back(read_tracked(r)); });
  if (!read) {
    return read.error();
  }
  if (auto r = load_events(tenant_id, state.events); !r) {
    return r.error();
  }
  if (auto r = load_marks(tenant_id, state.occurrence_marks); !r) {
    return r.error();
  }
  return state;
}

// Whole, like the assignments: identities whose tombstone expired, one row each.
result<void> state_store::save_marks(const std::string& tenant_id,
                                     const std::map<std::string, int, std::less<>>& marks) {
  auto wipe = db_.prepare("DELETE FROM occurrence_mark WHERE tenant_id = ?1");
  auto ins = db_.prepare("INSERT INTO occurrence_mark (tenant_id, key, occurrence) VALUES (?1, ?2, ?3)");
  if (!wipe || !ins) {
    return db_.last_error("prepare occurrence marks");
  }
  wipe->bind(1, tenant_id);
  if (auto r = wipe->run(); !r) {
    return r.error();
  }
  for (const auto& [key, occurrence] : marks) {
    ins->bind(1, tenant_id).bind(2, key).bind(3, std::int64_t{occurrence});
    if (auto r = ins->run(); !r) {
      return r.error();
    }
  }
  return {};
}

result<void> state_store::load_marks(const std::string& tenant_id, std::map<std::string, int, std::less<>>& marks) {
  auto q = db_.prepare("SELECT key, occurrence FROM occurrence_mark WHERE tenant_id = ?1 ORDER BY key");
  if (!q) {
    return q.error();
  }
  q->bind(1, tenant_id);
  return q->for_each_row([&](const statement& r) {
    // Clamped into int: a count that does not fit is at its ceiling, never below 1.
    const auto stored = r.integer(1);
    marks[r.text(0)] = static_cast<int>(std::clamp<std::int64_t>(stored, 1, std::numeric_limits<int>::max()));
  });
}

// One row; false when (alert id, sink) was already queued. That is what makes a retry, a
// restart or a replica de-duplicate, so it is only checked that the queued row is the same
// alert.
result<bool> state_store::insert_row(statement& ins, const queued_alert& a, const std::string& sink, timestamp now) {
  if (router_ && sink != unsent_sink && !router_(sink, a.facts)) {
    return false;
  }
  ins.bind(1, a.alert_id).bind(2, sink).bind(3, a.kind).bind(4, a.payload).bind(5, to_ms(now)).bind(6, a.order_key);
  if (auto r = ins.run(); !r) {
    return r.error();
  }
  if (db_.changes() > 0) {
    return true;
  }
  if (auto r = check_collision(a.alert_id, sink, a.kind, a.payload); !r) {
    return r.error();
  }
  return false;
}

result<void> state_store::check_collision(const std::string& alert_id, const std::string& sink, const std::string& kind,
                                          const std::string& payload) {
  auto q = db_.prepare("SELECT kind, payload FROM outbox WHERE alert_id = ?1 AND sink = ?2");
  if (!q) {
    return q.error();
  }
  q->bind(1, alert_id).bind(2, sink);
  std::optional<id_collision> found;
  auto read = q->for_each_row([&](const statement& r) {
    id_collision c{alert_id, sink, r.text(0), first_seen_of(r.text(1)), kind, first_seen_of(payload)};
    if (c.queued_kind != c.dropped_kind || c.queued_first_seen != c.dropped_first_seen) {
      found = std::move(c);
    }
  });
  if (!read) {
    return read.error();
  }
  if (found) {
    ++id_collisions_;
    if (collision_observer_) {
      collision_observer_(*found);
    }
  }
  return {};
}

result<void> state_store::insert_outbox(const std::vector<engine::alert>& alerts, const std::vector<std::string>& sinks,
                                        timestamp now) {
  if (alerts.empty() || sinks.empty()) {
    return {};
  }
  auto ins = db_.prepare(insert_outbox_sql);
  if (!ins) {
    return ins.error();
  }
  for (const auto& a : alerts) {
    const auto q = queued(a);
    for (const auto& sink : sinks) {
      if (auto r = insert_row(*ins, q, sink, now); !r) {
        return r.error();
      }
    }
  }
  return {};
}

result<void> state_store::commit_cycle(const std::string& tenant_id, const engine::tenant_state& next,
                                       const std::vector<engine::alert>& alerts, const std::vector<std::string>& sinks,
                                       timestamp now) {
  auto written = write_cycle(tenant_id, next, alerts, sinks, now);
  ++tenant_changes_;
  if (!written) {
    // Rolled back, so the row is as it was; but whether a failed COMMIT left anything behind is
    // not worth guessing: the next load reads the row.
    tenants_.erase(tenant_id);
    return written;
  }
  tenants_.insert_or_assign(tenant_id, as_stored(next));
  return written;
}

result<void> state_store::write_cycle(const std::string& tenant_id, const engine::tenant_state& next,
                                      const std::vector<engine::alert>& alerts, const std::vector<std::string>& sinks,
                                      timestamp now) {
  auto tx = transaction::begin(db_);
  if (!tx) {
    return tx.error();
  }
  auto head = db_.prepare(
      "INSERT INTO tenant_state (tenant_id, initialized, updated_at, consecutive_failures, failing_since, "
      "last_success, degraded, last_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
      "ON CONFLICT (tenant_id) DO UPDATE SET initialized = excluded.initialized, updated_at = excluded.updated_at, "
      "consecutive_failures = excluded.consecutive_failures, failing_since = excluded.failing_since, "
      "last_success = excluded.last_success, degraded = excluded.degraded, last_error = excluded.last_error");
  auto wipe = db_.prepare("DELETE FROM assignment_state WHERE tenant_id = ?1");
  auto ins = db_.prepare(
      "INSERT INTO assignment_state (tenant_id, key, assignment_id, scope, role_id, role_name, principal_id, "
      "principal_type, principal_display_name, condition, created_on, created_by, first_seen, rule, severity, firing, "
      "baselined, allowed, occurrence, removed_at, subject, actor, reminders) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
      "?23)");
  if (!head || !wipe || !ins) {
    return db_.last_error("prepare cycle commit");
  }
  const auto& h = next.health;
  head->bind(1, tenant_id).bind(2, std::int64_t{next.initialized ? 1 : 0}).bind(3, to_ms(now));
  head->bind(4, std::int64_t{h.consecutive_failures}).bind_optional(5, iso_or_null(h.failing_since));
  head->bind_optional(6, iso_or_null(h.last_success)).bind(7, std::int64_t{h.degraded ? 1 : 0}).bind(8, h.last_error);
  wipe->bind(1, tenant_id);
  if (auto r = head->run(); !r) {
    return r.error();
  }
  if (auto r = wipe->run(); !r) {
    return r.error();
  }
  for (const auto& t : next.assignments) {
    const auto& a = t.current;
    ins->bind(1, tenant_id).bind(2, t.key).bind(3, a.id).bind(4, a.scope).bind(5, a.role.id).bind(6, a.role.name);
    ins->bind(7, a.principal.id)
        .bind(8, a.principal.type)
        .bind_optional(9, a.principal.display_name)
        .bind_optional(10, a.condition);
    ins->bind_optional(11, iso_or_null(a.created_on))
        .bind_optional(12, a.created_by)
        .bind(13, format_iso8601(t.first_seen));
    ins->bind(14, t.rule).bind(15, engine::to_string(t.level)).bind(16, std::int64_t{t.firing ? 1 : 0});
    ins->bind(17, std::int64_t{t.baselined ? 1 : 0}).bind(18, std::int64_t{t.allowed ? 1 : 0});
    ins->bind(19, std::int64_t{t.occurrence})
        .bind_optional(20, iso_or_null(t.removed_at))
        .bind(21, engine::alert_subject(t));
    ins->bind_optional(22, t.actor ? std::optional<std::string>(actor_text(*t.actor)) : std::nullopt);
    ins->bind(23, std::int64_t{t.reminders});
    if (auto r = ins->run(); !r) {
      return r.error();
    }
  }
  if (auto r = save_events(tenant_id, next.events); !r) {
    return r.error();
  }
  if (auto r = save_marks(tenant_id, next.occurrence_marks); !r) {
    return r.error();
  }
  if (auto r = insert_outbox(alerts, sinks, now); !r) {
    return r.error();
  }
  return tx->commit();
}

// The watermarks and the records taken lately, rewritten whole: a handful of rows, and the
// cycle's write is skipped when nothing changed (see the watcher).
result<void> state_store::save_events(const std::string& tenant_id, const engine::event_memory& events) {
  auto wipe_marks = db_.prepare("DELETE FROM event_watermark WHERE tenant_id = ?1");
  auto wipe_seen = db_.prepare("DELETE FROM seen_event WHERE tenant_id = ?1");
  auto mark = db_.prepare("INSERT INTO event_watermark (tenant_id, source, watermark) VALUES (?1, ?2, ?3)");
  auto seen = db_.prepare(
      "INSERT OR REPLACE INTO seen_event (tenant_id, source, event_id, occurred_at, subject, record) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!wipe_marks || !wipe_seen || !mark || !seen) {
    return db_.last_error("prepare event memory");
  }
  wipe_marks->bind(1, tenant_id);
  wipe_seen->bind(1, tenant_id);
  if (auto r = wipe_marks->run(); !r) {
    return r.error();
  }
  if (auto r = wipe_seen->run(); !r) {
    return r.error();
  }
  for (const auto& [source, at] : events.watermarks) {
    mark->bind(1, tenant_id).bind(2, source).bind(3, format_iso8601(at));
    if (auto r = mark->run(); !r) {
      return r.error();
    }
  }
  for (const auto& s : events.seen) {
    seen->bind(1, tenant_id).bind(2, s.event.source).bind(3, s.event.event_id);
    seen->bind(4, format_iso8601(s.event.occurred_at)).bind(5, s.subject).bind(6, event_text(s.event));
    if (auto r = seen->run(); !r) {
      return r.error();
    }
  }
  return {};
}

result<void> state_store::load_events(const std::string& tenant_id, engine::event_memory& events) {
  auto marks = db_.prepare("SELECT source, watermark FROM event_watermark WHERE tenant_id = ?1 ORDER BY source");
  auto seen = db_.prepare("SELECT subject, record FROM seen_event WHERE tenant_id = ?1 ORDER BY source, event_id");
  if (!marks || !seen) {
    return db_.last_error("prepare event memory");
  }
  marks->bind(1, tenant_id);
  auto read_marks = marks->for_each_row([&](const statement& r) {
    // An unreadable watermark is forgotten: the source is read back initial_lookback again,
    // and what it returns twice is known by its id.
    if (const auto at = parse_iso8601(r.text(1))) {
      events.watermarks[r.text(0)] = *at;
    }
  });
  if (!read_marks) {
    return read_marks.error();
  }
  seen->bind(1, tenant_id);
  auto read_seen = seen->for_each_row([&](const statement& r) {
    if (auto e = event_from_text(r.text(1))) {
      events.seen.push_back(engine::seen_event{std::move(*e), r.text(0)});
    }
  });
  if (!read_seen) {
    return read_seen.error();
  }
  return {};
}

}  // namespace rootwatch::store

namespace rootwatch::store {

result<void> state_store::enqueue(const std::vector<engine::alert>& alerts, const std::vector<std::string>& sinks,
                                  timestamp now) {
  auto tx = transaction::begin(db_);
  if (!tx) {
    return tx.error();
  }
  if (auto r = insert_outbox(alerts, sinks, now); !r) {
    return r.error();
  }
  return tx->commit();
}

namespace {

outbox_item read_item(const statement& row) {
  outbox_item item;
  item.seq = row.integer(0);
  item.alert_id = row.text(1);
  item.sink = row.text(2);
  item.payload = row.text(3);
  item.attempts = static_cast<int>(row.integer(4));
  item.created_at = from_ms(row.integer(5));
  item.next_attempt_at = from_ms(row.integer(6));
  item.kind = row.text(7);
  item.order_key = row.text(8);
  return item;
}

}  // namespace

result<std::vector<outbox_item>> state_store::due(const std::string& sink, timestamp now, std::size_t limit,
                                                  std::int64_t after_seq) {
  auto q =
      db_.prepare(fmt::format("SELECT {} FROM outbox o WHERE {} AND o.next_attempt_at <= ?2 AND o.seq > ?4 "
                              "ORDER BY o.seq LIMIT ?3",
                              item_columns, first_of_key_sql));
  if (!q) {
    return q.error();
  }
  q->bind(1, sink).bind(2, to_ms(now)).bind(3, static_cast<std::int64_t>(limit)).bind(4, after_seq);
  std::vector<outbox_item> out;
  auto read = q->for_each_row([&](const statement& row) { out.push_back(read_item(row)); });
  if (!read) {
    return read.error();
  }
  return out;
}

result<std::optional<timestamp>> state_store::next_due(const std::string& sink, const std::vector<std::int64_t>& busy) {
  auto q =
      db_.prepare(fmt::format("SELECT o.seq, o.next_attempt_at FROM outbox o WHERE {} "
                              "ORDER BY o.next_attempt_at, o.seq LIMIT ?2",
                              first_of_key_sql));
  if (!q) {
    return q.error();
  }
  q->bind(1, sink).bind(2, static_cast<std::int64_t>(busy.size() + 1));
  std::optional<timestamp> out;
  auto read = q->for_each_row([&](const statement& row) {
    if (!out && std::find(busy.begin(), busy.end(), row.integer(0)) == busy.end()) {
      out = from_ms(row.integer(1));
    }
  });
  if (!read) {
    return read.error();
  }
  return out;
}

result<std::vector<outbox_item>> state_store::pending(const std::string& sink) {
  auto q = db_.prepare(
      fmt::format("SELECT {} FROM outbox o WHERE o.sink = ?1 AND o.state = 'pending' ORDER BY o.seq", item_columns));
  if (!q) {
    return q.error();
  }
  q->bind(1, sink);
  std::vector<outbox_item> out;
  auto read = q->for_each_row([&](const statement& row) { out.push_back(read_item(row)); });
  if (!read) {
    return read.error();
  }
  return out;
}

result<std::vector<outbox_item>> state_store::overflow(const std::string& sink, std::int64_t limit) {
  auto count = db_.prepare("SELECT count(*) FROM outbox WHERE sink = ?1 AND state = 'pending'");
  if (!count) {
    return count.error();
  }
  count->bind(1, sink);
  std::int64_t pending = 0;
  if (auto r = count->for_each_row([&](const statement& row) { pending = row.integer(0); }); !r) {
    return r.error();
  }
  std::vector<outbox_item> out;
  if (pending <= limit) {
    return out;
  }
  auto q =
      db_.prepare(fmt::format("SELECT {} FROM outbox o WHERE o.sink = ?1 AND o.state = 'pending' "
                              "ORDER BY (o.kind = 'assignment.lingering') DESC, o.seq LIMIT ?2",
                              item_columns));
  if (!q) {
    return q.error();
  }
  q->bind(1, sink).bind(2, pending - limit);
  auto read = q->for_each_row([&](const statement& row) { out.push_back(read_item(row)); });
  if (!read) {
    return read.error();
  }
  return out;
}

result<std::vector<outbox_item>> state_store::expired(const std::string& sink, timestamp queued_by, std::size_t limit) {
  auto q =
      db_.prepare(fmt::format("SELECT {} FROM outbox o WHERE o.sink = ?1 AND o.state = 'pending' "
                              "AND o.created_at <= ?2 ORDER BY o.seq LIMIT ?3",
                              item_columns));
  if (!q) {
    return q.error();
  }
  q->bind(1, sink).bind(2, to_ms(queued_by)).bind(3, static_cast<std::int64_t>(limit));
  std::vector<outbox_item> out;
  auto read = q->for_each_row([&](const statement& row) { out.push_back(read_item(row)); });
  if (!read) {
    return read.error();
  }
  return out;
}

result<std::int64_t> state_store::prune_delivered(timestamp before) {
  auto q = db_.prepare("DELETE FROM outbox WHERE state = 'delivered' AND finished_at < ?1");
  if (!q) {
    return q.error();
  }
  q->bind(1, to_ms(before));
  if (auto r = q->run(); !r) {
    return r.error();
  }
  return static_cast<std::int64_t>(db_.changes());
}

result<void> state_store::mark_delivered(std::int64_t seq, timestamp now) {
  auto q = db_.prepare(
      "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, finished_at = ?2, last_error = NULL "
      "WHERE seq = ?1");
  if (!q) {
    return q.error();
  }
  q->bind(1, seq).bind(2, to_ms(now));
  return q->run();
}

result<void> state_store::mark_delivered(const std::vector<std::int64_t>& seqs, timestamp now) {
  if (seqs.empty()) {
    return {};
  }
  auto tx = transaction::begin(db_);
  if (!tx) {
    return tx.error();
  }
  auto q = db_.prepare(
      "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, finished_at = ?2, last_error = NULL "
      "WHERE seq = ?1");
  if (!q) {
    return q.error();
  }
  for (const auto seq : seqs) {
    q->bind(1, seq).bind(2, to_ms(now));
    if (auto r = q->run(); !r) {
      return r.error();
    }
  }
  return tx->commit();
}

result<void> state_store::mark_retry(std::int64_t seq, int attempts, timestamp next_attempt_at,
                                     const std::string& last_error) {
  // Only a row still pending: one the operator dropped or revived meanwhile (rootwatch outbox)
  // keeps what the operator made of it.
  auto q = db_.prepare(
      "UPDATE outbox SET attempts = ?2, next_attempt_at = ?3, last_error = ?4 WHERE seq = ?1 AND state = 'pending'");
  if (!q) {
    return q.error();
  }
  q->bind(1, seq).bind(2, std::int64_t{attempts}).bind(3, to_ms(next_attempt_at)).bind(4, last_error);
  return q->run();
}

result<void> state_store::mark_dead(std::int64_t seq, int attempts, const std::string& last_error, timestamp now) {
  auto q = db_.prepare(
      "UPDATE outbox SET state = 'dead', attempts = ?2, last_error = ?3, finished_at = ?4 "
      "WHERE seq = ?1 AND state = 'pending'");
  if (!q) {
    return q.error();
  }
  q->bind(1, seq).bind(2, std::int64_t{attempts}).bind(3, last_error).bind(4, to_ms(now));
  return q->run();
}

result<outbox_counts> state_store::counts(const std::string& sink) {
  auto q = db_.prepare("SELECT state, count(*) FROM outbox WHERE sink = ?1 GROUP BY state");
  if (!q) {
    return q.error();
  }
  q->bind(1, sink);
  outbox_counts c;
  auto read = q->for_each_row([&](const statement& row) {
    const auto state = row.text(0);
    const auto n = row.integer(1);
    if (state == "pending") {
      c.pending = n;
    } else if (state == "delivered") {
      c.delivered = n;
    } else if (state == "dead") {
      c.dead = n;
    }
  });
  if (!read) {
    return read.error();
  }
  return c;
}

result<std::optional<timestamp>> state_store::oldest_pending(const std::string& sink) {
  // min() over the (sink, state, ...) index: one row, null when nothing is pending.
  auto q = db_.prepare("SELECT min(created_at) FROM outbox WHERE sink = ?1 AND state = 'pending'");
  if (!q) {
    return q.error();
  }
  q->bind(1, sink);
  std::optional<timestamp> out;
  auto read = q->for_each_row([&](const statement& row) {
    if (!row.is_null(0)) {
      out = from_ms(row.integer(0));
    }
  });
  if (!read) {
    return read.error();
  }
  return out;
}

result<std::vector<std::pair<std::string, std::int64_t>>> state_store::pending_by_sink() {
  auto q = db_.prepare("SELECT sink, count(*) FROM outbox WHERE state = 'pending' GROUP BY sink ORDER BY sink");
  if (!q) {
    return q.error();
  }
  std::vector<std::pair<std::string, std::int64_t>> out;
  auto read = q->for_each_row([&](const statement& row) { out.emplace_back(row.text(0), row.integer(1)); });
  if (!read) {
    return read.error();
  }
  return out;
}

}  // namespace rootwatch::store

namespace rootwatch::store {

result<sink_welcome> state_store::welcome_sinks(const std::vector<std::string>& configured,
                                                const std::vector<engine::alert>& firing, timestamp now) {
  auto tx = transaction::begin(db_);
  if (!tx) {
    return tx.error();
  }
  auto ins = db_.prepare(insert_outbox_sql);
  if (!ins) {
    return ins.error();
  }
  sink_welcome out;
  // Handed over first: they were raised before anything the new sinks get from `firing` could
  // be, in their own order, so that a removal still follows its creation.
  auto handed = hand_over_unsent(*ins, configured, now);
  if (!handed) {
    return handed.error();
  }
  out.handed_over = *handed;
  auto unknown = unknown_sinks(configured);
  if (!unknown) {
    return unknown.error();
  }
  out.introduced = std::move(*unknown);
  auto replayed = replay_firing(*ins, out.introduced, firing, now);
  if (!replayed) {
    return replayed.error();
  }
  out.replayed = *replayed;
  auto known = db_.prepare("INSERT OR IGNORE INTO known_sink (name, introduced_at) VALUES (?1, ?2)");
  if (!known) {
    return known.error();
  }
  for (const auto& sink : out.introduced) {
    known->bind(1, sink).bind(2, to_ms(now));
    if (auto r = known->run(); !r) {
      return r.error();
    }
  }
  if (auto r = tx->commit(); !r) {
    return r.error();
  }
  return out;
}

result<std::int64_t> state_store::hand_over_unsent(statement& ins, const std::vector<std::string>& configured,
                                                   timestamp now) {
  if (configured.empty()) {
    return std::int64_t{0};
  }
  struct row {
    std::string alert_id;
    std::string kind;
    std::string payload;
  };
  std::vector<row> rows;
  auto q = db_.prepare("SELECT alert_id, kind, payload FROM outbox WHERE sink = ?1 ORDER BY seq");
  if (!q) {
    return q.error();
  }
  q->bind(1, unsent_sink);
  auto read = q->for_each_row([&](const statement& r) { rows.push_back(row{r.text(0), r.text(1), r.text(2)}); });
  if (!read) {
    return read.error();
  }
  for (const auto& r : rows) {
    const auto alert = queued(r.alert_id, r.kind, r.payload);
    for (const auto& sink : configured) {
      if (auto added = insert_row(ins, alert, sink, now); !added) {
        return added.error();
      }
    }
  }
  auto wipe = db_.prepare("DELETE FROM outbox WHERE sink = ?1");
  if (!wipe) {
    return wipe.error();
  }
  wipe->bind(1, unsent_sink);
  if (auto r = wipe->run(); !r) {
    return r.error();
  }
  return static_cast<std::int64_t>(rows.size());
}

result<std::vector<std::string>> state_store::unknown_sinks(const std::vector<std::string>& configured) {
  auto q = db_.prepare("SELECT count(*) FROM known_sink WHERE name = ?1");
  if (!q) {
    return q.error();
  }
  std::vector<std::string> out;
  for (const auto& sink : configured) {
    q->bind(1, sink);
    bool known = false;
    auto read = q->for_each_row([&](const statement& r) { known = r.integer(0) > 0; });
    if (!read) {
      return read.error();
    }
    if (!known && std::find(out.begin(), out.end(), sink) == out.end()) {
      out.push_back(sink);
    }
  }
  return out;
}

// Each alert as first queued, when the outbox still has it: the receiver gets the very payload
// the other sinks got. Otherwise (raised before this version kept alerts for later sinks, say)
// as `firing` has it, under the same id.
result<std::int64_t> state_store::replay_firing(statement& ins, const std::vector<std::string>& sinks,
                                                const std::vector<engine::alert>& firing, timestamp now) {
  if (sinks.empty() || firing.empty()) {
    return std::int64_t{0};
  }
  auto first = db_.prepare("SELECT payload FROM outbox WHERE alert_id = ?1 AND kind = ?2 ORDER BY seq LIMIT 1");
  if (!first) {
    return first.error();
  }
  std::int64_t added = 0;
  for (const auto& a : firing) {
    std::optional<std::string> payload;
    first->bind(1, a.id).bind(2, a.kind);
    auto read = first->for_each_row([&](const statement& r) { payload = r.text(0); });
    if (!read) {
      return read.error();
    }
    auto q = queued(a);
    if (payload) {
      q.payload = std::move(*payload);
    }
    for (const auto& sink : sinks) {
      auto inserted = insert_row(ins, q, sink, now);
      if (!inserted) {
        return inserted.error();
      }
      added += *inserted ? 1 : 0;
    }
  }
  return added;
}

}  // namespace rootwatch::store
