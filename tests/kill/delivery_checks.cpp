#include "kill/delivery_checks.hpp"

#include "common/strings.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

namespace rootwatch::kill {
namespace {

constexpr std::string_view assignment_prefix = "/providers/Microsoft.Authorization/roleAssignments/";

// The fields of one delivered alert that the checks look at.
struct seen_alert {
  const fake::delivery* delivery = nullptr;
  std::string id;
  std::string kind;
  std::string name;
  std::string correlation_key;
  std::optional<timestamp> detected_at;
};

std::string string_at(const json& j, const json::json_pointer& p) {
  if (!j.contains(p) || !j.at(p).is_string()) {
    return {};
  }
  return j.at(p).get<std::string>();
}

std::optional<seen_alert> read_alert(const fake::delivery& d, std::vector<std::string>& problems) {
  if (!d.body_json || !d.body_json->is_object()) {
    problems.push_back(fmt::format("a delivery at {} is not a JSON object: {}", format_time(d.received_at), d.body));
    return std::nullopt;
  }
  const json& j = *d.body_json;
  seen_alert a{&d,
               string_at(j, json::json_pointer("/id")),
               string_at(j, json::json_pointer("/kind")),
               to_lower(string_at(j, json::json_pointer("/assignment/id"))),
               string_at(j, json::json_pointer("/correlation_key")),
               parse_iso8601(string_at(j, json::json_pointer("/detected_at")))};
  if (a.kind != "assignment.created" && a.kind != "assignment.removed") {
    problems.push_back(fmt::format("unexpected alert (no Azure faults were injected): {}", d.body));
    return std::nullopt;
  }
  if (a.id.empty() || a.correlation_key.empty() || !a.detected_at || !a.name.starts_with(to_lower(assignment_prefix))) {
    problems.push_back(fmt::format("an alert without id, correlation key, detection time or assignment: {}", d.body));
    return std::nullopt;
  }
  a.name.erase(0, assignment_prefix.size());
  if (d.header("webhook-id").value_or("") != a.id) {
    problems.push_back(fmt::format("alert {}: webhook-id header {} differs from the body's id", a.id,
                                   d.header("webhook-id").value_or("(none)")));
  }
  return a;
}

std::string describe(const seen_alert& a) {
  return fmt::format("{} about {} (id {}, detected {}, received {})", a.kind, a.name, a.id, format_time(*a.detected_at),
                     format_time(a.delivery->received_at));
}

// Created no earlier than the assignment appeared, removed no earlier than it went.
void check_against_timeline(const seen_alert& a, const std::map<std::string, const assignment_span*>& spans,
                            milliseconds tolerance, std::vector<std::string>& problems) {
  const auto it = spans.find(a.name);
  if (it == spans.end()) {
    problems.push_back("an alert about an assignment the driver never made: " + describe(a));
    return;
  }
  const assignment_span& s = *it->second;
  if (a.kind == "assignment.created") {
    if (a.delivery->received_at < s.add_started || *a.detected_at < s.add_started - tolerance) {
      problems.push_back(
          fmt::format("created before the assignment was added at {}: {}", format_time(s.add_started), describe(a)));
    }
    return;
  }
  if (!s.remove_started) {
    problems.push_back("a removal for an assignment that is still there: " + describe(a));
  } else if (a.delivery->received_at < *s.remove_started || *a.detected_at < *s.remove_started - tolerance) {
    problems.push_back(fmt::format("a removal while the assignment was there (its removal began at {}): {}",
                                   format_time(*s.remove_started), describe(a)));
  }
}

void check_identity(const std::vector<seen_alert>& alerts, std::vector<std::string>& problems) {
  std::map<std::pair<std::string, std::string>, std::set<std::string>> ids_by_alert;
  std::map<std::string, const seen_alert*> first_by_id;
  std::map<std::string, std::map<std::string, std::string>> correlation_by_name;  // name -> kind -> key
  for (const auto& a : alerts) {
    ids_by_alert[{a.kind, a.name}].insert(a.id);
    correlation_by_name[a.name][a.kind] = a.correlation_key;
    const auto [first, inserted] = first_by_id.emplace(a.id, &a);
    if (!inserted && *first->second->delivery->body_json != *a.delivery->body_json) {
      problems.push_back(fmt::format("alert {} changed between deliveries:\n  {}\n  {}", a.id,
                                     first->second->delivery->body, a.delivery->body));
    }
  }
  for (const auto& [alert, ids] : ids_by_alert) {
    if (ids.size() != 1) {
      problems.push_back(fmt::format("{} about {} went out under {} ids: {}", alert.first, alert.second, ids.size(),
                                     fmt::join(ids, ", ")));
    }
  }
  for (const auto& [name, keys] : correlation_by_name) {
    if (keys.size() == 2 && keys.at("assignment.created") != keys.at("assignment.removed")) {
      problems.push_back(fmt::format("created and removed of {} carry different correlation keys", name));
    }
  }
}

delivery_counts count(const std::vector<seen_alert>& alerts, const std::vector<fake::delivery>& deliveries) {
  delivery_counts c;
  c.deliveries = deliveries.size();
  std::map<std::string, int> posts;
  std::map<std::string, int> accepted;
  for (const auto& d : deliveries) {
    const bool ok = d.status >= 200 && d.status < 300;
    ++(ok ? c.accepted : c.refused);
  }
  for (const auto& a : alerts) {
    if (posts[a.id]++ > 0) {
      ++c.redeliveries;
    }
    const bool ok = a.delivery->status >= 200 && a.delivery->status < 300;
    if (ok && accepted[a.id]++ > 0) {
      ++c.duplicates;
    }
  }
  c.alert_ids = posts.size();
  return c;
}

}  // namespace

std::vector<expected_alert> missing(const expectations& expected, const std::vector<fake::delivery>& deliveries) {
  std::set<std::pair<std::string, std::string>> arrived;  // kind, name
  for (const auto& d : deliveries) {
    if (d.status < 200 || d.status >= 300 || !d.body_json || !d.body_json->is_object()) {
      continue;
    }
    const std::string id = to_lower(string_at(*d.body_json, json::json_pointer("/assignment/id")));
    if (id.starts_with(to_lower(assignment_prefix))) {
      arrived.emplace(string_at(*d.body_json, json::json_pointer("/kind")), id.substr(assignment_prefix.size()));
    }
  }
  std::vector<expected_alert> out;
  for (const auto& e : expected.alerts) {
    if (!arrived.contains({e.kind, to_lower(e.name)})) {
      out.push_back(e);
    }
  }
  return out;
}

delivery_report check_deliveries(const std::vector<fake::delivery>& deliveries,
                                 const std::vector<assignment_span>& spans, milliseconds tolerance) {
  delivery_report report;
  std::map<std::string, const assignment_span*> by_name;
  for (const auto& s : spans) {
    by_name.emplace(to_lower(s.name), &s);
  }
  std::vector<seen_alert> alerts;
  for (const auto& d : deliveries) {
    if (auto a = read_alert(d, report.problems)) {
      check_against_timeline(*a, by_name, tolerance, report.problems);
      alerts.push_back(std::move(*a));
    }
  }
  check_identity(alerts, report.problems);
  report.counts = count(alerts, deliveries);
  return report;
}

}  // namespace rootwatch::kill
