#pragma once

// The Azure Monitor common alert schema, as action groups send it (azure-apis.md §7.1), so
// that Logic Apps, Functions, ITSM connectors and Sentinel playbooks built for action groups
// take rootwatch's alerts unchanged. Pure.

#include "common/json.hpp"
#include "engine/model.hpp"
#include "sinks/render.hpp"

#include <string>
#include <string_view>

namespace rootwatch::sinks {

// What Azure Monitor puts in essentials.monitoringService and signalType for our alerts.
// monitoringService names the monitor the way third-party monitors appear in Azure Monitor
// (Nagios, Zabbix, SCOM): a consumer that branches on it to parse alertContext sees a service
// it does not know, rather than mistaking our context for an Activity Log event's.
inline constexpr std::string_view cas_monitoring_service = "rootwatch";
inline constexpr std::string_view cas_signal_type = "Activity Log";

// "Sev0" (critical) … "Sev4" (info).
std::string_view cas_severity(engine::severity s);

// An ARM-like id "/providers/Microsoft.AlertsManagement/alerts/<guid>", the guid derived from
// the correlation key: as in Azure, the Fired and the Resolved notification of one alert
// carry the same alertId.
std::string cas_alert_id(std::string_view correlation_key);

// `payload` is the stored rootwatch.alert/v1 object it was read from: it becomes alertContext.
rendered render_common_alert_schema(const engine::alert& a, const json& payload);

}  // namespace rootwatch::sinks
