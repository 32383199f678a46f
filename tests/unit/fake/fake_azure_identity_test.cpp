// The fake's managed identity endpoint and federated-token check are as strict as Azure's:
// a client that gets them wrong must fail here, not pass against the fake.

#include "unit/fake/azure_fixture.hpp"

#include <gmock/gmock.h>

namespace rootwatch::fake {
namespace {

using testing::HasSubstr;

constexpr std::string_view imds_query = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=";

class fake_identity_test : public azure_test {
 protected:
  void SetUp() override {
    azure_test::SetUp();
    auto base = azure_->serve_identity_endpoint();
    ASSERT_TRUE(base) << base.error().message;
    base_ = *base;
    azure_->add_managed_identity({"", "4c3b2a19-0f8e-4d7c-8b6a-594837261504", "", true, "vm"});
  }

  net::response get(const std::string& target, std::vector<net::header> headers) {
    auto r = fetch(ca_.ca_pem(), "GET", base_ + target, std::move(headers), "");
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : net::response{};
  }

  std::string base_;
};

TEST_F(fake_identity_test, imds_answers_strings_for_a_resource_uri_with_the_metadata_header) {
  const auto r = get(std::string(imds_query) + "https%3A%2F%2Fmanagement.azure.com%2F", {{"Metadata", "true"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = json::parse(r.body);
  EXPECT_TRUE(j.at("expires_on").is_string());
  EXPECT_TRUE(j.at("expires_in").is_string());
  EXPECT_EQ(j.at("resource"), "https://management.azure.com/");
  // The token works on ARM like any other.
  const auto listed = arm("GET", std::string(list_path), j.at("access_token").get<std::string>());
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->status, 200);
}

TEST_F(fake_identity_test, imds_refuses_what_azure_refuses) {
  const std::string ok_resource = "https%3A%2F%2Fmanagement.azure.com%2F";
  EXPECT_THAT(get(std::string(imds_query) + ok_resource, {}).body, HasSubstr("bad_request_102"));
  EXPECT_EQ(get(std::string(imds_query) + ok_resource, {{"Metadata", "true"}, {"X-Forwarded-For", "1.2.3.4"}}).status,
            400);
  EXPECT_THAT(
      get(std::string(imds_query) + "https%3A%2F%2Fmanagement.azure.com%2F.default", {{"Metadata", "true"}}).body,
      HasSubstr("invalid_resource"));
  EXPECT_THAT(get(std::string(imds_query) + ok_resource + "&client_id=00000000-0000-4000-8000-000000000009",
                  {{"Metadata", "true"}})
                  .body,
              HasSubstr("Identity not found"));
}

TEST_F(fake_identity_test, a_registered_federated_token_is_accepted_as_assertion_and_no_other) {
  azure_->add_federated_token(std::string(app_id), "federated-token-registered");
  const auto form_with = [](std::string_view assertion) {
    return form({{"grant_type", "client_credentials"},
                 {"client_id", app_id},
                 {"scope", arm_scope},
                 {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
                 {"client_assertion", assertion}});
  };
  EXPECT_EQ(post_token(form_with("federated-token-registered")).status, 200);
  const auto refused = post_token(form_with("federated-token-unknown"));
  EXPECT_EQ(refused.status, 401);
  EXPECT_THAT(refused.body, HasSubstr("AADSTS700027"));
}

}  // namespace
}  // namespace rootwatch::fake
