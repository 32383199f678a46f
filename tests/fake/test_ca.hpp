#pragma once

// A throw-away certificate authority made at run time, so that the fakes speak verified TLS
// (rule 8: TLS is never optional, not even in tests) without a key checked in or fetched.

#include "common/error.hpp"

#include <string>

namespace rootwatch::fake {

class test_ca {
 public:
  struct leaf {
    std::string cert_pem;  // the leaf alone; clients trust ca_pem()
    std::string key_pem;
  };

  // A new EC P-256 CA valid from an hour ago for 30 days. Throws std::runtime_error if
  // OpenSSL fails, which only a broken installation does.
  static test_ca generate();

  std::string ca_pem() const { return cert_pem_; }

  // A server and client certificate for `cn`, signed by this CA, with the subject alternative
  // names DNS:localhost, IP:127.0.0.1 and IP:::1 (plus DNS:cn when it is not one of those).
  leaf issue(const std::string& cn) const;

  // Writes ca_pem() to `path` (mode 0644): the file a client names as its extra CA bundle.
  result<void> write_ca(const std::string& path) const;

 private:
  test_ca(std::string cert_pem, std::string key_pem) : cert_pem_(std::move(cert_pem)), key_pem_(std::move(key_pem)) {}

  std::string cert_pem_;
  std::string key_pem_;
};

}  // namespace rootwatch::fake
