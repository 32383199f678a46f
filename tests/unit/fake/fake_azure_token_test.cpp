#include "unit/fake/azure_fixture.hpp"

namespace rootwatch::fake {
namespace {

class token_endpoint : public azure_test {
 protected:
  std::string good_client(std::string_view secret, std::string_view scope = arm_scope,
                          std::string_view client = app_id) {
    return form(
        {{"grant_type", "client_credentials"}, {"client_id", client}, {"client_secret", secret}, {"scope", scope}});
  }

  // Checks the §1.4 error shape and returns the body.
  static json expect_aad_error(const net::response& r, int status, std::string_view error, int aadsts) {
    EXPECT_EQ(r.status, status) << r.body;
    const json j = json::parse(r.body, nullptr, false);
    EXPECT_EQ(j.value("error", ""), error) << r.body;
    EXPECT_EQ(j.value("error_codes", json::array()), json::array({aadsts}));
    const std::string description = j.value("error_description", "");
    EXPECT_TRUE(description.starts_with("AADSTS" + std::to_string(aadsts) + ": ")) << description;
    EXPECT_NE(description.find("\r\nTrace ID: "), std::string::npos);
    EXPECT_NE(description.find("\r\nCorrelation ID: "), std::string::npos);
    EXPECT_NE(description.find("\r\nTimestamp: "), std::string::npos);
    EXPECT_TRUE(j.contains("trace_id") && j.contains("correlation_id") && j.contains("timestamp"));
    EXPECT_EQ(j.value("error_uri", ""), "https://login.microsoftonline.com/error?code=" + std::to_string(aadsts));
    return j;
  }
};

TEST_F(token_endpoint, client_credentials_success_has_the_v2_shape) {
  const auto r = post_token(good_client(app_secret));
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = json::parse(r.body);
  EXPECT_EQ(j.at("token_type"), "Bearer");
  EXPECT_TRUE(j.at("expires_in").is_number_integer());
  EXPECT_EQ(j.at("expires_in"), 3599);
  EXPECT_EQ(j.at("ext_expires_in"), 3599);
  EXPECT_FALSE(j.at("access_token").get<std::string>().empty());
  EXPECT_EQ(r.header_value("Content-Type"), "application/json; charset=utf-8");
}

TEST_F(token_endpoint, token_lifetime_is_configurable_and_tokens_differ) {
  azure_->set_token_lifetime(seconds(120));
  const auto a = json::parse(post_token(good_client(app_secret)).body);
  const auto b = json::parse(post_token(good_client(app_secret)).body);
  EXPECT_EQ(a.at("expires_in"), 120);
  EXPECT_NE(a.at("access_token"), b.at("access_token"));
}

TEST_F(token_endpoint, http_basic_client_authentication_is_accepted) {
  const std::string basic = base64_encode(std::string(app_id) + ":" + form_encode(app_secret));
  auto r = fetch(ca_.ca_pem(), "POST", azure_->token_url(),
                 {{"Content-Type", "application/x-www-form-urlencoded"}, {"Authorization", "Basic " + basic}},
                 form({{"grant_type", "client_credentials"}, {"scope", arm_scope}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

TEST_F(token_endpoint, password_grant_for_a_user) {
  EXPECT_FALSE(user_token().empty());
}

TEST_F(token_endpoint, unknown_tenant) {
  const auto r = post_token(good_client(app_secret), "00000000-0000-0000-0000-00000000dead");
  expect_aad_error(r, 400, "invalid_request", 90002);
}

TEST_F(token_endpoint, mirrored_tenants_answer_for_any_guid_and_only_when_asked) {
  const std::string other = "0a1b2c3d-0000-4000-8000-00000000beef";
  expect_aad_error(post_token(good_client(app_secret), other), 400, "invalid_request", 90002);
  auto r = fetch(ca_.ca_pem(), "POST", azure_->base_url() + "/_fake/settings", {}, R"({"mirror_tenants":true})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body).at("mirror_tenants"), true);
  EXPECT_EQ(post_token(good_client(app_secret), other).status, 200);
  // Still a tenant id: a GUID, not any path.
  expect_aad_error(post_token(good_client(app_secret), "contoso"), 400, "invalid_request", 90002);
  r = fetch(ca_.ca_pem(), "POST", azure_->base_url() + "/_fake/settings", {}, R"({"mirror_tenants":false})");
  ASSERT_TRUE(r);
  expect_aad_error(post_token(good_client(app_secret), other), 400, "invalid_request", 90002);
}

TEST_F(token_endpoint, unknown_client) {
  const auto r = post_token(good_client(app_secret, arm_scope, "99999999-9999-4999-8999-999999999999"));
  expect_aad_error(r, 400, "unauthorized_client", 700016);
}

TEST_F(token_endpoint, wrong_secret_is_401_and_never_echoed) {
  const std::string wrong = "wr0ng-s3cret-value";
  const auto r = post_token(good_client(wrong));
  expect_aad_error(r, 401, "invalid_client", 7000215);
  EXPECT_EQ(r.body.find(wrong), std::string::npos);
  EXPECT_EQ(r.body.find(app_secret), std::string::npos);
}

TEST_F(token_endpoint, missing_secret) {
  const auto r = post_token(form({{"grant_type", "client_credentials"}, {"client_id", app_id}, {"scope", arm_scope}}));
  expect_aad_error(r, 401, "invalid_client", 7000216);
}

TEST_F(token_endpoint, wrong_password_and_unknown_user) {
  const auto wrong = post_token(
      form({{"grant_type", "password"}, {"username", admin_upn}, {"password", "not it"}, {"scope", arm_scope}}));
  expect_aad_error(wrong, 400, "invalid_grant", 50126);
  EXPECT_EQ(wrong.body.find("not it"), std::string::npos);
  const auto unknown = post_token(form(
      {{"grant_type", "password"}, {"username", "nobody@contoso.example"}, {"password", "x"}, {"scope", arm_scope}}));
  expect_aad_error(unknown, 400, "invalid_grant", 50034);
}

TEST_F(token_endpoint, scope_must_end_in_dot_default) {
  expect_aad_error(post_token(good_client(app_secret, "https://management.azure.com/user_impersonation")), 400,
                   "invalid_scope", 70011);
  expect_aad_error(post_token(good_client(app_secret, "https://management.azure.com/.default openid")), 400,
                   "invalid_scope", 70011);
}

TEST_F(token_endpoint, grant_type_missing_or_unsupported) {
  expect_aad_error(post_token(form({{"client_id", app_id}, {"scope", arm_scope}})), 400, "invalid_request", 900144);
  expect_aad_error(post_token(form({{"grant_type", "authorization_code"}, {"scope", arm_scope}})), 400,
                   "unsupported_grant_type", 70003);
}

TEST_F(token_endpoint, get_is_refused) {
  auto r = fetch(ca_.ca_pem(), "GET", azure_->token_url());
  ASSERT_TRUE(r);
  expect_aad_error(*r, 400, "invalid_request", 900561);
}

TEST_F(token_endpoint, client_request_id_comes_back_as_correlation_id) {
  const std::string id = "5b0e8a2c-1d3f-4e5a-9b7c-0d1e2f3a4b5c";
  auto r =
      fetch(ca_.ca_pem(), "POST", azure_->token_url(),
            {{"Content-Type", "application/x-www-form-urlencoded"}, {"client-request-id", id}}, good_client("wrong"));
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body).at("correlation_id"), id);
}

TEST_F(token_endpoint, requests_are_recorded_and_secrets_stay_in_the_body) {
  (void)app_token();
  const auto recorded = azure_->requests();
  ASSERT_EQ(recorded.size(), 1U);
  EXPECT_EQ(recorded[0].route, azure_route::token);
  EXPECT_EQ(recorded[0].status, 200);
  EXPECT_EQ(recorded[0].target.find(form_encode(app_secret)), std::string::npos);
  EXPECT_NE(recorded[0].body.find(form_encode(app_secret)), std::string::npos);
  EXPECT_EQ(recorded[0].note.find(app_secret), std::string::npos);
  EXPECT_EQ(azure_->request_count(azure_route::token), 1U);
  EXPECT_EQ(azure_->request_count(azure_route::any), 1U);
}

}  // namespace
}  // namespace rootwatch::fake
