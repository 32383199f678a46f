#include "store/schema.hpp"

#include <array>
#include <string_view>

#include <fmt/format.h>

namespace rootwatch::store {
namespace {

// Migration i takes the schema from version i to i + 1. Never edit a released one: add more.
constexpr std::array<std::string_view, 8> migrations{
    R"sql(
CREATE TABLE tenant_state (
  tenant_id   TEXT PRIMARY KEY,
  initialized INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE TABLE assignment_state (
  tenant_id              TEXT NOT NULL,
  key                    TEXT NOT NULL,
  assignment_id          TEXT NOT NULL,
  scope                  TEXT NOT NULL,
  role_id                TEXT NOT NULL,
  role_name              TEXT NOT NULL,
  principal_id           TEXT NOT NULL,
  principal_type         TEXT NOT NULL,
  principal_display_name TEXT,
  condition              TEXT,
  created_on             TEXT,
  created_by             TEXT,
  first_seen             TEXT NOT NULL,
  rule                   TEXT NOT NULL,
  severity               TEXT NOT NULL,
  firing                 INTEGER NOT NULL,
  baselined              INTEGER NOT NULL,
  allowed                INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, key)
);
CREATE TABLE outbox (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  alert_id        TEXT NOT NULL,
  sink            TEXT NOT NULL,
  kind            TEXT NOT NULL,
  payload         TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
  last_error      TEXT,
  finished_at     INTEGER,
  UNIQUE (alert_id, sink)
);
CREATE INDEX outbox_due ON outbox (sink, state, next_attempt_at);
)sql",
    // 2: flapping assignments (tombstones, occurrences) and the health of the watch.
    R"sql(
ALTER TABLE assignment_state ADD COLUMN occurrence INTEGER NOT NULL DEFAULT 1;
ALTER TABLE assignment_state ADD COLUMN removed_at TEXT;
ALTER TABLE tenant_state ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tenant_state ADD COLUMN failing_since TEXT;
ALTER TABLE tenant_state ADD COLUMN last_success TEXT;
ALTER TABLE tenant_state ADD COLUMN degraded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tenant_state ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
)sql",
    // 3: an assignment's identity no longer holds its createdOn (invariant 8). Keys were
    // "id|scope|role|principal|<createdOn>", with the createdOn column formatted as in the key;
    // they become "id|scope|role|principal|". Each row first records the subject its alerts
    // went out under (the old key, "#n" for a later occurrence), so that an assignment firing
    // at the upgrade is not alerted again and resolves with the correlation key it was
    // announced with. Rows that now share a key (a tombstone and a live row of one assignment,
    // say) become one: the live one, firing first, with the highest occurrence of them all, so
    // that a later occurrence never reuses a number, hence ids, already sent.
    R"sql(
ALTER TABLE assignment_state ADD COLUMN subject TEXT NOT NULL DEFAULT '';
UPDATE assignment_state SET subject = CASE WHEN occurrence > 1 THEN key || '#' || occurrence ELSE key END;
CREATE TEMP TABLE rekey_v3 AS
SELECT rid, new_key,
       row_number() OVER (PARTITION BY tenant_id, new_key
                          ORDER BY removed_at IS NULL DESC, firing DESC, occurrence DESC, key) AS rank,
       max(occurrence) OVER (PARTITION BY tenant_id, new_key) AS top_occurrence
FROM (SELECT rowid AS rid, tenant_id, key, occurrence, firing, removed_at,
             CASE WHEN created_on IS NOT NULL AND substr(key, -length(created_on) - 1) = '|' || created_on
                  THEN substr(key, 1, length(key) - length(created_on))
                  ELSE key END AS new_key
      FROM assignment_state);
DELETE FROM assignment_state WHERE rowid IN (SELECT rid FROM rekey_v3 WHERE rank > 1);
UPDATE assignment_state
SET key = (SELECT new_key FROM rekey_v3 WHERE rid = assignment_state.rowid),
    occurrence = (SELECT top_occurrence FROM rekey_v3 WHERE rid = assignment_state.rowid);
DROP TABLE rekey_v3;
)sql",
    // 4: the logs. Where each event source was read up to, the records taken lately (so that an
    // overlapping window, a restart or the other log never alert twice), and who created each
    // tracked assignment, once a log said so.
    R"sql(
