#include "app/watcher.hpp"

#include "app/credential_factory.hpp"
#include "app/cycle_deadline.hpp"
#include "app/cycle_schedule.hpp"
#include "app/detection_latency.hpp"
#include "app/principal_names.hpp"
#include "app/secrets.hpp"
#include "auth/token_cache.hpp"
#include "azure/api_meter.hpp"
#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "common/rng.hpp"
#include "common/strings.hpp"
#include "engine/cycle.hpp"
#include "store/state_store.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <set>

namespace rootwatch::app {
namespace {

std::string describe(const engine::alert& a) {
  if (!a.subject) {
    return fmt::format("{} {}", a.kind, a.id);
  }
  const auto& s = *a.subject;
  return fmt::format("{} [{}] scope={} role=\"{}\" principal={} ({}) rule={} id={}", a.kind, engine::to_string(a.level),
                     s.scope, s.role.name.empty() ? s.role.id : s.role.name, s.principal.id,
                     s.principal.type.empty() ? "unknown type" : s.principal.type, a.rule, a.id);
}

principal_names_options names_options(services& s, const config::tenant_settings& t) {
  principal_names_options o;
  o.observer = std::make_shared<azure::api_meter>(s.stats, "directory_objects");
  o.tenant = t.name;
  o.graph_base = t.endpoints.graph;
  o.timeout = t.request_timeout;
  return o;
}

// However long the engine's clock would let a quiet cycle stand, the listings are parsed and
// decided in full at least this often: role and display names shown in later alerts are then
// never older than this, and a fault in the replay could not outlast it.
constexpr auto quiet_refresh = std::chrono::minutes{10};

// Whether every watermark moved by at most a few minutes, none appeared and none went away.
bool watermarks_close(const std::map<std::string, timestamp, std::less<>>& stored,
                      const std::map<std::string, timestamp, std::less<>>& next) {
  constexpr auto slack = std::chrono::minutes{5};
  if (stored.size() != next.size()) {
    return false;
  }
  for (const auto& [source, at] : next) {
    const auto it = stored.find(source);
    if (it == stored.end() || at - it->second > slack || it->second - at > slack) {
      return false;
    }
  }
  return true;
}

// Whether `next` is `stored` but for the time of the last success and watermarks that moved by
// at most a few minutes. Field by field, without copying the state: every field of
// engine::tenant_state and engine::watch_health is named here.
bool same_apart_from_time(const engine::tenant_state& stored, const engine::tenant_state& next) {
  const auto& was = stored.health;
  const auto& is = next.health;
  return next.initialized == stored.initialized && is.consecutive_failures == was.consecutive_failures &&
         is.failing_since == was.failing_since && is.degraded == was.degraded && is.last_error == was.last_error &&
         next.occurrence_marks == stored.occurrence_marks && next.events.seen == stored.events.seen &&
         watermarks_close(stored.events.watermarks, next.events.watermarks) && next.assignments == stored.assignments;
}

// One series of this tenant's, found in the registry at its first update and kept: a cycle then
// neither builds labels nor looks up. Found then, not at start, so that /metrics shows a series
// from its first update, as when it was updated by name.
class tenant_series {
 public:
  tenant_series(metrics& stats, std::string_view name, metric_labels labels)
      : stats_(&stats), name_(name), labels_(std::move(labels)) {}

  metrics::value_ref& operator*() {
    if (!ref_) {
      ref_ = stats_->ref(name_, labels_);
      // Not needed again: a thousand tenants keep some twenty series each.
      metric_labels{}.swap(labels_);
    }
    return *ref_;
  }
  metrics::value_ref* operator->() { return &**this; }

 private:
  metrics* stats_;
  std::string_view name_;  // a literal
  metric_labels labels_;
  std::optional<metrics::value_ref> ref_;
};

// A tenant_series per source, made at a source's first update.
class per_source_series {
 public:
  per_source_series(metrics& stats, std::string_view name, std::string tenant)
      : stats_(&stats), name_(name), tenant_(std::move(tenant)) {}

  tenant_series& operator[](std::string_view source) {
    auto it = series_.find(source);
    if (it == series_.end()) {
      it = series_
               .try_emplace(std::string(source), *stats_, name_,
                            metric_labels{{"tenant", tenant_}, {"source", std::string(source)}})
               .first;
    }
    return it->second;
  }

