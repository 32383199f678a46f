#pragma once

// A throw-away key and self-signed certificate for an app that signs in with a certificate
// (§1.1): what tests upload to the fake (fake_azure::add_app with the PEM) and hand to the
// client. Made at run time, so that no key is checked in.

#include <string>

namespace rootwatch::fake {

struct app_certificate {
  std::string cert_pem;
  std::string key_pem;            // PKCS#8, unencrypted
  std::string encrypted_key_pem;  // PKCS#8, AES-256-CBC with the password given
  std::string der;                // of the certificate
};

// An RSA 2048 key (or EC P-256 when `rsa` is false, to test refusals) and a certificate for
// `cn`, valid from an hour ago for 7 days. Throws std::runtime_error if OpenSSL fails.
app_certificate make_app_certificate(const std::string& cn, const std::string& password, bool rsa = true);

}  // namespace rootwatch::fake
