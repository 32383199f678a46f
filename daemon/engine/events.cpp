#include "engine/events.hpp"

#include "common/strings.hpp"
#include "engine/identity.hpp"
#include "engine/remediation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace rootwatch::engine {
namespace {

constexpr std::string_view elevate_access = "elevate_access";
constexpr std::string_view assignment_write = "role_assignment_write";
constexpr std::string_view assignment_delete = "role_assignment_delete";
// A snapshot sees an assignment after the event that made it; clocks of the log and of this
// host may differ by this much without an event being taken for a later one.
constexpr auto clock_slack = std::chrono::minutes{5};

std::string lower_guid(std::string_view s) {
  return normalize_guid(s);
}

bool same_guid(const std::optional<std::string>& a, std::string_view b) {
  return a && !a->empty() && !b.empty() && lower_guid(*a) == lower_guid(b);
}

// The Activity Log writes the rank of a source's records first: an elevation that both logs
// hold is named by its Activity Log record, whichever arrived first in one cycle.
int source_rank(std::string_view source) {
  if (source == "activity_log") {
    return 0;
  }
  if (source == "entra_audit") {
    return 1;
  }
  return 2;
}

bool earlier(const audit_event* a, const audit_event* b) {
  return std::tuple(a->occurred_at, source_rank(a->source), a->source, a->event_id) <
         std::tuple(b->occurred_at, source_rank(b->source), b->source, b->event_id);
}

std::string who(const actor_ref& a) {
  if (a.upn && !a.upn->empty()) {
    return a.id && !a.id->empty() ? fmt::format("{} (object id {})", *a.upn, *a.id) : *a.upn;
  }
  if (a.id && !a.id->empty()) {
    return fmt::format("object id {}", *a.id);
  }
  if (a.app_id && !a.app_id->empty()) {
    return fmt::format("app {}", *a.app_id);
  }
  return "an unknown caller";
}

std::string role_text(const assignment& a) {
  return a.role.name.empty() ? (a.role.id.empty() ? std::string("an unknown role") : a.role.id) : a.role.name;
}

std::string principal_text(const assignment& a) {
  if (a.principal.display_name && !a.principal.display_name->empty()) {
    return fmt::format("{} ({})", *a.principal.display_name, a.principal.id);
  }
  return a.principal.id.empty() ? std::string("an unknown principal") : a.principal.id;
}

std::string describe(const audit_event& e, const assignment& a) {
  const std::string from = e.actor.ip && !e.actor.ip->empty() ? fmt::format(" from {}", *e.actor.ip) : "";
  const std::string when = format_iso8601(e.occurred_at);
  std::string text;
  if (e.operation == elevate_access) {
    text = fmt::format("{} elevated access ({} at \"{}\") at {}{}.", who(e.actor), role_text(a), a.scope, when, from);
  } else if (e.operation == assignment_write) {
    text = fmt::format("{} created a role assignment: {} at \"{}\" for {}, at {}{}.", who(e.actor), role_text(a),
                       a.scope, principal_text(a), when, from);
  } else {
    text = fmt::format("{} deleted a role assignment: {} at \"{}\" for {}, at {}{}.", who(e.actor), role_text(a),
                       a.scope, principal_text(a), when, from);
  }
  if (e.correlation_id) {
    text += fmt::format(" Correlation id {}.", *e.correlation_id);
  }
  return text;
}

std::string remediation_for(const audit_event& e, const assignment& a, bool present) {
  if (e.operation == assignment_delete) {
    return remediation_for_removed(a);
  }
  if (present) {
    return remediation_for_present(a);
  }
  std::string text =
      "The snapshot does not show this assignment now: it may have been revoked between two polls. Review what was "
      "done with it";
  if (e.correlation_id) {
    text += ": az monitor activity-log list --correlation-id " + shell_quote(*e.correlation_id);
  }
  text += " (directory Activity Log, Entra ID audit log \"Azure RBAC (Elevated Access)\").";
  if (!a.principal.id.empty() && !a.role.id.empty() && !a.scope.empty()) {
    text += " If it is still there: az role assignment delete --assignee " + shell_quote(a.principal.id) + " --role " +
            shell_quote(a.role.id) + " --scope " + shell_quote(a.scope) + ".";
  }
  return text;
}

// The assignment an event is about, as the engine tracks it: a live one first, else the most
// recently removed one.
const tracked_assignment* tracked_for(const audit_event& e, const tenant_state& state) {
  const tracked_assignment* gone = nullptr;
  for (const auto& t : state.assignments) {
    if (!event_names(e, t.current)) {
      continue;
    }
    if (!t.removed_at) {
      return &t;
    }
    if (gone == nullptr || *t.removed_at > *gone->removed_at) {
      gone = &t;
    }
  }
  return gone;
}

// What the event says about the assignment, where the engine tracks none: the log's own words.
assignment assignment_of(const audit_event& e) {
  assignment a;
  a.id = e.assignment_id.value_or("");
  a.scope = e.scope ? canonical_scope(*e.scope) : std::string();
  a.role.id = e.role_id ? canonical_role_id(*e.role_id) : std::string();
  if (a.role.id == user_access_administrator_role_id) {
    a.role.name = "User Access Administrator";
  }
  a.principal.id = e.principal_id ? lower_guid(*e.principal_id) : std::string();
  if (e.operation == elevate_access) {
    a.principal.type = "User";  // only a user can elevate (§4.3)
  }
  return a;
}

void fill(std::optional<std::string>& field, const std::optional<std::string>& other) {
  if ((!field || field->empty()) && other && !other->empty()) {
    field = other;
  }
}

void fill(actor_ref& a, const actor_ref& other) {
  fill(a.id, other.id);
  fill(a.upn, other.upn);
  fill(a.app_id, other.app_id);
  fill(a.ip, other.ip);
}

struct raised {
  alert a;
  std::string subject;
};

std::optional<raised> event_alert(const events_input& in, const tenant_state& state, const audit_event& e,
                                  const std::vector<rule>& rules) {
  const tracked_assignment* tracked = tracked_for(e, state);
  assignment about = tracked != nullptr ? tracked->current : assignment_of(e);
  if (about.scope.empty()) {
    // A write or delete whose scope the log does not give cannot be matched to a rule.
    return std::nullopt;
  }
  const auto m = match_rules(rules, about);
  if (!m || m->allowed_by) {
    return std::nullopt;
  }
  if (e.operation != assignment_delete && !about.created_by && e.actor.id && !e.actor.id->empty()) {
    about.created_by = e.actor.id;
  }
  raised r;
  r.subject = fmt::format("event|{}|{}", e.source, e.event_id);
  alert& a = r.a;
  a.id = alert_id(in.tenant.id, alert_kind::elevation, r.subject);
  a.kind = std::string(alert_kind::elevation);
  a.status = "firing";
  a.level = m->matched->level;
  a.rule = m->matched->name;
  a.tenant = in.tenant;
  a.actor = e.actor;
  a.evidence.push_back(evidence{e.source, e.occurred_at, e.event_id});
  // Grouped with the created, lingering and removed alerts of the assignment where the engine
  // tracks it; otherwise with the other events about the same scope, role and principal (the
  // elevation and the revocation of one elevate-and-revoke).
  a.correlation_key = tracked != nullptr
                          ? correlation_key(in.tenant.id, alert_subject(*tracked))
                          : correlation_key(in.tenant.id, fmt::format("event|{}|{}|{}", about.scope, about.role.id,
                                                                      about.principal.id));
  a.first_seen = e.occurred_at;
  a.detected_at = in.now;
  a.detail = describe(e, about);
  a.remediation = remediation_for(e, about, tracked != nullptr && !tracked->removed_at);
  a.subject = std::move(about);
  return r;
}

// The record of the same operation in the other log, if one was taken: the same correlation id,
// or the same principal within same_event_tolerance, closest in time; one per source.
const seen_event* partner_of(const audit_event& e, const std::vector<const seen_event*>& candidates) {
  std::set<std::string> taken;  // subjects that already hold a record of e's source
  for (const auto* s : candidates) {
    if (s->event.source == e.source && !s->subject.empty()) {
      taken.insert(s->subject);
    }
  }
  const seen_event* best = nullptr;
  auto best_gap = same_event_tolerance + std::chrono::seconds{1};
  for (const auto* s : candidates) {
    const audit_event& o = s->event;
    if (s->subject.empty() || o.source == e.source || o.operation != e.operation || taken.contains(s->subject)) {
      continue;
    }
    const auto gap = o.occurred_at > e.occurred_at ? o.occurred_at - e.occurred_at : e.occurred_at - o.occurred_at;
    const bool same_correlation = o.correlation_id && e.correlation_id && iequals(*o.correlation_id, *e.correlation_id);
    const bool same_principal = o.principal_id && e.principal_id && same_guid(o.principal_id, *e.principal_id);
    if (same_correlation) {
      return s;
    }
    if (same_principal && gap <= same_event_tolerance && gap < best_gap) {
      best = s;
      best_gap = std::chrono::duration_cast<decltype(best_gap)>(gap);
    }
  }
  return best;
}

// Who created each tracked assignment that does not know yet, from the latest successful write
// or elevation about it no later than when it was first seen; and the cycle's alerts about it.
void tell_who(tenant_state& state, std::vector<alert>& alerts, std::size_t cycle_alerts) {
  for (auto& t : state.assignments) {
    if (t.actor) {
      continue;
    }
    const seen_event* latest = nullptr;
    for (const auto& s : state.events.seen) {
      const audit_event& e = s.event;
      if (!succeeded(e) || e.operation == assignment_delete || e.occurred_at > t.first_seen + clock_slack ||
          !event_names(e, t.current)) {
        continue;
      }
      if (latest == nullptr || e.occurred_at > latest->event.occurred_at) {
        latest = &s;
      }
    }
    if (latest == nullptr) {
      continue;
    }
    actor_ref actor = latest->event.actor;
    for (const auto& s : state.events.seen) {
      if (!latest->subject.empty() && s.subject == latest->subject) {
        fill(actor, s.event.actor);  // the other log's record of the same operation
      }
    }
    t.actor = std::move(actor);
  }
  for (std::size_t i = 0; i < cycle_alerts && i < alerts.size(); ++i) {
    alert& a = alerts[i];
    if (a.actor || !a.subject) {
      continue;
    }
    const std::string key = identity_key(*a.subject);
    for (const auto& t : state.assignments) {
      if (t.key == key && t.actor) {
        a.actor = t.actor;
        if (!a.subject->created_by && t.actor->id) {
          a.subject->created_by = t.actor->id;
        }
        break;
      }
    }
  }
}

// Records older than any window can return again are forgotten.
void forget_old(event_memory& memory, timestamp now, milliseconds overlap) {
  timestamp horizon = now - maximum_event_lookback - std::chrono::hours{24};
  if (!memory.watermarks.empty()) {
    timestamp oldest = memory.watermarks.begin()->second;
    for (const auto& [source, mark] : memory.watermarks) {
      oldest = std::min(oldest, mark);
    }
    horizon = std::max(horizon, oldest - overlap - std::chrono::hours{1});
  }
  std::erase_if(memory.seen, [horizon](const seen_event& s) { return s.event.occurred_at < horizon; });
}

}  // namespace

