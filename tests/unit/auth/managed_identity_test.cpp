// The managed identity credential against the fake's identity endpoint (IMDS and App Service
// style), over plain HTTP on loopback as on an Azure host.

#include "auth/managed_identity.hpp"
#include "common/secret_scrub.hpp"
#include "support/azure_env.hpp"
#include "support/run_coro.hpp"

#include <gmock/gmock.h>

namespace rootwatch::auth {
namespace {

using testing::HasSubstr;
using testing::Not;
using testing_support::run_coro;
using namespace std::chrono_literals;

constexpr std::string_view arm = "https://management.azure.com/.default";
constexpr std::string_view uami_client_id = "7a1d9c3e-2b4f-4e6a-8c0d-1e2f3a4b5c6d";
constexpr std::string_view uami_object_id = "9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
constexpr std::string_view uami_resource_id =
    "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/rootwatch";
constexpr std::string_view system_object_id = "4c3b2a19-0f8e-4d7c-8b6a-594837261504";
constexpr std::string_view app_service_header = "identity-header-3f9c2a7e51d8";

class managed_identity_test : public testing_support::azure_env {
 protected:
  void SetUp() override {
    azure_env::SetUp();
    auto base = azure_->serve_identity_endpoint();
    ASSERT_TRUE(base) << base.error().message;
    base_ = *base;
    azure_->add_managed_identity({"", std::string(system_object_id), "", true, "vm"});
    azure_->add_managed_identity({std::string(uami_client_id), std::string(uami_object_id),
                                  std::string(uami_resource_id), false, "rootwatch-uami"});
    azure_->set_identity_header(std::string(app_service_header));
  }

  managed_identity_options imds() const {
    managed_identity_options o;
    o.endpoint = base_ + "/metadata/identity/oauth2/token";
    o.timeout = 5s;
    o.retry_window = 5s;
    o.initial_backoff = 10ms;
    o.max_backoff = 20ms;
    return o;
  }

  result<access_token> fetch(managed_identity_options o, std::string_view scope = arm) {
    managed_identity_credential cred(io_.get_executor(), std::move(o), wall_, random_);
    return run_coro(io_, cred.fetch(std::string(scope)));
  }

  void fail_next(int status, int count = 1) {
    fake::fault f;
    f.route = fake::azure_route::identity;
    f.status = status;
    f.count = count;
    f.retry_after_seconds = 0;
    azure_->inject_fault(f);
  }

  std::size_t identity_requests() const { return azure_->request_count(fake::azure_route::identity); }
  std::string last_target() const { return azure_->requests().back().target; }

