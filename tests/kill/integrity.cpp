#include "kill/integrity.hpp"

#include <sqlite3.h>

namespace rootwatch::kill {

integrity_result integrity_check(const std::filesystem::path& database) {
  integrity_result out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    out.text = db ? sqlite3_errmsg(db) : "cannot open";
    sqlite3_close(db);
    return out;
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) != SQLITE_OK) {
    out.text = sqlite3_errmsg(db);
    sqlite3_close(db);
    return out;
  }
  int rc = SQLITE_ROW;
  std::string rows;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    rows += rows.empty() ? "" : "\n";
    rows += text ? text : "(null)";
  }
  if (rc == SQLITE_DONE) {
    out.ran = true;
    out.text = rows;
  } else {
    out.text = sqlite3_errmsg(db);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

}  // namespace rootwatch::kill
