// The hostile fault switches of the fake Azure (issue 5's fault matrix): resets, stalls,
// oversize and badly typed answers, echoed secrets, tokens expiring mid-listing, a skewed clock
// and AADSTS errors. The daemon's side is in tests/e2e/fault_matrix_test.cpp.

#include "common/text.hpp"
#include "fake/azure_wire.hpp"
#include "fake/wire_codec.hpp"
#include "unit/fake/azure_fixture.hpp"

namespace rootwatch::fake {
namespace {

class hostile_faults : public azure_test {
 protected:
  void SetUp() override {
    azure_test::SetUp();
    for (int i = 0; i < 3; ++i) {
      role_assignment a;
      a.role_definition_id = std::string(user_access_administrator_id);
      a.principal_id = "00000000-0000-4000-8000-00000000000" + std::to_string(i);
      azure_->add_assignment(a);
    }
    azure_->set_page_size(2);
    token_ = app_token();
  }

  result<net::response> list(milliseconds timeout = milliseconds(5'000)) {
    return arm("GET", std::string(list_path), token_, {}, timeout);
  }

  static fault on_list(fault_kind kind) {
    fault f;
    f.route = azure_route::role_assignments;
    f.kind = kind;
    return f;
  }

  std::string token_;
};

TEST_F(hostile_faults, reset_gives_no_answer_at_all) {
  azure_->inject_fault(on_list(fault_kind::reset));
  EXPECT_FALSE(list());
  EXPECT_EQ(list()->status, 200);
}

TEST_F(hostile_faults, stall_holds_the_body_until_the_client_gives_up) {
  auto f = on_list(fault_kind::stall);
  f.delay = milliseconds(60'000);
  azure_->inject_fault(f);
  const auto r = list(milliseconds(500));
  ASSERT_FALSE(r);
}

TEST_F(hostile_faults, oversize_is_a_body_of_the_given_size) {
  auto f = on_list(fault_kind::oversize);
  f.size_bytes = 3 * 1024 * 1024;
  azure_->inject_fault(f);
  const auto r = list();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_GT(r->body.size(), f.size_bytes);
  EXPECT_TRUE(json::accept(r->body));
}

TEST_F(hostile_faults, invalid_utf8_spoils_one_string_field) {
  auto f = on_list(fault_kind::invalid_utf8);
  f.field = "value[].properties.principalType";
  azure_->inject_fault(f);
  const auto r = list();
  ASSERT_TRUE(r);
  EXPECT_FALSE(is_valid_utf8(r->body));
  EXPECT_NE(r->body.find("User\xC3\x28\xFF"), std::string::npos);
}

TEST_F(hostile_faults, wrong_types_retypes_the_named_field_of_every_item) {
  auto f = on_list(fault_kind::wrong_types);
  f.field = "value[].properties.scope";
  f.count = 2;
  azure_->inject_fault(f);
  const json page = body_of(list());
  ASSERT_TRUE(page.is_object());
  for (const auto& item : page.at("value")) {
    EXPECT_TRUE(item.at("properties").at("scope").is_number());
  }
  f.field = "nextLink";
  azure_->clear_faults();
  azure_->inject_fault(f);
  EXPECT_TRUE(body_of(list()).at("nextLink").is_number());
  f.route = azure_route::token;
  f.field = "expires_in";
  azure_->inject_fault(f);
  const auto t = post_token(form({{"grant_type", "client_credentials"},
                                  {"client_id", app_id},
                                  {"client_secret", app_secret},
                                  {"scope", arm_scope}}));
  EXPECT_TRUE(json::parse(t.body).at("expires_in").is_string());
}

TEST_F(hostile_faults, echo_on_the_token_route_repeats_the_form_and_the_secret) {
  fault f;
  f.route = azure_route::token;
  f.kind = fault_kind::echo;
  azure_->inject_fault(f);
  const std::string body = form({{"grant_type", "client_credentials"},
                                 {"client_id", app_id},
                                 {"client_secret", app_secret},
                                 {"scope", arm_scope}});
  const auto r = post_token(body);
  EXPECT_EQ(r.status, 401);
  const json j = json::parse(r.body);
  EXPECT_EQ(j.at("error"), body);
  const std::string description = j.at("error_description");
  EXPECT_NE(description.find(app_secret), std::string::npos);
  EXPECT_NE(description.find(form_encode_value(app_secret)), std::string::npos);
}

TEST_F(hostile_faults, echo_on_arm_repeats_the_bearer_token_in_a_403) {
  azure_->inject_fault(on_list(fault_kind::echo));
  const auto r = list();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_NE(json::parse(r->body).at("error").at("message").get<std::string>().find("Bearer " + token_),
            std::string::npos);
}

TEST_F(hostile_faults, expire_token_on_page_one_fails_the_second_page) {
  auto f = on_list(fault_kind::expire_token);
  f.page = 1;
  azure_->inject_fault(f);
  const json first = body_of(list());
  ASSERT_TRUE(first.at("nextLink").is_string());
  const auto second = arm("GET", first.at("nextLink").get<std::string>(), token_);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 401);
  EXPECT_EQ(json::parse(second->body).at("error").at("code"), "ExpiredAuthenticationToken");
}

TEST_F(hostile_faults, status_faults_take_a_message_or_a_raw_body) {
  auto f = on_list(fault_kind::status);
  f.status = 403;
  f.message = "x";
  for (int i = 0; i < 400; ++i) {
    *f.message += "\xC3\xA9";
  }
  azure_->inject_fault(f);
  const json j = body_of(list());
  EXPECT_EQ(j.at("error").at("message"), *f.message);

  f.body = std::string("{\"error\":\xFF}");
  azure_->inject_fault(f);
  EXPECT_EQ(list()->body, *f.body);
}

TEST_F(hostile_faults, aadsts_codes_on_the_token_route) {
  for (const auto& [code, status, error] :
       std::vector<std::tuple<int, int, std::string>>{{7000215, 401, "invalid_client"},
                                                      {700016, 400, "unauthorized_client"},
                                                      {90033, 503, "temporarily_unavailable"}}) {
    fault f;
    f.route = azure_route::token;
    f.status = status;
    f.aadsts = code;
    azure_->inject_fault(f);
    const auto r = post_token(form({{"grant_type", "client_credentials"}, {"scope", arm_scope}}));
    EXPECT_EQ(r.status, status);
    const json j = json::parse(r.body);
    EXPECT_EQ(j.at("error"), error);
    EXPECT_EQ(j.at("error_codes").at(0), code);
    EXPECT_TRUE(j.at("error_description").get<std::string>().starts_with("AADSTS" + std::to_string(code) + ":"));
  }
}

TEST_F(hostile_faults, a_skewed_clock_shows_in_dates_and_token_times) {
  azure_->set_clock_offset(seconds(600));
  const auto t = post_token(form({{"grant_type", "client_credentials"},
                                  {"client_id", app_id},
                                  {"client_secret", app_secret},
                                  {"scope", arm_scope}}));
  const json j = json::parse(t.body);
  const auto now = to_unix_seconds(std::chrono::system_clock::now());
  const auto not_before = std::stoll(j.at("not_before").get<std::string>());
  EXPECT_GE(not_before, now + 590);
  EXPECT_LE(not_before, now + 610);
  EXPECT_EQ(std::stoll(j.at("expires_on").get<std::string>()) - not_before, 3599);

  auto f = on_list(fault_kind::status);
  f.status = 429;
  azure_->inject_fault(f);
  const auto r = list();
  ASSERT_TRUE(r);
  const std::string date(r->header_value("Date").value_or(""));
  EXPECT_TRUE(date.ends_with(" GMT")) << date;
  EXPECT_TRUE(r->header_value("Retry-After").value_or("").ends_with(" GMT"));
  EXPECT_EQ(format_http_date(timestamp{} + std::chrono::seconds(784887151)), "Tue, 15 Nov 1994 08:12:31 GMT");
}

}  // namespace
}  // namespace rootwatch::fake
