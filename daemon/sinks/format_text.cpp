#include "sinks/format_text.hpp"

#include "engine/reminders.hpp"

#include <fmt/format.h>

namespace rootwatch::sinks {
namespace {

std::string what_happened(const engine::alert& a) {
  if (a.test) {
    return "test alert, nothing happened";
  }
  if (a.kind == engine::alert_kind::created) {
    return "role assignment created";
  }
  if (a.kind == engine::alert_kind::removed) {
    return "role assignment removed";
  }
  if (a.kind == engine::alert_kind::lingering) {
    // The age people act on ("still present after 6h 0m"); first_seen is in the description.
    return "role assignment still present after " +
           engine::human_age(std::chrono::duration_cast<milliseconds>(a.detected_at - a.first_seen));
  }
  if (a.kind == engine::alert_kind::elevation) {
    return "elevation or role assignment change recorded in the logs";
  }
  if (a.kind == engine::alert_kind::degraded) {
    return "rootwatch cannot see the role assignments";
  }
  if (a.kind == engine::alert_kind::recovered) {
    return "rootwatch can see the role assignments again";
  }
  return a.kind;
}

// "User Access Administrator at "/" for User alice@contoso.com": the role and principal by name
// where known, by id otherwise, so that the line never names nothing.
std::string assignment_text(const engine::assignment& s) {
  const std::string role = s.role.name.empty() ? "role " + s.role.id : s.role.name;
  const std::string who = s.principal.display_name.value_or(s.principal.id);
  const std::string type = s.principal.type.empty() ? "principal" : s.principal.type;
  return fmt::format("{} at \"{}\" for {} {}", role, s.scope, type, who);
}

std::string actor_text(const engine::actor_ref& actor) {
  const std::string who = actor.upn.value_or(actor.app_id.value_or(actor.id.value_or("")));
  if (who.empty()) {
    return {};
  }
  return actor.ip ? fmt::format("{} from {}", who, *actor.ip) : who;
}

}  // namespace

std::string tenant_text(const engine::tenant_ref& tenant) {
  if (tenant.name.empty()) {
    return tenant.id;
  }
  return fmt::format("{} ({})", tenant.name, tenant.id);
}

std::string alert_summary(const engine::alert& a) {
  const std::string where = a.tenant.name.empty() ? a.tenant.id : a.tenant.name;
  if (a.subject) {
    return fmt::format("{} in tenant {}: {}", assignment_text(*a.subject), where, what_happened(a));
  }
  return fmt::format("Tenant {}: {}", where, what_happened(a));
}

std::string alert_description(const engine::alert& a) {
  std::string text = alert_summary(a) + ".";
  if (a.actor) {
    if (const std::string who = actor_text(*a.actor); !who.empty()) {
      text += " Done by " + who + ".";
    }
  }
  text += fmt::format(" First seen {}, detected {} in tenant {}.", format_iso8601(a.first_seen),
                      format_iso8601(a.detected_at), tenant_text(a.tenant));
  if (a.detail && !a.detail->empty()) {
    text += " " + *a.detail;
  }
  return text;
}

}  // namespace rootwatch::sinks
