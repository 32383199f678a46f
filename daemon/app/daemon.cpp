#include "app/daemon.hpp"

#include "app/generation.hpp"
#include "app/services.hpp"
#include "app/status_view.hpp"
#include "app/task_group.hpp"
#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "common/rng.hpp"
#include "common/strings.hpp"
#include "common/version.hpp"
#include "net/http_server.hpp"
#include "net/https_client.hpp"
#include "net/tls.hpp"
#include "ops/health.hpp"
#include "ops/memory_trim.hpp"
#include "ops/systemd_notify.hpp"
#include "store/state_store.hpp"
#include "store/status_reader.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include <fmt/format.h>

namespace rootwatch::app {
namespace {

constexpr auto after_cancel_grace = std::chrono::seconds{2};
// How often freed heap goes back to the system (see ops/memory_trim.hpp): a tenant's cycle
// every poll interval frees what it used; once a minute keeps the RSS near the live heap.
constexpr auto memory_trim_every = milliseconds{60'000};

// The file's line of every key, a map per tenant and per sink, only serves the messages of
// build_generation: the settings the daemon keeps for the generation it built do without.
void drop_key_lines(config::settings& s) {
  for (auto& t : s.tenants) {
    t.lines.clear();
  }
  for (auto& k : s.sinks) {
    k.lines.clear();
  }
}

}  // namespace

struct daemon::impl {
  impl(asio::any_io_executor e, options o, std::function<config::load_result()> reload)
      : ex(e),
        opts(std::move(o)),
        reload_source(std::move(reload)),
        random(seeded_rng::from_entropy()),
        infra(e),
        control(e, asio::steady_timer::time_point::max()),
        watchdog_timer(e),
        trimmer(e, memory_trim_every) {}

  asio::any_io_executor ex;
  options opts;
  std::function<config::load_result()> reload_source;
  system_clock_source wall;
  seeded_rng random;
  metrics stats;
  std::shared_ptr<net::client_tls> tls;
  std::unique_ptr<net::https_client> http;
  std::unique_ptr<store::state_store> store;
  std::unique_ptr<services> svc;
  std::unique_ptr<generation> gen;
  std::unique_ptr<task_group> gen_tasks;
  ops::health_state health;
  ops::systemd_notifier notifier;
  std::unique_ptr<net::http_server> server;
  std::unique_ptr<store::status_reader> status_reader;  // the status page's read-only connection
  std::vector<std::unique_ptr<generation>> abandoned;   // see stop_generation()
  std::vector<std::unique_ptr<task_group>> abandoned_tasks;
  std::string health_address;  // host:port actually bound, for the start-up line
  task_group infra;
  asio::steady_timer control;  // cancelled to wake run() for a stop or a reload
  asio::steady_timer watchdog_timer;
  ops::memory_trimmer trimmer;
  bool stopping = false;
  bool reload_requested = false;
  int exit_code = 0;

  std::int64_t pending_deliveries() {
    std::int64_t total = 0;
    for (const auto& s : opts.settings.sinks) {
      if (auto c = store->counts(s.name)) {
        total += c->pending;
      }
    }
    return total;
  }

  void on_crash(const std::string& what) {
    spdlog::critical("stopping because a part of rootwatch failed: {}", what);
    exit_code = 1;
    stopping = true;
    control.cancel();
  }

  void start_generation() {
    gen_tasks = std::make_unique<task_group>(ex);
    const auto crash = [this](const std::string& what) { on_crash(what); };
    for (auto& d : gen->dispatchers) {
      gen_tasks->spawn("dispatcher " + d->name(), d->run(), crash);
    }
    health.tenants.clear();
    for (auto& w : gen->watchers) {
      const std::string name = w->tenant().name;
      health.tenants[name] = {};
      gen_tasks->spawn("watcher " + name, w->run([this, name](const cycle_report& r) { on_cycle(name, r); }), crash);
    }
    // What building this generation and stopping the last one freed goes back now.
    trimmer.trim_now();
  }

  // Each source's last result; one the cycle's deadline left unasked keeps what it had.
  static void record_sources(ops::tenant_health& t, const cycle_report& r) {
    for (const auto& s : r.sources) {
      if (!s.ran) {
        continue;
      }
      auto& h = t.sources[s.name];
      h.ok = s.ok;
      h.authoritative = s.authoritative;
      h.last_result = s.at;
      h.last_error = s.ok ? std::string{} : s.error;
      h.consecutive_failures = s.ok ? 0 : std::max(s.consecutive_failures, h.consecutive_failures + 1);
      h.degraded = s.degraded;
      h.disagreements = s.disagreements;
      h.events_source = s.events_source;
      h.events = s.events;
      if (s.ok) {
        h.last_success = s.at;
        h.read_until = s.read_until;
      }
    }
  }

