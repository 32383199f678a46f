#pragma once

// What of a value from a configuration file may be repeated back in an error message.

#include <string>
#include <string_view>

namespace rootwatch {

// "'value'" when `value` is plain printable ASCII (a mistyped choice, a duration, an
// address), cut to 64 bytes; "" when it holds anything else (control characters, quotes,
// bytes outside ASCII), so that a message never carries a line break, a forged quote or a
// megabyte from the file. Callers never pass values of keys that may hold a secret.
std::string echo_value(std::string_view value);

}  // namespace rootwatch
