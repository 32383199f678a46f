// The engine's alerts from fuzzed assignments and error texts, through the serializer the
// store and the "rootwatch" webhook format use (engine::to_json + dump_tolerant) and back
// (alert_from_json, as the outbox reads it), and through the renderer.
//   Three cycles and a failure: snapshot 1, snapshot 2, a failed cycle with a fuzzed error
//   text (watch.degraded carries it as detail), snapshot 2 again (watch.recovered).
//   - no cycle throws, and each is deterministic (invariant 7);
//   - no assignment.removed or second assignment.created for an assignment present in both
//     snapshots under the same identity (invariant 8; audit fields may differ);
//   - every alert serializes to valid UTF-8 JSON that reads back to the same JSON, and to the
//     same alert when its text was valid UTF-8 (invariant 10); the webhook body is those bytes.

#include "check.hpp"
#include "common/json.hpp"
#include "common/strings.hpp"
#include "common/text.hpp"
#include "engine/alert_json.hpp"
#include "engine/cycle.hpp"
#include "engine/identity.hpp"
#include "sinks/render.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>
#include <exception>
#include <string>
#include <vector>

namespace {

using namespace rootwatch;
using engine::alert;
using engine::assignment;

constexpr std::array<std::string_view, 4> role_ids{
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",  // User Access Administrator
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",  // Owner
    "acdd72a7-3385-48ef-bd42-f606fba81ae7",  // Reader
    "/providers/Microsoft.Authorization/roleDefinitions/18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"};
constexpr std::array<std::string_view, 4> scopes{"/", "/providers/Microsoft.Management/managementGroups/contoso",
                                                 "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590", "/ "};
constexpr std::array<std::string_view, 3> principals{
    "11111111-1111-1111-1111-111111111111", "22222222222222222222222222222222", "33333333-3333-3333-3333-333333333333"};

const timestamp base_time = from_unix_seconds(1'739'268'000);  // 2025-02-11T10:00:00Z

template <std::size_t n>
std::string pick_or_fuzz(FuzzedDataProvider& in, const std::array<std::string_view, n>& known) {
  if (in.ConsumeBool()) {
    return std::string(in.PickValueInArray(known));
  }
  return in.ConsumeRandomLengthString(80);
}

std::optional<std::string> maybe_string(FuzzedDataProvider& in) {
  if (in.ConsumeBool()) {
    return std::nullopt;
  }
  return in.ConsumeRandomLengthString(40);
}

// Around the base time: equal, a few nanoseconds or seconds off (formatting differences
// between sources), or hours off (a re-creation).
std::optional<timestamp> maybe_time(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0:
      return std::nullopt;
    case 1:
      return base_time;
    case 2:
      return base_time + std::chrono::nanoseconds{in.ConsumeIntegralInRange<std::int64_t>(-999'999'999, 999'999'999)};
    default:
      return base_time + std::chrono::seconds{in.ConsumeIntegralInRange<std::int64_t>(-3'000'000'000, 3'000'000'000)};
  }
}

assignment fuzzed_assignment(FuzzedDataProvider& in) {
  assignment a;
  a.id = "/providers/Microsoft.Authorization/roleAssignments/" + in.ConsumeRandomLengthString(40);
  a.scope = pick_or_fuzz(in, scopes);
  a.role.id = pick_or_fuzz(in, role_ids);
  a.role.name = in.ConsumeBool() ? "User Access Administrator" : in.ConsumeRandomLengthString(40);
  a.principal.id = pick_or_fuzz(in, principals);
  a.principal.type = in.ConsumeRandomLengthString(20);
  a.principal.display_name = maybe_string(in);
  a.condition = maybe_string(in);
  a.created_on = maybe_time(in);
  a.created_by = maybe_string(in);
  return a;
}

// The same assignment as another source or a later listing may write it: other audit fields,
// other casing, a trailing slash.
assignment restated(const assignment& a, FuzzedDataProvider& in) {
  assignment b = a;
  if (in.ConsumeBool()) {
    b.id = to_lower(b.id);
  }
  if (in.ConsumeBool()) {
    b.created_on = maybe_time(in);
  }
  if (in.ConsumeBool()) {
    b.created_by = maybe_string(in);
    b.principal.display_name = maybe_string(in);
    b.principal.type = in.ConsumeRandomLengthString(20);
  }
  return b;
}

std::string identity(const assignment& a) {
  return to_lower(trim(a.id)) + "|" + engine::canonical_scope(a.scope) + "|" + engine::canonical_role_id(a.role.id) +
         "|" + normalize_guid(a.principal.id);
}

// Both creation times known and at least a second apart: a delete and re-create under the same
// id, which is allowed to resolve the old occurrence and raise a new one.
bool oracle_recreated(const assignment& before, const assignment& after) {
  if (!before.created_on || !after.created_on) {
    return false;
  }
  const auto gap = *before.created_on - *after.created_on;
  return gap >= std::chrono::seconds{1} || gap <= -std::chrono::seconds{1};
}

const assignment* single(const std::vector<assignment>& list, const std::string& key) {
  const assignment* found = nullptr;
  for (const assignment& a : list) {
    if (identity(a) == key) {
      if (found != nullptr) {
        return nullptr;  // two copies in one listing merge; which one wins is the engine's call
      }
      found = &a;
    }
  }
  return found;
}

// For the report of a broken invariant: what differs between two statements of one assignment.
std::string describe(const assignment& a) {
  const auto text = [](const std::optional<std::string>& v) { return v ? "\"" + escape_control(*v) + "\"" : "null"; };
  return "created_on " + (a.created_on ? format_iso8601(*a.created_on) : std::string("null")) + ", created_by " +
         text(a.created_by) + ", type \"" + escape_control(a.principal.type) + "\", display_name " +
         text(a.principal.display_name);
}

void check_serialized(const alert& a) {
  const json j = engine::to_json(a);
  const std::string stored = dump_tolerant(j);
  FUZZ_CHECK(is_valid_utf8(stored), "a serialized alert is valid UTF-8");
  const json parsed = json::parse(stored, nullptr, false);
  FUZZ_CHECK(!parsed.is_discarded(), "a serialized alert parses as JSON");

  bool strict = true;
  try {
    (void)j.dump();
  } catch (const json::exception&) {
    strict = false;  // text with invalid UTF-8: it was repaired, so it cannot read back equal
  }
  try {
    const alert back = engine::alert_from_json(parsed);
    FUZZ_CHECK(dump_tolerant(engine::to_json(back)) == stored, "a stored alert reads back to the same JSON");
    FUZZ_CHECK(!strict || back == a, "a stored alert with valid text reads back to the same alert");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "alert_from_json: %s\n", e.what());
    FUZZ_CHECK(false, "a stored alert reads back");
  }

