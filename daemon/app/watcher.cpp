#include "app/watcher.hpp"

#include "app/credential_factory.hpp"
#include "app/cycle_deadline.hpp"
#include "app/secrets.hpp"
#include "auth/client_secret.hpp"
#include "auth/token_cache.hpp"
#include "azure/arm_client.hpp"
#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "common/rng.hpp"
#include "engine/cycle.hpp"
#include "store/state_store.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

namespace rootwatch::app {
namespace {

std::unique_ptr<auth::credential> make_credential(services& svc, const config::tenant_settings& t) {
  if (t.credential.kind == config::credential_kind::managed_identity ||
      t.credential.kind == config::credential_kind::workload_identity) {
    return make_identity_credential(svc, t);
  }
  auth::client_secret_options o;
  o.authority = t.endpoints.authority;
  o.tenant_id = t.tenant_id;
  o.client_id = t.credential.client_id;
  o.timeout = t.request_timeout;
  o.read_secret = [&svc, t]() { return read_client_secret(t, svc.getenv); };
  return std::make_unique<auth::client_secret_credential>(svc.http, std::move(o), svc.wall);
}

std::string describe(const engine::alert& a) {
  if (!a.subject) {
    return fmt::format("{} {}", a.kind, a.id);
  }
  const auto& s = *a.subject;
  return fmt::format("{} [{}] scope={} role=\"{}\" principal={} ({}) rule={} id={}", a.kind, engine::to_string(a.level),
                     s.scope, s.role.name.empty() ? s.role.id : s.role.name, s.principal.id,
                     s.principal.type.empty() ? "unknown type" : s.principal.type, a.rule, a.id);
}

}  // namespace

struct watcher::impl {
  impl(services& s, const config::tenant_settings& t, std::vector<engine::rule> r, std::vector<std::string> sinks,
       std::string path, std::function<void()> queued)
      : svc(s),
        rules(std::move(r)),
        sink_names(std::move(sinks)),
        config_path(std::move(path)),
        alerts_queued(std::move(queued)),
        tokens(s.ex, make_credential(s, t), s.wall),
        arm(s.http, tokens,
            azure::arm_options{t.endpoints.resource_manager, t.endpoints.arm_scope, t.request_timeout, {}, 1000},
            s.random, s.wall),
        timer(s.ex) {}

