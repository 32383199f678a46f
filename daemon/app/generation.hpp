#pragma once

// Everything built from one configuration: a watcher per tenant and a dispatcher per sink.
// A reload builds a new generation beside the old one and swaps only when that succeeded.

#include "app/services.hpp"
#include "app/watcher.hpp"
#include "common/error.hpp"
#include "sinks/dispatcher.hpp"

#include <memory>
#include <vector>

namespace rootwatch::app {

struct generation {
  std::vector<std::unique_ptr<sinks::dispatcher>> dispatchers;
  std::vector<std::unique_ptr<watcher>> watchers;

  void wake_dispatchers();
  void stop();
};

// Checks what this version can run (credential kinds, sources, sink kinds) and reads the
// secrets; an error names the file, line and key.
result<std::unique_ptr<generation>> build_generation(services& svc, const config::settings& cfg);

// Pending alerts for a sink that is no longer configured would wait unseen for ever: log them
// as errors and count them in rootwatch_outbox_orphaned.
void report_orphaned_outbox_rows(store::state_store& store, const config::settings& cfg, metrics& stats);

// The problems build_generation would report, without starting anything: for `validate`.
std::vector<std::string> runtime_problems(const config::settings& cfg, const env_lookup& getenv);

}  // namespace rootwatch::app
