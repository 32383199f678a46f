// Which alerts a sink takes, and the start-up warning about alerts no sink takes.

#include "sinks/routing.hpp"
#include "config/load.hpp"
#include "support/config_text.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rootwatch::sinks {
namespace {

using engine::severity;
using testing::HasSubstr;

store::route_facts facts(std::string kind, severity level, std::string tenant = "contoso") {
  return store::route_facts{std::move(kind), level, "tid-" + tenant, std::move(tenant)};
}

config::sink_settings sink() {
  config::sink_settings s;
  s.name = "soc";
  return s;
}

TEST(routing, a_sink_without_filters_takes_everything) {
  for (const auto level : {severity::info, severity::low, severity::medium, severity::high, severity::critical}) {
    EXPECT_TRUE(takes(sink(), facts("assignment.created", level)));
    EXPECT_TRUE(takes(sink(), facts("watch.delivery_failed", level, "other")));
  }
}

TEST(routing, severity_is_a_minimum) {
  auto s = sink();
  s.min_severity = severity::high;
  EXPECT_FALSE(takes(s, facts("assignment.created", severity::info)));
  EXPECT_FALSE(takes(s, facts("assignment.created", severity::medium)));
  EXPECT_TRUE(takes(s, facts("assignment.created", severity::high)));
  EXPECT_TRUE(takes(s, facts("assignment.created", severity::critical)));
}

TEST(routing, kinds_are_exact_or_a_family) {
  auto s = sink();
  s.kinds = {"assignment.removed", "watch.*"};
  EXPECT_TRUE(takes(s, facts("assignment.removed", severity::info)));
  EXPECT_FALSE(takes(s, facts("assignment.created", severity::critical)));
  EXPECT_TRUE(takes(s, facts("watch.degraded", severity::high)));
  EXPECT_TRUE(takes(s, facts("watch.delivery_failed", severity::high)));
  EXPECT_FALSE(takes(s, facts("watchful", severity::high)));
  EXPECT_FALSE(takes(s, facts("elevation.event", severity::critical)));
}

TEST(routing, tenants_match_by_name_or_id) {
  auto s = sink();
  s.tenants = {"contoso", "tid-fabrikam"};
  EXPECT_TRUE(takes(s, facts("assignment.created", severity::info, "contoso")));
  EXPECT_TRUE(takes(s, facts("assignment.created", severity::info, "fabrikam")));
  EXPECT_FALSE(takes(s, facts("assignment.created", severity::info, "northwind")));
  store::route_facts no_tenant{"assignment.created", severity::info, "", ""};
  EXPECT_FALSE(takes(s, no_tenant));
}

TEST(routing, the_router_keeps_rows_of_a_sink_it_does_not_know) {
  auto s = sink();
  s.min_severity = severity::critical;
  const auto route = make_router({s});
  EXPECT_FALSE(route("soc", facts("assignment.created", severity::low)));
  EXPECT_TRUE(route("gone", facts("assignment.created", severity::low)));
}

config::settings settings_of(const std::string& sinks) {
  const std::string text = testing_support::tenant_table() + R"(
[[rule]]
name = "root"
scopes = ["/"]
roles = ["*"]
severity = "critical"

[[rule]]
name = "mg"
scopes = ["/providers/Microsoft.Management/managementGroups/x"]
roles = ["*"]
severity = "medium"
)" + sinks;
  auto r = config::load_string(text, "w.toml");
  EXPECT_TRUE(r.value) << (r.problems.empty() ? "" : r.problems[0].to_string());
  return r.value.value_or(config::settings{});
}

TEST(routing, warns_about_what_no_sink_takes) {
  const auto cfg = settings_of(R"([[sink]]
name = "pager"
kind = "webhook"
url = "https://hooks.example.net/a"
severity = "critical"
kinds = ["assignment.*", "elevation.event"]
)");
  const auto w = unrouted_alerts(cfg);
  std::string all;
  for (const auto& line : w) {
    all += line + "\n";
  }
  EXPECT_THAT(all, HasSubstr("no sink takes assignment.created alerts (medium) about tenant contoso"));
  EXPECT_THAT(all, HasSubstr("no sink takes watch.degraded alerts (high) about tenant contoso"));
  EXPECT_THAT(all, HasSubstr("watch.delivery_failed"));
  EXPECT_THAT(all, testing::Not(HasSubstr("(critical)"))) << "critical is taken";
}

TEST(routing, no_warning_when_something_takes_every_alert) {
  const auto cfg = settings_of(R"([[sink]]
name = "pager"
kind = "webhook"
url = "https://hooks.example.net/a"
severity = "critical"

[[sink]]
name = "all"
kind = "webhook"
url = "https://hooks.example.net/b"
)");
  EXPECT_TRUE(unrouted_alerts(cfg).empty());
  EXPECT_TRUE(unrouted_alerts(settings_of("")).empty()) << "no sink at all: alerts wait, said elsewhere";
}

}  // namespace
}  // namespace rootwatch::sinks
