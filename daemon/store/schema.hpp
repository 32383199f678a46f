#pragma once

#include "common/error.hpp"
#include "store/sqlite.hpp"

namespace rootwatch::store {

// 'RWCH' in PRAGMA application_id marks the file as ours.
inline constexpr std::int64_t application_id = 0x52574348;

// Checks that the file is an empty SQLite file or a rootwatch database of a version we know,
// then applies the missing migrations. Never touches a file that fails the check.
result<void> prepare_schema(database& db, int target_version);

// The integer a one-value statement (a PRAGMA) answers; 0 when it answers nothing.
result<std::int64_t> integer_pragma(database& db, std::string_view sql);

}  // namespace rootwatch::store
