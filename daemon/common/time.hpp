#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace rootwatch {

using timestamp = std::chrono::system_clock::time_point;
using std::chrono::milliseconds;
using std::chrono::seconds;

// ISO-8601 / RFC 3339 date-times as Azure writes them: "2016-08-17T19:21:16.3422480Z",
// "+00:00" offsets, up to 9 fractional digits, and the token endpoint's "2020-04-07 20:52:51Z".
// A value without any zone designator is taken as UTC. Anything else is nullopt.
std::optional<timestamp> parse_iso8601(std::string_view text);

// "2025-02-11T10:00:00Z", with a fraction only when there is one (trailing zeros dropped).
std::string format_iso8601(timestamp t);

// Config durations: "0s", "500ms", "30s", "5m", "6h", "2d", and sums such as "1h30m".
std::optional<milliseconds> parse_duration(std::string_view text);
std::string format_duration(milliseconds d);

// RFC 9110 IMF-fixdate, as used in Retry-After: "Sun, 06 Nov 1994 08:49:37 GMT".
std::optional<timestamp> parse_http_date(std::string_view text);

// Seconds since the Unix epoch.
std::int64_t to_unix_seconds(timestamp t);
timestamp from_unix_seconds(std::int64_t s);

}  // namespace rootwatch
