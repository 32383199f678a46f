#include "app/cycle_schedule.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

namespace rootwatch::app {
namespace {

TEST(first_cycle_delay, the_first_tenant_at_once_the_others_spread_over_at_most_ten_seconds) {
  const milliseconds minute{60'000};
  EXPECT_EQ(first_cycle_delay(0, 1, minute), milliseconds{0});
  EXPECT_EQ(first_cycle_delay(0, 1000, minute), milliseconds{0});
  EXPECT_EQ(first_cycle_delay(500, 1000, minute), milliseconds{5'000});
  EXPECT_EQ(first_cycle_delay(999, 1000, minute), milliseconds{9'990});
  // Never more than the interval: 2 tenants at 4 s, the second 2 s in.
  EXPECT_EQ(first_cycle_delay(1, 2, milliseconds{4'000}), milliseconds{2'000});
  milliseconds last{-1};
  for (std::size_t i = 0; i < 1000; ++i) {
    const auto d = first_cycle_delay(i, 1000, minute);
    EXPECT_GT(d, last);
    EXPECT_LT(d, first_cycle_window);
    last = d;
  }
}

TEST(first_cycle_delay, out_of_range_starts_at_once) {
  EXPECT_EQ(first_cycle_delay(0, 0, milliseconds{60'000}), milliseconds{0});
  EXPECT_EQ(first_cycle_delay(3, 3, milliseconds{60'000}), milliseconds{0});
  EXPECT_EQ(first_cycle_delay(1, 3, milliseconds{0}), milliseconds{0});
}

TEST(tenant_slot, spreads_the_tenants_evenly_and_keeps_the_whole_interval_for_the_last) {
  EXPECT_DOUBLE_EQ(tenant_slot(0, 1), 1.0);
  EXPECT_DOUBLE_EQ(tenant_slot(0, 4), 0.25);
  EXPECT_DOUBLE_EQ(tenant_slot(1, 4), 0.5);
  EXPECT_DOUBLE_EQ(tenant_slot(3, 4), 1.0);
  std::set<double> slots;
  for (std::size_t i = 0; i < 1000; ++i) {
    const double s = tenant_slot(i, 1000);
    EXPECT_GT(s, 0.0);
    EXPECT_LE(s, 1.0);
    slots.insert(s);
  }
  EXPECT_EQ(slots.size(), 1000u);
}

TEST(tenant_slot, out_of_range_is_the_whole_interval) {
  EXPECT_DOUBLE_EQ(tenant_slot(0, 0), 1.0);
  EXPECT_DOUBLE_EQ(tenant_slot(5, 5), 1.0);
}

TEST(next_cycle_after, the_second_cycle_comes_at_the_slot_never_later_than_an_interval) {
  const milliseconds minute{60'000};
  EXPECT_EQ(next_cycle_after(minute, 0.25, 1, 0.9), milliseconds{15'000});
  EXPECT_EQ(next_cycle_after(minute, 1.0, 1, 0.9), minute);
  EXPECT_EQ(next_cycle_after(minute, 0.001, 1, 0.0), milliseconds{60});
}

TEST(next_cycle_after, later_cycles_are_an_interval_apart_plus_up_to_ten_percent_at_most_half_a_second) {
  const milliseconds minute{60'000};
  EXPECT_EQ(next_cycle_after(minute, 0.25, 2, 0.0), minute);
  EXPECT_EQ(next_cycle_after(minute, 0.25, 2, 0.5), milliseconds{60'250});
  EXPECT_EQ(next_cycle_after(minute, 0.25, 1000, 0.999), milliseconds{60'499});
  const milliseconds s2{2'000};
  EXPECT_EQ(next_cycle_after(s2, 0.25, 2, 0.5), milliseconds{2'100});
  EXPECT_EQ(next_cycle_after(s2, 0.25, 2, 0.999), milliseconds{2'199});
}

TEST(next_cycle_after, a_slot_out_of_range_is_the_whole_interval_and_randomness_is_clamped) {
  const milliseconds s10{10'000};
  EXPECT_EQ(next_cycle_after(s10, 0.0, 1, 0.5), s10);
  EXPECT_EQ(next_cycle_after(s10, -1.0, 1, 0.5), s10);
  EXPECT_EQ(next_cycle_after(s10, 2.0, 1, 0.5), s10);
  EXPECT_EQ(next_cycle_after(s10, std::numeric_limits<double>::quiet_NaN(), 1, 0.5), s10);
  EXPECT_EQ(next_cycle_after(s10, 0.5, 3, 7.0), milliseconds{10'500});
  EXPECT_EQ(next_cycle_after(s10, 0.5, 3, -7.0), s10);
}

TEST(on_wake_grid, rounds_up_to_the_next_quarter_second_and_keeps_what_is_on_it) {
  using tp = std::chrono::steady_clock::time_point;
  const tp on{std::chrono::milliseconds{10'250}};
  EXPECT_EQ(on_wake_grid(on), on);
  EXPECT_EQ(on_wake_grid(on + std::chrono::nanoseconds{1}), tp{std::chrono::milliseconds{10'500}});
  EXPECT_EQ(on_wake_grid(tp{std::chrono::milliseconds{10'499}}), tp{std::chrono::milliseconds{10'500}});
  EXPECT_EQ(on_wake_grid(tp{std::chrono::milliseconds{7}}, milliseconds{1'000}), tp{std::chrono::milliseconds{1'000}});
  // Never earlier, and at most one grid step later.
  for (std::int64_t us = 0; us < 2'000'000; us += 7'919) {
    const tp at{std::chrono::microseconds{us}};
    const auto woken = on_wake_grid(at);
    EXPECT_GE(woken, at);
    EXPECT_LT(woken - at, wake_grid);
  }
  EXPECT_EQ(on_wake_grid(on + std::chrono::nanoseconds{1}, milliseconds{0}), on + std::chrono::nanoseconds{1});
}

}  // namespace
}  // namespace rootwatch::app