 private:
  metrics* stats_;
  std::string_view name_;  // a literal
  std::string tenant_;
  std::map<std::string, tenant_series, std::less<>> series_;
};

}  // namespace

struct watcher::impl {
  impl(services& s, const config::tenant_settings& t, std::shared_ptr<const std::vector<engine::rule>> r,
       std::shared_ptr<const std::vector<std::string>> sinks, std::function<void()> queued,
       const snapshot_source_factory& make_sources, const event_source_factory& make_events)
      : svc(s),
        shared_rules(std::move(r)),
        shared_sink_names(std::move(sinks)),
        rules(*shared_rules),
        sink_names(*shared_sink_names),
        alerts_queued(std::move(queued)),
        tokens(s.ex, make_tenant_credential(s, t), s.wall, &s.stats),
        sources(authority_first(make_sources(s, t, tokens))),
        logs(make_events ? make_events(s, t, tokens) : event_sources{}),
        names(s.http, tokens, names_options(s, t), s.random, s.wall),
        timer(s.ex),
        created_latency(&s.stats.histogram_ref("rootwatch_detection_latency_seconds",
                                               {{"kind", std::string(engine::alert_kind::created)}})),
        elevation_latency(&s.stats.histogram_ref("rootwatch_detection_latency_seconds",
                                                 {{"kind", std::string(engine::alert_kind::elevation)}})),
        cycles_ok(s.stats, "rootwatch_cycles_total", {{"tenant", t.name}, {"result", "ok"}}),
        cycles_failed(s.stats, "rootwatch_cycles_total", {{"tenant", t.name}, {"result", "failed"}}),
        cycle_duration(s.stats, "rootwatch_cycle_duration_seconds", {{"tenant", t.name}}),
        assignments_watched(s.stats, "rootwatch_assignments_watched", {{"tenant", t.name}}),
        alerts_firing(s.stats, "rootwatch_alerts_firing", {{"tenant", t.name}}),
        last_success(s.stats, "rootwatch_last_success_timestamp_seconds", {{"tenant", t.name}}),
        source_up(s.stats, "rootwatch_source_up", t.name),
        source_disagreements(s.stats, "rootwatch_source_disagreements", t.name),
        events_read(s.stats, "rootwatch_events_read_total", t.name) {
    // Looked up once: a cycle only adds to them.
    for (const auto& source : sources) {
      durations.emplace(std::string(source->name()), &duration_series(s.stats, source->name()));
    }
    for (const auto& log : logs) {
      durations.emplace(std::string(log->name()), &duration_series(s.stats, log->name()));
    }
  }

  static histogram& duration_series(metrics& stats, std::string_view source) {
    return stats.histogram_ref("rootwatch_source_cycle_duration_seconds", {{"source", std::string(source)}});
  }

  // How long `source` took this cycle (token, every page, role names), when it was asked and
  // answered or failed on its own: a source cut short by shutdown says nothing about Azure.
  void took(std::string_view source, std::chrono::steady_clock::duration d) {
    if (const auto it = durations.find(source); it != durations.end()) {
      it->second->observe(std::chrono::duration<double>(d).count());
    }
  }

  // No failure streak and no watch.degraded out: its next success changes nothing.
  bool in_good_health(std::string_view source) const {
    const auto it = source_health.find(source);
    return it == source_health.end() || (it->second.consecutive_failures == 0 && !it->second.degraded);
  }

  // The authoritative source is gathered first, so that it has the most of the cycle's deadline
  // and a slow secondary source can never take its time.
  static snapshot_sources authority_first(snapshot_sources all) {
    std::string_view authority;
    for (const auto name : engine::authority_order) {
      const bool configured =
          std::any_of(all.begin(), all.end(), [name](const auto& source) { return source->name() == name; });
      if (configured) {
        authority = name;
        break;
      }
    }
    std::stable_partition(all.begin(), all.end(),
                          [authority](const auto& source) { return source->name() == authority; });
    return all;
  }

