// The real binary with several snapshot sources against the fake Azure (issue 6, "Done when"):
// ARM and Resource Graph disagreeing without a false removal, createdOn written differently
// by the two (and by Resource Graph from one query to the next) without a false removal, and
// Resource Graph paging into its user quota without ever giving a partial snapshot.

#include "common/strings.hpp"
#include "e2e/harness.hpp"
#include "fake/test_client.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <set>

namespace rootwatch::e2e {
namespace {

const std::string both_sources = R"("arm", "resource_graph")";
const std::string graph_alone = R"("resource_graph")";

double cycles(std::uint16_t port, const std::string& result) {
  return metric_sample(port, "rootwatch_cycles_total{tenant=\"contoso\",result=\"" + result + "\"}").value_or(0);
}

// Waits until `n` more cycles of that result have ended: a functional count, not a time.
bool wait_cycles(std::uint16_t port, int n, const std::string& result = "ok") {
  const double from = cycles(port, result);
  return wait_until([&] { return cycles(port, result) >= from + n; }, milliseconds{90'000});
}

std::optional<double> disagreements(std::uint16_t port, const std::string& source) {
  return metric_sample(port, "rootwatch_source_disagreements{tenant=\"contoso\",source=\"" + source + "\"}");
}

bool names(const fake::delivery& d, const std::string& assignment_name) {
  if (!d.body_json || !d.body_json->contains("assignment") || !(*d.body_json)["assignment"].is_object()) {
    return false;
  }
  return to_lower((*d.body_json)["assignment"].value("id", "")).find(to_lower(assignment_name)) != std::string::npos;
}

std::size_t count(environment& env, const std::string& kind) {
  return accepted(env.receiver().deliveries(), kind).size();
}

fake::role_assignment user_access_administrator(const std::string& principal, const std::string& name = {}) {
  fake::role_assignment a;
  a.name = name;
  a.role_definition_id = std::string(fake::user_access_administrator_id);
  a.principal_id = principal;
  a.created_by = principal;
  return a;
}

struct running {
  child daemon;
  std::uint16_t port = 0;
};

// Starts the daemon and waits for its first good cycle.
running start_watching(environment& env) {
  running r{env.start({"run", "--config", env.config_path().string()}), 0};
  r.port = health_port_in_log(r.daemon);
  EXPECT_NE(r.port, 0) << r.daemon.err();
  EXPECT_TRUE(wait_until([&] { return healthz(r.port)["tenants"]["contoso"].value("status", "") == "ok"; }))
      << http_get_local(r.port, "/healthz").body << r.daemon.err();
  return r;
}

void stop(running& r) {
  r.daemon.signal(SIGTERM);
  EXPECT_EQ(r.daemon.wait(milliseconds{15'000}).value_or(-1), 0) << r.daemon.err();
}

TEST(multi_source, a_row_only_one_source_shows_is_counted_never_created_by_graph_nor_removed) {
  environment env;
  write_config_with_sources(env, both_sources);
  // Resource Graph's index has not caught up with this creation yet: it is hidden from ARG
  // from the start.
  const std::string lagging = "0e5a1c2b-7d3f-4a9e-b6c1-2f8d4e6a0b13";
  env.azure().set_graph_hidden(lagging, true);
  auto r = start_watching(env);
  ASSERT_FALSE(HasFailure());

  env.azure().add_assignment(user_access_administrator("a11ce000-0000-4000-8000-000000000001", lagging));
  ASSERT_TRUE(wait_accepted(env, "assignment.created")) << r.daemon.err();
  const auto created = accepted(env.receiver().deliveries(), "assignment.created");
  ASSERT_EQ(created.size(), 1u);
  EXPECT_TRUE(names(created[0], lagging)) << created[0].body;
  EXPECT_EQ(evidence_sources(created[0]), std::set<std::string>{"arm"}) << created[0].body;
  ASSERT_TRUE(wait_until([&] { return disagreements(r.port, "arm") == 1.0; }))
      << http_get_local(r.port, "/metrics").body;
  // Cycles go on with ARG missing it: ARM, the authority, still shows it, so it stays.
  ASSERT_TRUE(wait_cycles(r.port, 3));
  EXPECT_EQ(count(env, "assignment.removed"), 0u) << r.daemon.err();

  // A row that only Resource Graph lists: logged and counted, never alerted as created.
  const auto only =
      env.azure().add_graph_only_assignment(user_access_administrator("b0b00000-0000-4000-8000-000000000002"));
  ASSERT_TRUE(wait_until([&] { return disagreements(r.port, "resource_graph") == 1.0; }))
      << http_get_local(r.port, "/metrics").body;
  ASSERT_TRUE(wait_cycles(r.port, 3));
  EXPECT_NE(r.daemon.err().find("sources disagree on /providers/Microsoft.Authorization/roleAssignments/" + only.name),
            std::string::npos)
      << r.daemon.err();
  for (const auto& d : accepted(env.receiver().deliveries(), "assignment.created")) {
    EXPECT_FALSE(names(d, only.name)) << d.body;
  }
  EXPECT_EQ(count(env, "assignment.created"), 1u);

  // Resource Graph drops that row again: it was never reported, so nothing is removed.
  ASSERT_TRUE(env.azure().remove_graph_only_assignment(only.name));
  ASSERT_TRUE(wait_until([&] { return disagreements(r.port, "resource_graph") == 0.0; }));
  // And catches up with the creation: the sources agree.
  env.azure().set_graph_hidden(lagging, false);
  ASSERT_TRUE(wait_until([&] { return disagreements(r.port, "arm") == 0.0; }));
  ASSERT_TRUE(wait_cycles(r.port, 2));
  EXPECT_EQ(count(env, "assignment.created"), 1u);
  EXPECT_EQ(count(env, "assignment.removed"), 0u) << r.daemon.err();
  EXPECT_EQ(source_health(r.port, "resource_graph").value("status", ""), "ok");
  stop(r);
}

TEST(multi_source, graph_lagging_behind_a_removal_holds_it_until_no_source_shows_it) {
  environment env;
  write_config_with_sources(env, both_sources);
  auto r = start_watching(env);
  ASSERT_FALSE(HasFailure());

  const std::string name = env.elevate();
  ASSERT_TRUE(wait_accepted(env, "assignment.created")) << r.daemon.err();
  const auto created = accepted(env.receiver().deliveries(), "assignment.created");
  ASSERT_EQ(created.size(), 1u);

  // ARM no longer lists it; Resource Graph still does (its copy goes in first, so that no
  // cycle sees it in neither).
  fake::role_assignment copy;
  for (const auto& a : env.azure().assignments()) {
    if (a.name == name) {
      copy = a;
    }
  }
  ASSERT_EQ(copy.name, name);
  env.azure().add_graph_only_assignment(copy);
  ASSERT_TRUE(env.azure().remove_assignment(name));
  ASSERT_TRUE(wait_until([&] { return disagreements(r.port, "resource_graph") == 1.0; }))
      << http_get_local(r.port, "/metrics").body;
  ASSERT_TRUE(wait_cycles(r.port, 3));
  EXPECT_EQ(count(env, "assignment.removed"), 0u) << r.daemon.err();

  // Resource Graph catches up: no source shows it, and that is the one removal.
  ASSERT_TRUE(env.azure().remove_graph_only_assignment(name));
  ASSERT_TRUE(wait_accepted(env, "assignment.removed")) << r.daemon.err();
  ASSERT_TRUE(wait_cycles(r.port, 2));
  const auto removed = accepted(env.receiver().deliveries(), "assignment.removed");
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].body_json->value("correlation_key", "x"), created[0].body_json->value("correlation_key", "y"));
  EXPECT_EQ(count(env, "assignment.created"), 1u);
  stop(r);
}

TEST(multi_source, created_on_written_differently_by_arm_and_graph_is_one_assignment) {
  environment env;
  write_config_with_sources(env, both_sources);
  // Another text for the same instant at every query (whole seconds, +00:00, milliseconds).
  env.azure().set_graph_created_on_style("alternate");
  auto r = start_watching(env);
  ASSERT_FALSE(HasFailure());

  env.elevate();
  ASSERT_TRUE(wait_accepted(env, "assignment.created")) << r.daemon.err();
  const auto created = accepted(env.receiver().deliveries(), "assignment.created");
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(evidence_sources(created[0]), (std::set<std::string>{"arm", "resource_graph"})) << created[0].body;
  ASSERT_TRUE(wait_cycles(r.port, 4));
  // Then a createdOn that moves a minute at every query.
  env.azure().set_graph_created_on_style("drift");
  ASSERT_TRUE(wait_cycles(r.port, 4));

  EXPECT_EQ(count(env, "assignment.created"), 1u);
  EXPECT_EQ(count(env, "assignment.removed"), 0u) << r.daemon.err();
  EXPECT_EQ(disagreements(r.port, "arm"), 0.0) << http_get_local(r.port, "/metrics").body;
  EXPECT_EQ(disagreements(r.port, "resource_graph"), 0.0) << http_get_local(r.port, "/metrics").body;
  EXPECT_EQ(r.daemon.err().find("sources disagree"), std::string::npos) << r.daemon.err();
  stop(r);
}

TEST(multi_source, graph_alone_reads_created_on_in_any_text_as_the_same_assignment) {
  environment env;
  write_config_with_sources(env, graph_alone);
  env.azure().set_graph_created_on_style("alternate");
  auto r = start_watching(env);
  ASSERT_FALSE(HasFailure());

  env.elevate();
  ASSERT_TRUE(wait_accepted(env, "assignment.created")) << r.daemon.err();
  // Every text of the three comes round at least twice.
  ASSERT_TRUE(wait_cycles(r.port, 6));
  EXPECT_EQ(count(env, "assignment.created"), 1u);
  EXPECT_EQ(count(env, "assignment.removed"), 0u) << r.daemon.err();
  stop(r);
}

// Four assignments, one row per page, Resource Graph alone deciding presence, so that a partial
// listing would show as removals.
void four_assignments_one_row_per_page(environment& env) {
  for (int i = 1; i <= 4; ++i) {
    env.elevate("c0ffee00-0000-4000-8000-00000000000" + std::to_string(i));
  }
  env.azure().set_graph_max_rows_per_page(1);
}

TEST(multi_source, graph_paging_waits_for_the_user_quota_inside_the_cycle) {
  environment env;
  write_config_with_sources(env, graph_alone);
  // The deadline leaves room to wait for the quota's reset.
  set_tenant_keys(env, "cycle_timeout = \"30s\"", "info");
  four_assignments_one_row_per_page(env);
  // Three queries per 3 s: every listing of four pages runs out of quota after its third page.
  env.azure().set_graph_quota(3, seconds{3});
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const auto port = health_port_in_log(daemon);
  ASSERT_NE(port, 0) << daemon.err();

  ASSERT_TRUE(env.receiver().wait_for([](const auto& all) { return accepted(all, "assignment.created").size() >= 4; },
                                      milliseconds{60'000}))
      << daemon.err();
  ASSERT_TRUE(wait_cycles(port, 3));
  EXPECT_EQ(count(env, "assignment.created"), 4u);
  EXPECT_EQ(count(env, "assignment.removed"), 0u) << daemon.err();
  EXPECT_EQ(source_health(port, "resource_graph").value("status", ""), "ok") << http_get_local(port, "/healthz").body;
  // Each listing did cross the quota: more queries than the quota allows in one window. The
  // client read x-ms-user-quota-remaining 0 and waited out x-ms-user-quota-resets-after
  // before asking again, so no query was refused.
  EXPECT_GE(env.azure().request_count(fake::azure_route::resource_graph), 16u);
  for (const auto& q : env.azure().requests()) {
    EXPECT_FALSE(q.route == fake::azure_route::resource_graph && q.status == 429) << q.note;
  }
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

TEST(multi_source, graph_quota_running_out_mid_listing_fails_the_source_and_never_removes) {
  environment env;
  write_config_with_sources(env, graph_alone);
  set_tenant_keys(env, "cycle_timeout = \"10s\"", "info");
  four_assignments_one_row_per_page(env);
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const auto port = health_port_in_log(daemon);
  ASSERT_NE(port, 0) << daemon.err();
  ASSERT_TRUE(env.receiver().wait_for([](const auto& all) { return accepted(all, "assignment.created").size() >= 4; },
                                      milliseconds{60'000}))
      << daemon.err();

  // Two queries per 15 s: the listing stops after its second page, and the reset is further
  // off than the client waits (10 s), so the source fails rather than wait or stop short.
  env.azure().set_graph_quota(2, seconds{15});
  ASSERT_TRUE(wait_until([&] { return source_health(port, "resource_graph").value("status", "") == "error"; },
                         milliseconds{60'000}))
      << http_get_local(port, "/healthz").body << daemon.err();
  ASSERT_TRUE(wait_cycles(port, 2, "failed"));
  EXPECT_EQ(count(env, "assignment.removed"), 0u) << daemon.err();

  // The quota is back: the source recovers and nothing was lost or removed.
  env.azure().set_graph_quota(100, seconds{5});
  ASSERT_TRUE(wait_until([&] { return source_health(port, "resource_graph").value("status", "") == "ok"; },
                         milliseconds{60'000}))
      << http_get_local(port, "/healthz").body << daemon.err();
  ASSERT_TRUE(wait_cycles(port, 2));
  EXPECT_EQ(count(env, "assignment.created"), 4u);
  EXPECT_EQ(count(env, "assignment.removed"), 0u) << daemon.err();
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

}  // namespace
}  // namespace rootwatch::e2e
