// The keys of the slack, teams and pagerduty sinks: which each takes, the PagerDuty routing key
// (from a file or the environment, never inline), and the default Events API URL.

#include "config/load.hpp"
#include "support/config_text.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rootwatch::config {
namespace {

using testing::HasSubstr;
using testing::Not;

const std::string tenant = testing_support::tenant_table();

load_result load(std::string_view sinks) {
  return load_string(tenant + std::string(sinks), "chat.toml");
}

std::string messages(const load_result& r) {
  return testing_support::problem_lines(r);
}

TEST(chat_sink_keys, slack_teams_and_pagerduty_load) {
  const auto r = load(R"([[sink]]
name = "chat"
kind = "slack"
url_file = "slack-url"
[[sink]]
name = "channel"
kind = "teams"
url_env = "TEAMS_URL"
[[sink]]
name = "pager"
kind = "pagerduty"
routing_key_file = "pd-key"
[[sink]]
name = "pager-eu"
kind = "pagerduty"
url = "https://events.eu.pagerduty.com/v2/enqueue"
routing_key_env = "PD_EU_KEY"
)");
  ASSERT_TRUE(r.value) << messages(r);
  const auto& s = r.value->sinks;
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].kind, sink_kind::slack);
  EXPECT_EQ(s[0].url_file, "slack-url");
  EXPECT_EQ(s[1].kind, sink_kind::teams);
  EXPECT_EQ(s[1].url_env, "TEAMS_URL");
  EXPECT_EQ(s[2].kind, sink_kind::pagerduty);
  EXPECT_EQ(s[2].url, "https://events.pagerduty.com/v2/enqueue");
  EXPECT_EQ(s[2].routing_key_file, "pd-key");
  EXPECT_EQ(s[2].routing_key_env, "");
  EXPECT_EQ(s[3].url, "https://events.eu.pagerduty.com/v2/enqueue");
  EXPECT_EQ(s[3].routing_key_env, "PD_EU_KEY");
}

TEST(chat_sink_keys, pagerduty_needs_a_routing_key) {
  const auto r = load(R"([[sink]]
name = "pager"
kind = "pagerduty"
)");
  ASSERT_FALSE(r.value);
  ASSERT_EQ(r.problems.size(), 1u) << messages(r);
  EXPECT_EQ(r.problems[0].key, "sink[0]");
  EXPECT_EQ(r.problems[0].message, "missing the PagerDuty routing key: set routing_key_file or routing_key_env");
}

TEST(chat_sink_keys, an_inline_routing_key_is_refused_and_not_quoted) {
  const auto r = load(R"([[sink]]
name = "pager"
kind = "pagerduty"
routing_key = "R0UT1NGKEYpasted0123456789abcdef"
)");
  ASSERT_FALSE(r.value);
  ASSERT_EQ(r.problems.size(), 1u) << messages(r);
  EXPECT_EQ(r.problems[0].key, "sink[0].routing_key");
  EXPECT_EQ(r.problems[0].line, 11);
  EXPECT_THAT(r.problems[0].message, HasSubstr("routing_key_file"));
  EXPECT_THAT(messages(r), Not(HasSubstr("pasted")));
}

TEST(chat_sink_keys, only_one_routing_key_source) {
  const auto r = load(R"([[sink]]
name = "pager"
kind = "pagerduty"
routing_key_file = "pd-key"
routing_key_env = "PD_KEY"
)");
  ASSERT_FALSE(r.value);
  ASSERT_EQ(r.problems.size(), 1u) << messages(r);
  EXPECT_EQ(r.problems[0].key, "sink[0].routing_key_env");
  EXPECT_EQ(r.problems[0].message, "set only one of routing_key_file and routing_key_env");
}

TEST(chat_sink_keys, a_routing_key_on_another_kind_is_refused) {
  const auto r = load(R"([[sink]]
name = "chat"
kind = "slack"
url_env = "SLACK_URL"
routing_key_env = "PD_KEY"
)");
  ASSERT_FALSE(r.value);
  ASSERT_EQ(r.problems.size(), 1u) << messages(r);
  EXPECT_EQ(r.problems[0].key, "sink[0].routing_key_env");
  EXPECT_EQ(r.problems[0].message, "routing_key_env applies only to pagerduty sinks");
}

TEST(chat_sink_keys, chat_and_paging_sinks_are_not_signed) {
  for (const std::string kind : {"slack", "teams", "pagerduty"}) {
    SCOPED_TRACE(kind);
    const auto r = load("[[sink]]\nname = \"x\"\nkind = \"" + kind +
                        "\"\nurl_env = \"X_URL\"\nrouting_key_env = \"K\"\nsigning_secret_file = \"x-key\"\n");
    ASSERT_FALSE(r.value);
    const auto& problems = r.problems;
    const auto it = std::find_if(problems.begin(), problems.end(),
                                 [](const problem& p) { return p.key == "sink[0].signing_secret_file"; });
    ASSERT_NE(it, problems.end()) << messages(r);
    EXPECT_EQ(it->message,
              "a " + kind + " sink is not signed: its receiver does not check Standard Webhooks signatures");
  }
}

TEST(chat_sink_keys, a_slack_or_teams_sink_still_needs_its_url) {
  const auto r = load(R"([[sink]]
name = "chat"
kind = "slack"
)");
  ASSERT_FALSE(r.value);
  ASSERT_EQ(r.problems.size(), 1u) << messages(r);
  EXPECT_EQ(r.problems[0].message, "missing the destination: set exactly one of url, url_file and url_env");
}

}  // namespace
}  // namespace rootwatch::config
