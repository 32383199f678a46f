// The real binary with sources = ["arm", "resource_graph"] against the fake Azure, whose
// Resource Graph writes the same assignments its own way (lower-case types, upper-case role
// GUIDs, createdOn with 3 fractional digits): one created alert with both sources as
// evidence, no false removal while Resource Graph is throttled, and ARM still deciding
// removals while Resource Graph cannot answer.

#include "e2e/harness.hpp"
#include "fake/test_client.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <set>
#include <thread>

namespace rootwatch::e2e {
namespace {

TEST(resource_graph_source, both_sources_see_one_assignment_and_a_throttled_graph_never_removes_it) {
  environment env;
  write_config_with_sources(env, R"("arm", "resource_graph")");
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const auto port = health_port_in_log(daemon);
  ASSERT_NE(port, 0) << daemon.err();
  ASSERT_TRUE(wait_until([&] { return source_health(port, "resource_graph").value("status", "") == "ok"; }))
      << http_get_local(port, "/healthz").body << daemon.err();

  const std::string name = env.elevate();
  ASSERT_TRUE(wait_accepted(env, "assignment.created")) << daemon.err();
  const auto created = accepted(env.receiver().deliveries(), "assignment.created");
  ASSERT_EQ(created.size(), 1u);
  // Both sources listed it, each in its own format: one alert, with both as evidence.
  EXPECT_EQ(evidence_sources(created[0]), (std::set<std::string>{"arm", "resource_graph"})) << created[0].body;
  EXPECT_GT(env.azure().request_count(fake::azure_route::resource_graph), 0u);

  // Resource Graph's quota is used up for a minute: that source fails, ARM still decides, and
  // the assignment stays exactly as it was.
  env.azure().exhaust_graph_quota(seconds{60});
  ASSERT_TRUE(wait_until([&] { return source_health(port, "resource_graph").value("status", "") == "error"; }))
      << http_get_local(port, "/healthz").body;
  EXPECT_EQ(source_health(port, "arm").value("status", ""), "ok");
  std::this_thread::sleep_for(milliseconds{2'500});
  EXPECT_TRUE(accepted(env.receiver().deliveries(), "assignment.removed").empty()) << daemon.err();

  // A real removal, seen by the authoritative ARM list while Resource Graph still cannot
  // answer, is reported.
  ASSERT_TRUE(env.azure().remove_assignment(name));
  ASSERT_TRUE(wait_accepted(env, "assignment.removed")) << daemon.err();
  const auto removed = accepted(env.receiver().deliveries(), "assignment.removed");
  EXPECT_EQ(removed[0].body_json->value("correlation_key", "x"), created[0].body_json->value("correlation_key", "y"));

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

}  // namespace
}  // namespace rootwatch::e2e
