#pragma once

// One per tenant: gather a complete snapshot from every configured source under one deadline,
// let the engine decide, commit state and alerts together, wake the dispatchers; then wait for
// the next poll.

#include "app/services.hpp"
#include "app/sources.hpp"
#include "common/error.hpp"
#include "config/settings.hpp"
#include "engine/events.hpp"
#include "engine/model.hpp"
#include "engine/rules.hpp"
#include "engine/sources.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rootwatch::app {

// What one snapshot source gave in a cycle, for health and metrics.
struct source_report {
  std::string name;
  bool authoritative = false;  // its listing decided presence (or its failure failed the cycle)
  bool ran = false;            // false: the cycle's deadline had passed before its turn
  bool ok = false;
  std::string error;  // when not ok; free of secrets
  timestamp at{};     // when its result came
  int consecutive_failures = 0;
  bool degraded = false;  // its own watch.degraded went out (never for the authoritative one)
  std::optional<timestamp> last_success;
  std::size_t assignments = 0;
  std::size_t disagreements = 0;        // rows only it shows, against the authoritative view or another
  bool events_source = false;           // a log: read in a window, not listed
  std::size_t events = 0;               // records of interest its window returned
  std::optional<timestamp> read_until;  // the end of its last complete window (its watermark)
};

struct cycle_report {
  std::optional<error> failure;        // set when the cycle failed; state was kept as it was
  bool cancelled = false;              // cut short by shutdown or reload: not a failure of the watch
  int consecutive_failures = 0;        // of the tenant, including this cycle
  std::size_t assignments = 0;         // in the snapshot
  std::size_t alerts = 0;              // queued by this cycle
  std::size_t firing = 0;              // watched assignments with an open alert
  std::size_t disagreements = 0;       // rows one source shows and another does not
  std::vector<source_report> sources;  // every configured source: snapshots (authoritative first), then logs
  std::size_t new_events = 0;          // log records not seen before, taken by this cycle
  std::size_t elevation_events = 0;    // elevation.event alerts this cycle queued
};

class watcher {
 public:
  watcher(services& svc, config::tenant_settings tenant, std::vector<engine::rule> rules,
          std::vector<std::string> sink_names, std::string config_path, std::function<void()> alerts_queued,
          snapshot_source_factory make_sources = make_snapshot_sources,
          event_source_factory make_events = make_event_sources);
  // The generation's rules and sink names, one copy shared by all its watchers: a thousand
  // tenants would otherwise keep a thousand copies of the same configuration.
  watcher(services& svc, config::tenant_settings tenant, std::shared_ptr<const std::vector<engine::rule>> rules,
          std::shared_ptr<const std::vector<std::string>> sink_names, std::function<void()> alerts_queued,
          snapshot_source_factory make_sources = make_snapshot_sources,
          event_source_factory make_events = make_event_sources);
  ~watcher();

  // Without `lines` (where each key was in the file): only the loader's messages use them.
  const config::tenant_settings& tenant() const { return tenant_; }

  // One cycle. Gathering (token, every page, role names) ends by tenant.cycle_timeout or fails
  // with kind timeout; nothing thrown inside leaves it: an exception fails the cycle as an
  // error of kind internal (invariants 9 and 10).
  awaitable<cycle_report> cycle();
  // cycle() every poll_interval (plus a little jitter so tenants drift apart) until stop(),
  // the second one brought forward to the tenant's slot (see cycle_schedule.hpp).
  // `on_cycle` sees every report (health, STATUS=).
  awaitable<void> run(std::function<void(const cycle_report&)> on_cycle);
  // This tenant's place among the generation's `count` tenants (see cycle_schedule.hpp);
  // unless set, a tenant alone: its first cycle at once, every cycle an interval apart.
  void set_place(std::size_t index, std::size_t count);
  void stop();

 private:
  struct gathered;
  struct gathered_events;
  awaitable<std::vector<gathered>> gather(std::chrono::steady_clock::time_point started);
  awaitable<std::vector<gathered_events>> gather_events(std::chrono::steady_clock::time_point started);
  cycle_report decide(const std::vector<gathered>& results, const std::vector<gathered_events>& logs,
                      std::chrono::steady_clock::time_point started);
  std::pair<cycle_report, std::vector<engine::disagreement>> decide_and_commit(
      const engine::chosen_views& views, std::vector<engine::alert> source_alerts,
      const std::vector<engine::event_read>& reads, std::chrono::steady_clock::time_point started);
  error authority_failure(const std::vector<gathered>& results, const engine::chosen_views& views) const;
  // The quiet cycle on record, while it stands (see watcher.cpp); and whether `results` are
  // that cycle's answers again, every source `unchanged`.
  bool quiet_stands();
  bool replayable(const std::vector<gathered>& results);
  cycle_report replay_quiet(const std::vector<gathered>& results, std::chrono::steady_clock::time_point started);
  void record_quiet(const std::vector<gathered>& results, const cycle_report& report);
  cycle_report failed(error e, std::vector<engine::alert> source_alerts = {},
                      const std::vector<engine::event_read>& reads = {});
  cycle_report failed_safely(error e);
  std::vector<source_report> source_reports(const std::vector<gathered>& results,
                                            const std::vector<gathered_events>& logs, const engine::chosen_views& views,
                                            const std::vector<engine::disagreement>& disagreements) const;
  engine::events_output take_events(engine::tenant_state state, std::vector<engine::alert> alerts,
                                    const std::vector<engine::event_read>& reads, timestamp now) const;
  void log_new_disagreements(const std::vector<engine::disagreement>& disagreements);
  // Counts and logs alerts just committed; `baseline`: the tenant's first cycle.
  void queue(const std::vector<engine::alert>& alerts, bool baseline, timestamp committed_at);

  struct impl;
  std::unique_ptr<impl> impl_;
  config::tenant_settings tenant_;
  double slot_ = 1.0;
  milliseconds first_delay_{0};
};

}  // namespace rootwatch::app
