// common/time.hpp: the ISO-8601 parser (createdOn, timestamps from every Azure source) and the
// config duration parser, for any text.
//   parse_iso8601: a time it returns formats and parses back to itself.
//   parse_duration: a duration it returns is not negative, and formats and parses back to itself
//   up to a million hours (format_duration writes hours, and parse_duration reads at most ten
//   digits per term: beyond that the text is not a configuration anyone writes).
// The input's first 8 bytes also make a time, which must survive format_iso8601 and back.

#include "check.hpp"
#include "common/time.hpp"

#include <cstring>

namespace {

using namespace rootwatch;

void check_iso8601(std::string_view text) {
  const auto t = parse_iso8601(text);
  if (!t) {
    return;
  }
  const std::string formatted = format_iso8601(*t);
  const auto again = parse_iso8601(formatted);
  FUZZ_CHECK(again.has_value(), "format_iso8601 of a parsed time parses again");
  FUZZ_CHECK(*again == *t, "format_iso8601 then parse_iso8601 gives the same time");
}

void check_duration(std::string_view text) {
  const auto d = parse_duration(text);
  if (!d) {
    return;
  }
  FUZZ_CHECK(d->count() >= 0, "parse_duration never returns a negative duration");
  if (*d > std::chrono::hours{1'000'000}) {
    return;
  }
  const auto again = parse_duration(format_duration(*d));
  FUZZ_CHECK(again.has_value() && *again == *d, "format_duration then parse_duration gives the same duration");
}

// Any time the clock can hold between the years 1700 and 2200: what format_iso8601 is given
// (parse results, the clock, stored state) lies in there.
void check_format(const std::uint8_t* data, std::size_t size) {
  if (size < sizeof(std::int64_t)) {
    return;
  }
  std::int64_t raw = 0;
  std::memcpy(&raw, data, sizeof raw);
  using std::chrono::seconds;
  constexpr std::int64_t low = -8'520'336'000;  // 1700-01-01T00:00:00Z
  constexpr std::int64_t high = 7'258'118'400;  // 2200-01-01T00:00:00Z
  constexpr std::int64_t span = high - low;
  const std::int64_t whole = low + static_cast<std::int64_t>(static_cast<std::uint64_t>(raw) % span);
  const std::int64_t nanos = static_cast<std::int64_t>(static_cast<std::uint64_t>(raw) % 1'000'000'000);
  const timestamp t = from_unix_seconds(whole) + std::chrono::nanoseconds{nanos};
  const auto again = parse_iso8601(format_iso8601(t));
  FUZZ_CHECK(again.has_value() && *again == t, "format_iso8601 then parse_iso8601 gives the same time");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = rootwatch::fuzz::as_text(data, size);
  check_iso8601(text);
  check_duration(text);
  check_format(data, size);
  return 0;
}
