#pragma once

// TLS contexts, opaque to callers so that OpenSSL and asio::ssl stay out of headers.

#include "common/error.hpp"

#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace rootwatch::net {

// Client side: TLS 1.2 or newer, peer verification always on, the system trust store plus an
// optional extra PEM bundle (invariant 6). There is deliberately no way to turn it off.
class client_tls {
 public:
  static result<std::shared_ptr<client_tls>> make(const std::string& extra_ca_file);
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
  boost::asio::ssl::context& native();

 private:
  server_tls();
  std::unique_ptr<boost::asio::ssl::context> ctx_;
};

}  // namespace rootwatch::net
