// `rootwatch run` end to end: detection, signed delivery, resolution, retries, clean stop.

#include "e2e/harness.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <csignal>
#include <thread>

namespace rootwatch::e2e {
namespace {

bool has_kind(const std::vector<fake::delivery>& all, const std::string& kind) {
  return !accepted(all, kind).empty();
}

TEST(daemon, created_and_removed_alerts_arrive_signed_and_share_a_correlation_key) {
  environment env;
  env.write_config("1s");
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const std::string name = env.elevate();

  ASSERT_TRUE(env.receiver().wait_for([](const auto& d) { return has_kind(d, "assignment.created"); }, wait_long))
      << daemon.err();
  const auto created = accepted(env.receiver().deliveries(), "assignment.created").front();
  ASSERT_TRUE(created.signature_valid.has_value());
  EXPECT_TRUE(*created.signature_valid) << created.signature_problem;
  const auto& alert = *created.body_json;
  EXPECT_EQ(alert["schema"], "rootwatch.alert/v1");
  EXPECT_EQ(alert["status"], "firing");
  EXPECT_EQ(alert["severity"], "critical");
  EXPECT_EQ(alert["tenant"]["id"], env.tenant_id());
  EXPECT_EQ(alert["tenant"]["name"], "contoso");
  EXPECT_EQ(alert["assignment"]["scope"], "/");
  EXPECT_EQ(alert["assignment"]["id"], "/providers/Microsoft.Authorization/roleAssignments/" + name);
  EXPECT_EQ(alert["assignment"]["role"]["id"], "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9");
  EXPECT_EQ(alert["assignment"]["role"]["name"], "User Access Administrator");
  EXPECT_EQ(alert["assignment"]["principal"]["type"], "User");
  EXPECT_EQ(created.header("webhook-id").value_or(""), alert["id"].get<std::string>());
  EXPECT_TRUE(created.header("webhook-timestamp").has_value());

  ASSERT_TRUE(env.azure().remove_assignment(name));
  ASSERT_TRUE(env.receiver().wait_for([](const auto& d) { return has_kind(d, "assignment.removed"); }, wait_long))
      << daemon.err();
  const auto removed = accepted(env.receiver().deliveries(), "assignment.removed").front();
  EXPECT_TRUE(removed.signature_valid.value_or(false)) << removed.signature_problem;
  EXPECT_EQ((*removed.body_json)["status"], "resolved");
  EXPECT_EQ((*removed.body_json)["correlation_key"], alert["correlation_key"]);
  EXPECT_NE((*removed.body_json)["id"], alert["id"]);

  daemon.signal(SIGTERM);
  const auto code = daemon.wait(milliseconds{15'000});
  ASSERT_TRUE(code.has_value()) << "rootwatch did not stop within 15 s of SIGTERM";
  EXPECT_EQ(*code, 0) << daemon.err();
  EXPECT_NE(daemon.err().find("stopped"), std::string::npos) << daemon.err();
  // Exactly one accepted delivery per alert: no duplicates while everything works.
  EXPECT_EQ(accepted(env.receiver().deliveries(), "assignment.created").size(), 1u);
  EXPECT_EQ(accepted(env.receiver().deliveries(), "assignment.removed").size(), 1u);
}

TEST(daemon, a_receiver_that_fails_three_times_still_gets_the_alert_from_the_outbox) {
  environment env;
  env.write_config("1s");
  env.receiver().fail_next(3, 503);
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  env.elevate();

  ASSERT_TRUE(env.receiver().wait_for([](const auto& d) { return has_kind(d, "assignment.created"); }, wait_long))
      << daemon.err();
  const auto all = env.receiver().deliveries();
  ASSERT_EQ(all.size(), 4u) << daemon.err();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(all[static_cast<std::size_t>(i)].status, 503);
  }
  EXPECT_EQ(all[3].status, 200);
  // One alert, one id, on every attempt; each attempt signed anew.
  for (const auto& d : all) {
    EXPECT_EQ(d.header("webhook-id").value_or(""), all[3].header("webhook-id").value_or("-"));
    EXPECT_TRUE(d.signature_valid.value_or(false)) << d.signature_problem;
  }
  EXPECT_NE(daemon.err().find("not delivered (attempt 3)"), std::string::npos) << daemon.err();
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

TEST(daemon, sigterm_during_a_slow_delivery_still_stops_within_the_grace_period) {
  environment env;
  sink_options slow;
  slow.timeout = "60s";  // longer than the 5 s grace: the delivery has to be cancelled
  env.write_config("1s", "alert", slow);
  env.receiver().delay_next(1, milliseconds{20'000});
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  env.elevate();
  // The receiver answers that delivery only after 20 s; by now rootwatch is waiting for it.
  std::this_thread::sleep_for(milliseconds{2'500});
  daemon.signal(SIGTERM);
  const auto code = daemon.wait(milliseconds{15'000});
  ASSERT_TRUE(code.has_value()) << "not stopped within 15 s";
  EXPECT_EQ(*code, 0) << daemon.err();
  EXPECT_NE(daemon.err().find("still busy after the 5s grace period; cancelling them"), std::string::npos)
      << daemon.err();
}

// A listing that hangs past the grace period is cancelled; the other sources, the logs and
// the names must not be asked after that (every co_await of a cancelled coroutine throws),
// and the watcher must end as interrupted, not as a crashed part of rootwatch (exit 1).
TEST(daemon, sigterm_during_a_hanging_listing_with_every_source_still_exits_0) {
  environment env;
  env.write_config("1s");
  set_tenant_keys(env, "cycle_timeout = \"60s\"", "info");
  {
    std::ifstream in(env.config_path());
    std::stringstream text;
    text << in.rdbuf();
    std::string config = text.str();
    const std::string only_arm = "sources = [\"arm\"]";
    const auto at = config.find(only_arm);
    ASSERT_NE(at, std::string::npos);
    config.replace(at, only_arm.size(), "sources = [\"arm\", \"resource_graph\", \"activity_log\", \"entra_audit\"]");
    std::ofstream(env.config_path(), std::ios::trunc) << config;
  }
  fake::fault hang;
  hang.route = fake::azure_route::role_assignments;
  hang.kind = fake::fault_kind::stall;
  hang.delay = milliseconds{120'000};
  hang.count = std::nullopt;
  env.azure().inject_fault(hang);
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  ASSERT_TRUE(wait_until([&] { return env.azure().request_count(fake::azure_route::role_assignments) > 0; }))
      << daemon.err();
  std::this_thread::sleep_for(milliseconds{500});
  daemon.signal(SIGTERM);
  const auto code = daemon.wait(milliseconds{20'000});
  ASSERT_TRUE(code.has_value()) << "not stopped within 20 s";
  EXPECT_EQ(*code, 0) << daemon.err();
  EXPECT_EQ(daemon.err().find("critical"), std::string::npos) << daemon.err();
}

}  // namespace
}  // namespace rootwatch::e2e
