#include "app/sources.hpp"

#include "auth/token_cache.hpp"
#include "azure/activity_log_client.hpp"
#include "azure/api_meter.hpp"
#include "azure/arm_client.hpp"
#include "azure/entra_audit_client.hpp"
#include "azure/entra_audit_parse.hpp"
#include "azure/resource_graph_client.hpp"

namespace rootwatch::app {
namespace {

// Each client counts its requests and throttling waits under its source's name.
std::shared_ptr<net::exchange_observer> meter(services& svc, std::string_view source) {
  return std::make_shared<azure::api_meter>(svc.stats, source);
}

}  // namespace

bool makes_snapshot_source(config::source_kind kind) {
  switch (kind) {
    case config::source_kind::arm:
    case config::source_kind::resource_graph:
      return true;
    case config::source_kind::activity_log:
    case config::source_kind::entra_audit:
      return false;
  }
  return false;
}

snapshot_sources make_snapshot_sources(services& svc, const config::tenant_settings& tenant,
                                       auth::token_cache& tokens) {
  snapshot_sources out;
  for (const auto kind : tenant.sources) {
    if (kind == config::source_kind::arm) {
      azure::arm_options o;
      o.base = tenant.endpoints.resource_manager;
      o.scope = tenant.endpoints.arm_scope;
      o.timeout = tenant.request_timeout;
      o.retry = {};  // as it always was here: the net default, not arm_options' own
      o.observer = meter(svc, "arm");
      out.push_back(std::make_unique<azure::arm_client>(svc.http, tokens, std::move(o), svc.random, svc.wall));
    } else if (kind == config::source_kind::resource_graph) {
      azure::resource_graph_options o;
      o.base = tenant.endpoints.resource_manager;
      o.scope = tenant.endpoints.arm_scope;
      o.timeout = tenant.request_timeout;
      o.observer = meter(svc, "resource_graph");
      out.push_back(
          std::make_unique<azure::resource_graph_client>(svc.http, tokens, std::move(o), svc.random, svc.wall));
    }
  }
  return out;
}

event_sources make_event_sources(services& svc, const config::tenant_settings& tenant, auth::token_cache& tokens) {
  event_sources out;
  for (const auto kind : tenant.sources) {
    if (kind == config::source_kind::activity_log) {
      azure::activity_log_options o;
      o.base = tenant.endpoints.resource_manager;
      o.scope = tenant.endpoints.arm_scope;
      o.timeout = tenant.request_timeout;
      o.observer = meter(svc, "activity_log");
      out.push_back(std::make_unique<azure::activity_log_client>(svc.http, tokens, std::move(o), svc.random, svc.wall));
    } else if (kind == config::source_kind::entra_audit) {
      azure::entra_audit_options o;
      o.base = tenant.endpoints.graph;
      o.scope = azure::graph_scope(tenant.endpoints.graph);
      o.timeout = tenant.request_timeout;
      o.observer = meter(svc, "entra_audit");
      out.push_back(std::make_unique<azure::entra_audit_client>(svc.http, tokens, std::move(o), svc.random, svc.wall));
    }
  }
  return out;
}

}  // namespace rootwatch::app
