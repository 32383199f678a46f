// The defaults the identity credentials take from the environment, as the Azure SDKs do, and
// what validate says when they are missing.

#include "app/credential_factory.hpp"
#include "config/clouds.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace rootwatch::app {
namespace {

using testing::HasSubstr;

env_lookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional(it->second);
  };
}

config::tenant_settings tenant(config::credential_kind kind) {
  config::tenant_settings t;
  t.name = "contoso";
  t.tenant_id = "8d1f3a5c-7e42-4b19-9c60-2f5e8a7d3b14";
  t.credential.kind = kind;
  t.endpoints = *config::cloud_endpoints("AzureCloud");
  return t;
}

TEST(identity_settings, workload_identity_takes_client_id_token_file_and_authority_from_the_environment) {
  const auto o = workload_identity_settings(
      tenant(config::credential_kind::workload_identity),
      env_of({{"AZURE_CLIENT_ID", "5b0c2a1e-9d34-4c7f-8e21-6a3f0b9d4c58"},
              {"AZURE_FEDERATED_TOKEN_FILE", "/var/run/secrets/azure/tokens/azure-identity-token"},
              {"AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us/"}}));
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->client_id, "5b0c2a1e-9d34-4c7f-8e21-6a3f0b9d4c58");
  EXPECT_EQ(o->token_file, "/var/run/secrets/azure/tokens/azure-identity-token");
  EXPECT_EQ(o->authority, "https://login.microsoftonline.us");
  EXPECT_EQ(o->tenant_id, "8d1f3a5c-7e42-4b19-9c60-2f5e8a7d3b14");
}

TEST(identity_settings, the_configuration_wins_over_the_environment) {
  auto t = tenant(config::credential_kind::workload_identity);
  t.credential.client_id = "11111111-1111-1111-1111-111111111111";
  t.credential.token_file = "/etc/rootwatch/token";
  t.endpoints.authority = "https://127.0.0.1:8443";
  t.lines["endpoints.authority"] = 12;
  const auto o = workload_identity_settings(t, env_of({{"AZURE_CLIENT_ID", "5b0c2a1e-9d34-4c7f-8e21-6a3f0b9d4c58"},
                                                       {"AZURE_FEDERATED_TOKEN_FILE", "/other"},
                                                       {"AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us/"}}));
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->client_id, "11111111-1111-1111-1111-111111111111");
  EXPECT_EQ(o->token_file, "/etc/rootwatch/token");
  EXPECT_EQ(o->authority, "https://127.0.0.1:8443");
}

TEST(identity_settings, validate_names_what_workload_identity_is_missing) {
  const auto t = tenant(config::credential_kind::workload_identity);
  EXPECT_THAT(identity_credential_problems(t, env_of({})).at(0), HasSubstr("AZURE_CLIENT_ID"));
  EXPECT_THAT(
      identity_credential_problems(t, env_of({{"AZURE_CLIENT_ID", "5b0c2a1e-9d34-4c7f-8e21-6a3f0b9d4c58"}})).at(0),
      HasSubstr("AZURE_FEDERATED_TOKEN_FILE"));
  EXPECT_THAT(identity_credential_problems(t, env_of({{"AZURE_CLIENT_ID", "5b0c2a1e-9d34-4c7f-8e21-6a3f0b9d4c58"},
                                                      {"AZURE_FEDERATED_TOKEN_FILE", "/nonexistent/rootwatch-token"}}))
                  .at(0),
              HasSubstr("/nonexistent/rootwatch-token"));
  EXPECT_THAT(
      identity_credential_problems(t, env_of({{"AZURE_CLIENT_ID", "not-a-guid"}, {"AZURE_FEDERATED_TOKEN_FILE", "/x"}}))
          .at(0),
      HasSubstr("not a GUID"));
}

TEST(identity_settings, managed_identity_uses_imds_unless_app_service_sets_its_endpoint) {
  const auto t = tenant(config::credential_kind::managed_identity);
  const auto vm = managed_identity_settings(t, env_of({}));
  ASSERT_TRUE(vm) << vm.error().message;
  EXPECT_EQ(vm->protocol, auth::identity_protocol::imds);
  EXPECT_EQ(vm->endpoint, "http://169.254.169.254/metadata/identity/oauth2/token");
  const auto app = managed_identity_settings(
      t, env_of({{"IDENTITY_ENDPOINT", "http://127.0.0.1:41741/MSI/token/"}, {"IDENTITY_HEADER", "hdr-0123456789"}}));
  ASSERT_TRUE(app) << app.error().message;
  EXPECT_EQ(app->protocol, auth::identity_protocol::app_service);
  EXPECT_EQ(app->endpoint, "http://127.0.0.1:41741/MSI/token/");
  EXPECT_EQ(app->identity_header, "hdr-0123456789");
}

TEST(identity_settings, the_configured_endpoint_wins_and_arc_is_named_as_unsupported) {
  auto t = tenant(config::credential_kind::managed_identity);
  const auto arc = managed_identity_settings(
      t, env_of({{"IDENTITY_ENDPOINT", "http://localhost:40342/metadata/identity/oauth2/token"},
                 {"IMDS_ENDPOINT", "http://localhost:40342"}}));
  ASSERT_FALSE(arc);
  EXPECT_THAT(arc.error().message, HasSubstr("Azure Arc"));
  t.credential.identity_endpoint = "http://127.0.0.1:9999/metadata/identity/oauth2/token";
  const auto o = managed_identity_settings(t, env_of({{"IDENTITY_ENDPOINT", "http://127.0.0.1:1/x"}}));
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->protocol, auth::identity_protocol::imds);
  EXPECT_EQ(o->endpoint, "http://127.0.0.1:9999/metadata/identity/oauth2/token");
}

}  // namespace
}  // namespace rootwatch::app
