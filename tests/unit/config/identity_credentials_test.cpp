// The keys of the managed_identity and workload_identity credentials: what loads, and what an
// operator is told when it does not.

#include "config/load.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rootwatch::config {
namespace {

using testing::HasSubstr;

std::string tenant_with(std::string_view credential) {
  return std::string(R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
  [tenant.credential]
)") + std::string(credential);
}

std::string messages(const load_result& r) {
  std::string out;
  for (const auto& p : r.problems) {
    out += p.to_string() + "\n";
  }
  return out;
}

TEST(identity_credentials, a_system_assigned_managed_identity_needs_only_the_kind) {
  const auto r = load_string(tenant_with("kind = \"managed_identity\"\n"), "t.toml");
  ASSERT_TRUE(r.value) << messages(r);
  const auto& c = r.value->tenants.at(0).credential;
  EXPECT_EQ(c.kind, credential_kind::managed_identity);
  EXPECT_TRUE(c.client_id.empty());
  EXPECT_TRUE(c.identity_endpoint.empty());
}

TEST(identity_credentials, a_user_assigned_identity_and_an_endpoint_override_are_read) {
  const auto r = load_string(tenant_with(R"(kind = "managed_identity"
object_id = "22222222-2222-2222-2222-22222222222A"
identity_endpoint = "http://127.0.0.1:8080/metadata/identity/oauth2/token"
)"),
                             "t.toml");
  ASSERT_TRUE(r.value) << messages(r);
  const auto& c = r.value->tenants.at(0).credential;
  EXPECT_EQ(c.object_id, "22222222-2222-2222-2222-22222222222a");
  EXPECT_EQ(c.identity_endpoint, "http://127.0.0.1:8080/metadata/identity/oauth2/token");
}

TEST(identity_credentials, a_resource_id_is_an_arm_id) {
  const auto good = load_string(tenant_with(R"(kind = "managed_identity"
resource_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/rw"
)"),
                                "t.toml");
  ASSERT_TRUE(good.value) << messages(good);
  const auto bad =
      load_string(tenant_with("kind = \"managed_identity\"\nresource_id = \"rootwatch-identity\"\n"), "t.toml");
  ASSERT_FALSE(bad.value);
  EXPECT_THAT(messages(bad), HasSubstr("userAssignedIdentities"));
}

TEST(identity_credentials, at_most_one_identity_selector) {
  const auto r = load_string(tenant_with(R"(kind = "managed_identity"
client_id = "11111111-1111-1111-1111-111111111111"
object_id = "22222222-2222-2222-2222-222222222222"
)"),
                             "t.toml");
  ASSERT_FALSE(r.value);
  EXPECT_THAT(messages(r), HasSubstr("at most one of client_id, object_id and resource_id"));
}

TEST(identity_credentials, the_endpoint_override_is_plain_http_on_this_machine_only) {
  for (const std::string url : {"https://127.0.0.1/token", "http://10.0.0.4/metadata/identity/oauth2/token",
                                "http://imds.example.com/token", "http://user:pw@127.0.0.1/token"}) {
    const auto r =
        load_string(tenant_with("kind = \"managed_identity\"\nidentity_endpoint = \"" + url + "\"\n"), "t.toml");
    EXPECT_FALSE(r.value) << url;
    EXPECT_THAT(messages(r), HasSubstr("credential.identity_endpoint")) << url;
  }
  for (const std::string url : {"http://169.254.169.254/metadata/identity/oauth2/token",
                                "http://localhost:40342/metadata/identity/oauth2/token", "http://[::1]:9/t"}) {
    const auto r =
        load_string(tenant_with("kind = \"managed_identity\"\nidentity_endpoint = \"" + url + "\"\n"), "t.toml");
    EXPECT_TRUE(r.value) << url << "\n" << messages(r);
  }
}

TEST(identity_credentials, workload_identity_keys_are_optional_because_the_environment_has_defaults) {
  const auto bare = load_string(tenant_with("kind = \"workload_identity\"\n"), "t.toml");
  ASSERT_TRUE(bare.value) << messages(bare);
  const auto full = load_string(tenant_with(R"(kind = "workload_identity"
client_id = "11111111-1111-1111-1111-111111111111"
token_file = "/var/run/secrets/azure/tokens/azure-identity-token"
)"),
                                "t.toml");
  ASSERT_TRUE(full.value) << messages(full);
  EXPECT_EQ(full.value->tenants.at(0).credential.token_file, "/var/run/secrets/azure/tokens/azure-identity-token");
}

TEST(identity_credentials, keys_of_another_kind_are_refused_with_the_reason) {
  const auto secret = load_string(tenant_with("kind = \"managed_identity\"\nclient_secret_file = \"s\"\n"), "t.toml");
  ASSERT_FALSE(secret.value);
  EXPECT_THAT(messages(secret), HasSubstr("has no secret"));
  const auto token_file = load_string(tenant_with("kind = \"managed_identity\"\ntoken_file = \"/t\"\n"), "t.toml");
  ASSERT_FALSE(token_file.value);
  EXPECT_THAT(messages(token_file), HasSubstr("only for kind = \"workload_identity\""));
  const auto endpoint =
      load_string(tenant_with("kind = \"workload_identity\"\nidentity_endpoint = \"http://127.0.0.1/t\"\n"), "t.toml");
  ASSERT_FALSE(endpoint.value);
  EXPECT_THAT(messages(endpoint), HasSubstr("only for kind = \"managed_identity\""));
}

}  // namespace
}  // namespace rootwatch::config
