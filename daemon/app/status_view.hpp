#pragma once

// What the status page shows, gathered on the event loop for one GET /: the health the watchers
// reported, and what the store holds (each tenant's committed assignments, the latest alerts and
// their deliveries, the outbox backlog). A store read that fails is said on the page in place of
// its section; the rest still shows.

#include "common/time.hpp"
#include "config/settings.hpp"
#include "ops/health.hpp"
#include "ops/status_page.hpp"
#include "store/status_reader.hpp"

namespace rootwatch::app {

ops::status_page_data gather_status(const ops::health_state& health, const config::settings& settings,
                                    store::status_reader& reader, timestamp now);

}  // namespace rootwatch::app
