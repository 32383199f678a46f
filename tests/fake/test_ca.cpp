#include "fake/test_ca.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <array>
#include <fstream>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

namespace rootwatch::fake {
namespace {

struct openssl_free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_free>;
using x509_ptr = std::unique_ptr<X509, openssl_free>;
using bio_ptr = std::unique_ptr<BIO, openssl_free>;
using bignum_ptr = std::unique_ptr<BIGNUM, openssl_free>;
using extension_ptr = std::unique_ptr<X509_EXTENSION, openssl_free>;

constexpr long ca_days = 30;
constexpr long leaf_days = 29;
constexpr long backdate_seconds = 3600;  // tolerate a client clock slightly behind ours

[[noreturn]] void fail(std::string_view step) {
  std::array<char, 256> text{};
  ERR_error_string_n(ERR_get_error(), text.data(), text.size());
  throw std::runtime_error(fmt::format("test CA: {} failed: {}", step, text.data()));
}

void check(int ok, std::string_view step) {
  if (ok <= 0) {
    fail(step);
  }
}

pkey_ptr new_key() {
  pkey_ptr key(EVP_EC_gen("P-256"));
  if (!key) {
    fail("EC P-256 key generation");
  }
  return key;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string key_to_pem(EVP_PKEY* key) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr), "writing a key as PEM");
  return bio_text(bio.get());
}

std::string cert_to_pem(X509* cert) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(bio.get(), cert), "writing a certificate as PEM");
  return bio_text(bio.get());
}

pkey_ptr key_from_pem(const std::string& pem) {
  bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  pkey_ptr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    fail("reading the CA key");
  }
  return key;
}

x509_ptr cert_from_pem(const std::string& pem) {
  bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  x509_ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    fail("reading the CA certificate");
  }
  return cert;
}

// Serial numbers must be unique per issuer; 127 random bits are, in practice.
void set_random_serial(X509* cert) {
  std::array<unsigned char, 16> bytes{};
  check(RAND_bytes(bytes.data(), static_cast<int>(bytes.size())), "random serial");
  bytes[0] &= 0x7f;  // positive, as RFC 5280 requires
  bignum_ptr bn(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert))) {
    fail("setting the serial number");
  }
}

void set_subject(X509* cert, const std::string& cn) {
  X509_NAME* name = X509_get_subject_name(cert);
  const auto add = [&](const char* field, const std::string& value) {
    check(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.c_str()),
                                     -1, -1, 0),
          "setting the subject name");
  };
  add("O", "rootwatch tests");
  add("CN", cn);
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  extension_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext) {
    fail(fmt::format("building extension {}={}", OBJ_nid2sn(nid), value));
  }
  check(X509_add_ext(cert, ext.get(), -1), "adding an extension");
}

// A certificate with everything but the extensions and the signature.
x509_ptr new_cert(const std::string& cn, EVP_PKEY* key, long days) {
  x509_ptr cert(X509_new());
  if (!cert) {
    fail("X509_new");
  }
  check(X509_set_version(cert.get(), X509_VERSION_3), "setting the version");
  set_random_serial(cert.get());
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -backdate_seconds) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * 24 * 3600)) {
    fail("setting the validity");
  }
  set_subject(cert.get(), cn);
  check(X509_set_pubkey(cert.get(), key), "setting the public key");
  return cert;
}

bool is_ip_literal(const std::string& text) {
  std::array<unsigned char, 16> buf{};
  return inet_pton(AF_INET, text.c_str(), buf.data()) == 1 || inet_pton(AF_INET6, text.c_str(), buf.data()) == 1;
}

std::string subject_alt_names(const std::string& cn) {
  std::string names = "DNS:localhost,IP:127.0.0.1,IP:::1";
  if (cn == "localhost" || cn == "127.0.0.1" || cn == "::1" || cn.empty()) {
    return names;
  }
  return names + (is_ip_literal(cn) ? ",IP:" : ",DNS:") + cn;
}

}  // namespace

test_ca test_ca::generate() {
  auto key = new_key();
  auto cert = new_cert("rootwatch test CA", key.get(), ca_days);
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())), "setting the issuer");
  add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  add_extension(cert.get(), cert.get(), NID_authority_key_identifier, "keyid:always");
  check(X509_sign(cert.get(), key.get(), EVP_sha256()), "signing the CA certificate");
  return test_ca(cert_to_pem(cert.get()), key_to_pem(key.get()));
}

test_ca::leaf test_ca::issue(const std::string& cn) const {
  auto ca_key = key_from_pem(key_pem_);
  auto ca_cert = cert_from_pem(cert_pem_);
  auto key = new_key();
  auto cert = new_cert(cn, key.get(), leaf_days);
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get())), "setting the issuer");
  add_extension(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature,keyAgreement");
  add_extension(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth,clientAuth");
  add_extension(cert.get(), ca_cert.get(), NID_subject_alt_name, subject_alt_names(cn));
  add_extension(cert.get(), ca_cert.get(), NID_subject_key_identifier, "hash");
  add_extension(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always");
  check(X509_sign(cert.get(), ca_key.get(), EVP_sha256()), "signing a leaf certificate");
  return leaf{cert_to_pem(cert.get()), key_to_pem(key.get())};
}

result<void> test_ca::write_ca(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << cert_pem_;
  out.close();
  if (!out) {
    return make_error(error_kind::io, fmt::format("cannot write the test CA to '{}'", path));
  }
  return {};
}

}  // namespace rootwatch::fake
