#pragma once

// Bounds on the shape of a configuration file, checked before anything else reads it. A real
// file nests four levels deep and its longest value is a URL; a file far past that is a
// mistake or an attack, and reading it as it is would cost time and memory that a running
// daemon (SIGHUP reloads on its one thread) does not have. Internal to config/.

#include "config/reader.hpp"

#include <cstddef>
#include <string_view>

namespace rootwatch::config::detail {

inline constexpr std::size_t max_nesting = 8;          // tables and arrays inside each other
inline constexpr std::size_t max_key_bytes = 128;      // one key (one part of a dotted key)
inline constexpr std::size_t max_string_bytes = 8192;  // one string value
inline constexpr std::size_t max_dots_per_line = 64;   // outside strings and comments

// Before parsing: the TOML parser nests a table per part of a dotted key, recursively, and
// runs out of stack at some tens of thousands of parts. A key is on one line, so counting the
// dots of a line outside strings and comments bounds it. False when a problem was added.
bool check_text_shape(std::string_view text, diagnostics& diags);

// After parsing: nesting depth, key and string lengths, located. False when a problem was
// added; the values themselves are never quoted.
bool check_tree_shape(const toml::table& root, diagnostics& diags);

}  // namespace rootwatch::config::detail
