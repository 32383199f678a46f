// The real binary signing in through the Azure CLI (issue 6 §3, azure_cli): credential.az_path
// points at a script that plays az. Signed in, it prints a token the fake Azure issued to a
// user (as `az login` would have obtained one) and rootwatch detects an elevation with it;
// signed out, it says "Please run 'az login'" and rootwatch names the fix.

#include "e2e/harness.hpp"
#include "fake/test_client.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>

#include <fmt/format.h>

namespace rootwatch::e2e {
namespace {

constexpr std::string_view upn = "dev@contoso.example";
constexpr std::string_view password = "e2e-dev-password-5c2e";
constexpr std::string_view dev_object_id = "d3e4f5a6-0b1c-4d2e-9f3a-4b5c6d7e8f90";
// The Azure CLI's own public client id, as az sends it.
constexpr std::string_view az_client_id = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

// A token the fake's token endpoint issued to a user with the password grant: what az holds
// after `az login`.
std::string user_token(environment& env) {
  return e2e::user_token(env, {std::string(upn), std::string(password), std::string(dev_object_id), "Dev"},
                         az_client_id);
}

// An executable script in the test's directory that plays az.
fs::path fake_az(environment& env, const std::string& body) {
  const fs::path path = env.dir() / "az";
  std::ofstream(path, std::ios::trunc) << "#!/bin/sh\n" << body << "\n";
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

std::string use_az(const fs::path& az) {
  return "  kind = \"azure_cli\"\n  az_path = \"" + az.string() + "\"\n  timeout = \"20s\"\n";
}

std::string tenant_error(std::uint16_t port) {
  const json health = json::parse(http_get_local(port, "/healthz").body, nullptr, false);
  if (!health.is_object() || !health.contains("tenants") || !health["tenants"].contains("contoso")) {
    return {};
  }
  return health["tenants"]["contoso"].value("last_error", "");
}

TEST(azure_cli, a_signed_in_az_gives_the_token_that_detects_an_elevation) {
  environment env;
  env.write_config("1s");
  const std::string token = user_token(env);
  ASSERT_FALSE(token.empty());
  const auto expires_on = std::chrono::duration_cast<std::chrono::seconds>(
                              (std::chrono::system_clock::now() + std::chrono::hours{1}).time_since_epoch())
                              .count();
  std::ofstream(env.dir() / "token.json")
      << json{{"accessToken", token}, {"expires_on", expires_on}, {"tokenType", "Bearer"}}.dump();
  const fs::path args = env.dir() / "args";
  const auto az = fake_az(
      env, "printf '%s\\n' \"$@\" >> '" + args.string() + "'\ncat '" + (env.dir() / "token.json").string() + "'");
  replace_credential(env, use_az(az));

  auto daemon = env.start({"run", "--config", env.config_path().string()});
  env.elevate();
  const bool created = wait_accepted(env, "assignment.created");
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
  EXPECT_TRUE(created) << daemon.err();
  EXPECT_EQ(env.azure().request_count(fake::azure_route::token), 1u) << "only the test's own sign-in";
  EXPECT_NE(
      read_text(args).find(fmt::format("account\nget-access-token\n--resource\n{}\n--tenant\n{}\n--output\njson\n",
                                       env.azure().base_url(), env.tenant_id())),
      std::string::npos)
      << read_text(args);
  EXPECT_EQ(daemon.err().find(token), std::string::npos);
}

TEST(azure_cli, a_signed_out_az_makes_healthz_and_the_log_name_az_login) {
  environment env;
  env.listen = "127.0.0.1:0";
  env.write_config("1s");
  const auto az = fake_az(env, "echo \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1");
  replace_credential(env, use_az(az));
  const std::string fix = fmt::format("run `az login --tenant {}`", env.tenant_id());

  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const auto port = health_port_in_log(daemon);
  ASSERT_NE(port, 0) << daemon.err();
  EXPECT_TRUE(wait_until([&] { return tenant_error(port).find(fix) != std::string::npos; }))
      << http_get_local(port, "/healthz").body << daemon.err();
  EXPECT_TRUE(wait_until([&] { return daemon.err().find(fix) != std::string::npos; })) << daemon.err();
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();

  auto check = env.run({"check", "--config", env.config_path().string()});
  EXPECT_EQ(check.code, 2) << check.out << check.err;
  EXPECT_NE((check.out + check.err).find(fix), std::string::npos) << check.out << check.err;
}

TEST(azure_cli, validate_names_a_missing_az_and_az_path_on_another_kind) {
  environment env;
  env.write_config("1s");
  const std::string missing = (env.dir() / "no-such-az").string();
  replace_credential(env, use_az(missing));
  auto r = env.run({"validate", "--config", env.config_path().string()});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("credential.az_path " + missing), std::string::npos) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("install the Azure CLI"), std::string::npos) << r.out << r.err;

  env.write_config("1s");
  std::string text = read_text(env.config_path());
  const std::string kind = "  kind = \"client_secret\"\n";
  ASSERT_NE(text.find(kind), std::string::npos);
  text.insert(text.find(kind) + kind.size(), "  az_path = \"/usr/bin/az\"\n");
  std::ofstream(env.config_path(), std::ios::trunc) << text;
  auto other = env.run({"validate", "--config", env.config_path().string()});
  EXPECT_EQ(other.code, 2) << other.out << other.err;
  EXPECT_NE((other.out + other.err).find("'az_path' is only for kind = \"azure_cli\""), std::string::npos)
      << other.out << other.err;
}

}  // namespace
}  // namespace rootwatch::e2e
