#pragma once

// The Prometheus Alertmanager webhook payload, version 4, one alert per notification, so that
// receivers written for Alertmanager take rootwatch's alerts unchanged. Pure.
//
// Alertmanager identifies an alert by its label set; rootwatch by its correlation key. The
// labels here are made of what identifies the alert (ids, not display names, and no kind: the
// created, elevation event, lingering and removed alerts of one assignment share them), the
// kind and the names go into the annotations, and the fingerprint and group key come from the
// correlation key: a resolved notification matches its firing one.

#include "common/json.hpp"
#include "engine/model.hpp"
#include "sinks/render.hpp"

#include <string>
#include <string_view>

namespace rootwatch::sinks {

// Alertmanager's "zero" time, its endsAt while an alert is firing.
inline constexpr std::string_view alertmanager_zero_time = "0001-01-01T00:00:00Z";

// 16 lower-case hex digits (64-bit FNV-1a, as Alertmanager's own fingerprints) of the key.
std::string alertmanager_fingerprint(std::string_view correlation_key);

// "RootwatchAssignment" for the assignment.* and elevation.event kinds (they share correlation
// keys), "RootwatchWatchDegraded" for watch.*, "RootwatchTest" for a test alert.
std::string alertmanager_alertname(const engine::alert& a);

// `receiver` is the sink's name, as Alertmanager names its receiver.
rendered render_alertmanager(const engine::alert& a, std::string_view receiver);

}  // namespace rootwatch::sinks
