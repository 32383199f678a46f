#pragma once

// A log record and an actor as the store keeps them: JSON text in one column. Reading never
// throws: a stored value is input like any other, and a field it lacks or holds with the wrong
// type is unknown.

#include "common/json.hpp"
#include "engine/model.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace rootwatch::store {

std::string actor_text(const engine::actor_ref& a);
// nullopt for text that is not a JSON object.
std::optional<engine::actor_ref> actor_from_text(std::string_view text);

std::string event_text(const engine::audit_event& e);
// nullopt for text that is not a JSON object or lacks the source, id or time.
std::optional<engine::audit_event> event_from_text(std::string_view text);

}  // namespace rootwatch::store
