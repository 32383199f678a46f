#pragma once

// Text that came from outside (an API answer, a header, a config value) on its way into a log
// line, an error message, an alert or the database. Every function here is total: any byte
// string in, valid UTF-8 out, no exception (invariant 10).

#include <cstddef>
#include <string>
#include <string_view>

namespace rootwatch {

// The longest prefix of `text` of at most `max_bytes` bytes that ends on a code-point boundary,
// with "…" appended when something was cut (the marker is not counted in `max_bytes`).
// Invalid sequences are replaced first, so the result is always valid UTF-8.
std::string cut_utf8(std::string_view text, std::size_t max_bytes);

// `text` with every invalid UTF-8 sequence (stray continuation bytes, overlong forms,
// surrogates, code points above U+10FFFF, a truncated tail) replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

// True when `text` is valid UTF-8 as valid_utf8() understands it.
bool is_valid_utf8(std::string_view text);

// `text` on one line: C0 controls, DEL, C1 controls and the Unicode line and paragraph
// separators are written as \n, \r, \t or \u{XXXX}, and a backslash as "\\", so that nothing
// from outside can end a log line early or forge the next one. Valid UTF-8 out.
std::string escape_control(std::string_view text);

}  // namespace rootwatch