CREATE TABLE event_watermark (
  tenant_id TEXT NOT NULL,
  source    TEXT NOT NULL,
  watermark TEXT NOT NULL,
  PRIMARY KEY (tenant_id, source)
);
CREATE TABLE seen_event (
  tenant_id   TEXT NOT NULL,
  source      TEXT NOT NULL,
  event_id    TEXT NOT NULL,
  occurred_at TEXT NOT NULL,
  subject     TEXT NOT NULL,
  record      TEXT NOT NULL,
  PRIMARY KEY (tenant_id, source, event_id)
);
ALTER TABLE assignment_state ADD COLUMN actor TEXT;
)sql",
    // 5: no alert swallowed by the outbox. The highest occurrence of each identity whose
    // tombstone expired, so that a re-appearance never reuses ids already sent; and the sinks
    // that were told what was firing when they appeared. None is known yet: every configured
    // sink is told once after the upgrade, and the outbox's unique (alert id, sink) drops what
    // it already had.
    R"sql(
CREATE TABLE occurrence_mark (
  tenant_id  TEXT NOT NULL,
  key        TEXT NOT NULL,
  occurrence INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, key)
);
CREATE TABLE known_sink (
  name          TEXT PRIMARY KEY,
  introduced_at INTEGER NOT NULL
);
)sql",
    // 6: alerts about one assignment reach a sink in the order they were raised, while others
    // overtake a slow one. Rows of one order key (the alert's correlation key) go one at a time.
    R"sql(
ALTER TABLE outbox ADD COLUMN order_key TEXT NOT NULL DEFAULT '';
UPDATE outbox SET order_key = coalesce(
  CASE WHEN json_valid(payload) THEN nullif(json_extract(payload, '$.correlation_key'), '') END, alert_id);
CREATE INDEX outbox_order ON outbox (sink, order_key, seq) WHERE state = 'pending';
)sql",
    // 7: lingering reminders. The number of the last assignment.lingering sent for each tracked
    // occurrence. None is known for rows of an older version: an assignment firing for long at
    // the upgrade gets one reminder for its latest period, never one per period it missed.
    R"sql(
ALTER TABLE assignment_state ADD COLUMN reminders INTEGER NOT NULL DEFAULT 0;
)sql",
    // 8: the due-row query walks a sink's pending rows in queue order and stops after a few;
    // without this index it walks every row from the first ever queued, delivered ones
    // included, on every claim (issue 9: a 10,000-row backlog drained at ~90 rows/s).
    R"sql(
CREATE INDEX outbox_pending ON outbox (sink, seq) WHERE state = 'pending';
)sql",
};

}  // namespace

result<std::int64_t> integer_pragma(database& db, std::string_view sql) {
  auto v = db.scalar(sql);
  if (!v) {
    return v.error();
  }
  try {
    return v->empty() ? 0 : std::stoll(*v);
  } catch (const std::exception&) {
    return make_error(error_kind::store, fmt::format("{}: {} answered '{}'", db.path(), sql, *v));
  }
}

result<void> prepare_schema(database& db, int target_version) {
  // The first read is where SQLite notices a file that is not a database at all.
  auto app = integer_pragma(db, "PRAGMA application_id");
  if (!app) {
    return make_error(error_kind::store,
                      fmt::format("{} is not a usable SQLite database ({}); rootwatch will not overwrite it: move it "
                                  "away to start with a fresh state, or restore it from a backup",
                                  db.path(), app.error().message));
  }
  auto version = integer_pragma(db, "PRAGMA user_version");
  auto tables = integer_pragma(db, "SELECT count(*) FROM sqlite_master");
  if (!version || !tables) {
    return make_error(error_kind::store, fmt::format("{}: cannot read the schema", db.path()));
  }
  const bool empty = *app == 0 && *version == 0 && *tables == 0;
  if (!empty && *app != application_id) {
    return make_error(error_kind::store,
                      fmt::format("{} is a SQLite database of another program (application_id {}); rootwatch will "
                                  "not touch it: point state_dir somewhere else",
                                  db.path(), *app));
  }
  if (*version > target_version) {
    return make_error(error_kind::store,
                      fmt::format("{} has schema version {}, made by a newer rootwatch (this one knows up to {})",
                                  db.path(), *version, target_version));
  }
  if (auto check = db.scalar("PRAGMA quick_check"); !check || *check != "ok") {
    return make_error(error_kind::store,
                      fmt::format("{} failed its integrity check ({}); restore it from a backup or move it away",
                                  db.path(), check ? *check : check.error().message));
  }
  for (auto v = *version; v < target_version; ++v) {
    auto tx = transaction::begin(db);
    if (!tx) {
      return tx.error();
    }
    if (auto r = db.exec(migrations[static_cast<std::size_t>(v)]); !r) {
      return with_context(r.error(), fmt::format("migration to schema version {}", v + 1));
    }
    if (auto r = db.exec(fmt::format("PRAGMA application_id = {}; PRAGMA user_version = {}", application_id, v + 1));
        !r) {
      return r.error();
    }
    if (auto r = tx->commit(); !r) {
      return r.error();
    }
  }
  return {};
}

}  // namespace rootwatch::store
