// The HTTP-date parser and Retry-After (net/retry.cpp parse_retry_after), for any header value
// a server or a proxy may send, at any moment the clock may show.
//   parse_http_date: a time it returns is the one its fields spell.
//   parse_retry_after: a wait it returns is never negative, and a delta-seconds value is
//   obeyed exactly.

#include "check.hpp"
#include "common/time.hpp"
#include "net/retry.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace {

using namespace rootwatch;

// The moments the check runs at: the epoch, today, and the far end of the clock's years.
const std::array<timestamp, 4> nows{from_unix_seconds(0), from_unix_seconds(1'767'225'600),  // 2026-01-01
                                    from_unix_seconds(4'102'444'800),                        // 2100-01-01
                                    from_unix_seconds(9'000'000'000)};                       // 2255

void check_http_date(std::string_view text) {
  const auto t = parse_http_date(text);
  if (!t) {
    return;
  }
  // "Sun, 06 Nov 1994 08:49:37 GMT" -> "1994-11-06T08:49:37Z": the same fields, read by the
  // other parser.
  static constexpr std::array<std::string_view, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto month = std::find(months.begin(), months.end(), text.substr(8, 3)) - months.begin() + 1;
  std::string iso(text.substr(12, 4));
  iso += '-';
  iso += static_cast<char>('0' + month / 10);
  iso += static_cast<char>('0' + month % 10);
  iso += '-';
  iso += text.substr(5, 2);
  iso += 'T';
  iso += text.substr(17, 8);
  iso += 'Z';
  const auto same = parse_iso8601(iso);
  FUZZ_CHECK(same.has_value() && *same == *t, "parse_http_date agrees with parse_iso8601 on the same fields");
}

void check_retry_after(std::string_view text) {
  const std::string_view trimmed = [&] {
    std::string_view s = text;
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
      s.remove_prefix(1);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
      s.remove_suffix(1);
    }
    return s;
  }();
  for (const timestamp now : nows) {
    const auto wait = net::parse_retry_after(text, now);
    if (!wait) {
      continue;
    }
    FUZZ_CHECK(wait->count() >= 0, "parse_retry_after never returns a negative wait");
    const bool delta_seconds =
        !trimmed.empty() && trimmed.size() <= 9 &&
        std::all_of(trimmed.begin(), trimmed.end(), [](unsigned char c) { return std::isdigit(c); });
    if (delta_seconds) {
      FUZZ_CHECK(wait->count() == std::stoll(std::string(trimmed)) * 1000, "a delta-seconds Retry-After is obeyed");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = rootwatch::fuzz::as_text(data, size);
  check_http_date(text);
  check_retry_after(text);
  return 0;
}
