#include "common/text.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace rootwatch {
namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view ellipsis = "\xE2\x80\xA6";     // U+2026

// Length of the valid UTF-8 sequence at the start of `s`, or 0 when it is not one. Follows
// the well-formed byte sequences table of the Unicode standard (ch. 3, table 3-7).
std::size_t valid_sequence_length(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto in = [](unsigned char c, unsigned char lo, unsigned char hi) { return c >= lo && c <= hi; };
  const unsigned char c = b(0);
  if (c < 0x80) {
    return 1;
  }
  if (in(c, 0xC2, 0xDF)) {
    return s.size() >= 2 && in(b(1), 0x80, 0xBF) ? 2 : 0;
  }
  if (in(c, 0xE0, 0xEF)) {
    if (s.size() < 3) {
      return 0;
    }
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = c == 0xED ? 0x9F : 0xBF;
    return in(b(1), lo, hi) && in(b(2), 0x80, 0xBF) ? 3 : 0;
  }
  if (in(c, 0xF0, 0xF4)) {
    if (s.size() < 4) {
      return 0;
    }
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;
    return in(b(1), lo, hi) && in(b(2), 0x80, 0xBF) && in(b(3), 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

std::uint32_t decode(std::string_view seq) {
  const auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(seq[i])); };
  switch (seq.size()) {
    case 1:
      return b(0);
    case 2:
      return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3:
      return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default:
      return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto n = valid_sequence_length(text.substr(i));
    if (n == 0) {
      return false;
    }
    i += n;
  }
  return true;
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto n = valid_sequence_length(text.substr(i));
    if (n == 0) {
      out += replacement;
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string cut_utf8(std::string_view text, std::size_t max_bytes) {
  std::string valid = valid_utf8(text);
  if (valid.size() <= max_bytes) {
    return valid;
  }
  std::size_t end = max_bytes;
  // Back up over continuation bytes to the start of the code point that would be split.
  while (end > 0 && (static_cast<unsigned char>(valid[end]) & 0xC0) == 0x80) {
    --end;
  }
  valid.resize(end);
  valid += ellipsis;
  return valid;
}

std::string escape_control(std::string_view text) {
  const std::string valid = valid_utf8(text);
  std::string out;
  out.reserve(valid.size());
  for (std::size_t i = 0; i < valid.size();) {
    const auto n = valid_sequence_length(std::string_view(valid).substr(i));
    const std::string_view seq = std::string_view(valid).substr(i, n);
    const std::uint32_t cp = decode(seq);
    i += n;
    if (cp == '\\') {
      out += "\\\\";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0x2028 || cp == 0x2029) {
      out += fmt::format("\\u{{{:04X}}}", cp);
    } else {
      out += seq;
    }
  }
  return out;
}

}  // namespace rootwatch
