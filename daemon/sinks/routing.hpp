#pragma once

// Which alerts a sink takes ([[sink]] severity, kinds, tenants), and the warnings about
// alerts no sink would take. Pure.

#include "config/settings.hpp"
#include "store/state_store.hpp"

#include <string>
#include <vector>

namespace rootwatch::sinks {

bool takes(const config::sink_settings& sink, const store::route_facts& alert);

// For the store: routes by the configured sinks' names.
store::sink_router make_router(const std::vector<config::sink_settings>& sinks);

// One line per tenant and alert kind that some severity of it reaches no sink, naming the
// severities: "no sink takes watch.degraded alerts (high) about tenant contoso". Empty when
// no sink is configured (then alerts wait for the first one; see store::unsent_sink).
std::vector<std::string> unrouted_alerts(const config::settings& cfg);

}  // namespace rootwatch::sinks
