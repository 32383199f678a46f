// The workload identity credential against the fake token endpoint: the federated token from
// a file, read again at every request, as the client assertion.

#include "auth/workload_identity.hpp"
#include "support/azure_env.hpp"
#include "support/run_coro.hpp"

#include <gmock/gmock.h>

#include <fstream>

namespace rootwatch::auth {
namespace {

using testing::HasSubstr;
using testing::Not;
using testing_support::run_coro;
using namespace std::chrono_literals;

constexpr std::string_view arm = "https://management.azure.com/.default";
// Shaped like the service account JWTs kubelet writes (the scrubber knows that shape too).
constexpr std::string_view first_token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlLW9uZQ";
constexpr std::string_view rotated_token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EyIn0.c2lnbmF0dXJlLXR3bw";

class workload_identity_test : public testing_support::azure_env {
 protected:
  void SetUp() override {
    azure_env::SetUp();
    token_file_ = tmp_.file("azure-identity-token");
    azure_->add_federated_token(std::string(testing_support::test_client_id), std::string(first_token));
  }

  void write_token(std::string_view content) {
    std::ofstream out(token_file_, std::ios::trunc);
    out << content;
  }

  result<access_token> fetch() {
    workload_identity_options o;
    o.authority = azure_->base_url();
    o.tenant_id = azure_->tenant_id();
    o.client_id = std::string(testing_support::test_client_id);
    o.token_file = token_file_;
    o.timeout = 5s;
    o.retry = {2, 10ms, 20ms, 1s};
    workload_identity_credential cred(*http_, std::move(o), wall_);
    return run_coro(io_, cred.fetch(std::string(arm)));
  }

  std::size_t token_requests() const { return azure_->request_count(fake::azure_route::token); }

  std::string token_file_;
};

TEST_F(workload_identity_test, the_federated_token_is_the_client_assertion) {
  write_token(std::string(first_token) + "\n");
  auto t = fetch();
  ASSERT_TRUE(t) << t.error().message;
  const auto req = azure_->requests().back();
  EXPECT_THAT(req.body, HasSubstr("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-"
                                  "bearer"));
  EXPECT_THAT(req.body, Not(HasSubstr("client_secret")));
  EXPECT_THAT(req.target, Not(HasSubstr("eyJ")));
}

TEST_F(workload_identity_test, a_rotated_token_file_is_read_again_at_every_request) {
  write_token(first_token);
  ASSERT_TRUE(fetch());
  azure_->add_federated_token(std::string(testing_support::test_client_id), std::string(rotated_token));
  write_token(rotated_token);
  auto t = fetch();
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_THAT(azure_->requests().back().body, HasSubstr(std::string(rotated_token)));
  // A token the fake never registered is refused: the file really is read each time.
  write_token("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1bmtub3duIn0.bm90LXJlZ2lzdGVyZWQ");
  EXPECT_FALSE(fetch());
}

TEST_F(workload_identity_test, a_missing_token_file_is_named_and_nothing_is_sent) {
  auto t = fetch();
  ASSERT_FALSE(t);
  EXPECT_THAT(t.error().message, HasSubstr(token_file_));
  EXPECT_THAT(t.error().message, HasSubstr("azure.workload.identity/use"));
  EXPECT_EQ(token_requests(), 0u);
}

TEST_F(workload_identity_test, an_empty_token_file_is_named_and_nothing_is_sent) {
  write_token(" \n");
  auto t = fetch();
  ASSERT_FALSE(t);
  EXPECT_THAT(t.error().message, HasSubstr("is empty"));
  EXPECT_EQ(token_requests(), 0u);
}

TEST_F(workload_identity_test, a_refused_assertion_names_the_aadsts_code_and_not_the_assertion) {
  const std::string unknown = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzdHJhbmdlciJ9.c3RyYW5nZXI";
  write_token(unknown);
  auto t = fetch();
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().kind, error_kind::auth);
  EXPECT_THAT(t.error().message, HasSubstr("AADSTS700027"));
  EXPECT_THAT(t.error().message, Not(HasSubstr(unknown)));
  EXPECT_EQ(token_requests(), 1u) << "invalid_client must not be retried";
}

TEST_F(workload_identity_test, an_endpoint_that_echoes_the_form_does_not_leak_the_assertion) {
  write_token(first_token);
  fake::fault f;
  f.route = fake::azure_route::token;
  f.kind = fake::fault_kind::echo;
  azure_->inject_fault(f);
  auto t = fetch();
  ASSERT_FALSE(t);
  EXPECT_THAT(t.error().message, Not(HasSubstr(std::string(first_token))));
  EXPECT_THAT(t.error().message, Not(HasSubstr("c2lnbmF0dXJlLW9uZQ")));
}

TEST_F(workload_identity_test, a_federation_mismatch_says_where_to_fix_it) {
  write_token(first_token);
  fake::fault f;
  f.route = fake::azure_route::token;
  f.status = 400;
  f.aadsts = 700213;
  f.message = "No matching federated identity record found for presented assertion subject.";
  azure_->inject_fault(f);
  auto t = fetch();
  ASSERT_FALSE(t);
  EXPECT_THAT(t.error().message, HasSubstr("AADSTS700213"));
  EXPECT_THAT(t.error().message, HasSubstr("federated credential of app"));
}

}  // namespace
}  // namespace rootwatch::auth
