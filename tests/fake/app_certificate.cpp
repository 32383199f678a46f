#include "fake/app_certificate.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>

namespace rootwatch::fake {
namespace {

struct openssl_free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
using bio_ptr = std::unique_ptr<BIO, openssl_free>;

void require(bool ok, const char* step) {
  if (!ok) {
    throw std::runtime_error(std::string("app certificate: ") + step + " failed");
  }
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

app_certificate make_app_certificate(const std::string& cn, const std::string& password, bool rsa) {
  std::unique_ptr<EVP_PKEY, openssl_free> key(rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
  require(key != nullptr, "key generation");
  std::unique_ptr<X509, openssl_free> cert(X509_new());
  require(cert != nullptr && X509_set_version(cert.get(), X509_VERSION_3) == 1, "version");
  require(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1) == 1, "serial");
  require(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
  require(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600) != nullptr, "notAfter");
  X509_NAME* name = X509_get_subject_name(cert.get());
  require(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                     -1, 0) == 1,
          "subject");
  require(X509_set_issuer_name(cert.get(), name) == 1, "issuer");
  require(X509_set_pubkey(cert.get(), key.get()) == 1, "public key");
  require(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "signing");
  app_certificate out;
  bio_ptr c(BIO_new(BIO_s_mem()));
  require(PEM_write_bio_X509(c.get(), cert.get()) == 1, "certificate PEM");
  out.cert_pem = bio_text(c.get());
  bio_ptr k(BIO_new(BIO_s_mem()));
  require(PEM_write_bio_PrivateKey(k.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1, "key PEM");
  out.key_pem = bio_text(k.get());
  bio_ptr e(BIO_new(BIO_s_mem()));
  require(PEM_write_bio_PKCS8PrivateKey(e.get(), key.get(), EVP_aes_256_cbc(), password.data(),
                                        static_cast<int>(password.size()), nullptr, nullptr) == 1,
          "encrypted key PEM");
  out.encrypted_key_pem = bio_text(e.get());
  const int size = i2d_X509(cert.get(), nullptr);
  require(size > 0, "DER");
  out.der.resize(static_cast<std::size_t>(size));
  auto* p = reinterpret_cast<unsigned char*>(out.der.data());
  i2d_X509(cert.get(), &p);
  return out;
}

}  // namespace rootwatch::fake
