#pragma once

// One delivery attempt of one alert to one receiver, and what it means for the outbox.

#include "common/asio.hpp"
#include "common/time.hpp"
#include "sinks/sink.hpp"
#include "store/state_store.hpp"

#include <optional>
#include <string>

namespace rootwatch::net {
class https_client;
}

namespace rootwatch::sinks {

struct attempt_outcome {
  bool delivered = false;
  bool final_status = false;  // a 4xx other than 408/429: the receiver refuses; not retried
  int status = 0;             // 0 when no answer arrived
  std::string detail;         // for logs; never holds the URL's path or query
  std::optional<milliseconds> retry_after;
  std::string answer;  // the first line of the receiver's body, scrubbed (receiver_answer.hpp)
};

awaitable<attempt_outcome> attempt_delivery(net::https_client& http, const resolved_sink& sink,
                                            const store::outbox_item& item, timestamp now);

// What to do with the outbox row after a failed attempt.
struct retry_plan {
  bool give_up = false;
  timestamp next_attempt_at{};
};

// Pure: exponential backoff with jitter between retry_initial_backoff and retry_max_backoff,
// a Retry-After that asks for longer wins; a refusal (final_status), or a failure after
// give_up_after since the alert was queued, gives the row up.
retry_plan plan_retry(const config::sink_settings& sink, const store::outbox_item& item, const attempt_outcome& outcome,
                      timestamp now, double jitter01);

}  // namespace rootwatch::sinks
