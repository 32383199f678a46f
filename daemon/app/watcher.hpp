#pragma once

// One per tenant: take a complete snapshot, let the engine decide, commit state and alerts
// together, wake the dispatchers; then wait for the next poll.

#include "app/services.hpp"
#include "common/error.hpp"
#include "config/settings.hpp"
#include "engine/model.hpp"
#include "engine/rules.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rootwatch::app {

struct cycle_report {
  std::optional<error> failure;  // set when the cycle failed; state was kept as it was
  bool cancelled = false;        // cut short by shutdown or reload: not a failure of the watch
  int consecutive_failures = 0;  // of the tenant, including this cycle
  std::size_t assignments = 0;   // in the snapshot
  std::size_t alerts = 0;        // queued by this cycle
  std::size_t firing = 0;        // watched assignments with an open alert
};

class watcher {
 public:
  watcher(services& svc, config::tenant_settings tenant, std::vector<engine::rule> rules,
          std::vector<std::string> sink_names, std::string config_path, std::function<void()> alerts_queued);
  ~watcher();

  const config::tenant_settings& tenant() const { return tenant_; }

  // One cycle. Gathering (token, every page, role names) ends by tenant.cycle_timeout or fails
  // with kind timeout; nothing thrown inside leaves it: an exception fails the cycle as an
  // error of kind internal (invariants 9 and 10).
  awaitable<cycle_report> cycle();
  // cycle() every poll_interval (plus up to 10% jitter so tenants drift apart) until stop().
  // `on_cycle` sees every report (health, STATUS=).
  awaitable<void> run(std::function<void(const cycle_report&)> on_cycle);
  void stop();

 private:
  awaitable<result<engine::snapshot>> gather(std::chrono::steady_clock::time_point started);
  cycle_report decide_and_commit(const engine::snapshot& snapshot, std::chrono::steady_clock::time_point started);
  cycle_report failed(error e);
  cycle_report failed_safely(error e);
  void queue(const std::vector<engine::alert>& alerts);

  struct impl;
  std::unique_ptr<impl> impl_;
  config::tenant_settings tenant_;
};

}  // namespace rootwatch::app
