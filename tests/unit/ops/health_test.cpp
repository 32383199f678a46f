#include "ops/health.hpp"

#include "common/json.hpp"
#include "common/metrics.hpp"
#include "net/http_types.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace rootwatch::ops {
namespace {

net::server_request get(std::string target, std::string method = "GET") {
  net::server_request req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.remote_address = "127.0.0.1";
  return req;
}

std::string content_type(const net::server_response& res) {
  const auto v = net::find_header(res.headers, "Content-Type");
  return v ? std::string(*v) : std::string{};
}

class health_handler_test : public ::testing::Test {
 protected:
  net::server_response ask(std::string target, std::string method = "GET") {
    const auto handler = health_handler(state, stats);
    return handler(get(std::move(target), std::move(method)));
  }

  json healthz_body(const std::string& target = "/healthz") {
    const auto res = ask(target);
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(content_type(res), "application/json");
    const json body = json::parse(res.body, nullptr, false);
    EXPECT_FALSE(body.is_discarded()) << res.body;
    return body;
  }

  health_state state;
  metrics stats;
};

// --- /healthz ---

TEST_F(health_handler_test, healthz_without_tenants_is_ok) {
  const auto body = healthz_body();
  EXPECT_EQ(body["status"], "ok");
  EXPECT_TRUE(body["tenants"].is_object());
  EXPECT_TRUE(body["tenants"].empty());
}

TEST_F(health_handler_test, healthz_is_ok_when_every_tenant_is_watched) {
  tenant_health t;
  t.checked = true;
  t.ok = true;
  t.last_success = timestamp{} + std::chrono::seconds{1739268000};
  t.firing = 2;
  state.tenants["contoso"] = t;
  state.tenants["fabrikam"] = t;
  const auto body = healthz_body();
  EXPECT_EQ(body["status"], "ok");
  ASSERT_TRUE(body["tenants"].contains("contoso"));
  const auto& c = body["tenants"]["contoso"];
  EXPECT_EQ(c["ok"], true);
  EXPECT_EQ(c["consecutive_failures"], 0);
  EXPECT_EQ(c["last_success"], "2025-02-11T10:00:00Z");
  EXPECT_EQ(c["last_error"], "");
  EXPECT_EQ(c["firing"], 2);
}

TEST_F(health_handler_test, healthz_is_degraded_but_still_200_when_a_tenant_cannot_see) {
  tenant_health good;
  good.checked = true;
  good.ok = true;
  tenant_health blind;
  blind.checked = true;
  blind.ok = false;
  blind.consecutive_failures = 4;
  blind.last_error = "arm role assignments answered 403 AuthorizationFailed: \"quoted\" \\ and\nnewline";
  state.tenants["contoso"] = good;
  state.tenants["fabrikam"] = blind;
  const auto body = healthz_body();
  EXPECT_EQ(body["status"], "degraded");
  const auto& f = body["tenants"]["fabrikam"];
  EXPECT_EQ(f["ok"], false);
  EXPECT_EQ(f["consecutive_failures"], 4);
  EXPECT_TRUE(f["last_success"].is_null());
  EXPECT_EQ(f["last_error"], blind.last_error);
}

TEST_F(health_handler_test, healthz_stays_json_when_an_error_was_cut_inside_a_multibyte_character) {
  tenant_health blind;
  blind.checked = true;
  blind.ok = false;
  // "ü" is two bytes; an error message cut at a byte limit can end after the first.
  blind.last_error = std::string("role Überwachung refused: \xc3");
  state.tenants["contoso"] = blind;
  const auto body = healthz_body();
  EXPECT_EQ(body["status"], "degraded");
  EXPECT_TRUE(body["tenants"]["contoso"]["last_error"].is_string());
}

TEST_F(health_handler_test, healthz_follows_the_live_state) {
  const auto handler = health_handler(state, stats);
  EXPECT_EQ(json::parse(handler(get("/healthz")).body)["status"], "ok");
  state.tenants["contoso"].ok = false;
  EXPECT_EQ(json::parse(handler(get("/healthz")).body)["status"], "starting") << "no cycle has finished yet";
  state.tenants["contoso"].checked = true;
  EXPECT_EQ(json::parse(handler(get("/healthz")).body)["status"], "degraded");
  state.tenants["contoso"].ok = true;
  EXPECT_EQ(json::parse(handler(get("/healthz")).body)["status"], "ok");
}

TEST_F(health_handler_test, the_alertmanager_style_alias_and_a_query_string_answer_the_same) {
  state.tenants["contoso"].checked = true;
  state.tenants["contoso"].ok = false;
  EXPECT_EQ(ask("/-/healthy").body, ask("/healthz").body);
  EXPECT_EQ(ask("/healthz?verbose=1").body, ask("/healthz").body);
  EXPECT_EQ(healthz_body("/-/healthy")["status"], "degraded");
}

TEST_F(health_handler_test, head_is_answered_like_get) {
  EXPECT_EQ(ask("/healthz", "HEAD").status, 200);
  EXPECT_EQ(ask("/readyz", "HEAD").status, 503);
}

// --- /readyz ---

struct readiness_case {
  bool ready;
  bool stopping;
  int status;
  std::string body;
};

TEST_F(health_handler_test, readyz_is_503_while_starting_200_when_ready_and_503_while_stopping) {
  const std::vector<readiness_case> cases{
      {false, false, 503, "starting\n"},
      {true, false, 200, "ready\n"},
      {true, true, 503, "stopping\n"},
      {false, true, 503, "stopping\n"},
  };
  for (const auto& c : cases) {
    for (const std::string target : {"/readyz", "/-/ready"}) {
      SCOPED_TRACE(target + (c.ready ? " ready" : " not ready") + (c.stopping ? " stopping" : ""));
      state.ready = c.ready;
      state.stopping = c.stopping;
      const auto res = ask(target);
      EXPECT_EQ(res.status, c.status);
      EXPECT_EQ(res.body, c.body);
      EXPECT_EQ(content_type(res), "text/plain");
    }
  }
}

TEST_F(health_handler_test, readiness_does_not_depend_on_tenant_health) {
  state.ready = true;
  state.tenants["contoso"].ok = false;
  EXPECT_EQ(ask("/readyz").status, 200);
}

// --- /metrics, unknown paths, methods ---

TEST_F(health_handler_test, metrics_are_the_exposition_in_prometheus_text_format) {
  stats.describe("rootwatch_cycles_total", metrics::type::counter, "Watch cycles.");
  stats.add("rootwatch_cycles_total", {{"tenant", "contoso"}});
  const auto res = ask("/metrics");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(content_type(res), "text/plain; version=0.0.4");
  EXPECT_EQ(res.body, stats.exposition());
  EXPECT_NE(res.body.find("rootwatch_cycles_total{tenant=\"contoso\"} 1\n"), std::string::npos) << res.body;
}

TEST_F(health_handler_test, unknown_paths_are_404) {
  for (const std::string target : {"/", "/health", "/healthz/", "/metrics/x", "/READYZ", "/-/reload", ""}) {
    SCOPED_TRACE(target);
    const auto res = ask(target);
    EXPECT_EQ(res.status, 404);
    EXPECT_EQ(content_type(res), "text/plain");
  }
}

TEST_F(health_handler_test, other_methods_are_405_with_allow) {
  for (const std::string method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "get"}) {
    for (const std::string target : {"/healthz", "/readyz", "/metrics", "/-/reload", "/nope"}) {
      SCOPED_TRACE(method + " " + target);
      const auto res = ask(target, method);
      EXPECT_EQ(res.status, 405);
      EXPECT_EQ(net::find_header(res.headers, "Allow"), "GET, HEAD");
    }
  }
}

// --- health_state ---

TEST(health_state, the_status_line_counts_tenants_firing_and_pending) {
  health_state s;
  s.tenants["contoso"].ok = true;
  s.tenants["contoso"].firing = 1;
  s.tenants["fabrikam"].ok = false;
  s.tenants["fabrikam"].checked = true;
  s.tenants["fabrikam"].firing = 2;
  s.pending_deliveries = 5;
  EXPECT_TRUE(s.degraded());
  EXPECT_EQ(s.status_line(), "1/2 tenants watched, 3 assignments firing, 5 deliveries pending");
  EXPECT_FALSE(health_state{}.degraded());
  EXPECT_EQ(health_state{}.status_line(), "0/0 tenants watched, 0 assignments firing, 0 deliveries pending");
}

}  // namespace
}  // namespace rootwatch::ops