bool succeeded(const audit_event& e) {
  return iequals(e.status, "Succeeded") || iequals(e.status, "success");
}

bool event_names(const audit_event& e, const assignment& a) {
  if (e.assignment_id && !e.assignment_id->empty()) {
    return !a.id.empty() && normalize_guid(last_segment(*e.assignment_id)) == normalize_guid(last_segment(a.id));
  }
  return e.scope && e.role_id && e.principal_id && canonical_scope(*e.scope) == canonical_scope(a.scope) &&
         canonical_role_id(*e.role_id) == canonical_role_id(a.role.id) && same_guid(e.principal_id, a.principal.id);
}

event_window window_for(const event_memory& memory, std::string_view source, timestamp now,
                        milliseconds initial_lookback, milliseconds overlap) {
  timestamp since = now - std::max(initial_lookback, milliseconds{0});
  const auto it = memory.watermarks.find(source);
  if (it != memory.watermarks.end()) {
    // From the watermark even when this host's clock went back behind it: what lies before
    // watermark less overlap was read and may be forgotten already, so reading it again could
    // alert an event twice.
    since = it->second - std::max(overlap, milliseconds{0});
  }
  since = std::max(since, now - maximum_event_lookback);
  const timestamp until = std::max(now, since + std::chrono::seconds{1});
  if (it == memory.watermarks.end() && since >= now) {
    since = now - std::chrono::seconds{1};
    return {since, now};
  }
  return {since, until};
}

