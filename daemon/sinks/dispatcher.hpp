#pragma once

// One per sink: takes due rows from the outbox, delivers them, and records the outcome.
// An alert leaves the outbox only on a 2xx, or when it is given up on after give_up_after
// (logged as an error and counted in rootwatch_alerts_dead_total).

#include "common/asio.hpp"
#include "common/error.hpp"
#include "sinks/sink.hpp"

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

  // One attempt for every pending row (for `rootwatch check`); with `all`, rows whose next
  // attempt is not due yet are tried as well.
  awaitable<drain_report> drain_once(bool all);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace rootwatch::sinks
