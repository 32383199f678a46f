#include "app/status_view.hpp"

#include "common/version.hpp"

namespace rootwatch::app {
namespace {

ops::status_assignment to_view(store::current_assignment a) {
  ops::status_assignment v;
  v.scope = std::move(a.scope);
  v.role_name = std::move(a.role_name);
  v.role_id = std::move(a.role_id);
  v.principal_id = std::move(a.principal_id);
  v.principal_type = std::move(a.principal_type);
  v.principal_name = std::move(a.principal_name);
  v.rule = std::move(a.rule);
  v.severity = std::move(a.severity);
  v.firing = a.firing;
  v.allowed = a.allowed;
  v.baselined = a.baselined;
  v.first_seen = a.first_seen;
  return v;
}

ops::status_alert to_view(store::recent_alert a) {
  ops::status_alert v;
  v.kind = std::move(a.kind);
  v.severity = std::move(a.severity);
  v.status = std::move(a.status);
  v.tenant_name = std::move(a.tenant_name);
  v.role_name = std::move(a.role_name);
  v.principal_id = std::move(a.principal_id);
  v.principal_name = std::move(a.principal_name);
  v.at = a.detected_at ? a.detected_at : std::optional<timestamp>(a.queued_at);
  for (auto& d : a.deliveries) {
    v.deliveries.push_back(
        {std::move(d.sink), std::move(d.state), d.attempts, std::move(d.last_error), d.next_attempt_at, d.finished_at});
  }
  return v;
}

ops::status_assignments assignments_of(store::status_reader& reader, const std::string& tenant_id) {
  ops::status_assignments out;
  auto read = reader.assignments(tenant_id, ops::status_page_assignments);
  if (!read) {
    out.error = read.error().message;
    return out;
  }
  out.total = read->total;
  for (auto& a : read->rows) {
    out.rows.push_back(to_view(std::move(a)));
  }
  return out;
}

}  // namespace

ops::status_page_data gather_status(const ops::health_state& health, const config::settings& settings,
                                    store::status_reader& reader, timestamp now) {
  ops::status_page_data d;
  d.version = version;
  d.config_path = settings.path;
  d.now = now;
  d.ready = health.ready;
  d.stopping = health.stopping;
  d.tenants = health.tenants;
  for (const auto& t : settings.tenants) {
    d.assignments[t.name] = assignments_of(reader, t.tenant_id);
  }
  if (auto alerts = reader.recent_alerts(ops::status_page_alerts)) {
    for (auto& a : *alerts) {
      d.alerts.push_back(to_view(std::move(a)));
    }
  } else {
    d.alerts_error = alerts.error().message;
  }
  if (auto backlog = reader.backlog()) {
    d.backlog = ops::status_backlog{backlog->pending, backlog->oldest_pending, std::move(backlog->pending_by_sink)};
  } else {
    d.backlog_error = backlog.error().message;
  }
  return d;
}

}  // namespace rootwatch::app