events_output take_events(const events_input& in) {
  return take_events(in, in.state != nullptr ? *in.state : tenant_state{});
}

events_output take_events(const events_input& in, tenant_state state) {
  static const std::vector<rule> no_rules;
  const std::vector<rule>& rules = in.rules != nullptr ? *in.rules : no_rules;

  events_output out;
  out.next = std::move(state);
  out.alerts = in.cycle_alerts;
  event_memory& memory = out.next.events;

  std::set<std::pair<std::string, std::string>> known;
  for (const auto& s : memory.seen) {
    known.emplace(s.event.source, s.event.event_id);
  }
  std::vector<const audit_event*> fresh;
  for (const auto& read : in.reads) {
    // Never backwards: forget_old relies on it (a window starts at the watermark less overlap).
    auto [mark, fresh_source] = memory.watermarks.try_emplace(read.source, read.until);
    if (!fresh_source) {
      mark->second = std::max(mark->second, read.until);
    }
    for (const auto& e : read.events) {
      if (known.emplace(e.source, e.event_id).second) {
        fresh.push_back(&e);
      }
    }
  }
  std::sort(fresh.begin(), fresh.end(), earlier);
  out.new_events = fresh.size();

  std::vector<seen_event> added;
  added.reserve(fresh.size());
  std::map<std::string, std::size_t> raised_now;  // subject -> index in out.alerts
  for (const audit_event* e : fresh) {
    seen_event s{*e, {}};
    if (succeeded(*e)) {
      std::vector<const seen_event*> candidates;
      for (const auto& old : memory.seen) {
        candidates.push_back(&old);
      }
      for (const auto& now : added) {
        candidates.push_back(&now);
      }
      if (const seen_event* partner = partner_of(*e, candidates)) {
        s.subject = partner->subject;
        if (const auto it = raised_now.find(s.subject); it != raised_now.end()) {
          alert& a = out.alerts[it->second];
          a.evidence.push_back(evidence{e->source, e->occurred_at, e->event_id});
          if (a.actor) {
            fill(*a.actor, e->actor);
          }
        }
      } else if (auto r = event_alert(in, out.next, *e, rules)) {
        s.subject = r->subject;
        raised_now.emplace(r->subject, out.alerts.size());
        out.alerts.push_back(std::move(r->a));
      }
    }
    added.push_back(std::move(s));
  }
  memory.seen.insert(memory.seen.end(), std::make_move_iterator(added.begin()), std::make_move_iterator(added.end()));
  std::sort(memory.seen.begin(), memory.seen.end(), [](const seen_event& a, const seen_event& b) {
    return std::tie(a.event.source, a.event.event_id) < std::tie(b.event.source, b.event.event_id);
  });
  forget_old(memory, in.now, in.overlap);
  tell_who(out.next, out.alerts, in.cycle_alerts.size());
  return out;
}

}  // namespace rootwatch::engine
