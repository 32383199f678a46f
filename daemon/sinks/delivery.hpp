#pragma once

// One delivery attempt of one alert to one receiver, and what it means for the outbox.

#include "common/asio.hpp"
#include "common/time.hpp"
#include "sinks/sink.hpp"
#include "store/state_store.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <string>

namespace rootwatch::net {
class https_client;
}

namespace rootwatch::sinks {

struct attempt_outcome {
  bool delivered = false;
  bool final_status = false;  // a 4xx other than 408/429: the receiver refuses; not retried
  int status = 0;             // 0 when no answer arrived
  bool unreachable = false;   // a request went out and no answer came back (connect, TLS, send, read)
  std::string detail;         // for logs; never holds the URL's path or query
  std::optional<milliseconds> retry_after;
  std::string answer;  // the first line of the receiver's body, scrubbed (receiver_answer.hpp)
};

awaitable<attempt_outcome> attempt_delivery(net::https_client& http, const resolved_sink& sink,
                                            const store::outbox_item& item, timestamp now);

// How many leading items go in one request: 1 for every kind but azure_monitor_logs, which
// packs as many as fit under 1 MB (bytes of the JSON array, at most 500 rows; an item that
// alone exceeds 1 MB still goes alone, its long fields cut). A stored alert that does not read
// goes alone, so that its error is its own. 0 only for no items.
std::size_t batch_prefix(const resolved_sink& sink, std::span<const store::outbox_item> items);

// One request for all `items` (all of one sink, as batch_prefix cut them); one outcome for the
// batch. A sink with a token cache sends `Authorization: Bearer` for settings.token_scope: a
// token that cannot be had is a failed attempt (retried), and a 401 drops the cached token so
// that the next attempt fetches a new one.
awaitable<attempt_outcome> attempt_delivery(net::https_client& http, const resolved_sink& sink,
                                            std::span<const store::outbox_item> items, timestamp now);

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
