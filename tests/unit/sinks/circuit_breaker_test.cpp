// The per-sink circuit breaker (issue 9): which attempts may start, as a table over outcomes.

#include "sinks/circuit_breaker.hpp"

#include <gtest/gtest.h>

namespace rootwatch::sinks {
namespace {

using namespace std::chrono_literals;
using reach = circuit_breaker::reach;
using change = circuit_breaker::change;

const timestamp t0 = timestamp{} + std::chrono::hours{24 * 365 * 50};

TEST(circuit_breaker_test, opens_after_the_threshold_of_attempts_without_an_answer) {
  circuit_breaker b(3, 1s, 1min);
  EXPECT_EQ(b.finish(b.start(), reach::unreachable, t0, 0), change::none);
  EXPECT_EQ(b.finish(b.start(), reach::unreachable, t0, 0), change::none);
  EXPECT_TRUE(b.may_start(t0));
  EXPECT_EQ(b.finish(b.start(), reach::unreachable, t0, 0), change::opened);
  EXPECT_TRUE(b.open());
  EXPECT_FALSE(b.may_start(t0)) << "no attempt before the probe is due";
  EXPECT_TRUE(b.may_start(b.probe_at()));
}

TEST(circuit_breaker_test, any_answer_resets_the_count_and_an_unknown_outcome_does_not_count) {
  circuit_breaker b(2, 1s, 1min);
  b.finish(b.start(), reach::unreachable, t0, 0);
  b.finish(b.start(), reach::answered, t0, 0);
  b.finish(b.start(), reach::unknown, t0, 0);
  EXPECT_EQ(b.finish(b.start(), reach::unreachable, t0, 0), change::none);
  EXPECT_FALSE(b.open());
}

TEST(circuit_breaker_test, one_probe_at_a_time_backing_off_and_an_answer_closes_it) {
  circuit_breaker b(1, 1s, 8s);
  ASSERT_EQ(b.finish(b.start(), reach::unreachable, t0, 0.999), change::opened);
  timestamp now = b.probe_at();
  milliseconds last{0};
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(b.may_start(now));
    const bool probe = b.start();
    ASSERT_TRUE(probe);
    EXPECT_FALSE(b.may_start(now)) << "a second attempt while the probe is out";
    // An attempt begun before it opened ends meanwhile: nothing changes.
    EXPECT_EQ(b.finish(false, reach::unreachable, now, 0.999), change::none);
    EXPECT_FALSE(b.may_start(now));
    EXPECT_EQ(b.finish(probe, reach::unreachable, now, 0.999), change::none);
    const auto wait = std::chrono::duration_cast<milliseconds>(b.probe_at() - now);
    EXPECT_GE(wait, last) << "the probe pace backs off";
    EXPECT_LE(wait, 8s) << "up to the max backoff";
    last = wait;
    now = b.probe_at();
  }
  const bool probe = b.start();
  EXPECT_EQ(b.finish(probe, reach::answered, now, 0), change::closed);
  EXPECT_FALSE(b.open());
  EXPECT_TRUE(b.may_start(now));
  EXPECT_FALSE(b.start()) << "closed: attempts are not probes";
}

}  // namespace
}  // namespace rootwatch::sinks
