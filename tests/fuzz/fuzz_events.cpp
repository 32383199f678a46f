// The engine's decision about log events (engine/events.cpp: take_events and window_for), over
// scenarios the fuzzed bytes choose: up to 8 records of the Activity Log and the Entra audit log
// (operation, status, time, id, correlation id, principal, scope, role, actor), a state with a
// few tracked assignments, and 1..3 consecutive cycles that carry the state over, each reading
// some of the logs in the window window_for gives and handing in a few alerts of its own. The
// cycles run minutes to hours apart, or up to an hour back when the host clock steps back.
// A log returns a record only inside the window it was asked for, and may return it again in
// a later, overlapping window, as the Activity Log and Graph do; an id names one record.
//   - nothing throws;
//   - window_for: the window ends now (or, when the clock went back behind the watermark, one
//     second after the watermark less the overlap), is never empty and never starts more
//     than maximum_event_lookback back;
//   - an (source, event id) pair never raises a second elevation.event, in one cycle or
//     across cycles;
//   - every alert has an id, and is either one of the cycle's alerts passed in (same id and
//     kind, in the same place) or an elevation.event with evidence;
//   - state.events.seen stays sorted by (source, event id), without duplicates;
//   - the same inputs give the same outputs (invariant 7).

#include "check.hpp"
#include "common/time.hpp"
#include "engine/events.hpp"
#include "engine/identity.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace {

using namespace rootwatch;
using namespace rootwatch::engine;
using std::chrono::hours;
using std::chrono::minutes;

constexpr std::array<std::string_view, 2> sources{"activity_log", "entra_audit"};
constexpr std::array<std::string_view, 4> operations{"elevate_access", "role_assignment_write",
                                                     "role_assignment_delete", "Microsoft.Authorization/other"};
constexpr std::array<std::string_view, 7> statuses{"Succeeded", "success", "SUCCEEDED", "Started",
                                                   "Accepted",  "Failed",  ""};
constexpr std::array<std::string_view, 4> event_ids{"ev-1", "ev-2", "aud-1", "EV-1"};
constexpr std::array<std::string_view, 3> correlation_ids{"9c3e1f0a-5b7d-4e2c-8a6f-1d0b3c5e7a9f",
                                                          "9C3E1F0A-5B7D-4E2C-8A6F-1D0B3C5E7A9F",
                                                          "7d1e5a3c-0b2f-4c6e-9a8d-3f5b7c9e1a2d"};
// Alice in three spellings (the Activity Log writes compact GUIDs), Bob, and the allowed one.
constexpr std::array<std::string_view, 5> principals{
    "11111111-1111-1111-1111-111111111111", "11111111111111111111111111111111", "11111111-1111-1111-1111-11111111111F",
    "22222222-2222-2222-2222-222222222222", "33333333-3333-3333-3333-333333333333"};
constexpr std::array<std::string_view, 4> scopes{"/", "/providers/Microsoft.Management/managementGroups/contoso",
                                                 "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590", "/ "};
constexpr std::array<std::string_view, 4> role_ids{
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",  // User Access Administrator
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",  // Owner
    "acdd72a7-3385-48ef-bd42-f606fba81ae7",  // Reader
    "/providers/Microsoft.Authorization/roleDefinitions/18D7D88D-D35E-4FB5-A5C3-7773C20A72D9"};
constexpr std::array<std::string_view, 3> assignment_guids{"a1a1a1a1-0000-4000-8000-000000000001",
                                                           "A1A1A1A1-0000-4000-8000-000000000001",
                                                           "b2b2b2b2-0000-4000-8000-000000000002"};
constexpr std::array<std::string_view, 3> cycle_kinds{alert_kind::created, alert_kind::lingering, alert_kind::degraded};

