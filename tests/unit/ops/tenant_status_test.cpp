// /healthz per tenant: "failing" from the first failed cycle on, with the error, while the
// endpoint stays 200 and the body's status says "degraded".

#include "common/json.hpp"
#include "common/metrics.hpp"
#include "ops/health.hpp"

#include <gtest/gtest.h>

namespace rootwatch::ops {
namespace {

json healthz(const health_state& state) {
  metrics stats;
  net::server_request req;
  req.method = "GET";
  req.target = "/healthz";
  const auto res = health_handler(state, stats)(req);
  EXPECT_EQ(res.status, 200);
  return json::parse(res.body, nullptr, false);
}

TEST(tenant_status, starting_then_ok_then_failing_from_the_first_failed_cycle) {
  health_state state;
  state.ready = true;
  state.tenants["contoso"] = {};
  EXPECT_EQ(healthz(state)["tenants"]["contoso"]["status"], "starting");

  auto& t = state.tenants["contoso"];
  t.checked = true;
  t.ok = true;
  EXPECT_EQ(healthz(state)["tenants"]["contoso"]["status"], "ok");

  t.ok = false;
  t.consecutive_failures = 1;
  t.last_error = "the cycle did not finish within cycle_timeout = 2s";
  const auto body = healthz(state);
  EXPECT_EQ(body["status"], "degraded");
  EXPECT_EQ(body["tenants"]["contoso"]["status"], "failing");
  EXPECT_EQ(body["tenants"]["contoso"]["consecutive_failures"], 1);
  EXPECT_EQ(body["tenants"]["contoso"]["last_error"], t.last_error);
}

}  // namespace
}  // namespace rootwatch::ops
