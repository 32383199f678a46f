#include "common/time.hpp"

#include <array>
#include <cctype>
#include <cstdint>

#include <fmt/format.h>

namespace rootwatch {
namespace {

using namespace std::chrono;

// Reads exactly `n` digits at `pos`.
std::optional<int> digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) {
    return std::nullopt;
  }
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) {
      return std::nullopt;
    }
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

std::optional<sys_days> make_date(int y, int m, int d) {
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  return sys_days{ymd};
}

bool valid_time(int h, int mi, int s) {
  // 60 is a leap second; it is folded into the next minute below.
  return h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 60;
}

// Whole seconds first, in a type that holds any 4-digit year: system_clock counts nanoseconds
// in 64 bits (years 1678..2261), and Azure writes "0001-01-01T00:00:00Z" for "never", which
// must come back as nullopt rather than as an overflowed time.
std::optional<timestamp> to_timestamp(sys_seconds whole, nanoseconds frac) {
  constexpr auto lowest = duration_cast<seconds>(system_clock::duration::min()) + seconds{1};
  constexpr auto highest = duration_cast<seconds>(system_clock::duration::max()) - seconds{1};
  if (whole.time_since_epoch() < lowest || whole.time_since_epoch() > highest) {
    return std::nullopt;
  }
  return timestamp{duration_cast<system_clock::duration>(whole.time_since_epoch()) +
                   duration_cast<system_clock::duration>(frac)};
}

}  // namespace

std::optional<timestamp> parse_iso8601(std::string_view s) {
  // YYYY-MM-DD[T ]hh:mm:ss
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
      s[16] != ':') {
    return std::nullopt;
  }
  const auto y = digits(s, 0, 4);
  const auto mo = digits(s, 5, 2);
  const auto d = digits(s, 8, 2);
  const auto h = digits(s, 11, 2);
  const auto mi = digits(s, 14, 2);
  const auto sec = digits(s, 17, 2);
  if (!y || !mo || !d || !h || !mi || !sec || !valid_time(*h, *mi, *sec)) {
    return std::nullopt;
  }
  const auto date = make_date(*y, *mo, *d);
  if (!date) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  nanoseconds frac{0};
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    std::int64_t value = 0;
    std::size_t n = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (n < 9) {
        value = value * 10 + (s[pos] - '0');
        ++n;
      }
      ++pos;
    }
    if (n == 0) {
      return std::nullopt;
    }
    for (std::size_t i = n; i < 9; ++i) {
      value *= 10;
    }
    frac = nanoseconds{value};
  }
  minutes offset{0};
  if (pos < s.size()) {
    if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) {
      pos = s.size();
    } else if ((s[pos] == '+' || s[pos] == '-') && pos + 6 == s.size() && s[pos + 3] == ':') {
      const auto oh = digits(s, pos + 1, 2);
      const auto om = digits(s, pos + 4, 2);
      if (!oh || !om || *oh > 23 || *om > 59) {
        return std::nullopt;
      }
      offset = hours{*oh} + minutes{*om};
      if (s[pos] == '-') {
        offset = -offset;
      }
      pos = s.size();
    } else {
      return std::nullopt;
    }
  }
  return to_timestamp(*date + hours{*h} + minutes{*mi} + seconds{*sec} - offset, frac);
}

std::string format_iso8601(timestamp t) {
  // Whole seconds and the fraction split as integers: converting the day back to nanoseconds
  // overflows on the clock's first day (1677-09-21), which parse_iso8601 accepts.
  constexpr std::int64_t per_second = 1'000'000'000;
  const std::int64_t ns = duration_cast<nanoseconds>(t.time_since_epoch()).count();
  std::int64_t whole = ns / per_second;
  std::int64_t sub = ns % per_second;
  if (sub < 0) {
    sub += per_second;
    whole -= 1;
  }
  const sys_seconds when{seconds{whole}};
  const auto day = floor<days>(when);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> tod{when - day};
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                                tod.hours().count(), tod.minutes().count(), tod.seconds().count());
  if (sub != 0) {
    std::string f = fmt::format("{:09}", sub);
    while (!f.empty() && f.back() == '0') {
      f.pop_back();
    }
    out += '.';
    out += f;
  }
  out += 'Z';
  return out;
}

std::optional<milliseconds> parse_duration(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  milliseconds total{0};
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::int64_t value = 0;
    std::size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (value > 1'000'000'000) {
        return std::nullopt;
      }
      value = value * 10 + (s[pos] - '0');
      ++pos;
    }
    if (pos == start) {
      return std::nullopt;
    }
    std::size_t unit_start = pos;
    while (pos < s.size() && std::isalpha(static_cast<unsigned char>(s[pos]))) {
      ++pos;
    }
    const std::string_view unit = s.substr(unit_start, pos - unit_start);
    if (unit == "ms") {
      total += milliseconds{value};
    } else if (unit == "s") {
      total += seconds{value};
    } else if (unit == "m") {
      total += minutes{value};
    } else if (unit == "h") {
      total += hours{value};
    } else if (unit == "d") {
      total += days{value};
    } else {
      return std::nullopt;
    }
    // One term is at most ~1e10 days (< 2^60 ms); stopping at half the range keeps a long sum
    // such as "9999999999d9999999999d..." from overflowing.
    if (total > milliseconds::max() / 2) {
      return std::nullopt;
    }
  }
  return total;
}

std::string format_duration(milliseconds d) {
  if (d.count() == 0) {
    return "0s";
  }
  std::string out;
  auto rest = d;
  const auto emit = [&](auto unit, const char* suffix) {
    const auto n = duration_cast<decltype(unit)>(rest);
    if (n.count() != 0) {
      out += fmt::format("{}{}", n.count(), suffix);
      rest -= duration_cast<milliseconds>(n);
    }
  };
  emit(hours{}, "h");
  emit(minutes{}, "m");
  emit(seconds{}, "s");
  emit(milliseconds{}, "ms");
  return out;
}

std::optional<timestamp> parse_http_date(std::string_view s) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  static constexpr std::array<std::string_view, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
      s[22] != ':' || s.substr(25) != " GMT") {
    return std::nullopt;
  }
  int month_index = 0;
  for (; month_index < 12; ++month_index) {
    if (s.substr(8, 3) == months[static_cast<std::size_t>(month_index)]) {
      break;
    }
  }
  const auto d = digits(s, 5, 2);
  const auto y = digits(s, 12, 4);
  const auto h = digits(s, 17, 2);
  const auto mi = digits(s, 20, 2);
  const auto sec = digits(s, 23, 2);
  if (month_index == 12 || !d || !y || !h || !mi || !sec || !valid_time(*h, *mi, *sec)) {
    return std::nullopt;
  }
  const auto date = make_date(*y, month_index + 1, *d);
  if (!date) {
    return std::nullopt;
  }
  return to_timestamp(*date + hours{*h} + minutes{*mi} + seconds{*sec}, nanoseconds{0});
}

std::int64_t to_unix_seconds(timestamp t) {
  return duration_cast<seconds>(t.time_since_epoch()).count();
}

timestamp from_unix_seconds(std::int64_t s) {
  return timestamp{duration_cast<system_clock::duration>(seconds{s})};
}

}  // namespace rootwatch
