#include "net/retry.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace rootwatch::net {
namespace {

using namespace std::chrono_literals;

timestamp utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  const std::chrono::sys_days date{std::chrono::year{y} / std::chrono::month{mo} / std::chrono::day{d}};
  return timestamp{std::chrono::duration_cast<std::chrono::system_clock::duration>(
      date.time_since_epoch() + std::chrono::hours{h} + std::chrono::minutes{mi} + seconds{s})};
}

// --- classify_status ---

// The statuses worth another try, written out independently of the code under test.
const std::set<int>& retryable_statuses() {
  static const std::set<int> statuses{408, 429, 500, 502, 503, 504};
  return statuses;
}

TEST(classify_status, every_status_from_100_to_599_is_classified_as_the_table_says) {
  for (int status = 100; status <= 599; ++status) {
    SCOPED_TRACE(status);
    const auto d = classify_status(status);
    const bool success = status >= 200 && status <= 299;
    const bool expected_retry = retryable_statuses().count(status) == 1;
    EXPECT_EQ(d.retry, expected_retry);
    if (success || expected_retry) {
      EXPECT_EQ(d.reason, "status " + std::to_string(status));
    } else {
      EXPECT_EQ(d.reason, "status " + std::to_string(status) + " is final");
    }
  }
}

TEST(classify_status, success_is_not_retried) {
  for (const int status : {200, 201, 202, 204, 206, 299}) {
    SCOPED_TRACE(status);
    EXPECT_FALSE(classify_status(status).retry);
  }
}

TEST(classify_status, the_statuses_azure_documents_as_transient_are_retried) {
  for (const int status : {408, 429, 500, 502, 503, 504}) {
    SCOPED_TRACE(status);
    EXPECT_TRUE(classify_status(status).retry);
  }
}

TEST(classify_status, client_errors_and_unusual_server_errors_are_final) {
  for (const int status : {400, 401, 403, 404, 405, 409, 410, 411, 413, 415, 422, 428, 431, 451, 501, 505, 507, 511}) {
    SCOPED_TRACE(status);
    const auto d = classify_status(status);
    EXPECT_FALSE(d.retry);
    EXPECT_NE(d.reason.find("is final"), std::string::npos);
  }
}

TEST(classify_status, informational_and_redirect_statuses_are_final) {
  for (const int status : {100, 101, 103, 300, 301, 302, 303, 304, 307, 308}) {
    SCOPED_TRACE(status);
    EXPECT_FALSE(classify_status(status).retry);
  }
}

TEST(classify_status, statuses_outside_the_http_range_are_final) {
  for (const int status : {0, -1, 99, 600, 999}) {
    SCOPED_TRACE(status);
    EXPECT_FALSE(classify_status(status).retry);
  }
}

// --- classify_error ---

error error_of(error_kind kind, bool retryable) {
  return make_error(kind, "something went wrong", retryable);
}

TEST(classify_error, network_and_timeout_errors_follow_their_retryable_flag) {
  for (const auto kind : {error_kind::network, error_kind::timeout}) {
    SCOPED_TRACE(std::string(to_string(kind)));
    const auto yes = classify_error(error_of(kind, true));
    EXPECT_TRUE(yes.retry);
    EXPECT_EQ(yes.reason, to_string(kind));
    const auto no = classify_error(error_of(kind, false));
    EXPECT_FALSE(no.retry);
    EXPECT_EQ(no.reason, to_string(kind));
  }
}

TEST(classify_error, throttling_is_always_retried) {
  for (const bool flag : {true, false}) {
    const auto d = classify_error(error_of(error_kind::throttled, flag));
    EXPECT_TRUE(d.retry);
    EXPECT_EQ(d.reason, "throttled");
  }
}

