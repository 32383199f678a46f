#include "common/strings.hpp"

#include <algorithm>
#include <cctype>

namespace rootwatch {
namespace {

// ASCII only, as std::tolower is in the "C" locale the daemon runs in, without its per-call
// locale lookup: ids and header names are lowered for every assignment and every answer.
constexpr char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = ascii_lower(c);
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  const auto b = std::find_if(s.begin(), s.end(), not_space);
  const auto e = std::find_if(s.rbegin(), s.rend(), not_space).base();
  return b < e ? std::string_view(&*b, static_cast<std::size_t>(e - b)) : std::string_view{};
}

std::vector<std::string_view> words(std::string_view s) {
  constexpr std::string_view blanks = " \t\r\n";
  std::vector<std::string_view> out;
  for (auto start = s.find_first_not_of(blanks); start != std::string_view::npos;
       start = s.find_first_not_of(blanks, start)) {
    const auto end = std::min(s.find_first_of(blanks, start), s.size());
    out.push_back(s.substr(start, end - start));
    start = end;
  }
  return out;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) {
      return out;
    }
    start = pos + 1;
  }
}

bool is_guid(std::string_view s) {
  if (s.size() != 36) {
    return false;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') {
        return false;
      }
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

std::string normalize_guid(std::string_view s) {
  std::string out;
  append_normalized_guid(out, s);
  return out;
}

void append_normalized_guid(std::string& out, std::string_view s) {
  const auto t = trim(s);
  const bool bare = t.size() == 32 && std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isxdigit(c); });
  // Sized once and written through a pointer: this runs for several ids of every assignment of
  // every listing, and appending a character at a time costs a check and a terminator each.
  const auto start = out.size();
  out.resize(start + (bare ? 36 : t.size()), '-');
  char* to = out.data() + start;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (bare && (i == 8 || i == 12 || i == 16 || i == 20)) {
      ++to;  // the dash already there
    }
    *to++ = ascii_lower(t[i]);
  }
}

std::string_view last_segment(std::string_view id) {
  while (!id.empty() && id.back() == '/') {
    id.remove_suffix(1);
  }
  const auto pos = id.rfind('/');
  return pos == std::string_view::npos ? id : id.substr(pos + 1);
}

}  // namespace rootwatch
