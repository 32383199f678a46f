#include "store/outbox_admin.hpp"

#include "store/schema.hpp"
#include "store/state_store.hpp"
#include "store/time_columns.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

namespace rootwatch::store {
namespace {

constexpr std::string_view row_columns =
    "seq, state, sink, kind, alert_id, payload, created_at, attempts, next_attempt_at, last_error, finished_at";

outbox_row read_row(const statement& s) {
  outbox_row r;
  r.seq = s.integer(0);
  r.state = s.text(1);
  r.sink = s.text(2);
  r.kind = s.text(3);
  r.alert_id = s.text(4);
  // The tenant as routing reads it: tolerant of a payload that does not parse.
  auto facts = queued(r.alert_id, r.kind, s.text(5)).facts;
  r.tenant_id = std::move(facts.tenant_id);
  r.tenant_name = std::move(facts.tenant_name);
  r.created_at = from_ms(s.integer(6));
  r.attempts = static_cast<int>(s.integer(7));
  r.next_attempt_at = from_ms(s.integer(8));
  r.last_error = s.optional_text(9);
  if (!s.is_null(10)) {
    r.finished_at = from_ms(s.integer(10));
  }
  return r;
}

// The daemon migrates; this command never does. Another version's schema may have other
// columns or rules, so it is refused rather than guessed at.
result<void> check_schema(database& db) {
  auto app = integer_pragma(db, "PRAGMA application_id");
  if (!app) {
    return make_error(error_kind::store,
                      fmt::format("{} is not a usable SQLite database: {}", db.path(), app.error().message));
  }
  if (*app != application_id) {
    return make_error(error_kind::store,
                      fmt::format("{} is not a rootwatch database (application_id {})", db.path(), *app));
  }
  auto version = integer_pragma(db, "PRAGMA user_version");
  if (!version) {
    return version.error();
  }
  if (*version > schema_version) {
    return make_error(error_kind::store,
                      fmt::format("{} has schema version {}, made by a newer rootwatch than this one (which knows "
                                  "{}): run the `rootwatch outbox` of the version that runs the daemon",
                                  db.path(), *version, schema_version));
  }
  if (*version < schema_version) {
    return make_error(error_kind::store,
                      fmt::format("{} has schema version {}, older than this rootwatch's {}: run the `rootwatch "
                                  "outbox` of the version that runs the daemon, or start this version's daemon once "
                                  "to migrate the database",
                                  db.path(), *version, schema_version));
  }
  return {};
}

// "WHERE ..." for `filter`, placeholders numbered from `first`; bind_filter binds them in the
// same order.
std::string where_clause(const outbox_filter& filter, int first) {
  std::vector<std::string> parts;
  int next = first;
  const auto placeholders = [&](std::size_t n) {
    std::vector<std::string> p;
    for (std::size_t i = 0; i < n; ++i) {
      p.push_back(fmt::format("?{}", next++));
    }
    return fmt::format("{}", fmt::join(p, ", "));
  };
  if (!filter.seqs.empty()) {
    parts.push_back(fmt::format("seq IN ({})", placeholders(filter.seqs.size())));
  }
  if (filter.alert_id) {
    parts.push_back(fmt::format("alert_id = {}", placeholders(1)));
  }
  if (filter.sink) {
    parts.push_back(fmt::format("sink = {}", placeholders(1)));
  }
  if (!filter.states.empty()) {
    parts.push_back(fmt::format("state IN ({})", placeholders(filter.states.size())));
  }
  if (parts.empty()) {
    return {};
  }
  return fmt::format(" WHERE {}", fmt::join(parts, " AND "));
}

void bind_filter(statement& s, const outbox_filter& filter, int first) {
  int next = first;
  for (const auto seq : filter.seqs) {
    s.bind(next++, seq);
  }
  if (filter.alert_id) {
    s.bind(next++, std::string_view(*filter.alert_id));
  }
  if (filter.sink) {
    s.bind(next++, std::string_view(*filter.sink));
  }
  for (const auto& state : filter.states) {
    s.bind(next++, std::string_view(state));
  }
}

// The states both the filter and the command accept: the filter can narrow what a command acts
// on (retry --all-dead), never widen it.
std::vector<std::string> narrowed(const std::vector<std::string>& wanted, const std::vector<std::string>& acting_on) {
  if (wanted.empty()) {
    return acting_on;
  }
  std::vector<std::string> out;
  for (const auto& s : acting_on) {
    if (std::find(wanted.begin(), wanted.end(), s) != wanted.end()) {
      out.push_back(s);
    }
  }
  return out;
}

}  // namespace

std::string drop_note(timestamp now) {
  return fmt::format("dropped by operator (rootwatch outbox drop) at {}", format_iso8601(now));
}

result<outbox_admin> outbox_admin::open(const std::string& state_dir) {
  const auto file = std::filesystem::path(state_dir) / "rootwatch.db";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    // database::open would create it: an empty database says nothing and misleads.
    return make_error(error_kind::io, fmt::format("no database at {}: is state_dir right, and has rootwatch run with "
                                                  "this configuration?",
                                                  file.string()));
  }
  auto db = database::open(file.string());
  if (!db) {
    return db.error();
  }
  // Before the first read: a daemon starting up (migrating, switching to WAL) holds the lock
  // for a moment. Longer than the daemon's 200 ms: this is not an event loop, and the daemon's
  // own transactions are short. The journal mode is the file's (the daemon set WAL); not
  // changed here.
  if (auto r = db->exec("PRAGMA busy_timeout=5000; PRAGMA synchronous=FULL"); !r) {
    return r.error();
  }
  if (auto r = check_schema(*db); !r) {
    return r.error();
  }
  return outbox_admin(std::move(*db));
}

