// A webhook sink with custom headers (one literal, one from a file), a bearer token from the
// environment and a TLS client certificate, end to end: the receiver requires a client
// certificate from the test CA and records what came. Without the certificate the handshake is
// refused, and the alert waits and is retried, never given up; once the certificate is
// configured (SIGHUP) it arrives. The secrets never reach the daemon's stderr.

#include "e2e/harness.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <fstream>

namespace rootwatch::e2e {
namespace {

constexpr std::string_view bearer = "B3arerT0kenFromEnv0123456789";
constexpr std::string_view header_secret = "H3aderSecretFromFile987654321";

// A receiver that only talks to clients with a certificate from its CA, which also issued its
// own server certificate; the daemon's ca_file is made to trust that CA too.
struct mtls_receiver {
  fake::test_ca ca = fake::test_ca::generate();
  std::unique_ptr<fake::fake_receiver> receiver;

  explicit mtls_receiver(const environment& env) {
    fake::receiver_options ro;
    ro.certificate = ca.issue("localhost");
    ro.client_ca_pem = ca.ca_pem();
    auto started = fake::fake_receiver::start(std::move(ro));
    if (!started) {
      throw std::runtime_error(started.error().message);
    }
    receiver = std::move(*started);
    std::ofstream(env.dir() / "ca.pem", std::ios::app) << "\n" << ca.ca_pem();
    const auto client = ca.issue("rootwatch-client");
    std::ofstream(env.dir() / "client.pem") << client.cert_pem << client.key_pem;
    std::ofstream(env.dir() / "api-key") << header_secret << "\n";
  }
  ~mtls_receiver() { receiver->stop(); }
};

std::string mtls_sink(const environment& env, const fake::fake_receiver& r, bool with_certificate) {
  std::string out = "[[sink]]\nname = \"mtls\"\nkind = \"webhook\"\nurl = \"" + r.url() +
                    "\"\n"
                    "retry_initial_backoff = \"200ms\"\nretry_max_backoff = \"500ms\"\ntimeout = \"5s\"\n"
                    "bearer_token_env = \"RW_TEST_WEBHOOK_BEARER\"\n";
  if (with_certificate) {
    out += "tls_client_certificate_file = \"" + (env.dir() / "client.pem").string() + "\"\n";
  }
  out += "  [[sink.header]]\n  name = \"X-Tenant-Tag\"\n  value = \"contoso-prod\"\n";
  out += "  [[sink.header]]\n  name = \"X-Api-Key\"\n  value_file = \"" + (env.dir() / "api-key").string() + "\"\n";
  return out;
}

class webhook_auth : public testing::Test {
 protected:
  void SetUp() override { ::setenv("RW_TEST_WEBHOOK_BEARER", std::string(bearer).c_str(), 1); }
  void TearDown() override { ::unsetenv("RW_TEST_WEBHOOK_BEARER"); }
};

void expect_no_secrets(const std::string& text) {
  EXPECT_EQ(text.find(bearer), std::string::npos) << "the bearer token reached stderr";
  EXPECT_EQ(text.find(header_secret), std::string::npos) << "the header value from a file reached stderr";
}

TEST_F(webhook_auth, headers_bearer_and_client_certificate_reach_the_receiver) {
  environment env;
  mtls_receiver mtls(env);
  env.write_config("1s", "alert", {}, mtls_sink(env, *mtls.receiver, true));
  env.elevate();
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  ASSERT_TRUE(
      mtls.receiver->wait_for([](const auto& all) { return !accepted(all, "assignment.created").empty(); }, wait_long))
      << daemon.err();
  const auto d = accepted(mtls.receiver->deliveries(), "assignment.created").front();
  EXPECT_EQ(d.client_common_name, "rootwatch-client");
  EXPECT_EQ(d.header("X-Tenant-Tag").value_or(""), "contoso-prod");
  EXPECT_EQ(d.header("X-Api-Key").value_or(""), header_secret);
  EXPECT_EQ(d.header("Authorization").value_or(""), "Bearer " + std::string(bearer));
  EXPECT_EQ(d.header("Content-Type").value_or(""), "application/json");
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
  expect_no_secrets(daemon.err());
}

TEST_F(webhook_auth, without_the_certificate_the_handshake_is_refused_and_the_alert_retried) {
  environment env;
  mtls_receiver mtls(env);
  env.write_config("1s", "alert", {}, mtls_sink(env, *mtls.receiver, false));
  env.elevate();
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  ASSERT_TRUE(wait_until([&] {
    return daemon.err().find("sink mtls: alert") != std::string::npos &&
           daemon.err().find("(attempt 3)") != std::string::npos;
  })) << daemon.err();
  EXPECT_TRUE(mtls.receiver->deliveries().empty()) << "no request gets past the refused handshake";
  EXPECT_EQ(daemon.err().find("GAVE UP"), std::string::npos) << daemon.err();
  // The alert waits for the sink: configured with its certificate, the sink gets it.
  env.write_config("1s", "alert", {}, mtls_sink(env, *mtls.receiver, true));
  daemon.signal(SIGHUP);
  ASSERT_TRUE(
      mtls.receiver->wait_for([](const auto& all) { return !accepted(all, "assignment.created").empty(); }, wait_long))
      << daemon.err();
  EXPECT_EQ(accepted(mtls.receiver->deliveries(), "assignment.created").front().client_common_name, "rootwatch-client");
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
  expect_no_secrets(daemon.err());
}

}  // namespace
}  // namespace rootwatch::e2e
