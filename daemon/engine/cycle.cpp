#include "engine/cycle.hpp"

#include "engine/identity.hpp"
#include "engine/remediation.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace rootwatch::engine {
namespace {

template <class T>
void fill_if_missing(std::optional<T>& field, const std::optional<T>& other) {
  if (!field && other) {
    field = other;
  }
}

void fill_if_empty(std::string& field, const std::string& other) {
  if (field.empty() && !other.empty()) {
    field = other;
  }
}

// Two entries with one identity are one assignment seen twice (a source listing it on two
// pages, say). Keep the first and complete it from the others, so that which copy carries the
// audit fields does not matter.
assignment merge(assignment kept, const assignment& other) {
  fill_if_empty(kept.role.name, other.role.name);
  fill_if_empty(kept.principal.type, other.principal.type);
  fill_if_missing(kept.principal.display_name, other.principal.display_name);
  fill_if_missing(kept.condition, other.condition);
  fill_if_missing(kept.created_by, other.created_by);
  return kept;
}

std::map<std::string, assignment> by_identity(const snapshot& snap) {
  std::map<std::string, assignment> out;
  for (const assignment& a : snap.assignments) {
    std::string key = identity_key(a);
    const auto it = out.find(key);
    if (it == out.end()) {
      out.emplace(std::move(key), a);
    } else {
      it->second = merge(std::move(it->second), a);
    }
  }
  return out;
}

std::map<std::string, const tracked_assignment*> by_key(const tenant_state& state) {
  std::map<std::string, const tracked_assignment*> out;
  for (const tracked_assignment& t : state.assignments) {
    // A duplicate in stored state can only come from an older bug; the first copy wins.
    out.emplace(t.key, &t);
  }
  return out;
}

alert make_alert(const cycle_input& in, std::string_view kind, const tracked_assignment& t) {
  alert a;
  a.id = alert_id(in.tenant.id, kind, t.key);
  a.kind = std::string(kind);
  a.level = t.level;
  a.rule = t.rule;
  a.tenant = in.tenant;
  a.subject = t.current;
  a.evidence.push_back(evidence{in.current->source, in.current->taken_at, std::nullopt});
  a.correlation_key = correlation_key(in.tenant.id, t.key);
  a.first_seen = t.first_seen;
  a.detected_at = in.now;
  return a;
}

alert created_alert(const cycle_input& in, const tracked_assignment& t) {
  alert a = make_alert(in, alert_kind::created, t);
  a.status = "firing";
  a.remediation = remediation_for_present(t.current);
  return a;
}

alert removed_alert(const cycle_input& in, const tracked_assignment& t) {
  alert a = make_alert(in, alert_kind::removed, t);
  a.status = "resolved";
  a.remediation = remediation_for_removed(t.current);
  return a;
}

// Rule, level and allow flag as the rules see the assignment now. A firing assignment that
// no rule watches any more keeps the rule it fired under, so that its resolution names it.
tracked_assignment with_match(tracked_assignment t, const std::optional<rule_match>& m) {
  if (m) {
    t.rule = m->matched->name;
    t.level = m->matched->level;
  } else if (!t.firing) {
    t.rule.clear();
    t.level = severity::info;
  }
  t.allowed = m && m->allowed_by;
  return t;
}

bool alerts_on(const std::optional<rule_match>& m) {
  return m && !m->allowed_by;
}

struct step {
  tracked_assignment next;
  bool created = false;
};

step seen_before(const tracked_assignment& before, assignment now, const std::optional<rule_match>& m) {
  tracked_assignment refreshed = before;
  refreshed.current = std::move(now);
  step s{with_match(std::move(refreshed), m), false};
  if (!before.firing && !before.baselined && alerts_on(m)) {
    s.next.firing = true;
    s.created = true;
  }
  return s;
}

step seen_first(const cycle_input& in, const tenant_state& previous, std::string key, assignment now,
                const std::optional<rule_match>& m) {
  tracked_assignment fresh;
  fresh.current = std::move(now);
  fresh.key = std::move(key);
  fresh.first_seen = in.now;
  step s{with_match(std::move(fresh), m), false};
  if (alerts_on(m)) {
    if (!previous.initialized && in.baseline == baseline_mode::silent) {
      s.next.baselined = true;
    } else {
      s.next.firing = true;
      s.created = true;
    }
  }
  return s;
}

}  // namespace

cycle_output run_cycle(const cycle_input& in) {
  if (in.current == nullptr) {
    // Never read a missing snapshot as "nothing there": that is a removal of everything.
    throw std::invalid_argument("run_cycle: no snapshot");
  }
  static const tenant_state empty_state;
  static const std::vector<rule> no_rules;
  const tenant_state& previous = in.previous != nullptr ? *in.previous : empty_state;
  const std::vector<rule>& rules = in.rules != nullptr ? *in.rules : no_rules;

  const auto before = by_key(previous);
  const auto now = by_identity(*in.current);

  cycle_output out;
  out.next.initialized = true;
  std::vector<alert> removals;
  std::vector<alert> creations;

  for (const auto& [key, t] : before) {
    if (now.find(key) == now.end() && t->firing) {
      removals.push_back(removed_alert(in, *t));
    }
  }
  for (const auto& [key, a] : now) {
    const auto m = match_rules(rules, a);
    const auto it = before.find(key);
    step s = it != before.end() ? seen_before(*it->second, a, m) : seen_first(in, previous, key, a, m);
    if (s.created) {
      creations.push_back(created_alert(in, s.next));
    }
    out.firing += s.next.firing ? 1 : 0;
    out.allowed += s.next.allowed ? 1 : 0;
    out.next.assignments.push_back(std::move(s.next));
  }

  // Both maps iterate in key order, so everything below is already sorted by key.
  out.alerts = std::move(removals);
  out.alerts.insert(out.alerts.end(), std::make_move_iterator(creations.begin()),
                    std::make_move_iterator(creations.end()));
  return out;
}

}  // namespace rootwatch::engine
