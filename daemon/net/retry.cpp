#include "net/retry.hpp"

#include "common/strings.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

namespace rootwatch::net {

retry_decision classify_status(int status) {
  if (status >= 200 && status < 300) {
    return {false, fmt::format("status {}", status)};
  }
  switch (status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return {true, fmt::format("status {}", status)};
    default:
      return {false, fmt::format("status {} is final", status)};
  }
}

retry_decision classify_error(const error& e) {
  switch (e.kind) {
    case error_kind::network:
    case error_kind::timeout:
      return {e.retryable, std::string(to_string(e.kind))};
    case error_kind::throttled:
      return {true, "throttled"};
    default:
      return {false, std::string(to_string(e.kind))};
  }
}

std::optional<milliseconds> parse_retry_after(std::string_view value, timestamp now) {
  value = trim(value);
  if (value.empty()) {
    return std::nullopt;
  }
  if (std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
    if (value.size() > 9) {
      return std::nullopt;
    }
    return milliseconds{std::stoll(std::string(value)) * 1000};
  }
  if (const auto when = parse_http_date(value)) {
    // In milliseconds before subtracting: a date near either end of the clock's range (1677 or
    // 2262) minus today overflows the nanosecond count, and the date is the server's to choose.
    const auto delta = std::chrono::duration_cast<milliseconds>(when->time_since_epoch()) -
                       std::chrono::duration_cast<milliseconds>(now.time_since_epoch());
    return std::max(delta, milliseconds{0});
  }
  return std::nullopt;
}

milliseconds backoff_delay(int failures, const retry_policy& policy, std::optional<milliseconds> retry_after,
                           double jitter01) {
  // Clamped before subtracting: failures - 1 overflows for INT_MIN.
  const int exponent = std::clamp(failures, 1, 31) - 1;
  const double base_ms = std::min(static_cast<double>(policy.initial_backoff.count()) * std::ldexp(1.0, exponent),
                                  static_cast<double>(policy.max_backoff.count()));
  const double jitter = std::clamp(jitter01, 0.0, 1.0);
  auto delay = milliseconds{static_cast<std::int64_t>(base_ms / 2 + base_ms / 2 * jitter)};
  if (retry_after) {
    delay = std::max(delay, std::min(*retry_after, policy.max_retry_after));
  }
  return delay;
}

timestamp server_now(std::optional<std::string_view> date_header, timestamp our_now) {
  if (date_header) {
    if (auto t = parse_http_date(*date_header)) {
      return *t;
    }
  }
  return our_now;
}

}  // namespace rootwatch::net