  config::sink_settings sink;
  sink.name = "soc";
  const auto body = sinks::render(sink, stored);
  FUZZ_CHECK(body && body->body == stored, "the rootwatch format sends the stored bytes");
}

engine::cycle_output cycle(const engine::cycle_input& in) {
  engine::cycle_output out = engine::run_cycle(in);
  const engine::cycle_output again = engine::run_cycle(in);
  FUZZ_CHECK(out.next == again.next && out.alerts == again.alerts, "a cycle is deterministic");
  for (const alert& a : out.alerts) {
    check_serialized(a);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const engine::tenant_ref tenant{"72f988bf-86f1-41af-91ab-2d7cd011db47", "contoso"};

  std::vector<engine::rule> rules{
      engine::rule{
          "anything-at-root", {"/"}, {"*"}, engine::severity::critical, {}, std::nullopt, engine::severity::critical},
      engine::rule{"owners",
                   {"/providers/Microsoft.Management/managementGroups/*"},
                   {"Owner"},
                   engine::severity::high,
                   {},
                   std::nullopt,
                   engine::severity::critical}};
  if (in.ConsumeBool()) {
    engine::rule fuzzed{in.ConsumeRandomLengthString(20),
                        {in.ConsumeRandomLengthString(60)},
                        {in.ConsumeRandomLengthString(40)},
                        engine::severity::medium,
                        {engine::allow_entry{in.ConsumeRandomLengthString(40), in.ConsumeRandomLengthString(20)}},
                        std::nullopt,
                        engine::severity::critical};
    rules.insert(in.ConsumeBool() ? rules.begin() : rules.end(), std::move(fuzzed));
  }

  engine::snapshot first{"arm", base_time, {}};
  for (int n = in.ConsumeIntegralInRange(0, 5); n > 0; --n) {
    first.assignments.push_back(fuzzed_assignment(in));
  }
  engine::snapshot second{in.ConsumeBool() ? "arm" : "resource_graph", base_time + std::chrono::minutes{1}, {}};
  for (const assignment& a : first.assignments) {
    if (in.ConsumeBool()) {
      second.assignments.push_back(restated(a, in));
    }
  }
  for (int n = in.ConsumeIntegralInRange(0, 2); n > 0; --n) {
    second.assignments.push_back(fuzzed_assignment(in));
  }
  const auto baseline = in.ConsumeBool() ? engine::baseline_mode::silent : engine::baseline_mode::alert;
  const std::string error_text = in.ConsumeRandomLengthString(1000);
  const int degraded_after = in.ConsumeIntegralInRange(1, 3);
  // Reminders and escalation, read last so that the older seeds keep their meaning: a period of
  // up to two minutes, so that the second cycle (a minute later) may owe one.
  const milliseconds remind_every{in.ConsumeIntegralInRange<std::int64_t>(0, 120'000)};
  for (engine::rule& r : rules) {
    if (in.ConsumeBool()) {
      r.escalate_after = milliseconds{in.ConsumeIntegralInRange<std::int64_t>(1, 180'000)};
      r.escalate_to = in.PickValueInArray({engine::severity::info, engine::severity::low, engine::severity::medium,
                                           engine::severity::high, engine::severity::critical});
    }
  }

  const engine::tenant_state empty;
  const auto one = cycle({tenant, &empty, &first, &rules, baseline, first.taken_at, {}, remind_every});
  const auto two = cycle({tenant, &one.next, &second, &rules, baseline, second.taken_at, {}, remind_every});
  for (const alert& a : two.alerts) {
    if (a.kind == engine::alert_kind::lingering) {
      const auto it = std::find_if(two.next.assignments.begin(), two.next.assignments.end(), [&](const auto& t) {
        return engine::correlation_key(tenant.id, engine::alert_subject(t)) == a.correlation_key;
      });
      FUZZ_CHECK(it != two.next.assignments.end() && it->firing && !it->removed_at && it->level <= a.level,
                 "a reminder is about a firing assignment and never lowers its severity");
    }
  }

  for (const alert& a : two.alerts) {
    if (!a.subject || (a.kind != engine::alert_kind::removed && a.kind != engine::alert_kind::created)) {
      continue;
    }
    const std::string key = identity(*a.subject);
    const assignment* now = single(second.assignments, key);
    const assignment* before = single(first.assignments, key);
    if (now == nullptr || before == nullptr || oracle_recreated(*before, *now)) {
      continue;
    }
    std::fprintf(stderr, "%s about %s\n  before: %s\n  now:    %s\n", a.kind.c_str(), escape_control(key).c_str(),
                 describe(*before).c_str(), describe(*now).c_str());
    FUZZ_CHECK(false,
               "an assignment present in both snapshots under one identity, not re-created, raised a created or "
               "removed alert");
  }

  // A failing streak long enough for watch.degraded, with the fuzzed error text as its detail.
  engine::tenant_state state = two.next;
  bool degraded = false;
  for (int i = 0; i < degraded_after; ++i) {
    engine::failure_input failure{tenant, &state, error_text, degraded_after,
                                  second.taken_at + std::chrono::minutes{2 + i}};
    const engine::failure_output out = engine::record_failure(failure);
    for (const alert& a : out.alerts) {
      degraded = degraded || a.kind == engine::alert_kind::degraded;
      check_serialized(a);
    }
    state = out.next;
  }
  FUZZ_CHECK(degraded, "a streak of degraded_after failures raises watch.degraded");
  (void)cycle({tenant, &state, &second, &rules, baseline, second.taken_at + std::chrono::minutes{10}, {}});
  return 0;
}
