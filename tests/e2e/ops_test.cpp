// The operator's side of `rootwatch run`: health, readiness and metrics on the listener, and
// SIGHUP reloads that validate first and keep the running configuration on failure.

#include "e2e/harness.hpp"
#include "fake/test_client.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <regex>
#include <thread>

namespace rootwatch::e2e {
namespace {

TEST(operations, health_readiness_and_metrics_tell_the_truth) {
  environment env;
  env.listen = "127.0.0.1:0";
  env.write_config("1s");
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const auto port = health_port_in_log(daemon);
  ASSERT_NE(port, 0) << daemon.err();
  ASSERT_TRUE(wait_until([&] { return http_get_local(port, "/readyz").status == 200; })) << daemon.err();
  env.elevate();
  ASSERT_TRUE(
      env.receiver().wait_for([](const auto& d) { return !accepted(d, "assignment.created").empty(); }, wait_long));
  ASSERT_TRUE(wait_until([&] {
    return http_get_local(port, "/metrics").body.find("rootwatch_alerts_firing{tenant=\"contoso\"} 1") !=
           std::string::npos;
  })) << http_get_local(port, "/metrics").body;
  const auto metrics = http_get_local(port, "/metrics").body;
  EXPECT_NE(metrics.find("rootwatch_deliveries_total{sink=\"soc\",result=\"delivered\"} 1"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("# TYPE rootwatch_cycles_total counter"), std::string::npos);
  EXPECT_EQ(json::parse(http_get_local(port, "/healthz").body)["status"], "ok");

  // The watcher goes blind: still alive, but degraded, and nothing is inferred.
  fake::fault f;
  f.route = fake::azure_route::role_assignments;
  f.status = 500;
  f.count = std::nullopt;
  env.azure().inject_fault(f);
  ASSERT_TRUE(wait_until([&] {
    const auto body = http_get_local(port, "/healthz").body;
    return !body.empty() && json::parse(body)["status"] == "degraded";
  })) << http_get_local(port, "/healthz").body;
  EXPECT_EQ(http_get_local(port, "/healthz").status, 200);
  EXPECT_TRUE(accepted(env.receiver().deliveries(), "assignment.removed").empty());

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

TEST(operations, sighup_applies_a_valid_configuration_and_refuses_a_broken_one) {
  environment env;
  env.write_config("1s");
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  ASSERT_TRUE(wait_until([&] { return daemon.err().find("running") != std::string::npos; })) << daemon.err();

  env.write_config("1s", "alert", {}, "[[rule]]\nname = \"typo\"\nscopes = [\"/\"]\nroles = [\"*\"]\nsevrity = 1\n");
  daemon.signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return daemon.err().find("reload refused") != std::string::npos; })) << daemon.err();

  // Only Owner is watched from now on; a User Access Administrator is no longer alerted on.
  env.write_config("1s", "alert", {},
                   "[[rule]]\nname = \"owners-only\"\nscopes = [\"/\"]\nroles = [\"Owner\"]\nseverity = \"high\"\n");
  daemon.signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return daemon.err().find("configuration reloaded") != std::string::npos; }))
      << daemon.err();
  env.elevate();
  fake::role_assignment owner;
  owner.role_definition_id = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
  owner.principal_id = "0b0b0b0b-0000-4000-8000-000000000001";
  env.azure().add_assignment(owner);
  ASSERT_TRUE(
      env.receiver().wait_for([](const auto& d) { return !accepted(d, "assignment.created").empty(); }, wait_long))
      << daemon.err();
  std::this_thread::sleep_for(milliseconds{2'500});
  const auto created = accepted(env.receiver().deliveries(), "assignment.created");
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ((*created.front().body_json)["rule"], "owners-only");
  EXPECT_EQ((*created.front().body_json)["severity"], "high");

  // Two SIGHUPs in quick succession (a config tool writing twice): both are carried out.
  const auto count_reloads = [&] {
    const std::string err = daemon.err();
    std::size_t n = 0;
    for (auto pos = err.find("configuration reloaded"); pos != std::string::npos;
         pos = err.find("configuration reloaded", pos + 1)) {
      ++n;
    }
    return n;
  };
  daemon.signal(SIGHUP);
  std::this_thread::sleep_for(milliseconds{20});
  daemon.signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] { return count_reloads() == 3; })) << daemon.err();

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

}  // namespace
}  // namespace rootwatch::e2e
