#pragma once

// What a receiver answered, in a form that may be shown to a person. Pure.

#include <cstddef>
#include <string>
#include <string_view>

namespace rootwatch::sinks {

inline constexpr std::size_t answer_excerpt_bytes = 200;

// The first non-blank line of a receiver's body: secrets this process knows removed (a
// receiver may echo the URL's token back), control characters escaped so that it cannot forge
// a line of output, and cut on a code-point boundary. "" when the body has no such line.
std::string answer_excerpt(std::string_view body, std::size_t max_bytes = answer_excerpt_bytes);

}  // namespace rootwatch::sinks
