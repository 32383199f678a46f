#include "common/echo.hpp"

#include "common/text.hpp"

#include <algorithm>

namespace rootwatch {
namespace {

constexpr std::size_t max_echo_bytes = 64;

bool is_plain(char c) {
  return c >= ' ' && c <= '~' && c != '\'' && c != '"' && c != '\\';
}

}  // namespace

std::string echo_value(std::string_view value) {
  if (value.empty() || !std::all_of(value.begin(), value.end(), is_plain)) {
    return {};
  }
  return "'" + cut_utf8(value, max_echo_bytes) + "'";
}

}  // namespace rootwatch
