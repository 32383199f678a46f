#include "app/check.hpp"

#include "app/generation.hpp"
#include "app/secrets.hpp"
#include "app/services.hpp"
#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "common/rng.hpp"
#include "common/strings.hpp"
#include "engine/alert_json.hpp"
#include "net/https_client.hpp"
#include "net/tls.hpp"
#include "sinks/delivery.hpp"
#include "store/state_store.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>

#include <fmt/format.h>

namespace rootwatch::app {
namespace {

// The parts `check` and `test-alert` share with the daemon, built for one run.
struct one_shot {
  system_clock_source wall;
  seeded_rng random = seeded_rng::from_entropy();
  metrics stats;
  std::unique_ptr<net::https_client> http;
  std::unique_ptr<store::state_store> store;
  std::unique_ptr<services> svc;
};

result<std::unique_ptr<one_shot>> prepare(asio::any_io_executor ex, const options& opts, bool with_store) {
  auto s = std::make_unique<one_shot>();
  auto tls = net::client_tls::make(opts.settings.tls.ca_file);
  if (!tls) {
    return tls.error();
  }
  s->http = std::make_unique<net::https_client>(ex, std::move(*tls), s->random, s->wall);
  if (with_store) {
    auto store = store::state_store::open(opts.settings.daemon.state_dir);
    if (!store) {
      return store.error();
    }
    s->store = std::move(*store);
    s->svc =
        std::unique_ptr<services>(new services{ex, s->wall, s->random, s->stats, *s->http, *s->store, opts.getenv});
  }
  return s;
}

void say(const std::string& line) {
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace

awaitable<int> run_check(options opts) {
  auto ex = co_await asio::this_coro::executor;
  auto shared = prepare(ex, opts, true);
  if (!shared) {
    spdlog::error("{}", shared.error().message);
    co_return exit_error;
  }
  auto gen = build_generation(*(*shared)->svc, opts.settings);
  if (!gen) {
    // One log call per problem: the log formatters escape a "\n" (log injection).
    for (const auto& line : split(gen.error().message, '\n')) {
      spdlog::error("{}", line);
    }
    co_return exit_error;
  }
  bool failed = false;
  std::size_t firing = 0;
  for (auto& w : (*gen)->watchers) {
    const auto report = co_await w->cycle();
    // Every configured source must answer: one that cannot (a log without its permission, say)
    // is a gap in the watch that a one-shot check reports as an error.
    for (const auto& s : report.sources) {
      if (!s.ok && !(report.failure && s.authoritative)) {
        failed = true;
        say(fmt::format("tenant {}: source {}: ERROR: {}", w->tenant().name, s.name, s.error));
      }
    }
    // Elevations the logs recorded are reported like firing assignments: one elevated and
    // revoked before this check is still something to look at.
    firing += report.elevation_events;
    if (report.failure) {
      failed = true;
      say(fmt::format("tenant {}: ERROR: {}", w->tenant().name, report.failure->message));
      continue;
    }
    firing += report.firing;
    say(
        fmt::format("tenant {}: {} role assignment(s) at the root scope, {} firing, {} elevation event(s) in the logs, "
                    "{} new alert(s)",
                    w->tenant().name, report.assignments, report.firing, report.elevation_events, report.alerts));
  }
  report_orphaned_outbox_rows(*(*shared)->store, opts.settings, (*shared)->stats);
  bool undelivered = false;
  for (auto& d : (*gen)->dispatchers) {
    const auto report = co_await d->drain_once(true);
    undelivered = undelivered || report.retrying > 0 || report.dead > 0 || report.store_errors > 0;
    say(fmt::format("sink {}: {} delivered, {} kept for a later retry, {} given up", d->name(), report.delivered,
                    report.retrying, report.dead));
  }
  if (failed) {
    say("result: error (exit 2)");
    co_return exit_error;
  }
  if (firing > 0) {
    say(fmt::format("result: {} alert(s) firing{} (exit 1)", firing,
                    undelivered ? ", and alerts are still waiting for delivery" : ""));
    co_return exit_firing;
  }
  if (undelivered) {
    say("result: nothing firing, but alerts are still waiting for delivery (exit 2)");
    co_return exit_error;
  }
  say("result: nothing firing (exit 0)");
  co_return exit_quiet;
}

awaitable<int> run_test_alert(options opts, std::string sink_name) {
  auto ex = co_await asio::this_coro::executor;
  const config::sink_settings* sink = nullptr;
  for (const auto& s : opts.settings.sinks) {
    if (s.name == sink_name) {
      sink = &s;
    }
  }
  if (!sink) {
    spdlog::error("no [[sink]] named '{}' in {}", sink_name, opts.settings.path);
    co_return exit_error;
  }
  auto resolved = resolve_sink(*sink, opts.getenv);
  if (!resolved) {
    spdlog::error("{}", resolved.error().message);
    co_return exit_error;
  }
  auto shared = prepare(ex, opts, false);
  if (!shared) {
    spdlog::error("{}", shared.error().message);
    co_return exit_error;
  }
  auto& s = **shared;
  engine::alert a;
  a.id = "test-" + random_uuid(s.random);
  a.kind = std::string(engine::alert_kind::test);
  a.status = "firing";
  a.level = engine::severity::info;
  a.rule = "test-alert";
  if (!opts.settings.tenants.empty()) {
    a.tenant = {opts.settings.tenants.front().tenant_id, opts.settings.tenants.front().name};
  }
  a.correlation_key = a.id;
  a.first_seen = a.detected_at = s.wall.now();
  a.remediation = "Nothing to do: this is a test alert sent by `rootwatch test-alert`.";
  a.test = true;
  store::outbox_item item;
  item.alert_id = a.id;
  item.sink = sink_name;
  item.payload = dump_tolerant(engine::to_json(a));
  const auto outcome = co_await sinks::attempt_delivery(*s.http, *resolved, item, s.wall.now());
  if (!outcome.delivered) {
    say(fmt::format("sink {}: test alert NOT delivered: {}", sink_name, outcome.detail));
    co_return exit_error;
  }
  say(fmt::format("sink {}: test alert {} delivered (status {})", sink_name, a.id, outcome.status));
  co_return exit_quiet;
}

}  // namespace rootwatch::app
