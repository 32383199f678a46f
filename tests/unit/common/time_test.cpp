#include "common/time.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rootwatch {
namespace {

using namespace std::chrono;

timestamp utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, nanoseconds frac = {}) {
  const sys_days date{year{y} / month{mo} / day{d}};
  return timestamp{
      duration_cast<system_clock::duration>(date.time_since_epoch() + hours{h} + minutes{mi} + seconds{s} + frac)};
}

// --- parse_iso8601 ---

TEST(parse_iso8601, azure_seven_fractional_digits) {
  EXPECT_EQ(parse_iso8601("2016-08-17T19:21:16.3422480Z"), utc(2016, 8, 17, 19, 21, 16, nanoseconds{342'248'000}));
}

TEST(parse_iso8601, fractions_of_every_length) {
  EXPECT_EQ(parse_iso8601("2020-01-01T00:00:00.5Z"), utc(2020, 1, 1, 0, 0, 0, milliseconds{500}));
  EXPECT_EQ(parse_iso8601("2020-01-01T00:00:00.123Z"), utc(2020, 1, 1, 0, 0, 0, milliseconds{123}));
  EXPECT_EQ(parse_iso8601("2020-01-01T00:00:00.123456789Z"), utc(2020, 1, 1, 0, 0, 0, nanoseconds{123'456'789}));
  EXPECT_EQ(parse_iso8601("2020-01-01T00:00:00,25Z"), utc(2020, 1, 1, 0, 0, 0, milliseconds{250}));
}

TEST(parse_iso8601, digits_beyond_nanoseconds_are_cut_not_rounded) {
  EXPECT_EQ(parse_iso8601("2020-01-01T00:00:00.1234567899999Z"), utc(2020, 1, 1, 0, 0, 0, nanoseconds{123'456'789}));
}

TEST(parse_iso8601, zone_designators) {
  const auto expected = utc(2020, 4, 7, 20, 52, 51);
  EXPECT_EQ(parse_iso8601("2020-04-07T20:52:51Z"), expected);
  EXPECT_EQ(parse_iso8601("2020-04-07T20:52:51z"), expected);
  EXPECT_EQ(parse_iso8601("2020-04-07t20:52:51Z"), expected);
  EXPECT_EQ(parse_iso8601("2020-04-07T20:52:51+00:00"), expected);
  EXPECT_EQ(parse_iso8601("2020-04-07T20:52:51-00:00"), expected);
  EXPECT_EQ(parse_iso8601("2020-04-07T20:52:51"), expected) << "no designator is UTC";
  EXPECT_EQ(parse_iso8601("2020-04-07 20:52:51Z"), expected) << "the token endpoint's form";
}

TEST(parse_iso8601, offsets_move_to_utc) {
  EXPECT_EQ(parse_iso8601("2020-01-01T00:00:00-05:30"), utc(2020, 1, 1, 5, 30));
  EXPECT_EQ(parse_iso8601("2020-01-01T05:30:00+05:30"), utc(2020, 1, 1, 0, 0));
  EXPECT_EQ(parse_iso8601("2020-01-01T01:00:00+02:00"), utc(2019, 12, 31, 23, 0));
  EXPECT_EQ(parse_iso8601("2020-01-01T00:00:00.5+01:00"), utc(2019, 12, 31, 23, 0, 0, milliseconds{500}));
  EXPECT_EQ(parse_iso8601("2020-01-01T00:00:00+23:59"), utc(2019, 12, 31, 0, 1));
}

