// Inputs the fuzzers (tests/fuzz) found, each kept as a test of its own. The same inputs are in
// tests/fuzz/corpus/time/.

#include "common/time.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace rootwatch {
namespace {

// parse_iso8601 accepts times on the clock's first day, 1677-09-21 (a createdOn is the
// server's to choose); format_iso8601 then converted that day back to nanoseconds, which
// overflowed (undefined behaviour; in practice a garbled time in identity keys and alerts).
TEST(format_iso8601_fuzz_regressions, the_first_day_of_the_clock_formats_and_parses_back) {
  for (const char* text : {"1677-09-21T00:12:45Z", "1677-09-21T23:59:59.5Z", "1677-09-22T00:00:00Z"}) {
    const auto t = parse_iso8601(text);
    ASSERT_TRUE(t.has_value()) << text;
    EXPECT_EQ(format_iso8601(*t), text);
    EXPECT_EQ(parse_iso8601(format_iso8601(*t)), t) << text;
  }
}

TEST(format_iso8601_fuzz_regressions, the_ends_of_the_clock_format) {
  EXPECT_EQ(format_iso8601(timestamp::min()), "1677-09-21T00:12:43.145224192Z");
  EXPECT_EQ(format_iso8601(timestamp::max()), "2262-04-11T23:47:16.854775807Z");
}

}  // namespace
}  // namespace rootwatch
