#pragma once

// A thin RAII layer over the SQLite C API, returning errors as values. SQLITE_BUSY (another
// connection holds the write lock past the busy timeout) is a retryable error.

#include "common/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace rootwatch::store {

class statement {
 public:
  statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  statement(statement&& other) noexcept;
  statement& operator=(statement&&) = delete;
  ~statement();

  statement& bind(int index, std::string_view text);
  statement& bind(int index, std::int64_t value);
  statement& bind_null(int index);
  statement& bind_optional(int index, const std::optional<std::string>& text);

  // true: a row is ready; false: done.
  result<bool> step();
  // Runs to completion and resets, so the statement can be bound and run again.
  result<void> run();

  // Calls `row(*this)` for every row, then resets.
  template <class F>
  result<void> for_each_row(F&& row) {
    while (true) {
      auto r = step();
      if (!r || !*r) {
        reset();
        return r ? result<void>{} : result<void>{r.error()};
      }
      row(*this);
    }
  }
  void reset();

  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::int64_t integer(int column) const;
  bool is_null(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class database {
 public:
  // Opens or creates the file. Nothing is read yet: a foreign or corrupt file shows at the
  // first statement, which is where store::open checks for it.
  static result<database> open(const std::string& path);
  database(database&& other) noexcept;
  database& operator=(database&&) = delete;
  ~database();

  result<void> exec(std::string_view sql);
  result<statement> prepare(std::string_view sql);
  // The single value of a one-row, one-column query.
  result<std::string> scalar(std::string_view sql);

  error last_error(std::string_view doing) const;
  const std::string& path() const { return path_; }
  // Rows the last INSERT, UPDATE or DELETE changed: 0 after an INSERT OR IGNORE that ignored.
  std::int64_t changes() const;

 private:
  database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back if destroyed before commit().
class transaction {
 public:
  static result<transaction> begin(database& db);
  transaction(transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  transaction& operator=(transaction&&) = delete;
  ~transaction();
  result<void> commit();

 private:
  explicit transaction(database* db) : db_(db) {}
  database* db_;
};

}  // namespace rootwatch::store