const timestamp base_time = from_unix_seconds(1'740'830'400);  // 2025-03-01T12:00:00Z
constexpr std::size_t max_events = 8;
constexpr std::size_t max_calls = 3;

template <std::size_t n>
std::string pick(FuzzedDataProvider& in, const std::array<std::string_view, n>& known) {
  return std::string(in.PickValueInArray(known));
}

template <std::size_t n>
std::optional<std::string> maybe_pick(FuzzedDataProvider& in, const std::array<std::string_view, n>& known) {
  if (in.ConsumeIntegralInRange(0, 3) == 0) {
    return std::nullopt;
  }
  return pick(in, known);
}

std::string assignment_id_of(std::string_view guid) {
  return "/providers/Microsoft.Authorization/roleAssignments/" + std::string(guid);
}

// A time around the base: a day and a half before it to a few hours after, to the second.
timestamp around_base(FuzzedDataProvider& in) {
  return base_time + std::chrono::seconds{in.ConsumeIntegralInRange<std::int64_t>(-36 * 3600, 4 * 3600)};
}

actor_ref fuzzed_actor(FuzzedDataProvider& in) {
  actor_ref a;
  a.id = maybe_pick(in, principals);
  if (in.ConsumeBool()) {
    a.upn = in.ConsumeBool() ? "alice@contoso.example" : "";
  }
  if (in.ConsumeBool()) {
    a.app_id = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
  }
  if (in.ConsumeBool()) {
    a.ip = "203.0.113.7";
  }
  return a;
}

audit_event fuzzed_event(FuzzedDataProvider& in) {
  audit_event e;
  e.source = pick(in, sources);
  e.event_id = in.ConsumeBool() ? pick(in, event_ids) : in.ConsumeRandomLengthString(12);
  e.operation = pick(in, operations);
  e.status = pick(in, statuses);
  e.occurred_at = around_base(in);
  e.correlation_id = maybe_pick(in, correlation_ids);
  e.actor = fuzzed_actor(in);
  if (in.ConsumeBool()) {
    e.assignment_id = assignment_id_of(pick(in, assignment_guids));
  }
  e.scope = maybe_pick(in, scopes);
  e.role_id = maybe_pick(in, role_ids);
  e.principal_id = maybe_pick(in, principals);
  return e;
}

tracked_assignment fuzzed_tracked(FuzzedDataProvider& in) {
  tracked_assignment t;
  t.current.id = assignment_id_of(pick(in, assignment_guids));
  t.current.scope = pick(in, scopes);
  t.current.role.id = pick(in, role_ids);
  t.current.principal.id = pick(in, principals);
  t.current.principal.type = "User";
  t.key = identity_key(t.current);
  t.first_seen = around_base(in);
  t.firing = in.ConsumeBool();
  if (in.ConsumeBool()) {
    t.removed_at = t.first_seen + minutes{in.ConsumeIntegralInRange(0, 600)};
  }
  if (in.ConsumeBool()) {
    t.actor = fuzzed_actor(in);
  }
  return t;
}

// One cycle: when it runs, which logs it read completely (in config order), which of the
// records each log returns when they fall in its window, and the cycle's own alerts.
struct cycle_plan {
  timestamp now{};
  std::vector<std::string> reads;
  std::vector<std::uint8_t> returned;  // per record: a bit per source position in reads
  std::vector<alert> cycle_alerts;
};

struct scenario {
  tenant_state initial;
  std::vector<rule> rules;
  milliseconds initial_lookback{};
  milliseconds overlap{};
  std::vector<audit_event> events;
  std::vector<cycle_plan> cycles;
};

std::vector<rule> fuzzed_rules(FuzzedDataProvider& in) {
  std::vector<rule> rules{
      rule{"anything-at-root", {"/"}, {"*"}, severity::critical, {}, std::nullopt, severity::critical},
      rule{"owner-on-management-groups",
           {"/providers/Microsoft.Management/managementGroups/*"},
           {"Owner"},
           severity::high,
           {},
           std::nullopt,
           severity::critical},
  };
  if (in.ConsumeBool()) {
    rules[0].allow.push_back(allow_entry{std::string(principals[4]), "break glass"});
  }
  return rules;
}

alert fuzzed_cycle_alert(FuzzedDataProvider& in, const tenant_state& state, std::size_t cycle, std::size_t index) {
  alert a;
  a.id = "cycle-" + std::to_string(cycle) + "-" + std::to_string(index);
  a.kind = pick(in, cycle_kinds);
  a.status = "firing";
  if (a.kind != alert_kind::degraded && !state.assignments.empty()) {
    a.subject = state.assignments[in.ConsumeIntegralInRange<std::size_t>(0, state.assignments.size() - 1)].current;
  }
  return a;
}

scenario fuzzed_scenario(FuzzedDataProvider& in) {
  scenario s;
  s.rules = fuzzed_rules(in);
  constexpr std::array<milliseconds, 4> lookbacks{milliseconds{0}, hours{1}, hours{24}, hours{24 * 100}};
  constexpr std::array<milliseconds, 3> overlaps{minimum_event_overlap, minutes{30}, hours{2}};
  s.initial_lookback = in.PickValueInArray(lookbacks);
  s.overlap = in.PickValueInArray(overlaps);
  const auto tracked = in.ConsumeIntegralInRange(0, 3);
  for (int i = 0; i < tracked; ++i) {
    tracked_assignment t = fuzzed_tracked(in);
    const bool known = std::any_of(s.initial.assignments.begin(), s.initial.assignments.end(),
                                   [&t](const tracked_assignment& o) { return o.key == t.key; });
    if (!known) {
      s.initial.assignments.push_back(std::move(t));
    }
  }
  std::sort(s.initial.assignments.begin(), s.initial.assignments.end(),
            [](const tracked_assignment& a, const tracked_assignment& b) { return a.key < b.key; });
  const auto count = in.ConsumeIntegralInRange<std::size_t>(0, max_events);
  for (std::size_t i = 0; i < count; ++i) {
    audit_event e = fuzzed_event(in);
    // An id names one record of its log: a pair drawn again is that record again (a log may
    // return it twice), not another record under the same id.
    const auto same = std::find_if(s.events.begin(), s.events.end(), [&e](const audit_event& o) {
      return o.source == e.source && o.event_id == e.event_id;
    });
    s.events.push_back(same != s.events.end() ? *same : std::move(e));
  }
  const auto calls = in.ConsumeIntegralInRange<std::size_t>(1, max_calls);
  timestamp now = base_time;
  timestamp latest = base_time;
  for (std::size_t c = 0; c < calls; ++c) {
    cycle_plan plan;
    if (c > 0) {
      // Minutes to hours later, or the host clock stepped back, by no more than the hour that
      // forget_old keeps below the oldest watermark (further back, records it forgot can
      // come back in the window; see tests/fuzz/README.md).
      now += std::chrono::seconds{in.ConsumeIntegralInRange(-3600, 3 * 3600)};
      now = std::max(now, latest - hours{1});
      latest = std::max(latest, now);
    }
    plan.now = now;
    // Each log is read or not (a failed read is left out); Entra audit is opt-in.
    const int which = in.ConsumeIntegralInRange(0, 3);
    if ((which & 1) != 0) {
      plan.reads.emplace_back(sources[0]);
    }
    if ((which & 2) != 0) {
      plan.reads.emplace_back(sources[1]);
    }
    for (std::size_t i = 0; i < s.events.size(); ++i) {
      plan.returned.push_back(in.ConsumeIntegral<std::uint8_t>());
    }
    const auto own = in.ConsumeIntegralInRange<std::size_t>(0, 2);
    for (std::size_t i = 0; i < own; ++i) {
      plan.cycle_alerts.push_back(fuzzed_cycle_alert(in, s.initial, c, i));
    }
    s.cycles.push_back(std::move(plan));
  }
  return s;
}

struct cycle_result {
  std::vector<event_window> windows;
  events_output output;
};

bool same_window(const event_window& a, const event_window& b) {
  return a.since == b.since && a.until == b.until;
}

bool same_results(const std::vector<cycle_result>& a, const std::vector<cycle_result>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!std::equal(a[i].windows.begin(), a[i].windows.end(), b[i].windows.begin(), b[i].windows.end(), same_window) ||
        a[i].output.alerts != b[i].output.alerts || a[i].output.next != b[i].output.next ||
        a[i].output.new_events != b[i].output.new_events) {
      return false;
    }
  }
  return true;
}

