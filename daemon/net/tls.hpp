#pragma once

// TLS contexts, opaque to callers so that OpenSSL and asio::ssl stay out of headers.

#include "common/error.hpp"

#include <memory>
#include <optional>
#include <string>

namespace boost::asio::ssl {
class context;
}
struct ssl_st;  // OpenSSL's SSL

namespace rootwatch::net {

// A TLS client certificate (mTLS) as read from its files: the certificate first, then any
// chain, and the private key (in certificate_pem too, or in key_pem). The sources name the
// files in messages; the PEM text and the password never appear in one. Wiped when destroyed.
struct client_identity {
  std::string certificate_pem;
  std::string key_pem;  // "" when the key is in certificate_pem
  std::optional<std::string> key_password;
  std::string certificate_source;
  std::string key_source;
  client_identity() = default;
  client_identity(const client_identity&) = default;
  client_identity& operator=(const client_identity&) = default;
  ~client_identity();
};

// Whether the identity loads: a certificate, a private key that opens (with its password when
// encrypted) and matches the certificate. The error names the file at fault.
result<void> check_client_identity(const client_identity& identity);

// Client side: TLS 1.2 or newer, peer verification always on, the system trust store plus an
// optional extra PEM bundle (invariant 6). There is deliberately no way to turn it off.
class client_tls {
 public:
  // With an identity, the context presents that client certificate to servers that ask for
  // one; such a context belongs to the one sink it was made for.
  static result<std::shared_ptr<client_tls>> make(const std::string& extra_ca_file,
                                                  const client_identity* identity = nullptr);
  ~client_tls();
  boost::asio::ssl::context& native();

 private:
  client_tls();
  std::unique_ptr<boost::asio::ssl::context> ctx_;
};

// Server side, for the health listener (when asked for TLS) and the test fakes.
class server_tls {
 public:
  static result<std::shared_ptr<server_tls>> from_pem(const std::string& cert_chain_pem, const std::string& key_pem);
  ~server_tls();
  // Mutual TLS: every client must present a certificate issued by a CA in `ca_pem`, or the
  // handshake fails. Off unless called (the test fakes of mTLS receivers call it).
  result<void> require_client_certificates(const std::string& ca_pem);
  boost::asio::ssl::context& native();

 private:
  server_tls();
  std::unique_ptr<boost::asio::ssl::context> ctx_;
};

// The subject common name of the certificate the peer presented on this connection; "" when it
// presented none (or it has no CN).
std::string peer_common_name(ssl_st* connection);

}  // namespace rootwatch::net