TEST(classify_error, every_other_kind_is_final_whatever_its_flag_says) {
  const std::vector<error_kind> kinds{error_kind::config, error_kind::auth,      error_kind::permission,
                                      error_kind::http,   error_kind::parse,     error_kind::store,
                                      error_kind::io,     error_kind::cancelled, error_kind::internal};
  for (const auto kind : kinds) {
    for (const bool flag : {true, false}) {
      SCOPED_TRACE(std::string(to_string(kind)) + (flag ? " retryable" : " final"));
      const auto d = classify_error(error_of(kind, flag));
      EXPECT_FALSE(d.retry);
      EXPECT_EQ(d.reason, to_string(kind));
    }
  }
}

// --- parse_retry_after ---

const timestamp now = utc(2025, 2, 11, 10, 0, 0);

TEST(parse_retry_after, delta_seconds) {
  EXPECT_EQ(parse_retry_after("0", now), 0ms);
  EXPECT_EQ(parse_retry_after("1", now), 1000ms);
  EXPECT_EQ(parse_retry_after("10", now), 10'000ms);
  EXPECT_EQ(parse_retry_after("120", now), 120'000ms);
  EXPECT_EQ(parse_retry_after("3600", now), 3'600'000ms);
  EXPECT_EQ(parse_retry_after("007", now), 7000ms) << "leading zeros are still decimal";
}

TEST(parse_retry_after, surrounding_whitespace_is_ignored) {
  EXPECT_EQ(parse_retry_after(" 30", now), 30'000ms);
  EXPECT_EQ(parse_retry_after("30 ", now), 30'000ms);
  EXPECT_EQ(parse_retry_after("\t30\r\n", now), 30'000ms);
  EXPECT_EQ(parse_retry_after("  Tue, 11 Feb 2025 10:00:05 GMT  ", now), 5000ms);
}

TEST(parse_retry_after, the_largest_accepted_number_has_nine_digits) {
  EXPECT_EQ(parse_retry_after("999999999", now), milliseconds{999'999'999LL * 1000});
  EXPECT_EQ(parse_retry_after("1000000000", now), std::nullopt);
}

TEST(parse_retry_after, huge_numbers_are_unreadable_not_an_overflow) {
  EXPECT_EQ(parse_retry_after("99999999999999999999", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("184467440737095516160", now), std::nullopt);
  EXPECT_EQ(parse_retry_after(std::string(400, '9'), now), std::nullopt);
}

TEST(parse_retry_after, an_http_date_in_the_future_is_the_time_until_then) {
  EXPECT_EQ(parse_retry_after("Tue, 11 Feb 2025 10:00:30 GMT", now), 30'000ms);
  EXPECT_EQ(parse_retry_after("Tue, 11 Feb 2025 11:00:00 GMT", now), 3'600'000ms);
  EXPECT_EQ(parse_retry_after("Wed, 12 Feb 2025 10:00:00 GMT", now), 86'400'000ms);
}

TEST(parse_retry_after, an_http_date_relative_to_a_now_with_a_fraction_is_exact) {
  const timestamp later = now + 250ms;
  EXPECT_EQ(parse_retry_after("Tue, 11 Feb 2025 10:00:01 GMT", later), 750ms);
}

TEST(parse_retry_after, an_http_date_in_the_past_or_now_means_no_wait) {
  EXPECT_EQ(parse_retry_after("Tue, 11 Feb 2025 10:00:00 GMT", now), 0ms);
  EXPECT_EQ(parse_retry_after("Tue, 11 Feb 2025 09:59:59 GMT", now), 0ms);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), 0ms);
}

TEST(parse_retry_after, garbage_is_unreadable) {
  const std::vector<std::string> values{
      "",
      "   ",
      "soon",
      "-5",
      "+5",
      "1.5",
      "1e3",
      "10s",
      "0x10",
      "5 5",
      "Tue, 11 Feb 2025 10:00:30 UTC",
      "Tue, 11 Foo 2025 10:00:30 GMT",
      "Tue, 31 Feb 2025 10:00:30 GMT",
      "Tue, 11 Feb 2025 25:00:30 GMT",
      "Tuesday, 11-Feb-25 10:00:30 GMT",
      "Tue Feb 11 10:00:30 2025",
      "2025-02-11T10:00:30Z",
  };
  for (const auto& v : values) {
    SCOPED_TRACE(v);
    EXPECT_EQ(parse_retry_after(v, now), std::nullopt);
  }
}

// --- backoff_delay ---

retry_policy policy_500ms_to_30s() {
  retry_policy p;
  p.initial_backoff = 500ms;
  p.max_backoff = 30s;
  p.max_retry_after = 120s;
  return p;
}

TEST(backoff_delay, grows_exponentially_from_the_initial_backoff) {
  const auto p = policy_500ms_to_30s();
  // With jitter 0 the wait is half of the un-jittered base.
  EXPECT_EQ(backoff_delay(1, p, std::nullopt, 0.0), 250ms);
  EXPECT_EQ(backoff_delay(2, p, std::nullopt, 0.0), 500ms);
  EXPECT_EQ(backoff_delay(3, p, std::nullopt, 0.0), 1000ms);
  EXPECT_EQ(backoff_delay(4, p, std::nullopt, 0.0), 2000ms);
  EXPECT_EQ(backoff_delay(5, p, std::nullopt, 0.0), 4000ms);
  EXPECT_EQ(backoff_delay(6, p, std::nullopt, 0.0), 8000ms);
  EXPECT_EQ(backoff_delay(7, p, std::nullopt, 0.0), 15'000ms) << "32 s is capped at 30 s";
}

TEST(backoff_delay, is_capped_at_max_backoff) {
  const auto p = policy_500ms_to_30s();
  for (const int failures : {7, 8, 10, 20, 31, 32, 64, 1000, std::numeric_limits<int>::max()}) {
    SCOPED_TRACE(failures);
    EXPECT_EQ(backoff_delay(failures, p, std::nullopt, 0.0), 15s);
    EXPECT_EQ(backoff_delay(failures, p, std::nullopt, 1.0), 30s);
  }
}

TEST(backoff_delay, never_decreases_as_failures_grow) {
  const auto p = policy_500ms_to_30s();
  for (const double jitter : {0.0, 0.3, 0.999}) {
    milliseconds previous{0};
    for (int failures = 1; failures <= 40; ++failures) {
      SCOPED_TRACE(failures);
      const auto d = backoff_delay(failures, p, std::nullopt, jitter);
      EXPECT_GE(d, previous);
      EXPECT_LE(d, p.max_backoff);
      previous = d;
    }
  }
}

TEST(backoff_delay, jitter_spreads_the_wait_over_the_upper_half_of_the_base) {
  const auto p = policy_500ms_to_30s();
  // failures = 4: base 4 s.
  EXPECT_EQ(backoff_delay(4, p, std::nullopt, 0.0), 2000ms);
  EXPECT_EQ(backoff_delay(4, p, std::nullopt, 0.25), 2500ms);
  EXPECT_EQ(backoff_delay(4, p, std::nullopt, 0.5), 3000ms);
  EXPECT_EQ(backoff_delay(4, p, std::nullopt, 0.75), 3500ms);
  EXPECT_EQ(backoff_delay(4, p, std::nullopt, 1.0), 4000ms);
  for (int i = 0; i < 100; ++i) {
    const double jitter = i / 100.0;
    SCOPED_TRACE(jitter);
    const auto d = backoff_delay(4, p, std::nullopt, jitter);
    EXPECT_GE(d, 2000ms);
    EXPECT_LT(d, 4000ms);
  }
}

TEST(backoff_delay, jitter_outside_zero_to_one_is_clamped) {
  const auto p = policy_500ms_to_30s();
  EXPECT_EQ(backoff_delay(4, p, std::nullopt, -3.0), 2000ms);
  EXPECT_EQ(backoff_delay(4, p, std::nullopt, 7.0), 4000ms);
}

TEST(backoff_delay, zero_or_negative_failures_wait_like_the_first) {
  const auto p = policy_500ms_to_30s();
  const auto first = backoff_delay(1, p, std::nullopt, 0.5);
  for (const int failures : {0, -1, -30, -1000, std::numeric_limits<int>::min()}) {
    SCOPED_TRACE(failures);
    EXPECT_EQ(backoff_delay(failures, p, std::nullopt, 0.5), first);
  }
}

TEST(backoff_delay, a_longer_retry_after_wins) {
  const auto p = policy_500ms_to_30s();
  EXPECT_EQ(backoff_delay(1, p, 10s, 0.5), 10s);
  EXPECT_EQ(backoff_delay(10, p, 60s, 1.0), 60s) << "Retry-After may exceed max_backoff";
}

TEST(backoff_delay, a_shorter_retry_after_does_not_shorten_the_backoff) {
  const auto p = policy_500ms_to_30s();
  EXPECT_EQ(backoff_delay(4, p, 1s, 0.0), 2000ms);
  EXPECT_EQ(backoff_delay(4, p, 0ms, 0.5), 3000ms);
}

TEST(backoff_delay, retry_after_is_capped_at_max_retry_after) {
  const auto p = policy_500ms_to_30s();
  EXPECT_EQ(backoff_delay(1, p, 120s, 0.0), 120s);
  EXPECT_EQ(backoff_delay(1, p, 121s, 0.0), 120s);
  EXPECT_EQ(backoff_delay(1, p, milliseconds{999'999'999LL * 1000}, 0.0), 120s);
}

TEST(backoff_delay, the_retry_after_cap_follows_the_policy) {
  auto p = policy_500ms_to_30s();
  p.max_retry_after = 5s;
  EXPECT_EQ(backoff_delay(1, p, 60s, 0.0), 5s);
  EXPECT_EQ(backoff_delay(10, p, 60s, 1.0), 30s) << "a capped Retry-After never shortens the backoff";
}

TEST(backoff_delay, the_default_policy_starts_at_half_a_second) {
  const retry_policy p;
  EXPECT_EQ(p.max_attempts, 4);
  EXPECT_EQ(backoff_delay(1, p, std::nullopt, 1.0), 500ms);
  EXPECT_EQ(backoff_delay(100, p, std::nullopt, 1.0), p.max_backoff);
}

}  // namespace
}  // namespace rootwatch::net

namespace rootwatch::net {
namespace {

using namespace std::chrono_literals;

// A server whose clock is 10 minutes off asks for "2 s from now" as a date on its own clock:
// read against its Date header that is 2 s, whichever way our clock is off.
TEST(server_now, a_retry_after_date_is_read_on_the_servers_clock) {
  const timestamp ours = from_unix_seconds(1'764'460'800);  // Sun, 30 Nov 2025 00:00:00 GMT
  struct skewed {
    const char* date;      // the server's Date header
    const char* retry_at;  // its Retry-After: two seconds later on its clock
    milliseconds on_our_clock;
  };
  for (const skewed& s : {skewed{"Sun, 30 Nov 2025 00:10:00 GMT", "Sun, 30 Nov 2025 00:10:02 GMT", 602s},
                          skewed{"Sat, 29 Nov 2025 23:50:00 GMT", "Sat, 29 Nov 2025 23:50:02 GMT", 0s}}) {
    EXPECT_EQ(parse_retry_after(s.retry_at, server_now(s.date, ours)), milliseconds{2000}) << s.date;
    // What reading it on our own clock would have made of it: ten minutes of silence, or none.
    EXPECT_EQ(parse_retry_after(s.retry_at, ours), s.on_our_clock) << s.date;
  }
}

TEST(server_now, falls_back_to_our_clock_without_a_readable_date) {
  const timestamp ours = from_unix_seconds(1'764'460'800);
  EXPECT_EQ(server_now(std::nullopt, ours), ours);
  EXPECT_EQ(server_now("yesterday", ours), ours);
  EXPECT_EQ(server_now("", ours), ours);
}

}  // namespace
}  // namespace rootwatch::net
