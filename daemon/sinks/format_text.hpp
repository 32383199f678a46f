#pragma once

// Human text about an alert, shared by the receiver formats that have a title or description
// field (common alert schema, Alertmanager annotations). Pure.

#include "engine/model.hpp"

#include <string>

namespace rootwatch::sinks {

// One line: what happened, to whom, where. "User Access Administrator at "/" for user alice…
// in tenant contoso: assignment created".
std::string alert_summary(const engine::alert& a);

// The summary, then who did it and when it was seen, then the watcher's own detail when it
// has one. A few sentences, no line breaks of its own.
std::string alert_description(const engine::alert& a);

// "contoso (<tenant id>)", or the id alone when the tenant has no configured name.
std::string tenant_text(const engine::tenant_ref& tenant);

}  // namespace rootwatch::sinks
