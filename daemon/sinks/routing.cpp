#include "sinks/routing.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace rootwatch::sinks {
namespace {

bool kind_matches(std::string_view pattern, std::string_view kind) {
  if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == ".*") {
    const auto family = pattern.substr(0, pattern.size() - 1);  // "watch."
    return kind.substr(0, family.size()) == family;
  }
  return pattern == kind;
}

// The severities each kind can go out with, given the rules.
std::set<engine::severity> rule_levels(const config::settings& cfg) {
  std::set<engine::severity> out;
  for (const auto& r : cfg.rules) {
    out.insert(r.level);
  }
  return out;
}

}  // namespace

bool takes(const config::sink_settings& sink, const store::route_facts& alert) {
  if (alert.level < sink.min_severity) {
    return false;
  }
  if (!sink.kinds.empty() && std::none_of(sink.kinds.begin(), sink.kinds.end(),
                                          [&](const std::string& k) { return kind_matches(k, alert.kind); })) {
    return false;
  }
  if (!sink.tenants.empty() && std::none_of(sink.tenants.begin(), sink.tenants.end(), [&](const std::string& t) {
        return (!alert.tenant_name.empty() && t == alert.tenant_name) ||
               (!alert.tenant_id.empty() && t == alert.tenant_id);
      })) {
    return false;
  }
  return true;
}

store::sink_router make_router(const std::vector<config::sink_settings>& sinks) {
  return [sinks](std::string_view name, const store::route_facts& alert) {
    const auto it = std::find_if(sinks.begin(), sinks.end(), [&](const auto& s) { return s.name == name; });
    // A sink no longer configured keeps what it had; rows for it are reported, not routed.
    return it == sinks.end() || takes(*it, alert);
  };
}

std::vector<std::string> unrouted_alerts(const config::settings& cfg) {
  std::vector<std::string> out;
  if (cfg.sinks.empty()) {
    return out;
  }
  const auto levels = rule_levels(cfg);
  // Reminders also go out at the escalated severity of the rules that escalate.
  auto reminder_levels = levels;
  for (const auto& r : cfg.rules) {
    if (r.escalate_after) {
      reminder_levels.insert(std::max(r.level, r.escalate_to));
    }
  }
  struct kind_levels {
    std::string_view kind;
    std::set<engine::severity> levels;
  };
  const std::set<engine::severity> high{engine::severity::high};
  std::set<engine::severity> failed{engine::severity::high};
  for (const auto l : levels) {
    failed.insert(std::max(l, engine::severity::high));
  }
  const std::array<kind_levels, 7> kinds{{
      {engine::alert_kind::created, levels},
      {engine::alert_kind::removed, levels},
      {engine::alert_kind::lingering, reminder_levels},
      {engine::alert_kind::elevation, levels},
      {engine::alert_kind::degraded, high},
      {engine::alert_kind::recovered, high},
      {engine::alert_kind::delivery_failed, failed},
  }};
  for (const auto& tenant : cfg.tenants) {
    for (const auto& k : kinds) {
      std::vector<std::string_view> lost;
      for (const auto level : k.levels) {
        const store::route_facts facts{std::string(k.kind), level, tenant.tenant_id, tenant.name};
        const bool taken =
            std::any_of(cfg.sinks.begin(), cfg.sinks.end(), [&](const auto& s) { return takes(s, facts); });
        if (!taken) {
          lost.push_back(engine::to_string(level));
        }
      }
      if (!lost.empty()) {
        out.push_back(
            fmt::format("no sink takes {} alerts ({}) about tenant {}", k.kind, fmt::join(lost, ", "), tenant.name));
      }
    }
  }
  return out;
}

}  // namespace rootwatch::sinks
