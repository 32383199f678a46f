#include "fake/test_ca.hpp"

#include "fake/fake_receiver.hpp"
#include "fake/test_client.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace rootwatch::fake {
namespace {

TEST(test_ca, makes_pem_and_fresh_keys_every_time) {
  const auto a = test_ca::generate();
  const auto b = test_ca::generate();
  EXPECT_TRUE(a.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
  EXPECT_NE(a.ca_pem(), b.ca_pem());
  const auto leaf = a.issue("localhost");
  EXPECT_TRUE(leaf.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
  EXPECT_TRUE(leaf.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
}

TEST(test_ca, leaf_names_and_signature) {
  const auto ca = test_ca::generate();
  const auto leaf = ca.issue("fake.example");
  const auto read = [](const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return std::unique_ptr<X509, decltype(&X509_free)>(cert, &X509_free);
  };
  const auto cert = read(leaf.cert_pem);
  const auto issuer = read(ca.ca_pem());
  ASSERT_TRUE(cert && issuer);
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "fake.example", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "other.example", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(issuer.get())), 1);
  EXPECT_EQ(X509_check_ca(issuer.get()), 1);
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
}

TEST(test_ca, write_ca_writes_the_pem) {
  const auto ca = test_ca::generate();
  const auto path =
      std::filesystem::temp_directory_path() / ("rootwatch-test-ca-" + std::to_string(::getpid()) + ".pem");
  ASSERT_TRUE(ca.write_ca(path.string()));
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), ca.ca_pem());
  std::filesystem::remove(path);
  EXPECT_FALSE(ca.write_ca("/nonexistent-dir/ca.pem"));
}

// The leaf verifies through a real TLS handshake for each of its names, and not against
// another CA.
TEST(test_ca, leaf_verifies_for_localhost_and_loopback) {
  const auto ca = test_ca::generate();
  receiver_options options;
  options.certificate = ca.issue("localhost");
  auto receiver = fake_receiver::start(std::move(options));
  ASSERT_TRUE(receiver);
  // Connect by address and check each name: a fresh machine or container need not resolve
  // "localhost" (a debootstrap root has no /etc/hosts), and the test is about the certificate.
  for (const std::string name : {"localhost", "127.0.0.1"}) {
    auto conn = test_connection::open("127.0.0.1", (*receiver)->port(), ca.ca_pem(), milliseconds(5'000), name);
    EXPECT_TRUE(conn) << name << ": " << conn.error().message;
  }
  auto other = test_connection::open("127.0.0.1", (*receiver)->port(), test_ca::generate().ca_pem());
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("handshake"), std::string::npos);
}

TEST(test_ca, leaf_does_not_verify_for_another_name) {
  const auto ca = test_ca::generate();
  receiver_options options;
  options.certificate = ca.issue("localhost");
  auto receiver = fake_receiver::start(std::move(options));
  ASSERT_TRUE(receiver);
  auto conn =
      test_connection::open("127.0.0.1", (*receiver)->port(), ca.ca_pem(), milliseconds(5'000), "elsewhere.example");
  ASSERT_FALSE(conn);
  EXPECT_NE(conn.error().message.find("handshake"), std::string::npos);
}

}  // namespace
}  // namespace rootwatch::fake
