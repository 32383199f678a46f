#pragma once

// One per sink: takes due rows from the outbox, delivers them, and records the outcome.
// An alert leaves the outbox only on a 2xx, or when it is given up on: refused by the receiver
// (a 4xx other than 408 and 429), still undelivered after give_up_after, or past the outbox's
// bound. Giving up is logged as an error, counted in rootwatch_alerts_dead_total, and told to
// on_dead (which announces it on the other sinks).
//
// Up to `concurrency` attempts are in flight at once, so that a receiver that hangs on one
// alert holds back only that many; alerts with one order key (about one assignment) go one
// at a time, in the order they were raised. Starts are at least min_interval apart.
//
// A 2xx is recorded a few rows per transaction (one fsync), never before it arrived; a crash
// re-delivers at most those rows. A receiver that does not answer several attempts in a row
// opens the sink's circuit breaker (rootwatch_sink_open): one probe at a time at the backoff
// pace instead of one attempt per row, until it answers. A url_file sink reads its URL again
// when the file changed (sinks/url_file.hpp).

#include "common/asio.hpp"
#include "common/error.hpp"
#include "sinks/sink.hpp"
#include "store/state_store.hpp"

#include <functional>
#include <memory>

namespace rootwatch {
class clock;
class rng;
class metrics;
namespace net {
class https_client;
}
namespace store {
class state_store;
}
}  // namespace rootwatch

namespace rootwatch::sinks {

struct drain_report {
  int delivered = 0;
  int retrying = 0;
  int dead = 0;
  int store_errors = 0;
};

class dispatcher {
 public:
  dispatcher(asio::any_io_executor ex, store::state_store& store, net::https_client& http, resolved_sink sink,
             const clock& wall, rng& random, metrics& stats);
  ~dispatcher();

  const std::string& name() const;

  // Delivers until stop(); sleeps until the next row is due or wake() is called.
  awaitable<void> run();
  void wake();
  void stop();

  struct dead_letter {
    store::outbox_item item;
    int attempts = 0;
    std::string error;
  };
  // Told of every row given up on, after it is recorded as dead.
  void on_dead(std::function<void(const dead_letter&)> observer);
  // Pending rows past `limit` are given up on (see store::state_store::overflow); delivered
  // rows older than `retention` are forgotten.
  void bound_outbox(std::int64_t limit, milliseconds retention);

  // One attempt for every pending row (for `rootwatch check`); with `all`, rows whose next
  // attempt is not due yet are tried as well.
  awaitable<drain_report> drain_once(bool all);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace rootwatch::sinks
