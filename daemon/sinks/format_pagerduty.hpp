#pragma once

// A PagerDuty Events API v2 event. A firing alert is a "trigger", a resolved one a "resolve";
// both carry the alert's correlation key as dedup_key, so the removal of an assignment closes
// the incident its creation opened, and reminders about it join that incident. Pure.
//
// A resolve carries only routing_key, event_action and dedup_key: PagerDuty reads no payload on
// it. The routing key is a credential (resolved_sink::routing_key, registered with the
// scrubber); it appears in the body and nowhere else.

#include "common/json.hpp"
#include "engine/model.hpp"
#include "sinks/render.hpp"

#include <cstddef>
#include <string_view>

namespace rootwatch::sinks {

inline constexpr std::size_t pagerduty_summary_max = 1024;
inline constexpr std::size_t pagerduty_dedup_key_max = 255;

// critical → critical, high → error, medium and low → warning, info → info.
std::string_view pagerduty_severity(engine::severity s);

// `payload` is the stored rootwatch.alert/v1 object: it becomes custom_details.
rendered render_pagerduty(const engine::alert& a, const json& payload, std::string_view routing_key);

}  // namespace rootwatch::sinks
