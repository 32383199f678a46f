#pragma once

// What every part of a running rootwatch shares: one executor, the clock, randomness,
// metrics, the HTTPS client and the store. Owned by the daemon or by `check`.

#include "app/options.hpp"
#include "common/asio.hpp"

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

namespace rootwatch::app {

struct services {
  asio::any_io_executor ex;
  const clock& wall;
  rng& random;
  metrics& stats;
  net::https_client& http;
  store::state_store& store;
  env_lookup getenv;
};

// Metric names and help texts, registered once.
void describe_metrics(metrics& m);

}  // namespace rootwatch::app
