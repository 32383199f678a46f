// The keys of the client_certificate credential: what loads, and what an operator is told when
// it does not.

#include "config/load.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rootwatch::config {
namespace {

using testing::HasSubstr;

constexpr std::string_view client_id_line = "client_id = \"11111111-1111-1111-1111-111111111111\"\n";

std::string tenant_with(std::string_view credential) {
  return std::string(R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
  [tenant.credential]
  kind = "client_certificate"
)") + std::string(credential);
}

std::string messages(const load_result& r) {
  std::string out;
  for (const auto& p : r.problems) {
    out += p.to_string() + "\n";
  }
  return out;
}

TEST(client_certificate_keys, a_certificate_file_and_client_id_are_enough) {
  const auto r =
      load_string(tenant_with(std::string(client_id_line) + "certificate_file = \"rootwatch.pem\"\n"), "t.toml");
  ASSERT_TRUE(r.value) << messages(r);
  const auto& c = r.value->tenants.at(0).credential;
  EXPECT_EQ(c.kind, credential_kind::client_certificate);
  EXPECT_EQ(c.certificate_file, "rootwatch.pem");
  EXPECT_TRUE(c.certificate_password_file.empty());
  EXPECT_TRUE(c.certificate_password_env.empty());
  EXPECT_FALSE(c.send_certificate_chain);
}

TEST(client_certificate_keys, the_password_source_and_the_chain_flag_are_read) {
  const auto from_file =
      load_string(tenant_with(std::string(client_id_line) + R"(certificate_file = "/etc/rootwatch/cert.pem"
certificate_password_file = "cert-password"
send_certificate_chain = true
)"),
                  "t.toml");
  ASSERT_TRUE(from_file.value) << messages(from_file);
  EXPECT_EQ(from_file.value->tenants.at(0).credential.certificate_password_file, "cert-password");
  EXPECT_TRUE(from_file.value->tenants.at(0).credential.send_certificate_chain);
  const auto from_env =
      load_string(tenant_with(std::string(client_id_line) +
                              "certificate_file = \"c.pem\"\ncertificate_password_env = \"CERT_PW\"\n"),
                  "t.toml");
  ASSERT_TRUE(from_env.value) << messages(from_env);
  EXPECT_EQ(from_env.value->tenants.at(0).credential.certificate_password_env, "CERT_PW");
}

TEST(client_certificate_keys, the_client_id_and_the_certificate_file_are_required) {
  const auto no_client = load_string(tenant_with("certificate_file = \"c.pem\"\n"), "t.toml");
  ASSERT_FALSE(no_client.value);
  EXPECT_THAT(messages(no_client), HasSubstr("'client_id'"));
  const auto no_file = load_string(tenant_with(client_id_line), "t.toml");
  ASSERT_FALSE(no_file.value);
  EXPECT_THAT(messages(no_file), HasSubstr("needs certificate_file"));
}

TEST(client_certificate_keys, only_one_password_source) {
  const auto r = load_string(tenant_with(std::string(client_id_line) + R"(certificate_file = "c.pem"
certificate_password_file = "p"
certificate_password_env = "CERT_PW"
)"),
                             "t.toml");
  ASSERT_FALSE(r.value);
  EXPECT_THAT(messages(r), HasSubstr("only one of certificate_password_file and certificate_password_env"));
}

TEST(client_certificate_keys, the_chain_flag_is_a_boolean) {
  const auto r = load_string(
      tenant_with(std::string(client_id_line) + "certificate_file = \"c.pem\"\nsend_certificate_chain = \"yes\"\n"),
      "t.toml");
  ASSERT_FALSE(r.value);
  EXPECT_THAT(messages(r), HasSubstr("credential.send_certificate_chain"));
  EXPECT_THAT(messages(r), HasSubstr("true or false"));
}

TEST(client_certificate_keys, keys_of_other_kinds_are_refused_and_certificate_keys_elsewhere_too) {
  const auto secret = load_string(
      tenant_with(std::string(client_id_line) + "certificate_file = \"c.pem\"\nclient_secret_file = \"s\"\n"),
      "t.toml");
  ASSERT_FALSE(secret.value);
  EXPECT_THAT(messages(secret), HasSubstr("remove 'client_secret_file'"));
  const auto on_secret = load_string(R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
  [tenant.credential]
  kind = "client_secret"
  client_id = "11111111-1111-1111-1111-111111111111"
  client_secret_env = "S"
  certificate_file = "c.pem"
)",
                                     "t.toml");
  ASSERT_FALSE(on_secret.value);
  EXPECT_THAT(messages(on_secret), HasSubstr("only for kind = \"client_certificate\""));
}

TEST(client_certificate_keys, a_password_variable_name_is_checked) {
  const auto r = load_string(tenant_with(std::string(client_id_line) +
                                         "certificate_file = \"c.pem\"\ncertificate_password_env = \"not a name\"\n"),
                             "t.toml");
  ASSERT_FALSE(r.value);
  EXPECT_THAT(messages(r), HasSubstr("credential.certificate_password_env"));
}

}  // namespace
}  // namespace rootwatch::config
