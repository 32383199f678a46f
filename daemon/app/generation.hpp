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

// When the configured sinks are welcomed (see welcome_sinks): at once, or by the caller once
// the previous generation has stopped (a reload), so that no cycle of the old generation
// commits, for the old sinks only, after the new ones were told what fires.
enum class sink_welcome_at { build, caller };

// Checks what this version can run (credential kinds, sources, sink kinds) and reads the
// secrets; an error names the file, line and key. With no [[sink]], the watchers keep their
// alerts for store::unsent_sink, so that the first sinks configured later receive them.
result<std::unique_ptr<generation>> build_generation(services& svc, const config::settings& cfg,
                                                     sink_welcome_at welcome = sink_welcome_at::build);

// Tells the configured sinks what they missed, before any watcher of theirs runs: alerts kept
// while no sink was configured go to all of them, and a sink never seen before gets the
// assignment.created alert of every assignment firing now, under its original id (a sink that
// had it de-duplicates it). A store error is logged: nothing is marked, so the next start or
// reload tries again.
void welcome_sinks(services& svc, const config::settings& cfg);

// Pending alerts for a sink that is no longer configured would wait unseen for ever: log them
// as errors and count them in rootwatch_outbox_orphaned.
void report_orphaned_outbox_rows(store::state_store& store, const config::settings& cfg, metrics& stats);

// A sink ready to deliver: its secrets read (resolve_sink) and, for a kind that sends an Entra
// token (action_group, azure_monitor_logs), a token cache of its own on the credential of its
// [[tenant]], so that its tokens and their refreshes are apart from the watcher's.
result<sinks::resolved_sink> make_sink(services& svc, const config::settings& cfg, const config::sink_settings& s);

// A sink with a TLS client certificate gets an HTTPS client of its own (sink.http), whose TLS
// context presents that certificate; other sinks share the one client. For test-alert too.
result<void> give_own_client(sinks::resolved_sink& sink, asio::any_io_executor ex, const std::string& ca_file,
                             rng& random, const clock& wall);

// The problems build_generation would report, without starting anything: for `validate`.
std::vector<std::string> runtime_problems(const config::settings& cfg, const env_lookup& getenv);

}  // namespace rootwatch::app