  std::string base_;
};

TEST_F(managed_identity_test, imds_gives_a_token_for_the_arm_resource_without_default) {
  auto t = fetch(imds());
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_FALSE(t->value.empty());
  EXPECT_GT(t->expires_on, t->issued_at);
  const auto req = azure_->requests().back();
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(net::find_header(req.headers, "Metadata").value_or(""), "true");
  EXPECT_THAT(req.target, HasSubstr("api-version=2018-02-01"));
  EXPECT_TRUE(req.target.ends_with("resource=https%3A%2F%2Fmanagement.azure.com")) << req.target;
  EXPECT_THAT(req.target, Not(HasSubstr(".default")));
  EXPECT_THAT(req.target, Not(HasSubstr("client_id")));
}

TEST_F(managed_identity_test, every_cloud_scope_becomes_its_resource) {
  EXPECT_EQ(resource_of_scope("https://management.azure.com/.default"), "https://management.azure.com");
  EXPECT_EQ(resource_of_scope("https://management.core.usgovcloudapi.net//.default"),
            "https://management.core.usgovcloudapi.net/");
  EXPECT_EQ(resource_of_scope("https://management.core.chinacloudapi.cn//.default"),
            "https://management.core.chinacloudapi.cn/");
  EXPECT_EQ(resource_of_scope("https://monitor.azure.com//.default"), "https://monitor.azure.com/");
  auto t = fetch(imds(), "https://management.core.usgovcloudapi.net//.default");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_TRUE(last_target().ends_with("resource=https%3A%2F%2Fmanagement.core.usgovcloudapi.net%2F")) << last_target();
}

TEST_F(managed_identity_test, a_user_assigned_identity_is_picked_by_exactly_one_selector) {
  auto by_client = imds();
  by_client.client_id = std::string(uami_client_id);
  ASSERT_TRUE(fetch(by_client));
  EXPECT_THAT(last_target(), HasSubstr("client_id=" + std::string(uami_client_id)));
  auto by_object = imds();
  by_object.object_id = std::string(uami_object_id);
  ASSERT_TRUE(fetch(by_object));
  EXPECT_THAT(last_target(), HasSubstr("object_id=" + std::string(uami_object_id)));
  auto by_resource = imds();
  by_resource.resource_id = std::string(uami_resource_id);
  auto t = fetch(by_resource);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_THAT(last_target(), HasSubstr("msi_res_id="));
}

TEST_F(managed_identity_test, imds_410_and_404_while_it_starts_are_retried) {
  fail_next(410);
  fail_next(404);
  auto t = fetch(imds());
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(identity_requests(), 3u);
}

TEST_F(managed_identity_test, throttling_and_server_errors_are_retried) {
  fail_next(429);
  fail_next(500);
  fail_next(503);
  auto t = fetch(imds());
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(identity_requests(), 4u);
}

TEST_F(managed_identity_test, retrying_stops_at_the_end_of_the_window_with_the_last_answer) {
  fake::fault f;
  f.route = fake::azure_route::identity;
  f.status = 410;
  f.count = std::nullopt;
  azure_->inject_fault(f);
  auto o = imds();
  o.retry_window = 300ms;
  auto t = fetch(o);
  ASSERT_FALSE(t);
  EXPECT_TRUE(t.error().retryable);
  EXPECT_THAT(t.error().message, HasSubstr("answered 410"));
  EXPECT_THAT(t.error().message, HasSubstr("still failing after"));
  EXPECT_GT(identity_requests(), 1u);
}

TEST_F(managed_identity_test, an_identity_the_host_does_not_have_is_a_final_error_naming_the_fix) {
  auto o = imds();
  o.client_id = "00000000-1111-4222-8333-444444444444";
  auto t = fetch(o);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().kind, error_kind::auth);
  EXPECT_FALSE(t.error().retryable);
  EXPECT_THAT(t.error().message, HasSubstr("Identity not found"));
  EXPECT_THAT(t.error().message, HasSubstr("00000000-1111-4222-8333-444444444444"));
  EXPECT_THAT(t.error().message, HasSubstr("assign that identity to this host"));
  EXPECT_EQ(identity_requests(), 1u) << "400 must not be retried";
}

TEST_F(managed_identity_test, nothing_listening_means_this_is_not_an_azure_host) {
  auto o = imds();
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  o.endpoint = "http://127.0.0.1:1/metadata/identity/oauth2/token";
  auto t = fetch(o);
  ASSERT_FALSE(t);
  EXPECT_THAT(t.error().message, HasSubstr("not an Azure VM"));
  EXPECT_THAT(t.error().message, HasSubstr("refused"));
  EXPECT_THAT(t.error().message, HasSubstr("identity_endpoint"));
}

TEST_F(managed_identity_test, app_service_sends_the_identity_header_and_reads_expires_on) {
  auto o = imds();
  o.protocol = identity_protocol::app_service;
  o.endpoint = base_ + "/msi/token";
  o.identity_header = std::string(app_service_header);
  o.client_id = std::string(uami_client_id);
  auto t = fetch(o);
  ASSERT_TRUE(t) << t.error().message;
  const auto req = azure_->requests().back();
  EXPECT_THAT(req.target, HasSubstr("api-version=2019-08-01"));
  EXPECT_EQ(net::find_header(req.headers, "X-IDENTITY-HEADER").value_or(""), app_service_header);
  EXPECT_EQ(net::find_header(req.headers, "Metadata"), std::nullopt);
  EXPECT_GT(t->expires_on, t->issued_at);
}

TEST_F(managed_identity_test, a_refused_identity_header_is_final_and_never_shown) {
  auto o = imds();
  o.protocol = identity_protocol::app_service;
  o.endpoint = base_ + "/msi/token";
  o.identity_header = "not-the-identity-header-7c1e";
  auto t = fetch(o);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().kind, error_kind::auth);
  EXPECT_THAT(t.error().message, HasSubstr("401"));
  EXPECT_THAT(t.error().message, Not(HasSubstr("not-the-identity-header-7c1e")));
  EXPECT_EQ(identity_requests(), 1u);
}

TEST_F(managed_identity_test, a_token_echoed_in_an_error_is_not_repeated) {
  auto first = fetch(imds());
  ASSERT_TRUE(first) << first.error().message;
  fake::fault f;
  f.route = fake::azure_route::identity;
  f.status = 403;
  f.message = "token " + first->value + " is not allowed";
  azure_->inject_fault(f);
  auto t = fetch(imds());
  ASSERT_FALSE(t);
  EXPECT_THAT(t.error().message, Not(HasSubstr(first->value)));
  EXPECT_THAT(t.error().message, HasSubstr("403"));
}

TEST(managed_identity_parse, values_are_strings_and_expires_on_is_epoch_seconds) {
  const auto now = from_unix_seconds(1'506'480'273);
  auto imds = parse_managed_identity_token(
      R"({"access_token":"tok-imds-1","refresh_token":"","expires_in":"3599","expires_on":"1506484173",)"
      R"("not_before":"1506480273","resource":"https://management.azure.com/","token_type":"Bearer"})",
      now);
  ASSERT_TRUE(imds) << imds.error().message;
  EXPECT_EQ(imds->expires_on, from_unix_seconds(1'506'484'173));
  auto app_service = parse_managed_identity_token(
      R"({"access_token":"tok-as-1","expires_on":"1506484173","resource":"https://vault.azure.net","token_type":"Bearer","client_id":"X"})",
      now);
  ASSERT_TRUE(app_service) << app_service.error().message;
  EXPECT_EQ(app_service->expires_on, from_unix_seconds(1'506'484'173));
  for (const char* bad : {R"({"access_token":"t","expires_on":"soon"})", R"({"expires_on":"1506484173"})",
                          R"({"access_token":"t","expires_on":"1506480000"})", "<html>", "[]",
                          R"({"access_token":"t","expires_on":"1506484173","token_type":"pop"})"}) {
    EXPECT_FALSE(parse_managed_identity_token(bad, now)) << bad;
  }
}

}  // namespace
}  // namespace rootwatch::auth
