// common/text.hpp: every function is total, and its promises hold for any byte string.
//   valid_utf8:      valid UTF-8 out; valid input comes back unchanged.
//   cut_utf8:        valid UTF-8 out, at most limit + 3 bytes (the "…"), a prefix of the
//                    repaired text, cut only when the repaired text is longer than the limit.
//   escape_control:  valid UTF-8 out, no C0, DEL, C1, U+2028 or U+2029 left; text without any
//                    of those (and without "\") comes back unchanged.

#include "check.hpp"
#include "common/text.hpp"

#include <array>
#include <string>

namespace {

using namespace rootwatch;

constexpr std::string_view ellipsis = "\xE2\x80\xA6";

bool is_line_breaking_or_control(std::string_view valid, std::size_t i) {
  const auto c = static_cast<unsigned char>(valid[i]);
  if (c < 0x20 || c == 0x7F) {
    return true;
  }
  const auto next = [&](std::size_t k) { return i + k < valid.size() ? static_cast<unsigned char>(valid[i + k]) : 0; };
  // In valid UTF-8, 0xC2 is always a lead byte: C2 80..9F are the C1 controls.
  if (c == 0xC2 && next(1) >= 0x80 && next(1) <= 0x9F) {
    return true;
  }
  // E2 80 A8 / E2 80 A9: the line and paragraph separators.
  return c == 0xE2 && next(1) == 0x80 && (next(2) == 0xA8 || next(2) == 0xA9);
}

bool has_control(std::string_view valid) {
  for (std::size_t i = 0; i < valid.size(); ++i) {
    if (is_line_breaking_or_control(valid, i)) {
      return true;
    }
  }
  return false;
}

void check_cut(std::string_view text, const std::string& repaired, std::size_t limit) {
  const std::string cut = cut_utf8(text, limit);
  FUZZ_CHECK(is_valid_utf8(cut), "cut_utf8 returns valid UTF-8");
  FUZZ_CHECK(cut.size() <= limit + ellipsis.size(), "cut_utf8 returns at most limit + 3 bytes");
  if (repaired.size() <= limit) {
    FUZZ_CHECK(cut == repaired, "cut_utf8 keeps text within the limit whole");
    return;
  }
  FUZZ_CHECK(cut.size() >= ellipsis.size() && cut.substr(cut.size() - ellipsis.size()) == ellipsis,
             "cut_utf8 marks a cut with an ellipsis");
  const std::string_view kept = std::string_view(cut).substr(0, cut.size() - ellipsis.size());
  FUZZ_CHECK(kept.size() <= limit, "cut_utf8 keeps at most limit bytes before the ellipsis");
  FUZZ_CHECK(std::string_view(repaired).substr(0, kept.size()) == kept, "cut_utf8 keeps a prefix of the text");
  // Never more than one code point (4 bytes) short of the limit.
  FUZZ_CHECK(kept.size() + 4 > limit, "cut_utf8 cuts at the last boundary before the limit");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = rootwatch::fuzz::as_text(data, size);

  const std::string repaired = valid_utf8(text);
  FUZZ_CHECK(is_valid_utf8(repaired), "valid_utf8 returns valid UTF-8");
  FUZZ_CHECK(repaired.size() <= 3 * text.size(), "valid_utf8 grows text by at most U+FFFD per byte");
  if (is_valid_utf8(text)) {
    FUZZ_CHECK(repaired == text, "valid_utf8 leaves valid text unchanged");
  }

  const std::size_t first = size > 0 ? data[0] : 0;
  const std::array<std::size_t, 9> limits{0, 1, 2, 3, 4, first, size / 2, size > 0 ? size - 1 : 0, 300};
  for (const std::size_t limit : limits) {
    check_cut(text, repaired, limit);
  }

  const std::string escaped = escape_control(text);
  FUZZ_CHECK(is_valid_utf8(escaped), "escape_control returns valid UTF-8");
  FUZZ_CHECK(!has_control(escaped), "escape_control leaves no control character or line separator");
  if (repaired.find('\\') == std::string::npos && !has_control(repaired)) {
    FUZZ_CHECK(escaped == repaired, "escape_control leaves plain text unchanged");
  }
  return 0;
}