void check_window(const event_window& w, timestamp now) {
  // It ends now, unless the clock went back behind the watermark: then it is the one second
  // after the watermark less the overlap, so nothing before that is read again.
  FUZZ_CHECK(w.until == now || (w.until > now && w.until == w.since + std::chrono::seconds{1}),
             "the window ends now, or just after the watermark less the overlap");
  FUZZ_CHECK(w.since < w.until, "the window is never empty");
  FUZZ_CHECK(w.since >= now - maximum_event_lookback, "the window never starts more than the lookback back");
}

void check_seen_sorted(const event_memory& memory) {
  for (std::size_t i = 1; i < memory.seen.size(); ++i) {
    const audit_event& a = memory.seen[i - 1].event;
    const audit_event& b = memory.seen[i].event;
    FUZZ_CHECK(std::tie(a.source, a.event_id) < std::tie(b.source, b.event_id),
               "seen records are sorted by (source, event id), without duplicates");
  }
}

using event_key = std::pair<std::string, std::string>;

// What every cycle's alerts must hold, given the pairs that raised an elevation.event before.
void check_alerts(const cycle_plan& plan, const events_output& out, std::set<event_key>& alerted,
                  std::set<std::string>& alert_ids) {
  FUZZ_CHECK(out.alerts.size() >= plan.cycle_alerts.size(), "the cycle's own alerts are kept");
  for (std::size_t i = 0; i < out.alerts.size(); ++i) {
    const alert& a = out.alerts[i];
    FUZZ_CHECK(!a.id.empty(), "every alert has an id");
    if (i < plan.cycle_alerts.size()) {
      FUZZ_CHECK(a.id == plan.cycle_alerts[i].id && a.kind == plan.cycle_alerts[i].kind,
                 "the cycle's own alerts come first, in their order");
      continue;
    }
    FUZZ_CHECK(a.kind == alert_kind::elevation, "every other alert is an elevation.event");
    FUZZ_CHECK(!a.evidence.empty(), "an elevation.event has evidence");
    FUZZ_CHECK(alert_ids.insert(a.id).second, "an elevation.event id is raised once");
    for (const evidence& e : a.evidence) {
      FUZZ_CHECK(e.event_id.has_value(), "a log's evidence names its record");
      FUZZ_CHECK(alerted.emplace(e.source, *e.event_id).second,
                 "an (source, event id) pair never raises a second elevation.event");
    }
  }
}