  void on_cycle(const std::string& tenant, const cycle_report& r) {
    if (r.cancelled) {
      return;
    }
    auto& t = health.tenants[tenant];
    t.checked = true;
    if (r.failure) {
      t.consecutive_failures = std::max(r.consecutive_failures, t.consecutive_failures + 1);
      t.ok = false;
      t.last_error = r.failure->message;
    } else {
      t.consecutive_failures = 0;
      t.ok = true;
      t.last_error.clear();
      t.last_success = wall.now();
      t.firing = r.firing;
    }
    record_sources(t, r);
    health.pending_deliveries = pending_deliveries();
    notifier.status(health.status_line());
  }

  awaitable<void> stop_generation() {
    if (!gen) {
      co_return;
    }
    gen->stop();
    // g++ 12 miscompiles a co_await inside an if condition (SIGILL at resume): keep them apart.
    const bool finished = co_await gen_tasks->join(opts.settings.daemon.shutdown_grace);
    if (!finished) {
      spdlog::warn("{} task(s) still busy after the {} grace period; cancelling them", gen_tasks->running(),
                   format_duration(opts.settings.daemon.shutdown_grace));
      gen_tasks->cancel();
      const bool cancelled = co_await gen_tasks->join(after_cancel_grace);
      if (!cancelled) {
        // Destroying a generation whose coroutines still run would free what they use. Keep
        // it alive instead and say so: this is a bug to report, not a state to continue in.
        spdlog::critical("{} task(s) did not stop after cancellation; keeping them and stopping rootwatch",
                         gen_tasks->running());
        abandoned.push_back(std::move(gen));
        abandoned_tasks.push_back(std::move(gen_tasks));
        exit_code = 1;
        stopping = true;
      }
    }
  }

  // The result and time of the last load, as Prometheus and Alertmanager expose theirs: the
  // start counts as one, so that both series exist before the first SIGHUP.
  void loaded_config(bool applied) {
    stats.set("rootwatch_config_last_reload_successful", {}, applied ? 1.0 : 0.0);
    stats.set("rootwatch_config_reload_timestamp_seconds", {}, static_cast<double>(to_unix_seconds(wall.now())));
  }

  awaitable<void> reload() {
    notifier.reloading();
    spdlog::info("reloading the configuration from {}", opts.settings.path);
    auto loaded = reload_source();
    if (!loaded.value) {
      for (const auto& p : loaded.problems) {
        spdlog::error("reload refused, the running configuration stays: {}", p.to_string());
      }
      loaded_config(false);
      notifier.ready(health.status_line());
      co_return;
    }
    auto& next = *loaded.value;
    const auto& now = opts.settings;
    if (next.daemon.state_dir != now.daemon.state_dir || next.daemon.listen != now.daemon.listen ||
        next.daemon.format != now.daemon.format || next.tls.ca_file != now.tls.ca_file) {
      spdlog::warn(
          "state_dir, listen, log_format and tls.ca_file take effect only after a restart; keeping the "
          "old values");
      next.daemon.state_dir = now.daemon.state_dir;
      next.daemon.listen = now.daemon.listen;
      next.daemon.format = now.daemon.format;
      next.tls = now.tls;
    }
    auto fresh = build_generation(*svc, next, sink_welcome_at::caller);
    if (!fresh) {
      // One log call per problem: the log formatters escape a "\n" (log injection).
      for (const auto& line : split(fresh.error().message, '\n')) {
        spdlog::error("reload refused, the running configuration stays: {}", line);
      }
      loaded_config(false);
      notifier.ready(health.status_line());
      co_return;
    }
    co_await stop_generation();
    if (stopping) {
      co_return;
    }
    opts.settings = std::move(next);
    drop_key_lines(opts.settings);
    spdlog::set_level(spdlog::level::from_str(opts.settings.daemon.log_level));
    gen = std::move(*fresh);
    // Only now that the old watchers have stopped: a cycle of theirs committing after this, for
    // the old sinks only, would leave a new sink without an alert that fires.
    welcome_sinks(*svc, opts.settings);
    start_generation();
    report_orphaned_outbox_rows(*store, opts.settings, stats);
    loaded_config(true);
    spdlog::info("configuration reloaded: {} tenant(s), {} rule(s), {} sink(s)", opts.settings.tenants.size(),
                 opts.settings.rules.size(), opts.settings.sinks.size());
    notifier.ready(health.status_line());
  }

