// The real binary signing in with a certificate: kind = "client_certificate", a PEM file with
// the certificate and its (password-protected) key, the PS256 assertion verified by the fake.
// It must detect an elevation, and name a wrong password or an unknown certificate clearly,
// with no key, password or assertion in its output.

#include "e2e/harness.hpp"
#include "fake/app_certificate.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>

namespace rootwatch::e2e {
namespace {

constexpr std::string_view client_id = "5b0c2a1e-9d34-4c7f-8e21-6a3f0b9d4c58";  // the harness's app
constexpr std::string_view app_object_id = "c3e1f9a2-4b6d-4e8f-a1c3-5d7e9f0b2a46";
constexpr std::string_view password = "e2e-key-password-7f3a";

const fake::app_certificate& app_cert() {
  static const auto c = fake::make_app_certificate("rootwatch-e2e", std::string(password));
  return c;
}

// Swaps the client_secret credential write_config wrote for a client_certificate one.
void use_certificate(environment& env, const fs::path& pem, const fs::path& password_file) {
  replace_credential(env, "  kind = \"client_certificate\"\n  client_id = \"" + std::string(client_id) +
                              "\"\n  certificate_file = \"" + pem.string() + "\"\n  certificate_password_file = \"" +
                              password_file.string() + "\"\n  send_certificate_chain = true\n");
}

// Nothing secret in the output: no key, no password, no assertion.
void expect_clean(const std::string& output) {
  EXPECT_EQ(output.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(output.find(std::string(password)), std::string::npos);
  EXPECT_EQ(output.find("eyJ"), std::string::npos);
  std::istringstream lines(app_cert().encrypted_key_pem);
  std::string line;
  for (int i = 0; i < 4 && std::getline(lines, line); ++i) {
  }
  EXPECT_EQ(output.find(line), std::string::npos) << "a line of the key's base64";
}

class client_certificate_e2e : public testing::Test {
 protected:
  void SetUp() override {
    env_.write_config("1s");
    pem_ = env_.dir() / "rootwatch.pem";
    password_file_ = env_.dir() / "cert.password";
    std::ofstream(pem_) << app_cert().cert_pem << app_cert().encrypted_key_pem;
    std::ofstream(password_file_) << password << "\n";
    use_certificate(env_, pem_, password_file_);
  }

  void upload_certificate() {
    env_.azure().add_app({std::string(client_id), "", std::string(app_object_id), "rootwatch"}, app_cert().cert_pem);
  }

  environment env_;
  fs::path pem_;
  fs::path password_file_;
};

TEST_F(client_certificate_e2e, a_certificate_with_a_password_protected_key_detects_an_elevation) {
  upload_certificate();
  auto daemon = env_.start({"run", "--config", env_.config_path().string()});
  env_.elevate();
  const bool arrived =
      env_.receiver().wait_for([](const auto& d) { return !accepted(d, "assignment.created").empty(); }, wait_long);
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
  EXPECT_TRUE(arrived) << daemon.err();
  bool signed_in = false;
  for (const auto& r : env_.azure().requests()) {
    if (r.route == fake::azure_route::token && r.status == 200) {
      signed_in = true;
      EXPECT_NE(r.body.find("client_assertion="), std::string::npos);
      EXPECT_EQ(r.body.find("client_secret"), std::string::npos);
    }
  }
  EXPECT_TRUE(signed_in);
  expect_clean(daemon.err());
}

TEST_F(client_certificate_e2e, validate_names_a_wrong_password_and_check_an_unknown_certificate) {
  upload_certificate();
  std::ofstream(password_file_, std::ios::trunc) << "not-the-password\n";
  auto wrong = env_.run({"validate", "--config", env_.config_path().string()});
  EXPECT_NE(wrong.code, 0);
  EXPECT_NE((wrong.out + wrong.err).find("wrong password for the private key in " + pem_.string()), std::string::npos)
      << wrong.out << wrong.err;
  expect_clean(wrong.out + wrong.err);

  // The right password, but a certificate the app never had uploaded.
  const auto other = fake::make_app_certificate("not-uploaded", std::string(password));
  std::ofstream(pem_, std::ios::trunc) << other.cert_pem << other.encrypted_key_pem;
  std::ofstream(password_file_, std::ios::trunc) << password << "\n";
  auto unknown = env_.run({"check", "--config", env_.config_path().string()});
  EXPECT_EQ(unknown.code, 2) << unknown.out << unknown.err;
  EXPECT_NE((unknown.out + unknown.err).find("AADSTS700027"), std::string::npos) << unknown.out << unknown.err;
  EXPECT_NE((unknown.out + unknown.err).find("upload its public part"), std::string::npos) << unknown.err;
  expect_clean(unknown.out + unknown.err);
}

TEST_F(client_certificate_e2e, validate_names_a_missing_certificate_file) {
  fs::remove(pem_);
  auto r = env_.run({"validate", "--config", env_.config_path().string()});
  EXPECT_NE(r.code, 0);
  EXPECT_NE((r.out + r.err).find("cannot read certificate file " + pem_.string()), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace rootwatch::e2e