std::vector<cycle_result> run(const scenario& s, bool check) {
  std::vector<cycle_result> results;
  tenant_state state = s.initial;
  std::set<event_key> alerted;
  std::set<std::string> alert_ids;
  for (const cycle_plan& plan : s.cycles) {
    cycle_result result;
    events_input in;
    in.tenant = {"72f988bf-86f1-41af-91ab-2d7cd011db47", "contoso"};
    in.state = &state;
    in.cycle_alerts = plan.cycle_alerts;
    in.rules = &s.rules;
    in.now = plan.now;
    in.overlap = s.overlap;
    for (std::size_t r = 0; r < plan.reads.size(); ++r) {
      const event_window w = window_for(state.events, plan.reads[r], plan.now, s.initial_lookback, s.overlap);
      if (check) {
        check_window(w, plan.now);
      }
      event_read read{plan.reads[r], w.until, {}};
      for (std::size_t i = 0; i < s.events.size(); ++i) {
        const audit_event& e = s.events[i];
        const bool asked = (plan.returned[i] >> r & 1U) != 0;
        if (asked && e.source == read.source && e.occurred_at >= w.since && e.occurred_at < w.until) {
          read.events.push_back(e);
        }
      }
      result.windows.push_back(w);
      in.reads.push_back(std::move(read));
    }
    result.output = take_events(in);
    if (check) {
      check_alerts(plan, result.output, alerted, alert_ids);
      check_seen_sorted(result.output.next.events);
    }
    state = result.output.next;
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const scenario s = fuzzed_scenario(in);
  const auto first = run(s, true);
  const auto second = run(s, false);
  FUZZ_CHECK(same_results(first, second), "the same inputs give the same outputs");
  return 0;
}