result<std::vector<outbox_row>> outbox_admin::select(const outbox_filter& filter) {
  auto q = db_.prepare(fmt::format("SELECT {} FROM outbox{} ORDER BY seq", row_columns, where_clause(filter, 1)));
  if (!q) {
    return q.error();
  }
  bind_filter(*q, filter, 1);
  std::vector<outbox_row> out;
  if (auto r = q->for_each_row([&](const statement& s) { out.push_back(read_row(s)); }); !r) {
    return r.error();
  }
  return out;
}

result<std::optional<outbox_row>> outbox_admin::row(std::int64_t seq) {
  outbox_filter one;
  one.seqs = {seq};
  auto rows = select(one);
  if (!rows) {
    return rows.error();
  }
  if (rows->empty()) {
    return std::optional<outbox_row>{};
  }
  return std::optional<outbox_row>{rows->front()};
}

result<std::vector<outbox_row>> outbox_admin::list(const outbox_filter& filter) {
  return select(filter);
}

template <class Note>
result<outbox_change> outbox_admin::change(const outbox_filter& filter, const std::vector<std::string>& acting_on,
                                           std::string_view update, timestamp now, Note note) {
  outbox_filter matching = filter;
  matching.states = narrowed(filter.states, acting_on);
  outbox_change out;
  auto tx = transaction::begin(db_);
  if (!tx) {
    return tx.error();
  }
  auto rows = matching.states.empty() ? result<std::vector<outbox_row>>{} : select(matching);
  if (!rows) {
    return rows.error();
  }
  auto q = db_.prepare(update);
  if (!q) {
    return q.error();
  }
  for (const auto& r : *rows) {
    q->bind(1, r.seq).bind(2, std::string_view(r.state)).bind(3, to_ms(now)).bind(4, std::string_view(note(r)));
    if (auto done = q->run(); !done) {
      return done.error();
    }
    // Inside the transaction nothing else writes; the state in the WHERE is what keeps a row
    // delivered meanwhile (between `list` and this command) delivered.
    if (db_.changes() == 0) {
      continue;
    }
    auto after = row(r.seq);
    if (!after) {
      return after.error();
    }
    if (*after) {
      out.changed.push_back(std::move(**after));
    }
  }
  for (const auto seq : filter.seqs) {
    const bool changed =
        std::any_of(out.changed.begin(), out.changed.end(), [&](const auto& c) { return c.seq == seq; });
    if (changed) {
      continue;
    }
    auto current = row(seq);
    if (!current) {
      return current.error();
    }
    out.untouched.push_back({seq, *current ? std::optional<std::string>((*current)->state) : std::nullopt});
  }
  if (auto r = tx->commit(); !r) {
    return r.error();
  }
  return out;
}

result<outbox_change> outbox_admin::retry(const outbox_filter& filter, timestamp now) {
  // created_at restarts the give-up clock (the dispatcher gives up when now - created_at >=
  // give_up_after); finished_at goes, as the row is not finished any more.
  constexpr std::string_view update =
      "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?3, created_at = ?3, "
      "finished_at = NULL, last_error = ?4 WHERE seq = ?1 AND state = ?2";
  return change(filter, {"pending", "dead"}, update, now, [&](const outbox_row& r) {
    std::string note = fmt::format("requeued by operator (rootwatch outbox retry) at {}; queued before at {}",
                                   format_iso8601(now), format_iso8601(r.created_at));
    if (r.last_error) {
      note += fmt::format("; before: {}", *r.last_error);
    }
    return note;
  });
}

result<outbox_change> outbox_admin::drop(const outbox_filter& filter, timestamp now) {
  constexpr std::string_view update =
      "UPDATE outbox SET state = 'dead', finished_at = ?3, last_error = ?4 WHERE seq = ?1 AND state = ?2";
  return change(filter, {"pending"}, update, now, [&](const outbox_row&) { return drop_note(now); });
}

}  // namespace rootwatch::store
