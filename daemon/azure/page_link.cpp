#include "azure/page_link.hpp"

namespace rootwatch::azure {
namespace {

constexpr std::string_view key = "\"nextLink\"";
constexpr std::string_view first = "{\"nextLink\":\"";
constexpr std::string_view last = ",\"nextLink\":\"";

// Printable ASCII but the quote and the backslash: text that a JSON string holds verbatim, and
// all a URL is made of. Anything else is left to the parser, which may refuse it.
bool plain(std::string_view text) {
  for (const char c : text) {
    if (c <= ' ' || c >= '\x7f' || c == '"' || c == '\\') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<link_span> find_next_link(std::string_view body) {
  if (body.starts_with(first)) {
    const std::size_t begin = first.size();
    const std::size_t end = body.find('"', begin);
    // The member after it follows at once: `","`.
    if (end == std::string_view::npos || end + 1 >= body.size() || body[end + 1] != ',' ||
        !plain(body.substr(begin, end - begin))) {
      return std::nullopt;
    }
    return link_span{begin, end};
  }
  if (!body.ends_with("\"}")) {
    return std::nullopt;
  }
  const std::size_t at = body.rfind(last);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  const std::size_t begin = at + last.size();
  const std::size_t end = body.size() - 2;
  if (begin > end || !plain(body.substr(begin, end - begin))) {
    return std::nullopt;
  }
  return link_span{begin, end};
}

bool next_link_once(std::string_view body) {
  const std::size_t at = body.find(key);
  return at != std::string_view::npos && body.find(key, at + 1) == std::string_view::npos;
}

}  // namespace rootwatch::azure
