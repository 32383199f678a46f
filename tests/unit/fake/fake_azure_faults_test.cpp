#include "unit/fake/azure_fixture.hpp"

#include <chrono>

namespace rootwatch::fake {
namespace {

class faults : public azure_test {
 protected:
  void SetUp() override {
    azure_test::SetUp();
    for (int i = 0; i < 5; ++i) {
      role_assignment a;
      a.role_definition_id = std::string(user_access_administrator_id);
      a.principal_id = "00000000-0000-4000-8000-00000000000" + std::to_string(i);
      azure_->add_assignment(a);
    }
    token_ = app_token();
  }

  result<net::response> list(milliseconds timeout = milliseconds(5'000)) {
    return arm("GET", std::string(list_path), token_, {}, timeout);
  }

  std::string token_;
};

TEST_F(faults, throttling_with_retry_after_for_the_next_count_requests) {
  fault f;
  f.route = azure_route::role_assignments;
  f.status = 429;
  f.retry_after_seconds = 7;
  f.count = 2;
  azure_->inject_fault(f);
  for (int i = 0; i < 2; ++i) {
    const auto r = list();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 429);
    EXPECT_EQ(r->header_value("Retry-After"), "7");
    EXPECT_EQ(json::parse(r->body).at("error").at("code"), "TenantRequestsThrottled");
  }
  const auto after = list();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
  EXPECT_TRUE(azure_->faults().empty());
}

TEST_F(faults, a_fault_forever_lasts_until_cleared) {
  fault f;
  f.status = 503;
  f.count.reset();
  azure_->inject_fault(f);
  for (int i = 0; i < 3; ++i) {
    const auto r = list();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(json::parse(r->body).at("error").at("code"), "ServiceUnavailable");
  }
  azure_->clear_faults();
  EXPECT_EQ(list()->status, 200);
}

TEST_F(faults, a_route_fault_leaves_other_routes_alone) {
  fault f;
  f.route = azure_route::role_definitions;
  f.count.reset();
  azure_->inject_fault(f);
  EXPECT_EQ(list()->status, 200);
  const auto r = arm("GET",
                     "/providers/Microsoft.Authorization/roleDefinitions/" + std::string(user_access_administrator_id) +
                         "?api-version=2022-04-01",
                     token_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
}

TEST_F(faults, only_the_named_list_page_fails) {
  fault f;
  f.route = azure_route::role_assignments;
  f.page = 1;
  f.status = 500;
  azure_->inject_fault(f);
  const json first = body_of(list());
  const auto second = arm("GET", first.at("nextLink").get<std::string>(), token_);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 500);
  // The same page again succeeds: the fault was for one request.
  EXPECT_EQ(arm("GET", first.at("nextLink").get<std::string>(), token_)->status, 200);
}

TEST_F(faults, garbage_is_a_200_that_is_not_json) {
  fault f;
  f.kind = fault_kind::garbage;
  azure_->inject_fault(f);
  const auto r = list();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(json::parse(r->body, nullptr, false).is_discarded());
}

TEST_F(faults, wrong_shape_is_json_without_the_expected_fields) {
  fault f;
  f.kind = fault_kind::wrong_shape;
  f.route = azure_route::token;
  azure_->inject_fault(f);
  const auto r = post_token(form({{"grant_type", "client_credentials"},
                                  {"client_id", app_id},
                                  {"client_secret", app_secret},
                                  {"scope", arm_scope}}));
  EXPECT_EQ(r.status, 200);
  const json j = json::parse(r.body);
  EXPECT_FALSE(j.at("access_token").is_string());
  EXPECT_FALSE(j.at("value").is_array());
}

TEST_F(faults, truncate_cuts_the_body_and_the_client_notices) {
  fault f;
  f.kind = fault_kind::truncate;
  azure_->inject_fault(f);
  const auto r = list();
  EXPECT_FALSE(r);
  EXPECT_EQ(list()->status, 200);
  const auto recorded = azure_->requests();
  EXPECT_NE(recorded.at(recorded.size() - 2).note.find("truncate"), std::string::npos);
}

TEST_F(faults, delay_trips_a_short_deadline_and_a_long_one_waits) {
  fault f;
  f.kind = fault_kind::delay;
  f.delay = milliseconds(600);
  f.count = 2;
  azure_->inject_fault(f);
  const auto start = std::chrono::steady_clock::now();
  const auto short_wait = list(milliseconds(150));
  ASSERT_FALSE(short_wait);
  EXPECT_EQ(short_wait.error().kind, error_kind::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(550));
  const auto long_wait = list(milliseconds(5'000));
  ASSERT_TRUE(long_wait);
  EXPECT_EQ(long_wait->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(600));
}

TEST_F(faults, token_route_fault_uses_the_entra_error_shape) {
  fault f;
  f.route = azure_route::token;
  f.status = 503;
  azure_->inject_fault(f);
  const auto r = post_token(form({{"grant_type", "client_credentials"}, {"scope", arm_scope}}));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(json::parse(r.body).at("error"), "temporarily_unavailable");
}

TEST_F(faults, control_routes_arm_list_and_clear_faults) {
  const std::string control = azure_->base_url() + "/_fake/faults";
  auto armed = fetch(ca_.ca_pem(), "POST", control, {{"Content-Type", "application/json"}},
                     R"([{"route":"role_assignments","kind":"status","status":429,"retry_after":2,"forever":true}])");
  ASSERT_TRUE(armed);
  EXPECT_EQ(armed->status, 200) << armed->body;
  ASSERT_EQ(azure_->faults().size(), 1U);
  EXPECT_FALSE(azure_->faults()[0].count);
  EXPECT_EQ(list()->status, 429);

  const auto state = fetch(ca_.ca_pem(), "GET", azure_->base_url() + "/_fake/state");
  ASSERT_TRUE(state);
  const json s = json::parse(state->body);
  EXPECT_EQ(s.at("faults").size(), 1U);
  EXPECT_EQ(s.at("assignments").size(), 5U);
  EXPECT_EQ(state->body.find(app_secret), std::string::npos);
  EXPECT_EQ(state->body.find(admin_password), std::string::npos);

  ASSERT_EQ(fetch(ca_.ca_pem(), "DELETE", control)->status, 200);
  EXPECT_TRUE(azure_->faults().empty());
  EXPECT_EQ(list()->status, 200);

  const auto bad = fetch(ca_.ca_pem(), "POST", control, {}, R"({"route":"nowhere"})");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

TEST(fault_json, round_trip_and_errors) {
  auto f = fault_from_json(json::parse(
      R"({"route":"elevate","kind":"delay","delay_ms":250,"count":3,"page":null,"status":502,"code":"X"})"));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->route, azure_route::elevate);
  EXPECT_EQ(f->kind, fault_kind::delay);
  EXPECT_EQ(f->delay, milliseconds(250));
  EXPECT_EQ(f->count, 3);
  const auto again = fault_from_json(to_json(*f));
  ASSERT_TRUE(again);
  EXPECT_EQ(to_json(*again), to_json(*f));
  EXPECT_FALSE(fault_from_json(json::parse(R"({"kind":"explode"})")));
  EXPECT_FALSE(fault_from_json(json::parse(R"({"status":42})")));
  EXPECT_FALSE(fault_from_json(json::parse(R"({"count":0})")));
  EXPECT_FALSE(fault_from_json(json::parse(R"([1])")));
}

}  // namespace
}  // namespace rootwatch::fake
