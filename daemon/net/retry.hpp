#pragma once

// When to try again, and how long to wait. Pure: the status or error in, a decision out, so
// every status code can be tested.

#include "common/error.hpp"
#include "common/time.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace rootwatch::net {

struct retry_policy {
  int max_attempts = 4;  // including the first
  milliseconds initial_backoff{500};
  milliseconds max_backoff{30'000};
  milliseconds max_retry_after{120'000};  // a longer Retry-After is capped, not obeyed blindly
};

struct retry_decision {
  bool retry = false;
  std::string reason;  // "status 503", "timeout", "status 404 is final"
};

// 408, 429, 500, 502, 503, 504 and network errors and timeouts are worth another try; every
// other status is final, and 2xx is success (retry = false).
retry_decision classify_status(int status);
retry_decision classify_error(const error& e);

// Retry-After is either delta-seconds or an HTTP-date; nullopt when absent or unreadable.
std::optional<milliseconds> parse_retry_after(std::string_view value, timestamp now);

// "Now" as the server saw it: its Date header when readable, else our clock. An HTTP-date
// Retry-After is a time on the server's clock; read against a clock minutes off it would turn
// "retry in 2 s" into minutes of silence (or into no wait at all).
timestamp server_now(std::optional<std::string_view> date_header, timestamp our_now);

// The wait before attempt `failures + 1`: exponential from initial_backoff, capped at
// max_backoff, with half of it jittered (jitter01 in [0,1)); a server's Retry-After wins when
// it asks for longer.
milliseconds backoff_delay(int failures, const retry_policy& policy, std::optional<milliseconds> retry_after,
                           double jitter01);

}  // namespace rootwatch::net