TEST(parse_iso8601, february_29) {
  EXPECT_TRUE(parse_iso8601("2024-02-29T00:00:00Z"));
  EXPECT_TRUE(parse_iso8601("2000-02-29T00:00:00Z")) << "divisible by 400";
  EXPECT_FALSE(parse_iso8601("2023-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601("1900-02-29T00:00:00Z")) << "divisible by 100, not by 400";
  EXPECT_FALSE(parse_iso8601("2100-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601("2024-02-30T00:00:00Z"));
}

TEST(parse_iso8601, leap_second_folds_into_the_next_minute) {
  EXPECT_EQ(parse_iso8601("2016-12-31T23:59:60Z"), utc(2017, 1, 1));
}

TEST(parse_iso8601, rejects_impossible_fields) {
  for (const char* text : {
           "2020-13-01T00:00:00Z",
           "2020-00-01T00:00:00Z",
           "2020-01-00T00:00:00Z",
           "2020-01-32T00:00:00Z",
           "2020-04-31T00:00:00Z",
           "2020-01-01T24:00:00Z",
           "2020-01-01T23:60:00Z",
           "2020-01-01T23:59:61Z",
           "2020-01-01T00:00:00+24:00",
           "2020-01-01T00:00:00+05:60",
           "2020-01-01T99:99:99Z",
       }) {
    EXPECT_FALSE(parse_iso8601(text)) << text;
  }
}

TEST(parse_iso8601, rejects_garbage) {
  for (const char* text : {
           "",
           "not a date",
           "2020-01-01",
           "2020-01-01T00:00",
           "2020-01-01T00:00:00ZZ",
           "2020-01-01T00:00:00Z ",
           " 2020-01-01T00:00:00Z",
           "2020-01-01T00:00:00.Z",
           "2020-01-01T00:00:00.",
           "2020-01-01T00:00:00+0000",
           "2020-01-01T00:00:00+00",
           "2020-01-01T00:00:00+00:00Z",
           "2020-01-01T00:00:00 UTC",
           "2020-01-01X00:00:00Z",
           "2020/01/01T00:00:00Z",
           "20200101T000000Z",
           "+2020-01-01T00:00:00Z",
           "2020-1-01T00:00:00Z",
           "２０２０-01-01T00:00:00Z",
           "1585-04-07T20:52:51Z\n",
       }) {
    EXPECT_FALSE(parse_iso8601(text)) << text;
  }
}

TEST(parse_iso8601, rejects_documentation_placeholders) {
  for (const char* text : {"YYYY-MM-DD HH:MM:SSZ", "YYYY-MM-DDTHH:MM:SSZ", "YYYY-MM-DDThh:mm:ss.sssZ",
                           "yyyy-MM-ddTHH:mm:ss.fffffffZ", "0000-00-00T00:00:00Z"}) {
    EXPECT_FALSE(parse_iso8601(text)) << text;
  }
}

// system_clock holds nanoseconds in 64 bits: years 1678..2261. Azure writes year 1 for
// "never"; it must not wrap around into some other date.
TEST(parse_iso8601, rejects_times_outside_the_clock_range) {
  EXPECT_FALSE(parse_iso8601("0001-01-01T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601("0001-01-01T00:00:00.0000000Z"));
  EXPECT_FALSE(parse_iso8601("1600-01-01T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601("9999-12-31T23:59:59Z"));
  EXPECT_FALSE(parse_iso8601("2300-01-01T00:00:00Z"));
  EXPECT_TRUE(parse_iso8601("1700-01-01T00:00:00Z"));
  EXPECT_TRUE(parse_iso8601("2200-12-31T23:59:59.999999999Z"));
}

TEST(parse_iso8601, before_the_epoch) {
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00Z"), timestamp{});
  EXPECT_EQ(parse_iso8601("1969-12-31T23:59:59.5Z"), timestamp{} - milliseconds{500});
}

// --- format_iso8601 ---

TEST(format_iso8601, whole_seconds_have_no_fraction) {
  EXPECT_EQ(format_iso8601(utc(2025, 2, 11, 10)), "2025-02-11T10:00:00Z");
  EXPECT_EQ(format_iso8601(timestamp{}), "1970-01-01T00:00:00Z");
}

TEST(format_iso8601, fraction_without_trailing_zeros) {
  EXPECT_EQ(format_iso8601(utc(2016, 8, 17, 19, 21, 16, nanoseconds{342'248'000})), "2016-08-17T19:21:16.342248Z");
  EXPECT_EQ(format_iso8601(utc(2020, 1, 1, 0, 0, 0, milliseconds{500})), "2020-01-01T00:00:00.5Z");
  EXPECT_EQ(format_iso8601(utc(2020, 1, 1, 0, 0, 0, nanoseconds{1})), "2020-01-01T00:00:00.000000001Z");
}

TEST(format_iso8601, before_the_epoch) {
  EXPECT_EQ(format_iso8601(timestamp{} - milliseconds{500}), "1969-12-31T23:59:59.5Z");
  EXPECT_EQ(format_iso8601(utc(1700, 3, 1)), "1700-03-01T00:00:00Z");
}

TEST(format_iso8601, canonical_text_round_trips) {
  for (const char* text : {"2025-02-11T10:00:00Z", "2016-08-17T19:21:16.342248Z", "2024-02-29T23:59:59.999999999Z",
                           "1969-12-31T23:59:59.5Z", "2000-01-01T00:00:00.000000001Z", "2261-12-31T00:00:00Z"}) {
    const auto t = parse_iso8601(text);
    ASSERT_TRUE(t) << text;
    EXPECT_EQ(format_iso8601(*t), text);
  }
}

TEST(format_iso8601, time_round_trips) {
  std::vector<timestamp> times{timestamp{}, utc(2025, 2, 11, 10, 0, 0, nanoseconds{123'456'789}),
                               utc(1800, 6, 15, 12, 30, 45, nanoseconds{1}), utc(2262, 1, 1)};
  // A walk over odd steps hits many different dates, times and fractions.
  timestamp t = utc(1700, 1, 1);
  for (int i = 0; i < 2000; ++i) {
    times.push_back(t);
    t += hours{24 * 100} + minutes{17} + seconds{13} + nanoseconds{987'654'321};
  }
  for (const timestamp time : times) {
    EXPECT_EQ(parse_iso8601(format_iso8601(time)), time) << format_iso8601(time);
  }
}

// --- durations ---

TEST(parse_duration, units_and_sums) {
  EXPECT_EQ(parse_duration("0s"), milliseconds{0});
  EXPECT_EQ(parse_duration("500ms"), milliseconds{500});
  EXPECT_EQ(parse_duration("30s"), seconds{30});
  EXPECT_EQ(parse_duration("5m"), minutes{5});
  EXPECT_EQ(parse_duration("6h"), hours{6});
  EXPECT_EQ(parse_duration("2d"), hours{48});
  EXPECT_EQ(parse_duration("1h30m"), minutes{90});
  EXPECT_EQ(parse_duration("1d2h3m4s5ms"), days{1} + hours{2} + minutes{3} + seconds{4} + milliseconds{5});
  EXPECT_EQ(parse_duration("90s"), seconds{90});
}

TEST(parse_duration, rejects_malformed) {
  for (const char* text : {"",   "5",  "s",    "5x",    "-5s",  "+5s", "1.5h", "5 s", " 5s",  "5s ",
                           "5S", "5M", "5sec", "5mins", "1h30", "h1",  "ms",   "5us", "1e3s", "99999999999d"}) {
    EXPECT_FALSE(parse_duration(text)) << text;
  }
}

TEST(parse_duration, rejects_sums_that_would_overflow) {
  std::string text;
  for (int i = 0; i < 20; ++i) {
    text += "9999999999d";
  }
  EXPECT_FALSE(parse_duration(text));
}

TEST(format_duration, largest_units_first) {
  EXPECT_EQ(format_duration(milliseconds{0}), "0s");
  EXPECT_EQ(format_duration(milliseconds{500}), "500ms");
  EXPECT_EQ(format_duration(seconds{30}), "30s");
  EXPECT_EQ(format_duration(minutes{90}), "1h30m");
  EXPECT_EQ(format_duration(hours{48}), "48h");
  EXPECT_EQ(format_duration(milliseconds{61'001}), "1m1s1ms");
}

TEST(format_duration, round_trips_through_parse) {
  for (const milliseconds d : {milliseconds{0}, milliseconds{1}, milliseconds{999}, milliseconds{1000},
                               milliseconds{3'600'000}, milliseconds{93'784'005}, milliseconds{86'400'000 * 30LL}}) {
    EXPECT_EQ(parse_duration(format_duration(d)), d) << format_duration(d);
  }
}

// --- HTTP dates ---

TEST(parse_http_date, imf_fixdate) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), utc(1994, 11, 6, 8, 49, 37));
  EXPECT_EQ(parse_http_date("Thu, 29 Feb 2024 23:59:59 GMT"), utc(2024, 2, 29, 23, 59, 59));
}

TEST(parse_http_date, rejects_other_forms) {
  for (const char* text : {
           "",
           "Sunday, 06-Nov-94 08:49:37 GMT",
           "Sun Nov  6 08:49:37 1994",
           "Sun, 06 Nov 1994 08:49:37 UTC",
           "Sun, 06 Nov 1994 08:49:37 +0000",
           "Sun, 06 Foo 1994 08:49:37 GMT",
           "Sun, 06 nov 1994 08:49:37 GMT",
           "Wed, 29 Feb 2023 00:00:00 GMT",
           "Sun, 06 Nov 1994 24:00:00 GMT",
           "Sun, 6 Nov 1994 08:49:37 GMT",
           "Mon, 01 Jan 0001 00:00:00 GMT",
           "120",
       }) {
    EXPECT_FALSE(parse_http_date(text)) << text;
  }
}

// --- Unix seconds ---

TEST(unix_seconds, round_trip_and_truncation) {
  EXPECT_EQ(to_unix_seconds(timestamp{}), 0);
  EXPECT_EQ(to_unix_seconds(utc(2025, 2, 11, 10)), 1'739'268'000);
  EXPECT_EQ(from_unix_seconds(1'739'268'000), utc(2025, 2, 11, 10));
  EXPECT_EQ(to_unix_seconds(utc(2025, 2, 11, 10) + milliseconds{999}), 1'739'268'000);
  EXPECT_EQ(to_unix_seconds(from_unix_seconds(-86'400)), -86'400);
}

}  // namespace
}  // namespace rootwatch
