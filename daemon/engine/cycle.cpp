#include "engine/cycle.hpp"

#include "engine/identity.hpp"
#include "engine/remediation.hpp"
#include "engine/reminders.hpp"
#include "engine/watch.hpp"

#include <algorithm>
#include <deque>
#include <iterator>
#include <limits>
#include <map>
#include <set>
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

// The later of two known creation times, else whichever is known: the same whatever the order
// of the copies.
std::optional<timestamp> later_created_on(const std::optional<timestamp>& a, const std::optional<timestamp>& b) {
  if (a && b) {
    return std::max(*a, *b);
  }
  return a ? a : b;
}

// Two entries with one identity are one assignment seen twice (a source listing it on two
// pages, say). Keep the first and complete it from the others, so that which copy carries the
// audit fields does not matter. Copies never make a recreation among themselves: only two
// consecutive snapshots can (see `recreated`).
assignment merge(assignment kept, const assignment& other) {
  fill_if_empty(kept.role.name, other.role.name);
  fill_if_empty(kept.principal.type, other.principal.type);
  fill_if_missing(kept.principal.display_name, other.principal.display_name);
  fill_if_missing(kept.condition, other.condition);
  fill_if_missing(kept.created_by, other.created_by);
  kept.created_on = later_created_on(kept.created_on, other.created_on);
  return kept;
}

using present_map = std::map<std::string, const assignment*, std::less<>>;

// The listing by identity, without copying its rows: each entry points into the snapshot, or,
// for an identity listed more than once, to its merged copy in `merged` (a deque: what it
// holds stays where it is as it grows).
struct listed {
  present_map rows;
  std::deque<assignment> merged;
};

listed by_identity(const snapshot& snap) {
  listed out;
  for (const assignment& a : snap.assignments) {
    std::string key = identity_key(a);
    const auto it = out.rows.find(key);
    if (it == out.rows.end()) {
      out.rows.emplace(std::move(key), &a);
    } else {
      it->second = &out.merged.emplace_back(merge(*it->second, a));
    }
  }
  return out;
}

// Keyed by views of the keys in the previous state, which outlives the cycle: no key is copied.
using remembered_map = std::map<std::string_view, const tracked_assignment*, std::less<>>;

bool expired(const tracked_assignment& t, timestamp now) {
  return t.removed_at && *t.removed_at < now - tombstone_retention;
}

// What the engine still knows: live assignments and tombstones within their retention. An
// expired tombstone counts as never seen already in the cycle it expires in, so that whether
// a cycle ran in between does not change what a re-appearance is.
remembered_map by_key(const tenant_state& state, timestamp now) {
  remembered_map out;
  for (const tracked_assignment& t : state.assignments) {
    if (expired(t, now)) {
      continue;
    }
    // A duplicate in stored state can only come from an older bug; the first copy wins.
    out.emplace(t.key, &t);
  }
  return out;
}

// Without evidence: the caller says what showed it.
alert alert_about(const tenant_ref& tenant, timestamp now, std::string_view kind, const tracked_assignment& t) {
  alert a;
  const std::string subject = alert_subject(t);
  a.id = alert_id(tenant.id, kind, subject);
  a.kind = std::string(kind);
  a.level = t.level;
  a.rule = t.rule;
  a.tenant = tenant;
  a.subject = t.current;
  a.actor = t.actor;
  if (t.actor && t.actor->id && !a.subject->created_by) {
    a.subject->created_by = t.actor->id;
  }
  a.correlation_key = correlation_key(tenant.id, subject);
  a.first_seen = t.first_seen;
  a.detected_at = now;
  return a;
}

alert make_alert(const cycle_input& in, std::string_view kind, const tracked_assignment& t) {
  alert a = alert_about(in.tenant, in.now, kind, t);
  a.evidence.push_back(evidence{in.current->source, in.current->taken_at, std::nullopt});
  return a;
}

// The keys each of the other sources lists, to name every source that saw an assignment.
using other_views = std::vector<std::pair<const snapshot*, std::set<std::string, std::less<>>>>;

other_views keys_of_others(const cycle_input& in) {
  other_views out;
  for (const snapshot* other : in.others) {
    if (other == nullptr) {
      continue;
    }
    std::set<std::string, std::less<>> keys;
    for (const assignment& a : other->assignments) {
      keys.insert(identity_key(a));
    }
    out.emplace_back(other, std::move(keys));
  }
  return out;
}