  awaitable<void> watchdog(milliseconds interval) {
    while (!stopping) {
      notifier.watchdog();
      watchdog_timer.expires_after(interval);
      co_await watchdog_timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }
};

daemon::daemon(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
daemon::~daemon() = default;

result<std::unique_ptr<daemon>> daemon::create(asio::any_io_executor ex, options opts,
                                               std::function<config::load_result()> reload_source) {
  auto p = std::make_unique<impl>(ex, std::move(opts), std::move(reload_source));
  const auto& cfg = p->opts.settings;
  auto tls = net::client_tls::make(cfg.tls.ca_file);
  if (!tls) {
    return tls.error();
  }
  p->tls = std::move(*tls);
  p->http = std::make_unique<net::https_client>(ex, p->tls, p->random, p->wall);
  auto store = store::state_store::open(cfg.daemon.state_dir);
  if (!store) {
    return store.error();
  }
  p->store = std::move(*store);
  describe_metrics(p->stats);
  p->stats.set("rootwatch_build_info", {{"version", version}}, 1);
  p->svc =
      std::unique_ptr<services>(new services{ex, p->wall, p->random, p->stats, *p->http, *p->store, p->opts.getenv});
  auto gen = build_generation(*p->svc, cfg);
  if (!gen) {
    return gen.error();
  }
  p->gen = std::move(*gen);
  drop_key_lines(p->opts.settings);
  p->loaded_config(true);
  if (!cfg.daemon.listen.empty()) {
    auto where = parse_listen(cfg.daemon.listen);
    if (!where) {
      return where.error();
    }
    net::server_options so;
    so.address = where->host;
    so.port = where->port;
    so.body_limit = 16 * 1024;
    // A probe or a scrape sends its request at once: a few seconds is plenty, and an idle or
    // trickling connection gives its descriptor back quickly.
    so.idle_timeout = milliseconds{3'000};
    // Enough for probes and scrapers; beyond it the longest idle connection is closed, so
    // that idle connections cannot take the descriptors that Azure and the sinks need.
    so.max_connections = 64;
    so.on_error = [](std::string_view what) { spdlog::warn("health listener: {}", what); };
    auto reader = store::status_reader::open(cfg.daemon.state_dir);
    if (!reader) {
      return with_context(reader.error(), "status page");
    }
    p->status_reader = std::make_unique<store::status_reader>(std::move(*reader));
    auto page = [q = p.get()] { return gather_status(q->health, q->opts.settings, *q->status_reader, q->wall.now()); };
    auto server = net::http_server::listen(ex, so, ops::health_handler(p->health, p->stats, page));
    if (!server) {
      return with_context(server.error(), "daemon.listen");
    }
    p->server = std::move(*server);
    const bool v6 = where->host.find(':') != std::string::npos;
    p->health_address = (v6 ? "[" + where->host + "]" : where->host) + ":" + std::to_string(p->server->port());
  }
  return std::unique_ptr<daemon>(new daemon(std::move(p)));
}

std::uint16_t daemon::health_port() const {
  return impl_->server ? impl_->server->port() : 0;
}

void daemon::request_stop() {
  impl_->stopping = true;
  impl_->control.cancel();
}

void daemon::request_reload() {
  impl_->reload_requested = true;
  impl_->control.cancel();
}

bool daemon::stop_requested() const {
  return impl_->stopping;
}

awaitable<int> daemon::run() {
  auto& p = *impl_;
  const auto crash = [&p](const std::string& what) { p.on_crash(what); };
  if (p.server) {
    p.infra.spawn("health listener", p.server->run(), crash);
  }
  p.start_generation();
  p.health.ready = true;
  p.notifier.ready(p.health.status_line());
  if (auto interval = p.notifier.watchdog_interval()) {
    p.infra.spawn("watchdog", p.watchdog(*interval), crash);
  }
  p.infra.spawn("memory trim", p.trimmer.run(), crash);
  spdlog::info("rootwatch {} running: {} tenant(s), {} rule(s), {} sink(s), state in {}{}", version,
               p.opts.settings.tenants.size(), p.opts.settings.rules.size(), p.opts.settings.sinks.size(),
               p.store->path(), p.health_address.empty() ? std::string{} : ", health on " + p.health_address);
  if (p.opts.settings.sinks.empty()) {
    spdlog::warn("no [[sink]] is configured: alerts are logged and kept in the outbox for the first sink added");
  }
  report_orphaned_outbox_rows(*p.store, p.opts.settings, p.stats);
  while (!p.stopping) {
    // A SIGHUP that arrives during a reload only sets the flag: look before waiting again.
    if (p.reload_requested) {
      p.reload_requested = false;
      co_await p.reload();
      continue;
    }
    p.control.expires_at(asio::steady_timer::time_point::max());
    co_await p.control.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  spdlog::info("stopping: finishing the current cycle and deliveries (up to {})",
               format_duration(p.opts.settings.daemon.shutdown_grace));
  p.health.stopping = true;
  p.notifier.stopping();
  co_await p.stop_generation();
  if (p.server) {
    p.server->stop();
  }
  p.watchdog_timer.cancel();
  p.trimmer.stop();
  const bool finished = co_await p.infra.join(after_cancel_grace);
  if (!finished) {
    p.infra.cancel();
    co_await p.infra.join(after_cancel_grace);
  }
  spdlog::info("stopped");
  co_return p.exit_code;
}

}  // namespace rootwatch::app
