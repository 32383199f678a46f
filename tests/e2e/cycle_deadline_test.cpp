// Invariant 9 end to end: a cycle has one deadline, cycle_timeout. A listing that is slow on
// every page, or whose nextLink loops, fails the cycle instead of stalling it; /healthz says
// so from the first failed cycle on, watch.degraded goes out after degraded_after, and the
// watcher recovers by itself once Azure answers properly again.

#include "e2e/harness.hpp"
#include "fake/test_client.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <thread>

namespace rootwatch::e2e {
namespace {

// The harness writes the tenant's keys; these go right after its request_timeout line.
void add_tenant_keys(environment& env, const std::string& keys) {
  std::ifstream in(env.config_path());
  std::stringstream text;
  text << in.rdbuf();
  std::string config = text.str();
  const std::string anchor = "request_timeout = \"5s\"\n";
  const auto at = config.find(anchor);
  ASSERT_NE(at, std::string::npos) << config;
  config.insert(at + anchor.size(), keys);
  std::ofstream(env.config_path(), std::ios::trunc) << config;
}

void add_assignments(environment& env, int n) {
  for (int i = 0; i < n; ++i) {
    env.elevate("b0b00000-0000-4000-8000-" + std::string(11, '0') + std::to_string(i));
  }
}

// Every role-assignment page answers `delay` late, until the faults are cleared.
void slow_pages(environment& env, milliseconds delay) {
  fake::fault f;
  f.route = fake::azure_route::role_assignments;
  f.kind = fake::fault_kind::delay;
  f.delay = delay;
  f.count = std::nullopt;
  env.azure().inject_fault(f);
}

// /healthz as JSON (null when it did not answer 200 with JSON).
json healthz(std::uint16_t port) {
  auto r = fake::fetch("", "GET", "http://127.0.0.1:" + std::to_string(port) + "/healthz");
  if (!r || r->status != 200) {
    return json();
  }
  return json::parse(r->body, nullptr, false);
}

std::string tenant_field(const json& health, const std::string& key) {
  if (!health.is_object() || !health.contains("tenants") || !health["tenants"].contains("contoso")) {
    return "";
  }
  const auto& v = health["tenants"]["contoso"][key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

TEST(cycle_deadline, a_slow_or_looping_listing_fails_within_cycle_timeout_and_says_so_until_it_recovers) {
  environment env;
  env.listen = "127.0.0.1:0";
  env.write_config("1s", "silent");
  add_tenant_keys(env, "cycle_timeout = \"2s\"\ndegraded_after = 2\n");
  // Ten pages: at 300 ms a page the listing needs 3 s, each request well inside
  // request_timeout (5s), the whole past cycle_timeout (2s).
  env.azure().set_page_size(1);
  add_assignments(env, 10);
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const auto port = health_port_in_log(daemon);
  ASSERT_NE(port, 0) << daemon.err();
  ASSERT_TRUE(wait_until([&] { return healthz(port)["status"] == "ok"; })) << daemon.err();

  slow_pages(env, milliseconds{300});
  const auto elevated = env.elevate("e1e00000-0000-4000-8000-000000000001");
  json first_failing;
  ASSERT_TRUE(wait_until([&] {
    first_failing = healthz(port);
    return tenant_field(first_failing, "status") == "failing";
  })) << daemon.err();
  // Shown at once, not only after degraded_after: the next cycle is seconds away.
  EXPECT_EQ(tenant_field(first_failing, "consecutive_failures"), "1") << first_failing.dump();
  EXPECT_EQ(first_failing["status"], "degraded");
  EXPECT_NE(tenant_field(first_failing, "last_error").find("cycle_timeout = 2s"), std::string::npos)
      << first_failing.dump();

  ASSERT_TRUE(env.receiver().wait_for([](const auto& d) { return !accepted(d, "watch.degraded").empty(); }, wait_long))
      << daemon.err();
  EXPECT_TRUE(accepted(env.receiver().deliveries(), "assignment.created").empty())
      << "the elevation was on a page no cycle finished";

  // A nextLink that leads back to the first page, on slow pages too: a loop, seen at once.
  env.azure().set_next_link_override(env.azure().base_url() +
                                     "/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01"
                                     "&$filter=atScope()");
  ASSERT_TRUE(wait_until([&] {
    return tenant_field(healthz(port), "last_error").find("nextLink points back") != std::string::npos;
  })) << healthz(port).dump();

  env.azure().set_next_link_override("");
  env.azure().clear_faults();
  ASSERT_TRUE(env.receiver().wait_for([](const auto& d) { return !accepted(d, "watch.recovered").empty(); }, wait_long))
      << daemon.err();
  ASSERT_TRUE(env.receiver().wait_for(
      [&](const std::vector<fake::delivery>& d) {
        for (const auto& a : accepted(d, "assignment.created")) {
          const auto& body = *a.body_json;
          if (body["assignment"]["id"].get<std::string>().find(elevated) != std::string::npos) {
            return true;
          }
        }
        return false;
      },
      wait_long))
      << daemon.err();
  EXPECT_TRUE(wait_until([&] { return tenant_field(healthz(port), "status") == "ok"; }));
  EXPECT_TRUE(accepted(env.receiver().deliveries(), "assignment.removed").empty());

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

TEST(cycle_deadline, check_fails_a_listing_slower_than_cycle_timeout_with_exit_2) {
  environment env;
  env.write_config("1s", "silent");
  add_tenant_keys(env, "cycle_timeout = \"2s\"\n");
  env.azure().set_page_size(1);
  add_assignments(env, 10);
  slow_pages(env, milliseconds{300});
  const auto r = env.run({"check", "--config", env.config_path().string()});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("cycle_timeout = 2s"), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace rootwatch::e2e
