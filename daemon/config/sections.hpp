#pragma once

// One reader per part of the file. Each reads its table through a table_reader, reports
// what is wrong and returns what it could make of the rest; load.cpp puts them together.

#include "config/reader.hpp"
#include "config/settings.hpp"
#include "engine/rules.hpp"

#include <vector>

namespace rootwatch::config::detail {

daemon_settings read_daemon(table_reader& top);
tls_settings read_tls(table_reader& top);
std::vector<tenant_settings> read_tenants(table_reader& top);
std::vector<engine::rule> read_rules(table_reader& top);
// Sinks that get an Entra token name one of `tenants`.
std::vector<sink_settings> read_sinks(table_reader& top, const std::vector<tenant_settings>& tenants);

// A sink's routing and pacing keys (severity, kinds, tenants, concurrency, min_interval).
void read_sink_routing(table_reader& r, sink_settings& s);
// Each sink's `tenants` names a configured [[tenant]]: a typo would route silently nowhere.
void check_sink_tenants(table_reader& top, const settings& s);

}  // namespace rootwatch::config::detail
