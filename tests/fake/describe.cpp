#include "fake/describe.hpp"

#include "common/strings.hpp"

#include <cctype>

#include <fmt/format.h>

namespace rootwatch::fake {
namespace {

// The string at a JSON path, or "" when any step is missing or not of the right type.
std::string text_at(const json& j, std::initializer_list<std::string_view> path) {
  const json* at = &j;
  for (const auto key : path) {
    if (!at->is_object()) {
      return "";
    }
    const auto it = at->find(key);
    if (it == at->end()) {
      return "";
    }
    at = &*it;
  }
  return at->is_string() ? at->get<std::string>() : "";
}

std::string upper(std::string s) {
  for (auto& c : s) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return s;
}

std::string rootwatch_alert(const json& j) {
  std::string line =
      fmt::format("{} {} {}", upper(text_at(j, {"status"})), text_at(j, {"severity"}), text_at(j, {"kind"}));
  const auto role = text_at(j, {"assignment", "role", "name"});
  if (j.contains("assignment") && j.at("assignment").is_object()) {
    auto who = text_at(j, {"assignment", "principal", "display_name"});
    if (who.empty()) {
      who = text_at(j, {"assignment", "principal", "id"});
    }
    const bool gone = text_at(j, {"status"}) == "resolved" || text_at(j, {"kind"}) == "assignment.removed";
    line +=
        fmt::format(": {} '{}' {} {} at scope \"{}\"", text_at(j, {"assignment", "principal", "type"}), who,
                    gone ? "no longer holds" : "holds", role.empty() ? text_at(j, {"assignment", "role", "id"}) : role,
                    text_at(j, {"assignment", "scope"}));
  }
  const auto actor = text_at(j, {"actor", "upn"});
  if (!actor.empty()) {
    line += fmt::format(", done by {}", actor);
  }
  const auto tenant = text_at(j, {"tenant", "name"});
  return tenant.empty() ? line : fmt::format("{} in tenant {}", line, tenant);
}

std::string common_alert_schema(const json& j) {
  return fmt::format("common alert schema: {} {} '{}'", text_at(j, {"data", "essentials", "monitorCondition"}),
                     text_at(j, {"data", "essentials", "severity"}), text_at(j, {"data", "essentials", "alertRule"}));
}

std::string alertmanager(const json& j) {
  const auto count = j.contains("alerts") && j.at("alerts").is_array() ? j.at("alerts").size() : 0;
  return fmt::format("Alertmanager webhook: {} with {} alert{}", text_at(j, {"status"}), count, count == 1 ? "" : "s");
}

std::string body_words(const delivery& d) {
  if (!d.body_json) {
    return fmt::format("a {}-byte body that is not JSON", d.body.size());
  }
  const json& j = *d.body_json;
  if (istarts_with(text_at(j, {"schema"}), "rootwatch.alert")) {
    return rootwatch_alert(j);
  }
  if (text_at(j, {"schemaId"}) == "azureMonitorCommonAlertSchema") {
    return common_alert_schema(j);
  }
  if (!text_at(j, {"specversion"}).empty()) {
    return fmt::format("CloudEvent {} (id {})", text_at(j, {"type"}), text_at(j, {"id"}));
  }
  if (!text_at(j, {"version"}).empty() && j.contains("alerts")) {
    return alertmanager(j);
  }
  return fmt::format("a {}-byte JSON body", d.body.size());
}

std::string signature_words(const delivery& d) {
  if (!d.signature_valid) {
    return "signature not checked";
  }
  return *d.signature_valid ? "signature verified" : "signature INVALID: " + d.signature_problem;
}

}  // namespace

std::string describe_request(const recorded_request& r) {
  const std::string path = r.target.substr(0, r.target.find('?'));
  std::string line = fmt::format("azure: {} {} -> {}", r.method, path, r.status);
  if (!r.note.empty()) {
    line += fmt::format(" ({})", r.note);
  }
  return line;
}

std::string describe_delivery(const delivery& d) {
  return fmt::format("receiver: {} ({}, answered {})", body_words(d), signature_words(d), d.status);
}

}  // namespace rootwatch::fake
