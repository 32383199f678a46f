// The real binary names each snapshot source of a tenant in /healthz and /metrics (issue 6 §1,
// "Health per source"): with what this version gathers, that is "arm", the authoritative one,
// which says ok while it answers and error, with the cause, while it fails.

#include "e2e/harness.hpp"
#include "fake/test_client.hpp"

#include <gtest/gtest.h>

#include <csignal>

namespace rootwatch::e2e {
namespace {

json arm_health(std::uint16_t port) {
  const auto body = http_get_local(port, "/healthz").body;
  const json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.contains("tenants") || !parsed["tenants"].contains("contoso")) {
    return json::object();
  }
  const json& tenant = parsed["tenants"]["contoso"];
  if (!tenant.contains("sources") || !tenant["sources"].contains("arm")) {
    return json::object();
  }
  return tenant["sources"]["arm"];
}

TEST(source_health, healthz_and_metrics_name_the_arm_source_and_its_failure) {
  environment env;
  env.listen = "127.0.0.1:0";
  env.write_config("1s");
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const auto port = health_port_in_log(daemon);
  ASSERT_NE(port, 0) << daemon.err();
  ASSERT_TRUE(wait_until([&] { return arm_health(port).value("status", "") == "ok"; }))
      << http_get_local(port, "/healthz").body << daemon.err();
  EXPECT_EQ(arm_health(port)["authoritative"], true);
  ASSERT_TRUE(wait_until([&] {
    return http_get_local(port, "/metrics").body.find("rootwatch_source_up{tenant=\"contoso\",source=\"arm\"} 1") !=
           std::string::npos;
  })) << http_get_local(port, "/metrics").body;

  fake::fault f;
  f.route = fake::azure_route::role_assignments;
  f.status = 403;  // not retried: the cause shows in the first failed cycle
  f.count = std::nullopt;
  env.azure().inject_fault(f);
  ASSERT_TRUE(wait_until([&] { return arm_health(port).value("status", "") == "error"; }))
      << http_get_local(port, "/healthz").body;
  EXPECT_NE(arm_health(port).value("last_error", "").find("403"), std::string::npos) << arm_health(port).dump();
  ASSERT_TRUE(wait_until([&] {
    return http_get_local(port, "/metrics").body.find("rootwatch_source_up{tenant=\"contoso\",source=\"arm\"} 0") !=
           std::string::npos;
  })) << http_get_local(port, "/metrics").body;

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

}  // namespace
}  // namespace rootwatch::e2e
