#pragma once

// SQLite's own consistency check of the daemon's database, through the C API.

#include <filesystem>
#include <string>

namespace rootwatch::kill {

struct integrity_result {
  bool ran = false;  // false: the database could not be opened or read (see text)
  std::string text;  // "ok", or what PRAGMA integrity_check (or SQLite) reported
};

// Opens the file read-only, so that checking between lives changes nothing the next life sees
// (a read-only connection never checkpoints or removes the WAL).
integrity_result integrity_check(const std::filesystem::path& database);

}  // namespace rootwatch::kill