  services& svc;
  std::vector<engine::rule> rules;
  std::vector<std::string> sink_names;
  std::string config_path;
  std::function<void()> alerts_queued;
  auth::token_cache tokens;
  azure::arm_client arm;
  asio::steady_timer timer;
  bool stopping = false;
};

watcher::watcher(services& svc, config::tenant_settings tenant, std::vector<engine::rule> rules,
                 std::vector<std::string> sink_names, std::string config_path, std::function<void()> alerts_queued)
    : impl_(std::make_unique<impl>(svc, tenant, std::move(rules), std::move(sink_names), std::move(config_path),
                                   std::move(alerts_queued))),
      tenant_(std::move(tenant)) {}

watcher::~watcher() = default;

void watcher::stop() {
  impl_->stopping = true;
  impl_->timer.cancel();
}

void watcher::queue(const std::vector<engine::alert>& alerts) {
  for (const auto& a : alerts) {
    impl_->svc.stats.add("rootwatch_alerts_total", {{"kind", a.kind}});
    spdlog::warn("tenant {}: ALERT {}", tenant_.name, describe(a));
  }
  if (!alerts.empty() && impl_->alerts_queued) {
    impl_->alerts_queued();
  }
}

cycle_report watcher::failed(error e) {
  auto& svc = impl_->svc;
  cycle_report report;
  report.cancelled = e.kind == error_kind::cancelled;
  if (report.cancelled) {
    // Shutdown or reload cut the cycle short: nothing was learnt, nothing is counted.
    spdlog::info("tenant {}: cycle interrupted ({})", tenant_.name, e.message);
    report.failure = std::move(e);
    return report;
  }
  svc.stats.add("rootwatch_cycles_total", {{"tenant", tenant_.name}, {"result", "failed"}});
  spdlog::error("tenant {}: cycle failed, previous state kept (a failed listing never counts as a removal): {}",
                tenant_.name, e.message);
  // The streak of failures is part of the state, so that watch.degraded goes out once per
  // outage, across restarts.
  auto previous = svc.store.load_tenant(tenant_.tenant_id);
  if (previous) {
    engine::failure_input in{
        {tenant_.tenant_id, tenant_.name}, &*previous, e.message, tenant_.degraded_after, svc.wall.now()};
    auto out = engine::record_failure(in);
    if (auto r = svc.store.commit_cycle(tenant_.tenant_id, out.next, out.alerts, impl_->sink_names, in.now); r) {
      queue(out.alerts);
      report.consecutive_failures = out.next.health.consecutive_failures;
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

awaitable<result<engine::snapshot>> watcher::gather(std::chrono::steady_clock::time_point started) {
  const auto limit = tenant_.cycle_timeout;
  auto timeout = make_error(error_kind::timeout,
                            fmt::format("the cycle did not finish within cycle_timeout = {} (token, every page of "
                                        "the role assignment list, role names)",
                                        format_duration(limit)),
                            true);
  co_return co_await within_deadline(impl_->arm.snapshot(), started + limit, std::move(timeout),
                                     fmt::format("tenant {}: gathering the arm snapshot", tenant_.name));
}

awaitable<cycle_report> watcher::cycle() {
  const auto started = std::chrono::steady_clock::now();
  // Never throws, and ends by the cycle's deadline.
  auto snap = co_await gather(started);
  std::optional<error> problem;
  try {
    if (snap) {
      co_return decide_and_commit(*snap, started);
    }
    problem = snap.error();
  } catch (const std::exception& x) {
    // No exception leaves a coroutine (invariant 10): the cycle fails, the watcher goes on.
    problem = error_from_exception(x, fmt::format("tenant {}: deciding and committing the cycle", tenant_.name));
  }
  co_return failed_safely(std::move(*problem));
}

cycle_report watcher::decide_and_commit(const engine::snapshot& snapshot,
                                        std::chrono::steady_clock::time_point started) {
  auto& svc = impl_->svc;
  const metric_labels tenant_label{{"tenant", tenant_.name}};
  cycle_report report;
  const auto store_failed = [&](const error& e) {
    spdlog::error("tenant {}: cycle failed in the store, previous state kept: {}", tenant_.name, e.message);
    report.failure = e;
    return report;
  };
  auto previous = svc.store.load_tenant(tenant_.tenant_id);
  if (!previous) {
    return store_failed(previous.error());
  }
  engine::cycle_input in;
  in.tenant = {tenant_.tenant_id, tenant_.name};
  in.previous = &*previous;
  in.current = &snapshot;
  in.rules = &impl_->rules;
  in.baseline = tenant_.baseline;
  in.now = svc.wall.now();
  auto out = engine::run_cycle(in);
  // Most cycles change nothing but the time of the last success: skip the write (and its
  // fsync) then; the time is in the metrics and the health endpoint.
  auto same_apart_from_time = out.next;
  same_apart_from_time.health.last_success = previous->health.last_success;
  const bool unchanged = out.alerts.empty() && same_apart_from_time == *previous;
  if (!unchanged) {
    if (auto r = svc.store.commit_cycle(tenant_.tenant_id, out.next, out.alerts, impl_->sink_names, in.now); !r) {
      return store_failed(r.error());
    }
  }
  queue(out.alerts);
  report.assignments = snapshot.assignments.size();
  report.alerts = out.alerts.size();
  report.firing = out.firing;
  const auto seconds_taken = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  svc.stats.add("rootwatch_cycles_total", {{"tenant", tenant_.name}, {"result", "ok"}});
  svc.stats.set("rootwatch_cycle_duration_seconds", tenant_label, seconds_taken);
  svc.stats.set("rootwatch_assignments_watched", tenant_label, static_cast<double>(report.assignments));
  svc.stats.set("rootwatch_alerts_firing", tenant_label, static_cast<double>(report.firing));
  svc.stats.set("rootwatch_last_success_timestamp_seconds", tenant_label, static_cast<double>(to_unix_seconds(in.now)));
  spdlog::debug("tenant {}: cycle ok in {:.3f}s: {} assignments at root, {} firing, {} new alerts", tenant_.name,
                seconds_taken, report.assignments, report.firing, report.alerts);
  return report;
}

awaitable<void> watcher::run(std::function<void(const cycle_report&)> on_cycle) {
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
    const auto interval = tenant_.poll_interval;
    const auto jitter = milliseconds{
        static_cast<std::int64_t>(static_cast<double>(interval.count()) * 0.1 * impl_->svc.random.uniform01())};
    impl_->timer.expires_at(started + interval + jitter);
    co_await impl_->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace rootwatch::app
