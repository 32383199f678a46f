#pragma once

// The "rootwatch.alert/v1" JSON of design.md, both ways: the outbox stores it and the
// "rootwatch" webhook format sends it as is.

#include "common/json.hpp"
#include "engine/model.hpp"

namespace rootwatch::engine {

json to_json(const alert& a);
// Throws nlohmann::json::exception or std::invalid_argument on a body that is not an alert.
alert alert_from_json(const json& j);

}  // namespace rootwatch::engine
