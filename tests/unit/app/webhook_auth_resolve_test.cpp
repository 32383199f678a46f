// A webhook sink's headers, bearer token and client certificate as resolve_sink reads them:
// values from files (under $CREDENTIALS_DIRECTORY) and the environment, known to the scrubber
// from then on (invariant 5); a key that does not match its certificate is an error naming it.

#include "app/generation.hpp"
#include "app/secrets.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/rng.hpp"
#include "fake/test_ca.hpp"
#include "net/https_client.hpp"
#include "net/tls.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace rootwatch::app {
namespace {

using testing::HasSubstr;
using testing::Not;

env_lookup env(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    const auto it = values.find(name);
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

class webhook_auth_resolve : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("rw-webhook-auth-" + std::to_string(::getpid()) + "-" +
                                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) const { std::ofstream(dir_ / name) << text; }

  env_lookup credentials(std::map<std::string, std::string> more = {}) const {
    more["CREDENTIALS_DIRECTORY"] = dir_.string();
    return env(std::move(more));
  }

  static config::sink_settings webhook() {
    config::sink_settings s;
    s.name = "soc";
    s.kind = config::sink_kind::webhook;
    s.url = "https://soc.example.com/hook";
    return s;
  }

  std::filesystem::path dir_;
};

TEST_F(webhook_auth_resolve, headers_come_from_literals_files_and_the_environment) {
  write("api-key", "HdrFileSecret0123456789\n");
  auto s = webhook();
  s.headers = {{"X-Tenant", "contoso", "", ""}, {"X-Api-Key", "", "api-key", ""}, {"X-Other", "", "", "RW_HDR"}};
  s.bearer_token_env = "RW_BEARER";
  const auto r = resolve_sink(s, credentials({{"RW_HDR", "HdrEnvSecret9876543210"}, {"RW_BEARER", "BearerTok3n\n"}}));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->headers.size(), 3u);
  EXPECT_EQ(r->headers[0].name, "X-Tenant");
  EXPECT_EQ(r->headers[0].value, "contoso");
  EXPECT_EQ(r->headers[1].name, "X-Api-Key");
  EXPECT_EQ(r->headers[1].value, "HdrFileSecret0123456789");
  EXPECT_EQ(r->headers[2].value, "HdrEnvSecret9876543210");
  EXPECT_EQ(r->bearer, "BearerTok3n");
  EXPECT_FALSE(r->client_identity);
  // Values from files and the environment are secrets from now on; a literal is not.
  const auto e = make_error(error_kind::http,
                            "echo: HdrFileSecret0123456789 HdrEnvSecret9876543210 BearerTok3n "
                            "contoso");
  EXPECT_THAT(e.message, Not(HasSubstr("HdrFileSecret")));
  EXPECT_THAT(e.message, Not(HasSubstr("HdrEnvSecret")));
  EXPECT_THAT(e.message, Not(HasSubstr("BearerTok3n")));
  EXPECT_THAT(e.message, HasSubstr("contoso"));
}

TEST_F(webhook_auth_resolve, bearer_from_a_file) {
  write("token", "BearerFromFile42\n");
  auto s = webhook();
  s.bearer_token_file = "token";
  const auto r = resolve_sink(s, credentials());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->bearer, "BearerFromFile42");
}

TEST_F(webhook_auth_resolve, a_value_that_would_inject_a_header_is_refused_unquoted) {
  auto s = webhook();
  s.headers = {{"X-Other", "", "", "RW_HDR"}};
  const auto r = resolve_sink(s, credentials({{"RW_HDR", "InjSecret\r\nX-Evil: 1"}}));
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("sink soc header X-Other"));
  EXPECT_THAT(r.error().message, HasSubstr("line break"));
  EXPECT_THAT(r.error().message, Not(HasSubstr("InjSecret")));
}

TEST_F(webhook_auth_resolve, a_missing_header_file_names_the_sink_header_and_file) {
  auto s = webhook();
  s.headers = {{"X-Api-Key", "", "absent-key", ""}};
  const auto r = resolve_sink(s, credentials());
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("sink soc header X-Api-Key"));
  EXPECT_THAT(r.error().message, HasSubstr("absent-key"));
}

TEST_F(webhook_auth_resolve, a_client_certificate_is_read_checked_and_given_its_own_client) {
  const auto ca = fake::test_ca::generate();
  const auto leaf = ca.issue("rootwatch-client");
  write("client.pem", leaf.cert_pem + leaf.key_pem);
  auto s = webhook();
  s.tls_client_certificate_file = "client.pem";
  auto r = resolve_sink(s, credentials());
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->client_identity);
  EXPECT_FALSE(r->http);  // made for the sink by give_own_client, with the configured CA bundle

  boost::asio::io_context io;
  system_clock_source wall;
  auto random = seeded_rng::from_entropy();
  ASSERT_TRUE(give_own_client(*r, io.get_executor(), "", random, wall));
  EXPECT_TRUE(r->http);

  auto plain = webhook();
  auto p = resolve_sink(plain, credentials());
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_TRUE(give_own_client(*p, io.get_executor(), "", random, wall));
  EXPECT_FALSE(p->http);  // the shared client serves it
}

TEST_F(webhook_auth_resolve, the_key_may_have_its_own_file) {
  const auto ca = fake::test_ca::generate();
  const auto leaf = ca.issue("rootwatch-client");
  write("client.crt", leaf.cert_pem);
  write("client.key", leaf.key_pem);
  auto s = webhook();
  s.tls_client_certificate_file = "client.crt";
  s.tls_client_key_file = "client.key";
  const auto r = resolve_sink(s, credentials());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->client_identity);
}

TEST_F(webhook_auth_resolve, a_key_that_does_not_match_is_an_error_naming_the_key) {
  const auto ca = fake::test_ca::generate();
  write("client.crt", ca.issue("rootwatch-client").cert_pem);
  write("other.key", ca.issue("someone-else").key_pem);
  auto s = webhook();
  s.tls_client_certificate_file = "client.crt";
  s.tls_client_key_file = "other.key";
  const auto r = resolve_sink(s, credentials());
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("sink soc client certificate"));
  EXPECT_THAT(r.error().message, HasSubstr("the private key in tls_client_key_file other.key does not match"));
  EXPECT_THAT(r.error().message, Not(HasSubstr("PRIVATE KEY")));
}

TEST_F(webhook_auth_resolve, a_certificate_without_a_key_says_where_to_put_it) {
  const auto ca = fake::test_ca::generate();
  write("client.crt", ca.issue("rootwatch-client").cert_pem);
  auto s = webhook();
  s.tls_client_certificate_file = "client.crt";
  const auto r = resolve_sink(s, credentials());
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("tls_client_certificate_file client.crt has no PEM private key"));
}

}  // namespace
}  // namespace rootwatch::app