alert created_alert(const cycle_input& in, const tracked_assignment& t, const other_views& others) {
  alert a = make_alert(in, alert_kind::created, t);
  // The authoritative listing first (make_alert), then every other source that also lists it.
  for (const auto& [other, keys] : others) {
    if (keys.contains(t.key)) {
      a.evidence.push_back(evidence{other->source, other->taken_at, std::nullopt});
    }
  }
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
// In place: a tracked assignment is about a dozen strings, and every row passes here each cycle.
void apply_match(tracked_assignment& t, const std::optional<rule_match>& m) {
  if (m) {
    t.rule = m->matched->name;
    t.level = m->matched->level;
  } else if (!t.firing) {
    t.rule.clear();
    t.level = severity::info;
  }
  t.allowed = m && m->allowed_by;
}

bool alerts_on(const std::optional<rule_match>& m) {
  return m && !m->allowed_by;
}

struct step {
  tracked_assignment next;
  bool created = false;
};

// `before` with `now` as its current row, without first copying the row it replaces (a dozen
// strings per row per cycle). Every field but `current` is named here: the size check below
// stops the build when tracked_assignment gains one, so that it is not silently dropped.
static_assert(sizeof(tracked_assignment) == 480, "a field was added to tracked_assignment: copy it in refreshed()");
tracked_assignment refreshed(const tracked_assignment& before, const assignment& now) {
  tracked_assignment t;
  t.current = now;
  t.key = before.key;
  t.subject = before.subject;
  t.first_seen = before.first_seen;
  t.rule = before.rule;
  t.level = before.level;
  t.firing = before.firing;
  t.baselined = before.baselined;
  t.allowed = before.allowed;
  t.occurrence = before.occurrence;
  t.removed_at = before.removed_at;
  t.actor = before.actor;
  t.reminders = before.reminders;
  return t;
}

step seen_before(const tracked_assignment& before, const assignment& now, const std::optional<rule_match>& m) {
  step s{refreshed(before, now), false};
  apply_match(s.next, m);
  if (!before.firing && !before.baselined && alerts_on(m)) {
    s.next.firing = true;
    s.created = true;
  }
  return s;
}

// `occurrence` is 1 for an identity never seen before, and one more than the previous
// occurrence's for one that comes back after a removal or is recreated under the same id:
// either way nothing from before carries over, and the ids are the new occurrence's own.
step seen_first(const cycle_input& in, const tenant_state& previous, const std::string& key, const assignment& now,
                const std::optional<rule_match>& m, int occurrence) {
  step s;
  tracked_assignment& fresh = s.next;
  fresh.current = now;
  fresh.key = key;
  fresh.first_seen = in.now;
  fresh.occurrence = occurrence;  // and subject stays empty: occurrence_key(key, occurrence)
  apply_match(fresh, m);
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

// At least 2, so that a re-appearance never takes the first occurrence's ids even from a
// malformed stored count, and saturating, since a stored count is input like any other.
int next_occurrence(int tombstone_occurrence) {
  if (tombstone_occurrence == std::numeric_limits<int>::max()) {
    return tombstone_occurrence;
  }
  return std::max(tombstone_occurrence, 1) + 1;
}

using occurrence_map = std::map<std::string, int, std::less<>>;

// The stored marks, and the occurrence of every tombstone that expires in this cycle: from now
// on the mark is all that is left of it.
occurrence_map marks_after(const tenant_state& previous, timestamp now) {
  occurrence_map out = previous.occurrence_marks;
  for (const tracked_assignment& t : previous.assignments) {
    if (expired(t, now)) {
      int& mark = out[t.key];
      mark = std::max(mark, t.occurrence);
    }
  }
  return out;
}

int mark_of(const occurrence_map& marks, const std::string& key) {
  const auto it = marks.find(key);
  return it == marks.end() ? 0 : it->second;
}

// `before` is null when the engine does not remember the identity. One whose tombstone expired
// counts on from its mark, so that its ids never repeat an earlier occurrence's.
step seen(const cycle_input& in, const tenant_state& previous, const occurrence_map& marks,
          const tracked_assignment* before, const std::string& key, const assignment& now,
          const std::optional<rule_match>& m) {
  const int mark = mark_of(marks, key);
  if (before == nullptr) {
    return seen_first(in, previous, key, now, m, mark > 0 ? next_occurrence(mark) : 1);
  }
  if (before->removed_at || recreated(before->current, now)) {
    return seen_first(in, previous, key, now, m, next_occurrence(std::max(before->occurrence, mark)));
  }
  return seen_before(*before, now, m);
}

// Marks of identities that are tracked again are dropped: the tracked occurrence carries the
// count, and becomes the mark again when its own tombstone expires.
occurrence_map marks_untracked(occurrence_map marks, const std::vector<tracked_assignment>& tracked) {
  for (const tracked_assignment& t : tracked) {
    marks.erase(t.key);
  }
  return marks;
}

// Gone from a complete listing: kept as a tombstone so that a re-appearance is counted as a new
// occurrence. It fires no more and is covered by no allow entry, since it is not there.
tracked_assignment tombstone(tracked_assignment t, timestamp now) {
  t.firing = false;
  t.allowed = false;
  t.removed_at = now;
  return t;
}

struct missing {
  std::vector<tracked_assignment> tombstones;  // by key; with the `held` ones
  std::vector<alert> removals;                 // by key
  std::size_t held_firing = 0;                 // held ones that still fire
};

bool shown_by_another(const other_views& others, std::string_view key) {
  return std::any_of(others.begin(), others.end(), [&key](const auto& other) { return other.second.contains(key); });
}

// Ends every remembered occurrence that is over: gone from the listing, or replaced by a
// recreation under the same id. A recreated one leaves no tombstone: the new occurrence takes
// its key (in `seen`) and counts on from it.
// A live one that the authoritative view lacks but another complete listing still shows is
// held as it was: the two sources disagree, and a disagreement is never a removal by itself
// (the authoritative view may be the one lagging). It ends once no source shows it.
missing bury_missing(const cycle_input& in, const remembered_map& before, const present_map& present,
                     const other_views& others) {
  missing out;
  for (const auto& [key, t] : before) {
    const auto now = present.find(key);
    if (now != present.end()) {
      if (!t->removed_at && t->firing && recreated(t->current, *now->second)) {
        out.removals.push_back(removed_alert(in, *t));
      }
      continue;
    }
    if (t->removed_at) {
      // Still gone: unchanged, so that its retention runs from the removal.
      out.tombstones.push_back(*t);
      continue;
    }
    if (shown_by_another(others, key)) {
      out.tombstones.push_back(*t);
      out.held_firing += t->firing ? 1 : 0;
      continue;
    }
    if (t->firing) {
      out.removals.push_back(removed_alert(in, *t));
    }
    out.tombstones.push_back(tombstone(*t, in.now));
  }
  return out;
}

// Two lists sorted by key, with no key in both, as one sorted list.
std::vector<tracked_assignment> merge_by_key(std::vector<tracked_assignment> a, std::vector<tracked_assignment> b) {
  // Most cycles bury nothing: the live list is then the whole list, taken without moving a row.
  if (b.empty()) {
    return a;
  }
  if (a.empty()) {
    return b;
  }
  std::vector<tracked_assignment> out;
  out.reserve(a.size() + b.size());
  std::merge(std::make_move_iterator(a.begin()), std::make_move_iterator(a.end()), std::make_move_iterator(b.begin()),
             std::make_move_iterator(b.end()), std::back_inserter(out),
             [](const tracked_assignment& x, const tracked_assignment& y) { return x.key < y.key; });
  return out;
}

// The reminders due this cycle, over the next state's assignments (held ones included: another
// source still lists them). Their evidence is every complete listing that shows them now.
reminder_output remind(const cycle_input& in, const std::vector<rule>& rules, std::vector<tracked_assignment> next,
                       const present_map& present, const other_views& others,
                       const std::vector<std::string>& created_now) {
  reminder_input r;
  r.tenant = in.tenant;
  r.now = in.now;
  r.remind_every = in.remind_every;
  r.rules = &rules;
  r.seen_by = [&](const std::string& key) {
    std::vector<evidence> out;
    if (present.contains(key)) {
      out.push_back(evidence{in.current->source, in.current->taken_at, std::nullopt});
    }
    for (const auto& [other, keys] : others) {
      if (keys.contains(key)) {
        out.push_back(evidence{other->source, other->taken_at, std::nullopt});
      }
    }
    return out;
  };
  return send_reminders(r, std::move(next), created_now);
}

}  // namespace

cycle_output run_cycle(const cycle_input& in) {
  if (in.current == nullptr) {
    // Never read a missing snapshot as "nothing there": that is a removal of everything.
    throw std::invalid_argument("run_cycle: no snapshot");
  }
  if (in.current->unchanged ||
      std::any_of(in.others.begin(), in.others.end(), [](const snapshot* s) { return s != nullptr && s->unchanged; })) {
    // Its rows are elsewhere: read as a listing it would remove everything.
    throw std::invalid_argument("run_cycle: an unchanged answer without the rows it stands for");
  }
  static const tenant_state empty_state;
  static const std::vector<rule> no_rules;
  const tenant_state& previous = in.previous != nullptr ? *in.previous : empty_state;
  const std::vector<rule>& rules = in.rules != nullptr ? *in.rules : no_rules;

  const auto before = by_key(previous, in.now);
  const occurrence_map marks = marks_after(previous, in.now);
  const listed listing = by_identity(*in.current);
  const present_map& present = listing.rows;
  const other_views others = keys_of_others(in);
  missing gone = bury_missing(in, before, present, others);

  cycle_output out;
  out.next.initialized = true;
  out.next.health = healthy(in.now);
  out.next.events = previous.events;
  if (previous.health.degraded) {
    out.alerts.push_back(recovered_alert(in.tenant, previous.health, *in.current, in.now));
  }
  out.firing = gone.held_firing;
  std::vector<tracked_assignment> live;
  live.reserve(present.size());
  std::vector<alert> creations;
  std::vector<std::string> created_keys;
  for (const auto& [key, a] : present) {
    const auto it = before.find(key);
    step s = seen(in, previous, marks, it != before.end() ? it->second : nullptr, key, *a, match_rules(rules, *a));
    if (s.created) {
      creations.push_back(created_alert(in, s.next, others));
      created_keys.push_back(key);
    }
    out.firing += s.next.firing ? 1 : 0;
    out.allowed += s.next.allowed ? 1 : 0;
    live.push_back(std::move(s.next));
  }

  // Maps iterate in key order, so every list here is already sorted by key.
  reminder_output reminders =
      remind(in, rules, merge_by_key(std::move(live), std::move(gone.tombstones)), present, others, created_keys);
  out.next.assignments = std::move(reminders.assignments);
  out.next.occurrence_marks = marks_untracked(marks, out.next.assignments);
  out.alerts.insert(out.alerts.end(), std::make_move_iterator(gone.removals.begin()),
                    std::make_move_iterator(gone.removals.end()));
  out.alerts.insert(out.alerts.end(), std::make_move_iterator(creations.begin()),
                    std::make_move_iterator(creations.end()));
  out.alerts.insert(out.alerts.end(), std::make_move_iterator(reminders.alerts.begin()),
                    std::make_move_iterator(reminders.alerts.end()));
  std::vector<const snapshot*> compared;
  for (const auto& [other, keys] : others) {
    compared.push_back(other);
  }
  out.disagreements = find_disagreements(*in.current, compared);
  return out;
}

timestamp quiet_until(const tenant_state& state, milliseconds remind_every) {
  const auto& h = state.health;
  if (!state.initialized || h.degraded || h.consecutive_failures != 0 || h.failing_since) {
    return timestamp::min();
  }
  timestamp until = timestamp::max();
  // Whether `from + step` (step > 0) comes before `until`; past the end of the clock it never
  // comes. A stored time is input like any other: nothing here may overflow on it.
  const auto earlier_than_until = [&until](timestamp from, timestamp::duration step) {
    return from <= timestamp::max() - step && from + step < until;
  };
  for (const tracked_assignment& t : state.assignments) {
    if (t.removed_at) {
      // Still remembered at exactly removed_at + retention (see `expired`), forgotten after.
      if (earlier_than_until(*t.removed_at, tombstone_retention)) {
        until = *t.removed_at + tombstone_retention;
      }
      continue;
    }
    if (!t.firing || remind_every <= milliseconds{0}) {
      continue;
    }
    // Reminder n is due once now - first_seen >= n * remind_every (reminder_due), and
    // `reminders` of them went out: the next is number reminders + 1. A count at its limit
    // never moves again; a negative one (stored nonsense) may move at any time.
    if (t.reminders < 0) {
      return timestamp::min();
    }
    if (t.reminders == std::numeric_limits<int>::max()) {
      continue;
    }
    const milliseconds::rep periods = static_cast<milliseconds::rep>(t.reminders) + 1;
    // Beyond what the clock can hold: never due.
    const auto longest = std::chrono::duration_cast<milliseconds>(timestamp::duration::max());
    if (remind_every > longest / periods) {
      continue;
    }
    const auto wait = std::chrono::duration_cast<timestamp::duration>(remind_every * periods);
    if (earlier_than_until(t.first_seen, wait)) {
      until = t.first_seen + wait;
    }
  }
  return until;
}

std::vector<alert> firing_alerts(const tenant_ref& tenant, const tenant_state& state, timestamp now) {
  std::vector<alert> out;
  for (const tracked_assignment& t : state.assignments) {
    if (!t.firing || t.removed_at) {
      continue;
    }
    alert a = alert_about(tenant, now, alert_kind::created, t);
    a.status = "firing";
    a.remediation = remediation_for_present(t.current);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace rootwatch::engine
