#include "config/checks.hpp"
#include "config/sections.hpp"

#include <algorithm>
#include <array>

namespace rootwatch::config::detail {
namespace {

using namespace std::chrono_literals;

// What `kinds` may name: every kind rootwatch raises, and their families.
constexpr std::array<std::string_view, 10> routable_kinds{engine::alert_kind::created,
                                                          engine::alert_kind::removed,
                                                          engine::alert_kind::lingering,
                                                          engine::alert_kind::elevation,
                                                          engine::alert_kind::degraded,
                                                          engine::alert_kind::recovered,
                                                          engine::alert_kind::delivery_failed,
                                                          "assignment.*",
                                                          "elevation.*",
                                                          "watch.*"};

std::vector<std::string> read_kinds(table_reader& r) {
  std::vector<std::string> out;
  const auto elements = r.string_array("kinds");
  if (!elements) {
    return out;
  }
  if (elements->empty()) {
    r.fail("kinds", "an empty list would take no alert at all; leave kinds out to take every kind");
    return out;
  }
  for (const auto& e : *elements) {
    if (std::find(routable_kinds.begin(), routable_kinds.end(), e.value) == routable_kinds.end()) {
      r.fail_at(*e.node, e.key, not_one_of(e.value, routable_kinds));
      continue;
    }
    out.push_back(e.value);
  }
  return out;
}

std::vector<std::string> read_tenant_names(table_reader& r) {
  std::vector<std::string> out;
  const auto elements = r.string_array("tenants");
  if (!elements) {
    return out;
  }
  if (elements->empty()) {
    r.fail("tenants", "an empty list would take no alert at all; leave tenants out to take every tenant");
  }
  for (const auto& e : *elements) {
    out.push_back(e.value);
  }
  return out;
}

}  // namespace

void read_sink_routing(table_reader& r, sink_settings& s) {
  s.min_severity = r.choice("severity", severity_names).value_or(s.min_severity);
  s.kinds = read_kinds(r);
  s.tenants = read_tenant_names(r);
  s.concurrency = static_cast<int>(r.integer("concurrency", 1, 64).value_or(s.concurrency));
  if (s.kind == sink_kind::slack) {
    s.min_interval = 1s;
  }
  s.min_interval = r.duration("min_interval", 0ms, 1h).value_or(s.min_interval);
}

void check_sink_tenants(table_reader& top, const settings& s) {
  // Read again only when well formed: read_sinks has already reported any other shape.
  const auto* sinks = top.table().get("sink");
  const auto* list = sinks != nullptr ? sinks->as_array() : nullptr;
  if (list == nullptr || !std::all_of(list->begin(), list->end(), [](const toml::node& n) { return n.is_table(); })) {
    return;
  }
  auto readers = top.children("sink", "[[sink]]", "[[sink]] tables (note the double brackets)");
  if (!readers) {
    return;
  }
  std::vector<std::string_view> known;
  for (const auto& t : s.tenants) {
    known.push_back(t.name);
  }
  for (auto& r : *readers) {
    const auto* node = r.table().get("tenants");
    const auto* array = node != nullptr ? node->as_array() : nullptr;
    if (array == nullptr) {
      continue;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
      const auto* name = array->get(i)->as_string();
      if (name == nullptr) {
        continue;
      }
      const std::string& value = name->get();
      const bool found = std::any_of(s.tenants.begin(), s.tenants.end(),
                                     [&](const tenant_settings& t) { return t.name == value || t.tenant_id == value; });
      if (!found) {
        r.fail_at(*array->get(i), r.key_of("tenants") + "[" + std::to_string(i) + "]", not_one_of(value, known));
      }
    }
  }
}

}  // namespace rootwatch::config::detail
