// A sink's routing (severity, kinds, tenants) and pacing (concurrency, min_interval) keys, and
// the outbox's bound in [daemon].

#include "config/load.hpp"
#include "support/config_text.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rootwatch::config {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;

const std::string tenants = testing_support::tenant_table("contoso") + "\n" +
                            testing_support::tenant_table("fabrikam", "00000000-0000-0000-0000-000000000001");

load_result load(std::string_view rest) {
  return load_string(tenants + std::string(rest), "routing.toml");
}

std::string messages(const load_result& r) {
  return testing_support::problem_lines(r);
}

TEST(sink_routing_keys, defaults_take_everything_with_four_lanes) {
  const auto r = load("[[sink]]\nname = \"soc\"\nkind = \"webhook\"\nurl = \"https://hooks.example.net/a\"\n");
  ASSERT_TRUE(r.value) << messages(r);
  const auto& s = r.value->sinks.at(0);
  EXPECT_EQ(s.min_severity, engine::severity::info);
  EXPECT_TRUE(s.kinds.empty());
  EXPECT_TRUE(s.tenants.empty());
  EXPECT_EQ(s.concurrency, 4);
  EXPECT_EQ(s.min_interval, 0ms);
  EXPECT_EQ(r.value->daemon.outbox_limit, 10'000);
  EXPECT_EQ(r.value->daemon.outbox_retention, 30 * 24h);
}

TEST(sink_routing_keys, all_keys_read) {
  const auto r = load(R"([daemon]
outbox_limit = 500
outbox_retention = "7d"

[[sink]]
name = "pager"
kind = "webhook"
url = "https://hooks.example.net/a"
severity = "high"
kinds = ["assignment.created", "watch.*"]
tenants = ["fabrikam", "00000000-0000-0000-0000-000000000000"]
concurrency = 1
min_interval = "250ms"
)");
  ASSERT_TRUE(r.value) << messages(r);
  const auto& s = r.value->sinks.at(0);
  EXPECT_EQ(s.min_severity, engine::severity::high);
  EXPECT_EQ(s.kinds, (std::vector<std::string>{"assignment.created", "watch.*"}));
  EXPECT_EQ(s.tenants.size(), 2u);
  EXPECT_EQ(s.concurrency, 1);
  EXPECT_EQ(s.min_interval, 250ms);
  EXPECT_EQ(r.value->daemon.outbox_limit, 500);
  EXPECT_EQ(r.value->daemon.outbox_retention, 7 * 24h);
}

TEST(sink_routing_keys, slack_paces_one_message_a_second_unless_told) {
  const auto r = load(R"([[sink]]
name = "chat"
kind = "slack"
url = "https://hooks.slack.com/services/T/B/x"

[[sink]]
name = "chat2"
kind = "slack"
url = "https://hooks.slack.com/services/T/B/y"
min_interval = "2s"
)");
  ASSERT_TRUE(r.value) << messages(r);
  EXPECT_EQ(r.value->sinks.at(0).min_interval, 1s);
  EXPECT_EQ(r.value->sinks.at(1).min_interval, 2s);
}

TEST(sink_routing_keys, mistakes_name_the_key_and_line) {
  const auto r = load(R"([[sink]]
name = "soc"
kind = "webhook"
url = "https://hooks.example.net/a"
severity = "urgent"
kinds = ["assignment.created", "assignment.craeted"]
tenants = ["contoso", "northwind"]
concurrency = 0
min_interval = "2h"

[daemon]
outbox_limit = 3
)");
  ASSERT_FALSE(r.value);
  const auto text = messages(r);
  EXPECT_THAT(text, HasSubstr("routing.toml:20:"));
  EXPECT_THAT(text, HasSubstr("sink[0].kinds[1]"));
  EXPECT_THAT(text, HasSubstr("did you mean 'assignment.created'"));
  EXPECT_THAT(text, HasSubstr("routing.toml:22:23: sink[0].tenants[1]"));
  EXPECT_THAT(text, HasSubstr("sink[0].concurrency"));
  EXPECT_THAT(text, HasSubstr("sink[0].min_interval"));
  EXPECT_THAT(text, HasSubstr("daemon.outbox_limit"));
}

TEST(sink_routing_keys, an_empty_list_is_refused_rather_than_routing_nothing) {
  const auto r = load(R"([[sink]]
name = "soc"
kind = "webhook"
url = "https://hooks.example.net/a"
kinds = []
tenants = []
)");
  ASSERT_FALSE(r.value);
  const auto text = messages(r);
  EXPECT_THAT(text, HasSubstr("sink[0].kinds: an empty list"));
  EXPECT_THAT(text, HasSubstr("sink[0].tenants: an empty list"));
}

}  // namespace
}  // namespace rootwatch::config
