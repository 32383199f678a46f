#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rootwatch {

std::string base64_encode(std::string_view bytes);
std::string base64url_encode(std::string_view bytes);  // no padding
// Accepts the standard and the URL-safe alphabet, with or without padding.
std::optional<std::string> base64_decode(std::string_view text);

std::string hex_encode(std::string_view bytes);
// The value of one hex digit (either case), or -1.
int hex_value(char c);

// application/x-www-form-urlencoded value encoding (RFC 3986 unreserved kept, space as %20).
std::string form_encode(std::string_view value);
std::optional<std::string> form_decode(std::string_view value);

// %XX decoding without the form rule that '+' is a space (paths, query values). Malformed
// escapes are kept as they are.
std::string percent_decode_lenient(std::string_view value);

}  // namespace rootwatch
