// Inputs the fuzzers (tests/fuzz) found, each kept as a test of its own. The same inputs are in
// tests/fuzz/corpus/retry_after/.

#include "net/retry.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace rootwatch::net {
namespace {

using namespace std::chrono_literals;

const timestamp now = from_unix_seconds(1'767'225'600);  // 2026-01-01T00:00:00Z

// An HTTP-date more than 292 years before now is still inside the clock's range, but "date -
// now" in nanoseconds overflowed (undefined behaviour; in practice it wrapped to a wait of
// centuries, capped only later by max_retry_after). A date in the past means "now".
TEST(parse_retry_after_fuzz_regressions, a_date_centuries_ago_means_no_wait) {
  EXPECT_EQ(parse_retry_after("Mon, 01 Jan 1680 00:00:00 GMT", now), 0ms);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1947 08:49:37 GMT", from_unix_seconds(9'000'000'000)), 0ms);
}

TEST(parse_retry_after_fuzz_regressions, a_date_near_the_end_of_the_clock_is_a_long_wait) {
  const auto wait = parse_retry_after("Fri, 11 Apr 2262 00:00:00 GMT", from_unix_seconds(-9'000'000'000));
  ASSERT_TRUE(wait.has_value());
  EXPECT_GT(*wait, 0ms);
}

}  // namespace
}  // namespace rootwatch::net
