#pragma once

// PEM certificates and keys read from memory with OpenSSL: the client identities of the
// certificate credential (auth) and of mTLS sinks (net). Only those .cpp files include it.

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

namespace rootwatch::net::pem {

struct openssl_free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_free>;
using x509_ptr = std::unique_ptr<X509, openssl_free>;
using bio_ptr = std::unique_ptr<BIO, openssl_free>;

bio_ptr memory_bio(const std::string& text);

// OpenSSL's password callback; `user` points at a std::optional<std::string>, or is null for
// none. Without a callback OpenSSL would prompt on the terminal for an encrypted key: a daemon
// must fail instead.
int give_password(char* buf, int size, int rwflag, void* user);

// Every certificate in the text, in order (none when it holds none).
std::vector<x509_ptr> read_certificates(const std::string& pem);

bool is_encrypted(const std::string& pem);
bool has_private_key(const std::string& pem);

}  // namespace rootwatch::net::pem
