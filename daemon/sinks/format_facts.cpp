#include "sinks/format_facts.hpp"

#include "common/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace rootwatch::sinks {
namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string tenant_value(const engine::tenant_ref& t) {
  return t.name.empty() ? t.id : fmt::format("{} ({})", t.name, t.id);
}

std::string role_value(const engine::role_ref& r) {
  return r.name.empty() ? r.id : fmt::format("{} ({})", r.name, r.id);
}

// The display name may be missing (Graph permission, deleted object): the id is always there,
// so the fact never names nothing.
std::string principal_value(const engine::principal_ref& p) {
  const std::string type = p.type.empty() ? "principal" : p.type;
  if (p.display_name && !p.display_name->empty()) {
    return fmt::format("{} ({} {})", *p.display_name, type, p.id);
  }
  return fmt::format("{} {} (display name unknown)", type, p.id);
}

std::string actor_value(const engine::actor_ref& actor) {
  std::string who = actor.upn.value_or(actor.app_id ? "app " + *actor.app_id : actor.id.value_or(""));
  if (who.empty()) {
    return {};
  }
  if (actor.ip) {
    who += " from " + *actor.ip;
  }
  return who;
}

}  // namespace

std::string cut_to(std::string_view text, std::size_t max_bytes) {
  constexpr std::size_t marker_bytes = 3;  // "…", which cut_utf8 adds outside its budget
  std::string valid = valid_utf8(text);
  if (valid.size() <= max_bytes) {
    return valid;
  }
  return cut_utf8(valid, max_bytes > marker_bytes ? max_bytes - marker_bytes : 0);
}

bool is_resolved(const engine::alert& a) {
  return a.status == "resolved";
}

std::string alert_title(const engine::alert& a) {
  const std::string level = upper(engine::to_string(a.level));
  std::string title = is_resolved(a) ? fmt::format("RESOLVED · {} (was {})", a.kind, engine::to_string(a.level))
                                     : fmt::format("{} · {}", level, a.kind);
  return a.test ? "TEST · " + title : title;
}

std::vector<fact> alert_facts(const engine::alert& a) {
  std::vector<fact> out;
  out.push_back({"Tenant", tenant_value(a.tenant)});
  if (a.subject) {
    out.push_back({"Scope", a.subject->scope});
    out.push_back({"Role", role_value(a.subject->role)});
    out.push_back({"Principal", principal_value(a.subject->principal)});
  }
  if (a.actor) {
    if (std::string who = actor_value(*a.actor); !who.empty()) {
      out.push_back({"Done by", std::move(who)});
    }
  }
  if (!a.rule.empty()) {
    out.push_back({"Rule", a.rule});
  }
  out.push_back({"First seen", format_iso8601(a.first_seen)});
  out.push_back({is_resolved(a) ? "Resolved" : "Detected", format_iso8601(a.detected_at)});
  if (a.detail && !a.detail->empty()) {
    out.push_back({"Detail", *a.detail});
  }
  return out;
}

}  // namespace rootwatch::sinks
