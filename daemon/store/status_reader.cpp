#include "store/status_reader.hpp"

#include "store/time_columns.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

namespace rootwatch::store {
namespace {

// A field of the stored payload, or NULL when the payload is not JSON: a store is input like
// any other, and json_extract on text that is not JSON would fail the whole query.
std::string payload_field(std::string_view path) {
  return fmt::format("CASE WHEN json_valid(payload) THEN json_extract(payload, '{}') END", path);
}

std::optional<timestamp> optional_ms(const statement& s, int column) {
  if (s.is_null(column)) {
    return std::nullopt;
  }
  return from_ms(s.integer(column));
}

std::int64_t as_limit(std::size_t n) {
  return static_cast<std::int64_t>(std::min<std::size_t>(n, 1'000'000));
}

current_assignment read_assignment(const statement& s) {
  current_assignment a;
  a.assignment_id = s.text(0);
  a.scope = s.text(1);
  a.role_id = s.text(2);
  a.role_name = s.text(3);
  a.principal_id = s.text(4);
  a.principal_type = s.text(5);
  a.principal_name = s.optional_text(6);
  a.rule = s.text(7);
  a.severity = s.text(8);
  a.firing = s.integer(9) != 0;
  a.allowed = s.integer(10) != 0;
  a.baselined = s.integer(11) != 0;
  a.first_seen = parse_iso8601(s.text(12));
  return a;
}

}  // namespace

result<status_reader> status_reader::open(const std::string& state_dir) {
  const auto file = std::filesystem::path(state_dir) / "rootwatch.db";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    // database::open would create an empty one, and the page would show nothing as if all were well.
    return make_error(error_kind::store, fmt::format("no database at {}", file.string()));
  }
  auto db = database::open(file.string());
  if (!db) {
    return db.error();
  }
  // Read-only for good; a short busy timeout like the daemon's own connection, since this runs
  // on the event loop too (WAL readers rarely wait at all).
  if (auto r = db->exec("PRAGMA query_only=ON; PRAGMA busy_timeout=200"); !r) {
    return r.error();
  }
  return status_reader(std::move(*db));
}

result<tenant_assignments> status_reader::assignments(const std::string& tenant_id, std::size_t limit) {
  tenant_assignments out;
  auto count = db_.prepare("SELECT count(*) FROM assignment_state WHERE tenant_id = ?1 AND removed_at IS NULL");
  if (!count) {
    return count.error();
  }
  count->bind(1, tenant_id);
  auto counted = count->for_each_row([&](const statement& s) { out.total = s.integer(0); });
  if (!counted) {
    return counted.error();
  }
  auto rows = db_.prepare(
      "SELECT assignment_id, scope, role_id, role_name, principal_id, principal_type, principal_display_name, rule, "
      "severity, firing, allowed, baselined, first_seen FROM assignment_state "
      "WHERE tenant_id = ?1 AND removed_at IS NULL "
      "ORDER BY firing DESC, scope, role_name, principal_id, key LIMIT ?2");
  if (!rows) {
    return rows.error();
  }
  rows->bind(1, tenant_id).bind(2, as_limit(limit));
  auto read = rows->for_each_row([&](const statement& s) { out.rows.push_back(read_assignment(s)); });
  if (!read) {
    return read.error();
  }
  return out;
}

result<std::vector<recent_alert>> status_reader::recent_alerts(std::size_t limit, std::size_t window) {
  // Seqs only grow (AUTOINCREMENT), so "the newest `window` rows" is a range of the primary key:
  // the work stays bounded however long the outbox has grown.
  auto ids = db_.prepare(
      "SELECT alert_id, min(seq) AS first_seq, min(created_at) FROM outbox "
      "WHERE seq > (SELECT coalesce(max(seq), 0) FROM outbox) - ?2 "
      "GROUP BY alert_id ORDER BY first_seq DESC LIMIT ?1");
  if (!ids) {
    return ids.error();
  }
  ids->bind(1, as_limit(limit)).bind(2, as_limit(window));
  std::vector<recent_alert> out;
  auto read = ids->for_each_row([&](const statement& s) {
    recent_alert a;
    a.alert_id = s.text(0);
    a.queued_at = from_ms(s.integer(2));
    out.push_back(std::move(a));
  });
  if (!read) {
    return read.error();
  }
  if (auto r = read_deliveries(out); !r) {
    return r.error();
  }
  return out;
}

// Every sink's row of each alert (the UNIQUE (alert_id, sink) index finds them), and what the
// alert was from the first row's payload: the payload is the same alert on every row.
result<void> status_reader::read_deliveries(std::vector<recent_alert>& alerts) {
  auto rows = db_.prepare(fmt::format(
      "SELECT sink, state, attempts, last_error, next_attempt_at, finished_at, kind, {}, {}, {}, {}, {}, {}, {} "
      "FROM outbox WHERE alert_id = ?1 ORDER BY sink",
      payload_field("$.severity"), payload_field("$.status"), payload_field("$.tenant.name"),
      payload_field("$.assignment.role.name"), payload_field("$.assignment.principal.id"),
      payload_field("$.assignment.principal.display_name"), payload_field("$.detected_at")));
  if (!rows) {
    return rows.error();
  }
  for (auto& a : alerts) {
    rows->bind(1, a.alert_id);
    auto read = rows->for_each_row([&](const statement& s) {
      alert_delivery d;
      d.sink = s.text(0);
      d.state = s.text(1);
      d.attempts = static_cast<int>(s.integer(2));
      d.last_error = s.optional_text(3);
      d.next_attempt_at = from_ms(s.integer(4));
      d.finished_at = optional_ms(s, 5);
      if (a.deliveries.empty()) {
        a.kind = s.text(6);
        a.severity = s.text(7);
        a.status = s.text(8);
        a.tenant_name = s.text(9);
        a.role_name = s.text(10);
        a.principal_id = s.text(11);
        a.principal_name = s.text(12);
        a.detected_at = parse_iso8601(s.text(13));
      }
      a.deliveries.push_back(std::move(d));
    });
    if (!read) {
      return read.error();
    }
  }
  return {};
}

result<outbox_backlog> status_reader::backlog() {
  auto q = db_.prepare(
      "SELECT sink, count(*), min(created_at) FROM outbox WHERE state = 'pending' GROUP BY sink ORDER BY sink");
  if (!q) {
    return q.error();
  }
  outbox_backlog out;
  auto read = q->for_each_row([&](const statement& s) {
    const auto oldest = from_ms(s.integer(2));
    out.pending += s.integer(1);
    out.pending_by_sink.emplace_back(s.text(0), s.integer(1));
    if (!out.oldest_pending || oldest < *out.oldest_pending) {
      out.oldest_pending = oldest;
    }
  });
  if (!read) {
    return read.error();
  }
  return out;
}

}  // namespace rootwatch::store
