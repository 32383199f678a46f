#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rootwatch {

std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
std::string_view trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
// The pieces between runs of spaces, tabs and line ends.
std::vector<std::string_view> words(std::string_view s);

// True for a GUID in 8-4-4-4-12 form (any case).
bool is_guid(std::string_view s);

// A GUID in canonical form: lower case, hyphenated. The compact 32-hex form is accepted too
// (the Activity Log writes it); anything else comes back lower-cased but otherwise unchanged.
std::string normalize_guid(std::string_view s);
// normalize_guid(s), appended to `out` (keys built of several ids).
void append_normalized_guid(std::string& out, std::string_view s);

// The last path segment of an ARM id: ".../roleDefinitions/<guid>" -> "<guid>".
std::string_view last_segment(std::string_view id);

}  // namespace rootwatch
