#pragma once

// CloudEvents 1.0 in structured mode (HTTP binding): the whole event in the body as
// application/cloudevents+json, so that the Standard Webhooks signature covers every
// attribute (binary mode's ce-* headers would be outside it). Pure.

#include "common/json.hpp"
#include "engine/model.hpp"
#include "sinks/render.hpp"

#include <string>
#include <string_view>

namespace rootwatch::sinks {

inline constexpr std::string_view cloudevents_content_type = "application/cloudevents+json";

// "io.rootwatch.assignment.created": reverse-DNS prefix, then our alert kind.
std::string cloudevents_type(std::string_view kind);

// "rootwatch/<tenant id>": a URI-reference naming the watcher of one tenant.
std::string cloudevents_source(const engine::tenant_ref& tenant);

// `payload` is the stored rootwatch.alert/v1 object: it becomes `data`.
rendered render_cloudevents(const engine::alert& a, const json& payload);

}  // namespace rootwatch::sinks
