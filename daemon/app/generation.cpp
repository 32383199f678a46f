#include "app/generation.hpp"

#include "app/credential_factory.hpp"
#include "app/secrets.hpp"
#include "app/sources.hpp"
#include "auth/token_cache.hpp"
#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "engine/alert_json.hpp"
#include "engine/cycle.hpp"
#include "engine/delivery_failed.hpp"
#include "net/https_client.hpp"
#include "net/tls.hpp"
#include "sinks/render.hpp"
#include "sinks/routing.hpp"
#include "store/state_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include <fmt/format.h>

namespace rootwatch::app {
namespace {

std::vector<std::string> tenant_problems(const config::settings& cfg, const config::tenant_settings& t,
                                         std::size_t index, const env_lookup& getenv) {
  std::vector<std::string> out;
  const auto key = [&](const std::string& k) {
    return locate(cfg.path, t.lines, k, fmt::format("tenant[{}].{}", index, k));
  };
  if (t.credential.kind != config::credential_kind::client_secret) {
    for (const auto& p : identity_credential_problems(t, getenv)) {
      out.push_back(key("credential") + p);
    }
  } else if (auto secret = read_client_secret(t, getenv); !secret) {
    const auto field =
        t.credential.client_secret_file.empty() ? "credential.client_secret_env" : "credential.client_secret_file";
    out.push_back(key(field) + secret.error().message);
  }
  if (std::none_of(t.sources.begin(), t.sources.end(), makes_snapshot_source)) {
    out.push_back(key("sources") + "a snapshot source is needed besides the logs: add \"arm\" or \"resource_graph\"");
  }
  return out;
}

// A different alert under an id already queued cannot be queued: a bug in how ids are made,
// said at error and counted, never swallowed.
void report_id_collisions(services& svc) {
  svc.stats.describe("rootwatch_outbox_id_collisions_total", metrics::type::counter,
                     "Alerts not queued because a different alert already had their id (a bug: please report it).");
  svc.store.on_id_collision([&stats = svc.stats](const store::id_collision& c) {
    stats.add("rootwatch_outbox_id_collisions_total", {{"sink", c.sink}});
    spdlog::error(
        "outbox: alert id {} for sink '{}' is already taken by a {} first seen {}; the {} first seen {} under the "
        "same id is NOT queued. This is a bug in rootwatch's alert ids: please report it",
        c.alert_id, c.sink, c.queued_kind, c.queued_first_seen, c.dropped_kind, c.dropped_first_seen);
  });
}

// A sink gave up on an alert: the other sinks hear of it as watch.delivery_failed. Not for a
// watch.delivery_failed itself (two dead receivers would tell each other for ever), nor for a
// test alert.
void announce_dead(services& svc, generation& gen, const std::vector<std::string>& sinks,
                   const sinks::dispatcher::dead_letter& dead) {
  if (dead.item.kind == engine::alert_kind::delivery_failed || dead.item.kind == engine::alert_kind::test) {
    return;
  }
  std::vector<std::string> others;
  std::copy_if(sinks.begin(), sinks.end(), std::back_inserter(others),
               [&](const std::string& s) { return s != dead.item.sink; });
  if (others.empty()) {
    spdlog::error("no other sink to announce the loss of alert {} on: add a second [[sink]] for this",
                  dead.item.alert_id);
    return;
  }
  engine::alert lost;
  try {
    lost = engine::alert_from_json(json::parse(dead.item.payload));
  } catch (const std::exception& x) {
    spdlog::error("cannot read alert {} to announce its loss: {}", dead.item.alert_id, x.what());
    return;
  }
  const auto now = svc.wall.now();
  const auto failed =
      engine::delivery_failed_alert(lost, engine::lost_delivery{dead.item.sink, dead.error, dead.attempts}, now);
  if (auto r = svc.store.enqueue({failed}, others, now); !r) {
    spdlog::error("cannot queue watch.delivery_failed about alert {}: {}", dead.item.alert_id, r.error().message);
    return;
  }
  spdlog::warn("watch.delivery_failed about alert {} on sink '{}' queued for {}", dead.item.alert_id, dead.item.sink,
               fmt::join(others, ", "));
  gen.wake_dispatchers();
}

}  // namespace

void generation::wake_dispatchers() {
  for (auto& d : dispatchers) {
    d->wake();
  }
}

void generation::stop() {
  for (auto& w : watchers) {
    w->stop();
  }
  for (auto& d : dispatchers) {
    d->stop();
  }
}

void welcome_sinks(services& svc, const config::settings& cfg) {
  // From here on alerts are queued by this configuration's routes.
  svc.store.set_router(sinks::make_router(cfg.sinks));
  const auto now = svc.wall.now();
  std::vector<engine::alert> firing;
  for (const auto& t : cfg.tenants) {
    auto state = svc.store.load_tenant(t.tenant_id);
    if (!state) {
      spdlog::error("cannot tell new sinks what fires in tenant {}; they are told at the next start or reload: {}",
                    t.name, state.error().message);
      return;
    }
    auto alerts = engine::firing_alerts({t.tenant_id, t.name}, *state, now);
    firing.insert(firing.end(), std::make_move_iterator(alerts.begin()), std::make_move_iterator(alerts.end()));
  }
  std::vector<std::string> names;
  for (const auto& s : cfg.sinks) {
    names.push_back(s.name);
  }
  auto welcomed = svc.store.welcome_sinks(names, firing, now);
  if (!welcomed) {
    spdlog::error("cannot tell new sinks what fires; they are told at the next start or reload: {}",
                  welcomed.error().message);
    return;
  }
  if (welcomed->handed_over > 0) {
    spdlog::warn("{} alert(s) raised while no [[sink]] was configured are queued for the {} sink(s) now configured",
                 welcomed->handed_over, names.size());
  }
  if (!welcomed->introduced.empty()) {
    spdlog::info("new sink(s) {}: the assignment.created alerts of what fires now are queued for them ({} row(s))",
                 fmt::join(welcomed->introduced, ", "), welcomed->replayed);
  }
}

void report_orphaned_outbox_rows(store::state_store& store, const config::settings& cfg, metrics& stats) {
  auto pending = store.pending_by_sink();
  if (!pending) {
    spdlog::error("cannot read the outbox: {}", pending.error().message);
    return;
  }
  for (const auto& [sink, count] : *pending) {
    if (sink == store::unsent_sink) {
      spdlog::warn("{} alert(s) raised while no [[sink]] was configured are kept; the first sink added receives them",
                   count);
      continue;
    }
    const bool configured = std::any_of(cfg.sinks.begin(), cfg.sinks.end(),
                                        [&sink = sink](const config::sink_settings& s) { return s.name == sink; });
    stats.set("rootwatch_outbox_orphaned", {{"sink", sink}}, configured ? 0.0 : static_cast<double>(count));
    if (!configured) {
      spdlog::error(
          "{} alert(s) wait in the outbox for sink '{}', which is no longer configured: add a [[sink]] "
          "named '{}' back to deliver them",
          count, sink, sink);
    }
  }
}

std::vector<std::string> runtime_problems(const config::settings& cfg, const env_lookup& getenv) {
  std::vector<std::string> out;
  if (auto tls = net::client_tls::make(cfg.tls.ca_file); !tls) {
    out.push_back(fmt::format("{}: tls.ca_file: {}", cfg.path, tls.error().message));
  }
  for (std::size_t i = 0; i < cfg.tenants.size(); ++i) {
    auto p = tenant_problems(cfg, cfg.tenants[i], i, getenv);
    out.insert(out.end(), p.begin(), p.end());
  }
  for (std::size_t i = 0; i < cfg.sinks.size(); ++i) {
    const auto& s = cfg.sinks[i];
    const auto key = [&](const std::string& k) {
      return locate(cfg.path, s.lines, k, fmt::format("sink[{}].{}", i, k));
    };
    if (auto ok = sinks::supported(s); !ok) {
      out.push_back(key(s.kind == config::sink_kind::webhook ? "format" : "kind") + ok.error().message);
      continue;
    }
    if (auto r = resolve_sink(s, getenv); !r) {
      out.push_back(key("") + r.error().message);
    }
  }
  return out;
}

result<void> give_own_client(sinks::resolved_sink& sink, asio::any_io_executor ex, const std::string& ca_file,
                             rng& random, const clock& wall) {
  if (!sink.client_identity) {
    return {};
  }
  auto tls = net::client_tls::make(ca_file, sink.client_identity.get());
  if (!tls) {
    return with_context(tls.error(), fmt::format("sink {} client certificate", sink.settings.name));
  }
  sink.http = std::make_shared<net::https_client>(std::move(ex), std::move(*tls), random, wall);
  return {};
}

result<sinks::resolved_sink> make_sink(services& svc, const config::settings& cfg, const config::sink_settings& s) {
  auto resolved = resolve_sink(s, svc.getenv);
  if (!resolved) {
    return resolved;
  }
  if (auto own = give_own_client(*resolved, svc.ex, cfg.tls.ca_file, svc.random, svc.wall); !own) {
    return own.error();
  }
  if (!sinks::needs_token(s)) {
    return resolved;
  }
  const auto tenant = std::find_if(cfg.tenants.begin(), cfg.tenants.end(),
                                   [&](const config::tenant_settings& t) { return t.name == s.tenant; });
  if (tenant == cfg.tenants.end() || s.token_scope.empty()) {
    // The loader names a tenant for every such sink; settings built by hand may not.
    return make_error(error_kind::config, fmt::format("{}sink {} has no [[tenant]] to get its token with",
                                                      locate(cfg.path, s.lines, "tenant", "tenant"), s.name));
  }
  resolved->tokens =
      std::make_shared<auth::token_cache>(svc.ex, make_tenant_credential(svc, *tenant), svc.wall, &svc.stats);
  return resolved;
}

result<std::unique_ptr<generation>> build_generation(services& svc, const config::settings& cfg,
                                                     sink_welcome_at welcome) {
  if (auto problems = runtime_problems(cfg, svc.getenv); !problems.empty()) {
    std::string text = problems.front();
    for (std::size_t i = 1; i < problems.size(); ++i) {
      text += "\n" + problems[i];
    }
    return make_error(error_kind::config, std::move(text));
  }
  auto gen = std::make_unique<generation>();
  std::vector<std::string> sink_names;
  for (const auto& s : cfg.sinks) {
    auto resolved = make_sink(svc, cfg, s);
    if (!resolved) {
      return resolved.error();
    }
    sink_names.push_back(s.name);
    // An mTLS sink's own client lives in its resolved_sink, which the dispatcher keeps.
    net::https_client& http = resolved->http ? *resolved->http : svc.http;
    gen->dispatchers.push_back(std::make_unique<sinks::dispatcher>(svc.ex, svc.store, http, std::move(*resolved),
                                                                   svc.wall, svc.random, svc.stats));
  }
  if (sink_names.empty()) {
    // Kept, not sent: the first sinks configured take them over (welcome_sinks).
    sink_names.emplace_back(store::unsent_sink);
  }
  report_id_collisions(svc);
  for (const auto& w : sinks::unrouted_alerts(cfg)) {
    spdlog::warn("config {}: {}", cfg.path, w);
  }
  for (auto& d : gen->dispatchers) {
    d->bound_outbox(cfg.daemon.outbox_limit, cfg.daemon.outbox_retention);
    d->on_dead([&svc, raw = gen.get(), names = sink_names](const sinks::dispatcher::dead_letter& dead) {
      announce_dead(svc, *raw, names, dead);
    });
  }
  if (welcome == sink_welcome_at::build) {
    welcome_sinks(svc, cfg);
  }
  auto* raw = gen.get();
  const auto rules = std::make_shared<const std::vector<engine::rule>>(cfg.rules);
  const auto shared_sink_names = std::make_shared<const std::vector<std::string>>(sink_names);
  for (const auto& t : cfg.tenants) {
    gen->watchers.push_back(std::make_unique<watcher>(
        svc, t, rules, shared_sink_names, [raw]() { raw->wake_dispatchers(); }, make_snapshot_sources));
    gen->watchers.back()->set_place(gen->watchers.size() - 1, cfg.tenants.size());
  }
  return gen;
}

}  // namespace rootwatch::app
