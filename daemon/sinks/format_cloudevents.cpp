#include "sinks/format_cloudevents.hpp"

#include "common/encoding.hpp"

namespace rootwatch::sinks {

std::string cloudevents_type(std::string_view kind) {
  return "io.rootwatch." + std::string(kind);
}

std::string cloudevents_source(const engine::tenant_ref& tenant) {
  // A tenant id is a GUID; encoding keeps the attribute a URI-reference whatever the config holds.
  return "rootwatch/" + form_encode(tenant.id);
}

rendered render_cloudevents(const engine::alert& a, const json& payload) {
  // The subject is what the event is about within the source: the assignment, or for the
  // watcher's own alerts the tenant.
  const std::string subject = a.subject && !a.subject->id.empty() ? a.subject->id : a.tenant.id;
  json event{
      {"specversion", "1.0"},
      {"id", a.id},
      {"source", cloudevents_source(a.tenant)},
      {"type", cloudevents_type(a.kind)},
      {"time", format_iso8601(a.detected_at)},
      {"subject", subject},
      {"datacontenttype", "application/json"},
      {"data", payload},
  };
  return rendered{dump_tolerant(event), std::string(cloudevents_content_type)};
}

}  // namespace rootwatch::sinks
