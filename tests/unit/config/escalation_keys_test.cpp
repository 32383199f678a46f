// [[rule]] escalate_after and escalate_to: read into the rule, and every mistake named with its
// key and file:line like the other rule keys.

#include "config/load.hpp"
#include "support/config_text.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace rootwatch::config {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;

// Seven lines: a valid tenant, so that rule lines start at 8.
const std::string tenant = testing_support::tenant_table();

constexpr std::string_view rule_head = R"([[rule]]
name = "owners"
scopes = ["/providers/Microsoft.Management/managementGroups/*"]
roles = ["Owner"]
severity = "high"
)";

load_result load_rule(std::string_view extra) {
  return load_string(tenant + std::string(rule_head) + std::string(extra), "rules.toml");
}

std::string all_messages(const load_result& r) {
  return testing_support::problem_lines(r);
}

problem only_problem(const load_result& r) {
  EXPECT_FALSE(r.value);
  EXPECT_EQ(r.problems.size(), 1u) << all_messages(r);
  return r.problems.empty() ? problem{} : r.problems.front();
}

TEST(EscalationKeys, OffByDefault) {
  const auto r = load_rule("");
  ASSERT_TRUE(r.value) << all_messages(r);
  EXPECT_FALSE(r.value->rules[0].escalate_after);
  EXPECT_EQ(r.value->rules[0].escalate_to, engine::severity::critical);
}

TEST(EscalationKeys, AreRead) {
  const auto r = load_rule("escalate_after = \"1d12h\"\nescalate_to = \"high\"\n");
  ASSERT_TRUE(r.value) << all_messages(r);
  EXPECT_EQ(r.value->rules[0].escalate_after, 36h);
  EXPECT_EQ(r.value->rules[0].escalate_to, engine::severity::high);
}

TEST(EscalationKeys, EscalateToDefaultsToCritical) {
  const auto r = load_rule("escalate_after = \"24h\"\n");
  ASSERT_TRUE(r.value) << all_messages(r);
  EXPECT_EQ(r.value->rules[0].escalate_after, 24h);
  EXPECT_EQ(r.value->rules[0].escalate_to, engine::severity::critical);
}

TEST(EscalationKeys, UnknownSeverityIsNamedWithItsLine) {
  const problem p = only_problem(load_rule("escalate_after = \"24h\"\nescalate_to = \"urgent\"\n"));
  EXPECT_EQ(p.file, "rules.toml");
  EXPECT_EQ(p.key, "rule[0].escalate_to");
  EXPECT_EQ(p.line, 14);
  EXPECT_THAT(p.message, HasSubstr("is not one of critical, high, medium, low, info"));
}

TEST(EscalationKeys, BadDurationIsNamedWithItsLine) {
  const problem p = only_problem(load_rule("escalate_after = \"soon\"\n"));
  EXPECT_EQ(p.key, "rule[0].escalate_after");
  EXPECT_EQ(p.line, 13);
}

TEST(EscalationKeys, ZeroIsRejected) {
  const problem p = only_problem(load_rule("escalate_after = \"0s\"\n"));
  EXPECT_EQ(p.key, "rule[0].escalate_after");
  EXPECT_EQ(p.line, 13);
}

TEST(EscalationKeys, EscalateToWithoutEscalateAfterIsAMistake) {
  const problem p = only_problem(load_rule("escalate_to = \"high\"\n"));
  EXPECT_EQ(p.key, "rule[0].escalate_to");
  EXPECT_EQ(p.line, 13);
  EXPECT_THAT(p.message, HasSubstr("without escalate_after"));
}

TEST(EscalationKeys, MisspeltKeyGetsASuggestion) {
  const problem p = only_problem(load_rule("escalate_afer = \"24h\"\n"));
  EXPECT_EQ(p.key, "rule[0].escalate_afer");
  EXPECT_EQ(p.line, 13);
  EXPECT_THAT(p.message, HasSubstr("escalate_after"));
}

}  // namespace
}  // namespace rootwatch::config