  services& svc;
  // Shared with the generation's other watchers (see the constructor in watcher.hpp).
  std::shared_ptr<const std::vector<engine::rule>> shared_rules;
  std::shared_ptr<const std::vector<std::string>> shared_sink_names;
  const std::vector<engine::rule>& rules;
  const std::vector<std::string>& sink_names;
  std::function<void()> alerts_queued;
  auth::token_cache tokens;
  snapshot_sources sources;                        // after `tokens`, which they use
  event_sources logs;                              // likewise
  principal_names names;                           // likewise
  std::map<std::string, std::string> event_names;  // this cycle's names of the principals the logs name
  asio::steady_timer timer;
  bool stopping = false;
  bool committed = false;  // the last decision reached the store
  // Each source's streak, in memory: it starts over with the process or a reload. The tenant's
  // own streak (the authoritative view) is in the store.
  std::map<std::string, engine::watch_health, std::less<>> source_health;
  // Assignment keys the sources disagreed on at the last comparison, so that each is logged once
  // when the disagreement starts, not every cycle.
  std::set<std::string> disagreeing;
  std::map<std::string, histogram*, std::less<>> durations;  // per source and log, in the registry
  // The last cycle decided in full that changed nothing but the time, every source having
  // given a fingerprint. While it stands (quiet_stands), each source is told the fingerprint of
  // its listing then, and a cycle in which every one answers `unchanged` is that decision again:
  // replayed (replay_quiet) without parsing a page or running the engine. Only ever without
  // logs, whose reads move watermarks that must reach the store.
  struct quiet_cycle {
    std::vector<std::string> fingerprints;  // per source, in the order of `sources`
    std::uint64_t store_changes = 0;        // the store's tenant_changes() when it was decided
    timestamp until{};                      // engine::quiet_until, or the refresh, whichever is first
    cycle_report report;                    // as that cycle reported it
  };
  std::optional<quiet_cycle> quiet;
  // Set by decide_and_commit when its decision changed nothing but the time: until when the
  // same answers would decide the same (engine::quiet_until).
  std::optional<timestamp> quiet_until;
  histogram* created_latency;
  histogram* elevation_latency;
  // The tenant's own series, updated every cycle.
  tenant_series cycles_ok;
  tenant_series cycles_failed;
  tenant_series cycle_duration;
  tenant_series assignments_watched;
  tenant_series alerts_firing;
  tenant_series last_success;
  per_source_series source_up;
  per_source_series source_disagreements;
  per_source_series events_read;
};

struct watcher::gathered_events {
  std::string source;
  engine::event_window window;
  std::optional<std::vector<engine::audit_event>> events;  // every page of the window, or nothing
  std::string failure;                                     // when there are none; free of secrets
  std::optional<rootwatch::error> problem;
  bool ran = false;
  timestamp at{};
};

struct watcher::gathered {
  engine::source_outcome outcome;
  std::optional<error> problem;  // the error value behind outcome.error, kind kept
  bool ran = false;
  timestamp at{};
};

watcher::watcher(services& svc, config::tenant_settings tenant, std::vector<engine::rule> rules,
                 std::vector<std::string> sink_names, std::string config_path, std::function<void()> alerts_queued,
                 snapshot_source_factory make_sources, event_source_factory make_events)
    : watcher(svc, std::move(tenant), std::make_shared<const std::vector<engine::rule>>(std::move(rules)),
              std::make_shared<const std::vector<std::string>>(std::move(sink_names)), std::move(alerts_queued),
              std::move(make_sources), std::move(make_events)) {
  (void)config_path;  // not used by a watcher
}

watcher::watcher(services& svc, config::tenant_settings tenant, std::shared_ptr<const std::vector<engine::rule>> rules,
                 std::shared_ptr<const std::vector<std::string>> sink_names, std::function<void()> alerts_queued,
                 snapshot_source_factory make_sources, event_source_factory make_events)
    : impl_(std::make_unique<impl>(svc, tenant, std::move(rules), std::move(sink_names), std::move(alerts_queued),
                                   make_sources, make_events)),
      tenant_(std::move(tenant)) {
  // The file's line of every key, a map per tenant: only the loader's messages need it.
  tenant_.lines.clear();
}

watcher::~watcher() = default;

void watcher::stop() {
  impl_->stopping = true;
  impl_->timer.cancel();
}

namespace {

std::size_t elevation_events(const std::vector<engine::alert>& alerts) {
  return static_cast<std::size_t>(std::count_if(
      alerts.begin(), alerts.end(), [](const engine::alert& a) { return a.kind == engine::alert_kind::elevation; }));
}

}  // namespace

void watcher::queue(const std::vector<engine::alert>& alerts, bool baseline, timestamp committed_at) {
  for (const auto& a : alerts) {
    impl_->svc.stats.add("rootwatch_alerts_total", {{"kind", a.kind}});
    spdlog::warn("tenant {}: ALERT {}", tenant_.name, describe(a));
    // The tenant's first cycle reports what was there before rootwatch looked (assignments
    // made years ago, the initial_lookback of the logs): how old that is measures the tenant,
    // not how fast rootwatch sees a change, and would swamp the histogram. Left out.
    if (baseline) {
      continue;
    }
    if (const auto seconds = detection_latency(a, committed_at)) {
      (a.kind == engine::alert_kind::elevation ? impl_->elevation_latency : impl_->created_latency)->observe(*seconds);
    }
  }
  if (!alerts.empty() && impl_->alerts_queued) {
    impl_->alerts_queued();
  }
}

cycle_report watcher::failed(error e, std::vector<engine::alert> source_alerts,
                             const std::vector<engine::event_read>& reads) {
  auto& svc = impl_->svc;
  impl_->quiet.reset();
  cycle_report report;
  report.cancelled = e.kind == error_kind::cancelled;
  if (report.cancelled) {
    // Shutdown or reload cut the cycle short: nothing was learnt, nothing is counted.
    spdlog::info("tenant {}: cycle interrupted ({})", tenant_.name, e.message);
    report.failure = std::move(e);
    return report;
  }
  impl_->cycles_failed->add();
  spdlog::error("tenant {}: cycle failed, previous state kept (a failed listing never counts as a removal): {}",
                tenant_.name, e.message);
  // The streak of failures is part of the state, so that watch.degraded goes out once per
  // outage, across restarts.
  // From memory after the first cycle; valid until the commit below.
  auto previous = svc.store.tenant(tenant_.tenant_id);
  if (previous) {
    const bool baseline = !(*previous)->initialized;
    engine::failure_input in{
        {tenant_.tenant_id, tenant_.name}, *previous, e.message, tenant_.degraded_after, svc.wall.now()};
    auto out = engine::record_failure(in);
    // The logs are taken even when the snapshot could not be had: an attacker who removed the
    // watcher's Reader at "/" is still seen in them.
    auto taken = take_events(std::move(out.next), std::move(out.alerts), reads, in.now);
    out.next = std::move(taken.next);
    out.alerts = std::move(taken.alerts);
    report.new_events = taken.new_events;
    out.alerts.insert(out.alerts.end(), source_alerts.begin(), source_alerts.end());
    if (auto r = svc.store.commit_cycle(tenant_.tenant_id, out.next, out.alerts, impl_->sink_names, in.now); r) {
      impl_->committed = true;
      queue(out.alerts, baseline, svc.wall.now());
      report.consecutive_failures = out.next.health.consecutive_failures;
      report.elevation_events = elevation_events(out.alerts);
    } else {
      spdlog::error("tenant {}: cannot record the failed cycle: {}", tenant_.name, r.error().message);
    }
  } else {
    spdlog::error("tenant {}: cannot record the failed cycle: {}", tenant_.name, previous.error().message);
  }
  report.failure = std::move(e);
  return report;
}

cycle_report watcher::failed_safely(error e) {
  try {
    return failed(e);
  } catch (const std::exception& x) {
    // Recording the failure failed as well: say both, keep the watcher going.
    spdlog::error("tenant {}: cycle failed ({}), and recording that failed too: {}", tenant_.name, e.message, x.what());
    cycle_report report;
    report.failure = std::move(e);
    return report;
  }
}

// Every source in turn, each raced against the one deadline of the cycle (invariant 9): a
// source that hangs takes no more than what is left of it, and one that fails does not stop
// the others from being asked.
awaitable<std::vector<watcher::gathered>> watcher::gather(std::chrono::steady_clock::time_point started) {
  const auto limit = tenant_.cycle_timeout;
  const auto deadline = started + limit;
  std::vector<gathered> out;
  const bool quiet = quiet_stands();
  for (std::size_t i = 0; i < impl_->sources.size(); ++i) {
    auto& source = impl_->sources[i];
    gathered g;
    g.outcome.source = std::string(source->name());
    std::string held = quiet ? impl_->quiet->fingerprints[i] : std::string();
    // Read, not awaited through a coroutine: once this one is cancelled (shutdown, reload),
    // awaiting anything else throws.
    const auto cancel_state = co_await asio::this_coro::cancellation_state;
    const bool stopping = cancel_state.cancelled() != asio::cancellation_type::none;
    if (stopping) {
      // Shutdown or reload: the next co_await would throw; nothing more is asked.
      g.outcome.error = "not asked: rootwatch is stopping";
      g.problem = make_error(error_kind::cancelled, g.outcome.error);
      g.ran = true;
      out.push_back(std::move(g));
      continue;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      // Not asked at all: no failure of its own to count.
      g.outcome.error = fmt::format("not asked: cycle_timeout = {} had passed before its turn", format_duration(limit));
      out.push_back(std::move(g));
      continue;
    }
    const auto timeout = [limit] {
      return make_error(error_kind::timeout,
                        fmt::format("the cycle did not finish within cycle_timeout = {} (token, every page of "
                                    "the listing, role names)",
                                    format_duration(limit)),
                        true);
    };
    const auto asked = std::chrono::steady_clock::now();
    auto snap =
        co_await within_deadline(source->snapshot(held), deadline, timeout,
                                 fmt::format("tenant {}: gathering the {} snapshot", tenant_.name, g.outcome.source));
    if (snap && snap->unchanged && (held.empty() || snap->fingerprint != held)) {
      // Rows that no one holds: read as a listing they would be nothing at all.
      snap = make_error(error_kind::internal,
                        fmt::format("{} answered `unchanged` for a listing not held (a bug)", g.outcome.source));
    }
    if (snap || snap.error().kind != error_kind::cancelled) {
      impl_->took(g.outcome.source, std::chrono::steady_clock::now() - asked);
    }
    g.ran = true;
    g.at = impl_->svc.wall.now();
    if (snap) {
      g.outcome.listing = std::move(*snap);
    } else {
      g.outcome.error = snap.error().message;
      g.problem = snap.error();
    }
    out.push_back(std::move(g));
  }
  co_return out;
}

// Each log in turn, in the window from its watermark (less the overlap) to now, raced against
// what is left of the cycle's deadline. Never throws.
awaitable<std::vector<watcher::gathered_events>> watcher::gather_events(std::chrono::steady_clock::time_point started) {
  std::vector<gathered_events> out;
  if (impl_->logs.empty()) {
    co_return out;
  }
  const auto limit = tenant_.cycle_timeout;
  const auto deadline = started + limit;
  // Only the watermarks: the windows are all this reads, and the state may change while the
  // logs are read (another [[tenant]] with this tenant_id commits meanwhile).
  std::optional<engine::event_memory> memory;
  std::string memory_error;
  try {
    auto stored = impl_->svc.store.tenant(tenant_.tenant_id);
    if (stored) {
      memory.emplace();
      memory->watermarks = (*stored)->events.watermarks;
    } else {
      memory_error = stored.error().message;
    }
  } catch (const std::exception& x) {
    memory_error = x.what();
  }
  for (auto& log : impl_->logs) {
    gathered_events g;
    g.source = std::string(log->name());
    // Read, not awaited through a coroutine: once this one is cancelled (shutdown, reload),
    // awaiting anything else throws.
    const auto cancel_state = co_await asio::this_coro::cancellation_state;
    const bool stopping = cancel_state.cancelled() != asio::cancellation_type::none;
    if (stopping) {
      g.failure = "not read: rootwatch is stopping";
      g.problem = make_error(error_kind::cancelled, g.failure);
      out.push_back(std::move(g));
      continue;
    }
    if (!memory) {
      // Without the watermark the window is unknown; the next cycle reads it.
      g.failure = fmt::format("not read: the stored watermark could not be loaded: {}", memory_error);
      out.push_back(std::move(g));
      continue;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      g.failure = fmt::format("not asked: cycle_timeout = {} had passed before its turn", format_duration(limit));
      out.push_back(std::move(g));
      continue;
    }
    const auto now = impl_->svc.wall.now();
    g.window = engine::window_for(*memory, g.source, now, tenant_.initial_lookback, tenant_.event_overlap);
    const auto timeout = [limit, &g] {
      return make_error(
          error_kind::timeout,
          fmt::format("the cycle did not finish within cycle_timeout = {} (reading the {} window from {})",
                      format_duration(limit), g.source, format_iso8601(g.window.since)),
          true);
    };
    const auto asked = std::chrono::steady_clock::now();
    auto read = co_await within_deadline(log->events(g.window.since, g.window.until), deadline, timeout,
                                         fmt::format("tenant {}: reading {}", tenant_.name, g.source));
    if (read || read.error().kind != error_kind::cancelled) {
      impl_->took(g.source, std::chrono::steady_clock::now() - asked);
    }
    g.ran = true;
    g.at = impl_->svc.wall.now();
    if (read) {
      g.events = std::move(*read);
    } else {
      g.failure = read.error().message;
      g.problem = read.error();
    }
    out.push_back(std::move(g));
  }
  co_return out;
}

engine::events_output watcher::take_events(engine::tenant_state state, std::vector<engine::alert> alerts,
                                           const std::vector<engine::event_read>& reads, timestamp now) const {
  engine::events_input in;
  in.tenant = {tenant_.tenant_id, tenant_.name};
  in.cycle_alerts = std::move(alerts);
  in.reads = reads;
  in.rules = &impl_->rules;
  in.now = now;
  in.overlap = tenant_.event_overlap;
  auto out = engine::take_events(in, std::move(state));
  for (auto& a : out.alerts) {
    if (a.kind != engine::alert_kind::elevation || !a.subject || a.subject->principal.display_name) {
      continue;
    }
    if (const auto it = impl_->event_names.find(normalize_guid(a.subject->principal.id));
        it != impl_->event_names.end()) {
      a.subject->principal.display_name = it->second;
    }
  }
  for (const auto& read : reads) {
    impl_->events_read[read.source]->add(static_cast<double>(read.events.size()));
  }
  return out;
}

namespace {

// Display names only decorate alerts: a lookup that the deadline cuts short leaves them null.
awaitable<result<bool>> name_principals(principal_names& names, std::vector<engine::snapshot*> listings,
                                        std::vector<std::string> event_principals,
                                        std::map<std::string, std::string>& event_names) {
  for (auto* listing : listings) {
    co_await names.resolve(listing->assignments);
  }
  if (!event_principals.empty()) {
    event_names = co_await names.names(std::move(event_principals));
  }
  co_return true;
}

}  // namespace

awaitable<cycle_report> watcher::cycle() {
  const auto started = std::chrono::steady_clock::now();
  std::vector<gathered> results;
  std::optional<error> interrupted;
  std::vector<gathered_events> logs;
  try {
    // Ends by the cycle's deadline.
    results = co_await gather(started);
    const bool unparsed = std::any_of(results.begin(), results.end(), [](const gathered& g) {
      return g.outcome.listing && g.outcome.listing->unchanged;
    });
    if (unparsed && !replayable(results)) {
      // Answers the same as the quiet cycle's, but that cycle no longer stands (a commit or a
      // deadline came while they were read): the rows are needed after all, so they are read
      // in full, under what is left of the same deadline.
      impl_->quiet.reset();
      results = co_await gather(started);
    }
    // The logs after the snapshots: the authoritative view has the most of the deadline.
    logs = co_await gather_events(started);
    // Names last: they only decorate alerts, and the logs matter more than they do.
    std::vector<engine::snapshot*> listings;
    for (auto& g : results) {
      // An unchanged answer has no rows: the quiet cycle it replays raised no alert to name.
      if (g.outcome.listing && !g.outcome.listing->unchanged) {
        listings.push_back(&*g.outcome.listing);
      }
    }
    // The principals the logs name, so that an elevation.event about an assignment no snapshot
    // showed still carries a display name.
    std::vector<std::string> event_principals;
    for (const auto& g : logs) {
      if (!g.events) {
        continue;
      }
      for (const auto& e : *g.events) {
        if (e.principal_id) {
          event_principals.push_back(*e.principal_id);
        }
      }
    }
    impl_->event_names.clear();
    // Read, not awaited through a coroutine: once this one is cancelled (shutdown, reload),
    // awaiting anything else throws.
    const auto cancel_state = co_await asio::this_coro::cancellation_state;
    const bool stopping = cancel_state.cancelled() != asio::cancellation_type::none;
    if (!stopping && (!listings.empty() || !event_principals.empty())) {
      auto named = co_await within_deadline(
          name_principals(impl_->names, std::move(listings), std::move(event_principals), impl_->event_names),
          started + tenant_.cycle_timeout,
          [] { return make_error(error_kind::timeout, "principal names: the cycle's deadline passed", true); },
          fmt::format("tenant {}: looking up principal names", tenant_.name));
      if (!named) {
        spdlog::debug("tenant {}: principal names left out this cycle: {}", tenant_.name, named.error().message);
      }
    }
  } catch (const std::exception& x) {
    // A cancelled coroutine throws at its next co_await (shutdown, reload): the cycle ends
    // here as interrupted, and nothing thrown leaves the watcher (invariant 10).
    interrupted = error_from_exception(x, fmt::format("tenant {}: gathering the cycle", tenant_.name));
  }
  if (interrupted) {
    co_return failed_safely(std::move(*interrupted));
  }
  std::optional<error> problem;
  try {
    co_return decide(results, logs, started);
  } catch (const std::exception& x) {
    // No exception leaves a coroutine (invariant 10): the cycle fails, the watcher goes on.
    problem = error_from_exception(x, fmt::format("tenant {}: deciding and committing the cycle", tenant_.name));
  }
  co_return failed_safely(std::move(*problem));
}

// Which view decides, each source's health and its own watch alerts, then commit. A source's
// new health is kept only once the alerts it raised are in the store, so none is lost.
cycle_report watcher::decide(const std::vector<gathered>& results, const std::vector<gathered_events>& logs,
                             std::chrono::steady_clock::time_point started) {
  // Pointers, not copies: the views point into `results`, listings and all.
  std::vector<const engine::source_outcome*> outcomes;
  for (const auto& g : results) {
    if (g.problem && g.problem->kind == error_kind::cancelled) {
      // Shutdown or reload: nothing was learnt about any source.
      return failed(*g.problem);
    }
    outcomes.push_back(&g.outcome);
  }
  for (const auto& g : logs) {
    if (g.problem && g.problem->kind == error_kind::cancelled) {
      return failed(*g.problem);
    }
  }
  // cycle() let unchanged answers through only as a replay of the quiet cycle it found standing
  // (else it read them again in full): checked there, not again here, so that a deadline passing
  // in between cannot leave answers without rows to a full decision.
  if (std::any_of(results.begin(), results.end(),
                  [](const gathered& g) { return g.outcome.listing && g.outcome.listing->unchanged; })) {
    return replay_quiet(results, started);
  }
  impl_->quiet.reset();
  impl_->quiet_until.reset();
  const auto views = engine::choose_views_from(outcomes);
  const engine::tenant_ref tenant{tenant_.tenant_id, tenant_.name};
  const auto now = impl_->svc.wall.now();
  auto next_health = impl_->source_health;
  std::vector<engine::alert> source_alerts;
  for (const auto& g : results) {
    if (!g.ran) {
      continue;
    }
    const auto& name = g.outcome.source;
    engine::source_step step;
    if (g.outcome.listing) {
      step = engine::source_succeeded(tenant, name, next_health[name], *g.outcome.listing, now);
    } else {
      // The authoritative source's outage fails the cycle and is the tenant's own watch.degraded
      // (record_failure, as before there were several sources): never a second alert for it.
      const int degraded_after = name == views.authority ? std::numeric_limits<int>::max() : tenant_.degraded_after;
      step = engine::source_failed(tenant, name, next_health[name], g.outcome.error, degraded_after, now);
    }
    if (step.raised) {
      source_alerts.push_back(std::move(*step.raised));
    }
    next_health[name] = std::move(step.next);
  }
  std::vector<engine::event_read> reads;
  for (const auto& g : logs) {
    if (!g.ran) {
      continue;
    }
    engine::source_step step;
    if (g.events) {
      step = engine::source_succeeded(tenant, g.source, next_health[g.source], g.window.until, now);
      reads.push_back(engine::event_read{g.source, g.window.until, *g.events});
    } else {
      step = engine::source_failed(tenant, g.source, next_health[g.source], g.failure, tenant_.degraded_after, now);
      if (next_health[g.source].consecutive_failures == 0) {
        // Said once per outage at warn, with what to grant when it is a permission.
        spdlog::warn("tenant {}: cannot read {}: {} (needs {})", tenant_.name, g.source, g.failure,
                     engine::permission_for(g.source));
      }
    }
    if (step.raised) {
      source_alerts.push_back(std::move(*step.raised));
    }
    next_health[g.source] = std::move(step.next);
  }

  impl_->committed = false;
  cycle_report report;
  std::vector<engine::disagreement> disagreements;
  if (views.authoritative != nullptr) {
    auto decided = decide_and_commit(views, std::move(source_alerts), reads, started);
    report = std::move(decided.first);
    disagreements = std::move(decided.second);
  } else {
    report = failed(authority_failure(results, views), std::move(source_alerts), reads);
  }
  if (impl_->committed) {
    impl_->source_health = std::move(next_health);
  }
  report.sources = source_reports(results, logs, views, disagreements);
  for (const auto& s : report.sources) {
    if (s.ran) {
      impl_->source_up[s.name]->set(s.ok ? 1.0 : 0.0);
    }
  }
  if (impl_->committed) {
    record_quiet(results, report);
  }
  return report;
}

// A quiet cycle is recorded only when every source listed, with a fingerprint, and is healthy,
// the decision changed nothing but the time (impl::quiet_until set), and no log was read.
void watcher::record_quiet(const std::vector<gathered>& results, const cycle_report& report) {
  if (!impl_->quiet_until || !impl_->logs.empty() || results.size() != impl_->sources.size() || report.failure) {
    return;
  }
  impl::quiet_cycle q;
  for (const auto& g : results) {
    if (!g.ran || !g.outcome.listing || g.outcome.listing->unchanged || g.outcome.listing->fingerprint.empty()) {
      return;
    }
    if (!impl_->in_good_health(g.outcome.source)) {
      return;
    }
    q.fingerprints.push_back(g.outcome.listing->fingerprint);
  }
  const auto now = impl_->svc.wall.now();
  q.store_changes = impl_->svc.store.tenant_changes();
  q.until = std::min(*impl_->quiet_until, now + std::chrono::duration_cast<timestamp::duration>(quiet_refresh));
  q.report = report;
  impl_->quiet = std::move(q);
}

bool watcher::quiet_stands() {
  auto& q = impl_->quiet;
  if (!q || !impl_->logs.empty() || q->fingerprints.size() != impl_->sources.size()) {
    return false;
  }
  // Reading the tenant first notices another process's commit (see state_store::tenant).
  auto stored = impl_->svc.store.tenant(tenant_.tenant_id);
  if (!stored || impl_->svc.store.tenant_changes() != q->store_changes || impl_->svc.wall.now() >= q->until) {
    q.reset();
    return false;
  }
  return true;
}

// After gather(), whose quiet_stands() asked the store: a commit by another process since is
// seen by the next cycle, and one by this process moves tenant_changes() at once.
bool watcher::replayable(const std::vector<gathered>& results) {
  const auto& q = impl_->quiet;
  if (!q || results.size() != q->fingerprints.size() || impl_->svc.store.tenant_changes() != q->store_changes ||
      impl_->svc.wall.now() >= q->until) {
    return false;
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& g = results[i];
    if (!g.ran || !g.outcome.listing || !g.outcome.listing->unchanged ||
        g.outcome.listing->fingerprint != impl_->quiet->fingerprints[i]) {
      return false;
    }
    // A source that failed since would raise watch.recovered on this success: decided in full.
    if (!impl_->in_good_health(g.outcome.source)) {
      return false;
    }
  }
  return true;
}

// The quiet cycle on record, decided again: the same report, the sources' health and the
// tenant's series moved on to now, nothing committed (the store skips such a cycle's write
// anyway, see decide_and_commit).
cycle_report watcher::replay_quiet(const std::vector<gathered>& results,
                                   std::chrono::steady_clock::time_point started) {
  if (!impl_->quiet) {
    return failed(make_error(error_kind::internal, "unchanged answers without a quiet cycle to replay (a bug)"));
  }
  const auto now = impl_->svc.wall.now();
  const engine::tenant_ref tenant{tenant_.tenant_id, tenant_.name};
  for (const auto& g : results) {
    auto& health = impl_->source_health[g.outcome.source];
    health = engine::source_succeeded(tenant, g.outcome.source, health, *g.outcome.listing, now).next;
  }
  impl_->committed = true;
  cycle_report report = impl_->quiet->report;
  for (auto& r : report.sources) {
    for (const auto& g : results) {
      if (g.outcome.source == r.name) {
        r.at = g.at;
      }
    }
    if (const auto it = impl_->source_health.find(r.name); it != impl_->source_health.end()) {
      r.consecutive_failures = it->second.consecutive_failures;
      r.degraded = it->second.degraded;
      r.last_success = it->second.last_success;
    }
    if (r.ran) {
      impl_->source_up[r.name]->set(r.ok ? 1.0 : 0.0);
    }
  }
  const auto seconds_taken = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  impl_->cycles_ok->add();
  impl_->cycle_duration->set(seconds_taken);
  impl_->assignments_watched->set(static_cast<double>(report.assignments));
  impl_->alerts_firing->set(static_cast<double>(report.firing));
  impl_->last_success->set(static_cast<double>(to_unix_seconds(now)));
  spdlog::debug(
      "tenant {}: cycle ok in {:.3f}s, the answers unchanged since the last decided: {} assignments at "
      "root, {} firing",
      tenant_.name, seconds_taken, report.assignments, report.firing);
  return report;
}

// The authoritative source's own error, kind kept (a timeout stays a timeout), named.
error watcher::authority_failure(const std::vector<gathered>& results, const engine::chosen_views& views) const {
  for (const auto& g : results) {
    if (g.outcome.source == views.authority && g.problem) {
      error e = *g.problem;
      e.message = views.failure;
      return e;
    }
  }
  if (!views.authority.empty()) {
    // Not asked: the deadline had passed before its turn.
    return make_error(error_kind::timeout, views.failure, true);
  }
  return make_error(error_kind::config, views.failure);
}

std::vector<source_report> watcher::source_reports(const std::vector<gathered>& results,
                                                   const std::vector<gathered_events>& logs,
                                                   const engine::chosen_views& views,
                                                   const std::vector<engine::disagreement>& disagreements) const {
  std::vector<source_report> out;
  for (const auto& g : results) {
    source_report r;
    r.name = g.outcome.source;
    r.authoritative = r.name == views.authority;
    r.ran = g.ran;
    r.ok = g.outcome.listing.has_value();
    r.error = g.outcome.error;
    r.at = g.at;
    r.assignments = g.outcome.listing ? g.outcome.listing->assignments.size() : 0;
    r.disagreements =
        static_cast<std::size_t>(std::count_if(disagreements.begin(), disagreements.end(),
                                               [&r](const engine::disagreement& d) { return d.shown_by == r.name; }));
    if (const auto it = impl_->source_health.find(r.name); it != impl_->source_health.end()) {
      r.consecutive_failures = it->second.consecutive_failures;
      r.degraded = it->second.degraded;
      r.last_success = it->second.last_success;
    }
    out.push_back(std::move(r));
  }
  for (const auto& g : logs) {
    source_report r;
    r.name = g.source;
    r.events_source = true;
    r.ran = g.ran;
    r.ok = g.events.has_value();
    r.error = g.failure;
    r.at = g.at;
    r.events = g.events ? g.events->size() : 0;
    if (g.events) {
      r.read_until = g.window.until;
    }
    if (const auto it = impl_->source_health.find(r.name); it != impl_->source_health.end()) {
      r.consecutive_failures = it->second.consecutive_failures;
      r.degraded = it->second.degraded;
      r.last_success = it->second.last_success;
    }
    out.push_back(std::move(r));
  }
  return out;
}

// Logged once when a disagreement on an assignment starts, not every cycle it lasts: Resource
// Graph lagging behind ARM for a minute is normal, and the count is in the metrics.
void watcher::log_new_disagreements(const std::vector<engine::disagreement>& disagreements) {
  std::set<std::string> now;
  for (const auto& d : disagreements) {
    if (!impl_->disagreeing.contains(d.key) && !now.contains(d.key)) {
      spdlog::info(
          "tenant {}: sources disagree on {} (scope={} role={} principal={}): {} lists it, {} does not; presence "
          "follows {}, and a disagreement alone is never reported as created or removed",
          tenant_.name, d.row.id, d.row.scope, d.row.role.name.empty() ? d.row.role.id : d.row.role.name,
          d.row.principal.id, d.shown_by, d.missing_from, impl_->sources.empty() ? "" : impl_->sources.front()->name());
    }
    now.insert(d.key);
  }
  impl_->disagreeing = std::move(now);
}

std::pair<cycle_report, std::vector<engine::disagreement>> watcher::decide_and_commit(
    const engine::chosen_views& views, std::vector<engine::alert> source_alerts,
    const std::vector<engine::event_read>& reads, std::chrono::steady_clock::time_point started) {
  auto& svc = impl_->svc;
  const engine::snapshot& snapshot = *views.authoritative;
  cycle_report report;
  const auto store_failed = [&](const error& e) {
    spdlog::error("tenant {}: cycle failed in the store, previous state kept: {}", tenant_.name, e.message);
    report.failure = e;
    return std::pair{report, std::vector<engine::disagreement>{}};
  };
  // From memory after the first cycle; valid until the commit below.
  auto stored = svc.store.tenant(tenant_.tenant_id);
  if (!stored) {
    return store_failed(stored.error());
  }
  const engine::tenant_state* previous = *stored;
  const bool baseline = !previous->initialized;
  engine::cycle_input in;
  in.tenant = {tenant_.tenant_id, tenant_.name};
  in.previous = previous;
  in.current = &snapshot;
  in.others = views.others;
  in.rules = &impl_->rules;
  in.baseline = tenant_.baseline;
  in.remind_every = tenant_.remind_every;
  in.now = svc.wall.now();
  auto out = engine::run_cycle(in);
  auto taken = take_events(std::move(out.next), std::move(out.alerts), reads, in.now);
  out.next = std::move(taken.next);
  out.alerts = std::move(taken.alerts);
  report.new_events = taken.new_events;
  out.alerts.insert(out.alerts.end(), std::make_move_iterator(source_alerts.begin()),
                    std::make_move_iterator(source_alerts.end()));
  // Most cycles change nothing but the time of the last success and the logs' watermarks: skip
  // the write (and its fsync) then; the time is in the metrics and the health endpoint. A
  // watermark not written costs only a wider window next time (what it returns again is known
  // by id), so it is written once it is more than a few minutes ahead of the stored one.
  const bool unchanged = out.alerts.empty() && same_apart_from_time(*previous, out.next);
  if (unchanged && reads.empty()) {
    impl_->quiet_until = engine::quiet_until(*previous, tenant_.remind_every);
  }
  if (!unchanged) {
    if (auto r = svc.store.commit_cycle(tenant_.tenant_id, out.next, out.alerts, impl_->sink_names, in.now); !r) {
      return store_failed(r.error());
    }
  }
  impl_->committed = true;
  queue(out.alerts, baseline, svc.wall.now());
  log_new_disagreements(out.disagreements);
  report.assignments = snapshot.assignments.size();
  report.alerts = out.alerts.size();
  report.elevation_events = elevation_events(out.alerts);
  report.firing = out.firing;
  report.disagreements = out.disagreements.size();
  const auto seconds_taken = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  impl_->cycles_ok->add();
  impl_->cycle_duration->set(seconds_taken);
  impl_->assignments_watched->set(static_cast<double>(report.assignments));
  impl_->alerts_firing->set(static_cast<double>(report.firing));
  impl_->last_success->set(static_cast<double>(to_unix_seconds(in.now)));
  // Per compared source, 0 included, so that a disagreement that ended shows as ended.
  std::vector<const engine::snapshot*> compared = views.others;
  compared.push_back(views.authoritative);
  for (const auto* s : compared) {
    const auto shown = std::count_if(out.disagreements.begin(), out.disagreements.end(),
                                     [s](const engine::disagreement& d) { return d.shown_by == s->source; });
    impl_->source_disagreements[s->source]->set(static_cast<double>(shown));
  }
  spdlog::debug("tenant {}: cycle ok in {:.3f}s: {} assignments at root, {} firing, {} new alerts, {} disagreements",
                tenant_.name, seconds_taken, report.assignments, report.firing, report.alerts, report.disagreements);
  return {report, std::move(out.disagreements)};
}

void watcher::set_place(std::size_t index, std::size_t count) {
  slot_ = tenant_slot(index, count);
  first_delay_ = first_cycle_delay(index, count, tenant_.poll_interval);
}

awaitable<void> watcher::run(std::function<void(const cycle_report&)> on_cycle) {
  if (first_delay_.count() > 0 && !impl_->stopping) {
    // stop() cancels the timer; the loop below then sees `stopping`.
    impl_->timer.expires_after(first_delay_);
    co_await impl_->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  std::size_t completed = 0;
  while (!impl_->stopping) {
    const auto started = std::chrono::steady_clock::now();
    const auto report = co_await cycle();
    if (on_cycle) {
      try {
        on_cycle(report);
      } catch (const std::exception& x) {
        // Health and STATUS= bookkeeping that failed must not stop the watch itself.
        spdlog::error("tenant {}: reporting the cycle failed: {}", tenant_.name, x.what());
      }
    }
    if (impl_->stopping) {
      break;
    }
    ++completed;
    impl_->timer.expires_at(on_wake_grid(
        started + next_cycle_after(tenant_.poll_interval, slot_, completed, impl_->svc.random.uniform01())));
    co_await impl_->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace rootwatch::app
