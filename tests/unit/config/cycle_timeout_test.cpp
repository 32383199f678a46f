// [[tenant]] cycle_timeout: the one deadline of a cycle's gathering (design invariant 9).

#include "config/load.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace rootwatch::config {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;

// A valid tenant whose line 4 is `extra` (keep it one line, or empty).
std::string tenant_with(const std::string& extra) {
  return "[[tenant]]\n"
         "name = \"contoso\"\n"
         "tenant_id = \"00000000-0000-0000-0000-000000000000\"\n" +
         extra +
         "\n"
         "  [tenant.credential]\n"
         "  kind = \"client_secret\"\n"
         "  client_id = \"11111111-1111-1111-1111-111111111111\"\n"
         "  client_secret_file = \"contoso\"\n";
}

tenant_settings tenant_of(const std::string& extra) {
  const auto loaded = load_string(tenant_with(extra), "rootwatch.toml");
  for (const auto& p : loaded.problems) {
    ADD_FAILURE() << p.to_string();
  }
  if (!loaded.value || loaded.value->tenants.empty()) {
    throw std::runtime_error("the configuration did not load");
  }
  return loaded.value->tenants.front();
}

problem only_problem(const std::string& extra) {
  const auto loaded = load_string(tenant_with(extra), "rootwatch.toml");
  EXPECT_FALSE(loaded.value) << "loaded although cycle_timeout is wrong";
  EXPECT_EQ(loaded.problems.size(), 1u);
  return loaded.problems.empty() ? problem{} : loaded.problems.front();
}

TEST(cycle_timeout, defaults_to_the_poll_interval_when_that_is_shorter_than_5m) {
  EXPECT_EQ(tenant_of("").cycle_timeout, 60s) << "the default poll_interval is 60s";
  EXPECT_EQ(tenant_of("poll_interval = \"90s\"").cycle_timeout, 90s);
  EXPECT_EQ(tenant_of("poll_interval = \"1s\"").cycle_timeout, 1s);
}

TEST(cycle_timeout, defaults_to_5m_for_longer_poll_intervals) {
  EXPECT_EQ(tenant_of("poll_interval = \"5m\"").cycle_timeout, 5min);
  EXPECT_EQ(tenant_of("poll_interval = \"6h\"").cycle_timeout, 5min);
}

TEST(cycle_timeout, an_explicit_value_wins_either_way) {
  EXPECT_EQ(tenant_of("cycle_timeout = \"2s\"").cycle_timeout, 2s);
  EXPECT_EQ(tenant_of("cycle_timeout = \"20m\"").cycle_timeout, 20min) << "longer than the default is allowed";
  EXPECT_EQ(tenant_of("cycle_timeout = \"1h\"").cycle_timeout, 1h);
}

TEST(cycle_timeout, zero_is_refused_with_its_place) {
  const problem p = only_problem("cycle_timeout = \"0s\"");
  EXPECT_EQ(p.key, "tenant[0].cycle_timeout");
  EXPECT_EQ(p.line, 4);
  EXPECT_EQ(p.message, "must be at least 1s, not 0s");
  EXPECT_THAT(p.to_string(), HasSubstr("rootwatch.toml:4:"));
}

TEST(cycle_timeout, more_than_an_hour_is_refused) {
  const problem p = only_problem("cycle_timeout = \"2h\"");
  EXPECT_EQ(p.key, "tenant[0].cycle_timeout");
  EXPECT_EQ(p.line, 4);
  EXPECT_THAT(p.message, HasSubstr("must be at most 1h"));
}

TEST(cycle_timeout, a_number_or_a_bad_duration_is_refused) {
  EXPECT_THAT(only_problem("cycle_timeout = 30").message, HasSubstr("expected a duration string"));
  EXPECT_THAT(only_problem("cycle_timeout = \"soon\"").message, HasSubstr("invalid duration 'soon'"));
}

}  // namespace
}  // namespace rootwatch::config
