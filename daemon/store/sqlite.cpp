#include "store/sqlite.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

namespace rootwatch::store {
namespace {

bool is_busy(int rc) {
  return (rc & 0xff) == SQLITE_BUSY;
}

// SQLITE_BUSY means another connection (a `rootwatch check`, a backup, an operator's sqlite3
// shell) holds the write lock past our short busy timeout. It is retryable: the caller
// keeps its state and tries again at its next turn, instead of stalling the event loop.
error store_error(int rc, std::string message) {
  if (is_busy(rc)) {
    return make_error(error_kind::store,
                      fmt::format("{} (another process holds the database's write lock; will retry)", message), true);
  }
  return make_error(error_kind::store, std::move(message));
}

}  // namespace

statement::statement(statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
  other.stmt_ = nullptr;
}

statement::~statement() {
  if (stmt_) {
    sqlite3_finalize(stmt_);
  }
}

statement& statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

statement& statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

statement& statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

statement& statement::bind_optional(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

result<bool> statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  return store_error(rc, fmt::format("SQLite: {}", sqlite3_errmsg(db_)));
}

result<void> statement::run() {
  while (true) {
    auto r = step();
    if (!r || !*r) {
      // Ready to be bound and run again.
      reset();
      if (!r) {
        return r.error();
      }
      return {};
    }
  }
}

void statement::reset() {
  sqlite3_reset(stmt_);
}

std::string statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
           : std::string{};
}

std::optional<std::string> statement::optional_text(int column) const {
  if (is_null(column)) {
    return std::nullopt;
  }
  return text(column);
}

std::int64_t statement::integer(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

bool statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

result<database> database::open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return make_error(error_kind::store, fmt::format("cannot open {}: {}", path, why));
  }
  sqlite3_extended_result_codes(db, 1);
  return database(db, path);
}

database::database(database&& other) noexcept : db_(other.db_), path_(std::move(other.path_)) {
  other.db_ = nullptr;
}

database::~database() {
  if (db_) {
    sqlite3_close_v2(db_);
  }
}

error database::last_error(std::string_view doing) const {
  return store_error(sqlite3_extended_errcode(db_), fmt::format("{}: {}: {}", path_, doing, sqlite3_errmsg(db_)));
}

result<void> database::exec(std::string_view sql) {
  char* message = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string why = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    return store_error(rc, fmt::format("{}: {}", path_, why));
  }
  return {};
}

result<statement> database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
    return last_error("prepare");
  }
  return statement(db_, stmt);
}

std::int64_t database::changes() const {
  return sqlite3_changes64(db_);
}

result<std::string> database::scalar(std::string_view sql) {
  auto stmt = prepare(sql);
  if (!stmt) {
    return stmt.error();
  }
  auto row = stmt->step();
  if (!row) {
    return row.error();
  }
  if (!*row) {
    return std::string{};
  }
  return stmt->text(0);
}

result<transaction> transaction::begin(database& db) {
  if (auto r = db.exec("BEGIN IMMEDIATE"); !r) {
    return r.error();
  }
  return transaction(&db);
}

transaction::~transaction() {
  if (db_) {
    (void)db_->exec("ROLLBACK");
  }
}

result<void> transaction::commit() {
  auto r = db_->exec("COMMIT");
  if (r) {
    db_ = nullptr;
  }
  return r;
}

}  // namespace rootwatch::store
