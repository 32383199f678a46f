// quiet_until: the promise the watcher leans on to skip a cycle whose answers did not change.
// Before that moment, run_cycle with the same listing changes nothing but the time of the last
// success; the properties below check it against run_cycle itself, over the moments around
// every deadline the state holds, so that a new clock-driven change in the engine that
// quiet_until does not know of fails here.

#include "builders.hpp"
#include "engine/cycle.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <stdexcept>
#include <vector>

namespace rootwatch::engine {
namespace {

using namespace testing;
using std::chrono::hours;
using std::chrono::minutes;

const timestamp t0 = at("2025-03-01T12:00:00Z");

cycle_output step(const tenant_state& previous, const std::vector<assignment>& listed, timestamp now,
                  milliseconds every, std::vector<rule> rules = default_rules()) {
  run r;
  r.previous = previous;
  r.current = make_snapshot(listed, now - std::chrono::seconds{5});
  r.rules = std::move(rules);
  r.now = now;
  r.remind_every = every;
  return r();
}

// Whether the cycle at `now` decided anything but the time of the last success.
bool quiet(const tenant_state& previous, const std::vector<assignment>& listed, timestamp now, milliseconds every) {
  const auto out = step(previous, listed, now, every);
  return out.alerts.empty() && out.next.assignments == previous.assignments &&
         out.next.occurrence_marks == previous.occurrence_marks && out.next.initialized == previous.initialized &&
         out.next.health.consecutive_failures == 0 && !out.next.health.degraded;
}

// Every moment around each deadline in `state`, and a spread of others.
std::vector<timestamp> moments(const tenant_state& state, milliseconds every) {
  std::vector<timestamp> out;
  const std::vector<timestamp::duration> near{-hours{1}, -milliseconds{1}, {}, milliseconds{1}, hours{1}};
  for (const auto& t : state.assignments) {
    std::vector<timestamp> bases{t.first_seen};
    if (t.removed_at) {
      bases.push_back(*t.removed_at + tombstone_retention);
    }
    for (int n = 1; n <= 4 && every > milliseconds{0}; ++n) {
      bases.push_back(t.first_seen + every * n);
    }
    for (const auto base : bases) {
      for (const auto d : near) {
        out.push_back(base + d);
      }
    }
  }
  for (int i = 0; i < 60; ++i) {
    out.push_back(t0 + hours{i * 13});
  }
  return out;
}

// The property, at every moment after the state was made: before quiet_until, the same listing
// is quiet; and quiet_until is tight, so the first moment after it that is not quiet exists
// whenever it is finite (checked by the callers through `expect_changes_at`).
void expect_quiet_before(const tenant_state& state, const std::vector<assignment>& listed, milliseconds every,
                         timestamp made_at) {
  const timestamp until = quiet_until(state, every);
  for (const auto now : moments(state, every)) {
    if (now <= made_at) {
      continue;
    }
    if (now < until) {
      EXPECT_TRUE(quiet(state, listed, now, every))
          << "not quiet before quiet_until, at +" << std::chrono::duration_cast<minutes>(now - made_at).count()
          << " min";
    }
  }
}

TEST(quiet_until, firing_assignment_without_reminders_stays_quiet_for_ever) {
  const std::vector<assignment> listed{elevation("a")};
  const auto first = step(tenant_state{}, listed, t0, milliseconds{0});
  ASSERT_EQ(first.alerts.size(), 1u);
  EXPECT_EQ(quiet_until(first.next, milliseconds{0}), timestamp::max());
  expect_quiet_before(first.next, listed, milliseconds{0}, t0);
}

TEST(quiet_until, next_reminder_ends_the_quiet) {
  const milliseconds every = hours{6};
  const std::vector<assignment> listed{elevation("a"), elevation("b", bob)};
  auto state = step(tenant_state{}, listed, t0, every).next;
  EXPECT_EQ(quiet_until(state, every), t0 + every);
  expect_quiet_before(state, listed, every, t0);
  EXPECT_FALSE(quiet(state, listed, t0 + every, every)) << "the first reminder is due at the bound";

  // After the first reminder went out, the second one's time.
  const auto reminded = step(state, listed, t0 + every + minutes{1}, every);
  ASSERT_FALSE(reminded.alerts.empty());
  state = reminded.next;
  EXPECT_EQ(quiet_until(state, every), t0 + 2 * every);
  expect_quiet_before(state, listed, every, t0 + every + minutes{1});
}

TEST(quiet_until, tombstone_retention_ends_the_quiet) {
  const std::vector<assignment> both{elevation("a"), elevation("b", bob)};
  const std::vector<assignment> one{elevation("a")};
  const auto first = step(tenant_state{}, both, t0, milliseconds{0});
  const timestamp removed = t0 + hours{1};
  const auto second = step(first.next, one, removed, milliseconds{0});
  ASSERT_EQ(second.alerts.size(), 1u);
  const auto& state = second.next;
  EXPECT_EQ(quiet_until(state, milliseconds{0}), removed + tombstone_retention);
  expect_quiet_before(state, one, milliseconds{0}, removed);
  EXPECT_TRUE(quiet(state, one, removed + tombstone_retention, milliseconds{0})) << "still kept at the bound";
  EXPECT_FALSE(quiet(state, one, removed + tombstone_retention + milliseconds{1}, milliseconds{0}))
      << "forgotten just after it: the tombstone becomes a mark";
}

TEST(quiet_until, the_earliest_deadline_of_all_assignments_counts) {
  const milliseconds every = hours{24 * 40};
  const std::vector<assignment> all{elevation("a"), elevation("b", bob), elevation("c", break_glass)};
  const auto first = step(tenant_state{}, all, t0, every);
  const std::vector<assignment> without_b{elevation("a"), elevation("c", break_glass)};
  const auto second = step(first.next, without_b, t0 + hours{2}, every);
  // The tombstone of b expires after 30 days, before the first reminder after 40.
  EXPECT_EQ(quiet_until(second.next, every), t0 + hours{2} + tombstone_retention);
  expect_quiet_before(second.next, without_b, every, t0 + hours{2});
}

TEST(quiet_until, baselined_and_unwatched_assignments_have_no_deadline) {
  const std::vector<assignment> listed{elevation("a"), make_assignment("r", "/subscriptions/s1", reader_role, bob)};
  run r;
  r.current = make_snapshot(listed, t0);
  r.now = t0;
  r.baseline = baseline_mode::silent;
  r.remind_every = hours{1};
  const auto first = r();
  ASSERT_TRUE(first.alerts.empty());
  EXPECT_EQ(quiet_until(first.next, hours{1}), timestamp::max());
  expect_quiet_before(first.next, listed, hours{1}, t0);
}

TEST(quiet_until, states_no_quiet_cycle_can_follow) {
  EXPECT_EQ(quiet_until(tenant_state{}, milliseconds{0}), timestamp::min()) << "never initialised: the baseline";

  const auto healthy = step(tenant_state{}, {elevation("a")}, t0, milliseconds{0}).next;
  ASSERT_EQ(quiet_until(healthy, milliseconds{0}), timestamp::max());

  auto failing = healthy;
  failing.health.consecutive_failures = 1;
  failing.health.failing_since = t0;
  EXPECT_EQ(quiet_until(failing, milliseconds{0}), timestamp::min()) << "the next success ends a streak";

  auto degraded = healthy;
  degraded.health.degraded = true;
  EXPECT_EQ(quiet_until(degraded, milliseconds{0}), timestamp::min()) << "the next success sends watch.recovered";

  auto negative = healthy;
  negative.assignments[0].reminders = -3;
  EXPECT_EQ(quiet_until(negative, hours{1}), timestamp::min()) << "a stored nonsense count may move at any time";
}

TEST(quiet_until, stored_times_at_the_ends_of_the_clock_do_not_overflow) {
  auto state = step(tenant_state{}, {elevation("a"), elevation("b", bob)}, t0, hours{1}).next;
  state.assignments[0].first_seen = timestamp::max() - hours{1};
  state.assignments[1].removed_at = timestamp::max() - hours{1};
  EXPECT_EQ(quiet_until(state, hours{2}), timestamp::max()) << "deadlines past the end of the clock never come";

  state.assignments[0].first_seen = timestamp::min() + hours{1};
  state.assignments[0].reminders = std::numeric_limits<int>::max();
  state.assignments[1].removed_at.reset();
  state.assignments[1].first_seen = timestamp::min();
  state.assignments[1].reminders = 0;
  EXPECT_EQ(quiet_until(state, hours{2}), timestamp::min() + hours{2}) << "the count at its limit never moves";

  state.assignments[1].reminders = std::numeric_limits<int>::max() - 1;
  EXPECT_EQ(quiet_until(state, milliseconds::max()), timestamp::max()) << "periods times the interval overflows";
}

TEST(quiet_until, an_unchanged_answer_without_its_rows_is_never_a_listing) {
  const auto state = step(tenant_state{}, {elevation("a")}, t0, milliseconds{0}).next;
  snapshot same = make_snapshot({}, t0 + hours{1});
  same.fingerprint = "tags";
  same.unchanged = true;
  const snapshot full = make_snapshot({elevation("a")}, t0 + hours{1});
  cycle_input in;
  in.tenant = tenant_ref{tenant_guid, "contoso"};
  in.previous = &state;
  in.now = t0 + hours{1};
  in.current = &same;
  EXPECT_THROW(run_cycle(in), std::invalid_argument) << "read as a listing it would remove everything";
  in.current = &full;
  in.others = {&same};
  EXPECT_THROW(run_cycle(in), std::invalid_argument);
  in.others.clear();
  EXPECT_NO_THROW(run_cycle(in));
}

}  // namespace
}  // namespace rootwatch::engine
