#pragma once

// The wiring of snapshot sources: which `sources` entries of a tenant this version can make,
// and making them. Adding a source adds a line here and its client in azure/, never a change
// to the watcher.

#include "app/services.hpp"
#include "azure/source.hpp"
#include "config/settings.hpp"

#include <functional>
#include <memory>
#include <vector>

namespace rootwatch::auth {
class token_cache;
}

namespace rootwatch::app {

using snapshot_sources = std::vector<std::unique_ptr<azure::snapshot_source>>;
using event_sources = std::vector<std::unique_ptr<azure::event_source>>;

// Whether make_snapshot_sources makes a snapshot source for `kind`.
bool makes_snapshot_source(config::source_kind kind);

// One snapshot source per configured kind this version can make, in the order of `sources`.
// They share the tenant's token cache, which must outlive them.
snapshot_sources make_snapshot_sources(services& svc, const config::tenant_settings& tenant, auth::token_cache& tokens);

// How a watcher gets its sources: make_snapshot_sources in the daemon, fakes in tests.
using snapshot_source_factory =
    std::function<snapshot_sources(services&, const config::tenant_settings&, auth::token_cache&)>;

// One event source per configured log ("activity_log", "entra_audit"), in the order of
// `sources`, sharing the tenant's token cache (one token per audience: ARM for the Activity
// Log, Graph for the Entra audit log).
event_sources make_event_sources(services& svc, const config::tenant_settings& tenant, auth::token_cache& tokens);

using event_source_factory =
    std::function<event_sources(services&, const config::tenant_settings&, auth::token_cache&)>;

}  // namespace rootwatch::app
