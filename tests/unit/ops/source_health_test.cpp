// /healthz names each snapshot source of a tenant with its last result (issue 6 §1: "/healthz
// and /metrics say which source is failing"), and a failing secondary source does not turn the
// tenant or the process degraded: what decides presence is still complete.

#include "ops/health.hpp"

#include "common/json.hpp"
#include "common/metrics.hpp"
#include "net/http_types.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rootwatch::ops {
namespace {

json healthz(const health_state& state) {
  metrics stats;
  net::server_request req;
  req.method = "GET";
  req.target = "/healthz";
  req.remote_address = "127.0.0.1";
  const auto res = health_handler(state, stats)(req);
  EXPECT_EQ(res.status, 200);
  const json body = json::parse(res.body, nullptr, false);
  EXPECT_FALSE(body.is_discarded()) << res.body;
  return body;
}

TEST(source_health_json, each_source_is_listed_inside_its_tenant_with_its_last_result) {
  health_state state;
  auto& t = state.tenants["contoso"];
  t.checked = true;
  t.ok = true;
  const auto when = *parse_iso8601("2025-03-01T12:00:00Z");
  source_health arm;
  arm.ok = true;
  arm.authoritative = true;
  arm.last_result = when;
  arm.last_success = when;
  t.sources["arm"] = arm;
  source_health arg;
  arg.ok = false;
  arg.last_result = when;
  arg.last_error = "HTTP 403 AuthorizationFailed: grant Reader at \"/\"";
  arg.consecutive_failures = 4;
  arg.degraded = true;
  arg.disagreements = 2;
  t.sources["resource_graph"] = arg;

  const json body = healthz(state);
  EXPECT_EQ(body["status"], "ok") << "a failing secondary source leaves the watch complete";
  const json& sources = body["tenants"]["contoso"]["sources"];
  ASSERT_TRUE(sources.is_object()) << body.dump();
  EXPECT_EQ(sources["arm"]["status"], "ok");
  EXPECT_EQ(sources["arm"]["authoritative"], true);
  EXPECT_EQ(sources["arm"]["last_success"], "2025-03-01T12:00:00Z");
  EXPECT_EQ(sources["resource_graph"]["status"], "error");
  EXPECT_EQ(sources["resource_graph"]["authoritative"], false);
  EXPECT_EQ(sources["resource_graph"]["last_error"], "HTTP 403 AuthorizationFailed: grant Reader at \"/\"");
  EXPECT_EQ(sources["resource_graph"]["consecutive_failures"], 4);
  EXPECT_EQ(sources["resource_graph"]["degraded"], true);
  EXPECT_EQ(sources["resource_graph"]["disagreements"], 2);
  EXPECT_TRUE(sources["resource_graph"]["last_success"].is_null());
}

TEST(source_health_json, a_tenant_before_its_first_cycle_lists_no_sources) {
  health_state state;
  state.tenants["contoso"] = {};
  const json body = healthz(state);
  EXPECT_TRUE(body["tenants"]["contoso"]["sources"].is_object());
  EXPECT_TRUE(body["tenants"]["contoso"]["sources"].empty());
}

}  // namespace
}  // namespace rootwatch::ops
