// The real binary signing in without a secret: a managed identity through the IMDS-style
// endpoint (the override pointing at the fake, plain HTTP on loopback as IMDS is on a VM), and
// a workload identity through a federated token file. Each must detect an elevation.

#include "e2e/harness.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

namespace rootwatch::e2e {
namespace {

constexpr std::string_view client_id = "5b0c2a1e-9d34-4c7f-8e21-6a3f0b9d4c58";  // the harness's app
constexpr std::string_view vm_object_id = "4c3b2a19-0f8e-4d7c-8b6a-594837261504";
constexpr std::string_view federated_token =
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6cm9vdHdhdGNoIn0.ZTJlLWZlZGVyYXRlZA";

bool created_arrived(environment& env, child& daemon) {
  const bool ok =
      env.receiver().wait_for([](const auto& d) { return !accepted(d, "assignment.created").empty(); }, wait_long);
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
  return ok;
}

TEST(credentials, a_managed_identity_through_the_imds_endpoint_detects_an_elevation) {
  environment env;
  auto base = env.azure().serve_identity_endpoint();
  ASSERT_TRUE(base) << base.error().message;
  env.azure().add_managed_identity({"", std::string(vm_object_id), "", true, "rootwatch-vm"});
  env.write_config("1s");
  replace_credential(
      env, "  kind = \"managed_identity\"\n  identity_endpoint = \"" + *base + "/metadata/identity/oauth2/token\"\n");
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  env.elevate();
  EXPECT_TRUE(created_arrived(env, daemon)) << daemon.err();
  EXPECT_GE(env.azure().request_count(fake::azure_route::identity), 1u);
  EXPECT_EQ(env.azure().request_count(fake::azure_route::token), 0u) << "no secret-based sign-in";
  for (const auto& r : env.azure().requests()) {
    if (r.route == fake::azure_route::identity) {
      EXPECT_NE(r.target.find("resource=https%3A%2F%2F127.0.0.1"), std::string::npos) << r.target;
      EXPECT_EQ(r.target.find(".default"), std::string::npos) << r.target;
    }
  }
}

TEST(credentials, a_workload_identity_with_a_federated_token_file_detects_an_elevation) {
  environment env;
  const fs::path token_file = env.dir() / "azure-identity-token";
  std::ofstream(token_file) << federated_token << "\n";
  env.azure().add_federated_token(std::string(client_id), std::string(federated_token));
  env.write_config("1s");
  replace_credential(env, "  kind = \"workload_identity\"\n  client_id = \"" + std::string(client_id) +
                              "\"\n  token_file = \"" + token_file.string() + "\"\n");
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  env.elevate();
  EXPECT_TRUE(created_arrived(env, daemon)) << daemon.err();
  EXPECT_EQ(daemon.err().find(std::string(federated_token)), std::string::npos);
  EXPECT_EQ(daemon.err().find("ZTJlLWZlZGVyYXRlZA"), std::string::npos);
}

TEST(credentials, validate_names_a_missing_federated_token_file) {
  environment env;
  env.write_config("1s");
  const std::string missing = (env.dir() / "no-such-token").string();
  replace_credential(env, "  kind = \"workload_identity\"\n  client_id = \"" + std::string(client_id) +
                              "\"\n  token_file = \"" + missing + "\"\n");
  auto r = env.run({"validate", "--config", env.config_path().string()});
  EXPECT_NE(r.code, 0);
  EXPECT_NE((r.out + r.err).find(missing), std::string::npos) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("credential"), std::string::npos) << r.out << r.err;
}

TEST(credentials, a_managed_identity_where_nothing_answers_says_this_is_not_an_azure_host) {
  environment env;
  env.write_config("1s");
  replace_credential(env,
                     "  kind = \"managed_identity\"\n  identity_endpoint = "
                     "\"http://127.0.0.1:1/metadata/identity/oauth2/token\"\n");
  auto r = env.run({"check", "--config", env.config_path().string()});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("not an Azure VM"), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace rootwatch::e2e
