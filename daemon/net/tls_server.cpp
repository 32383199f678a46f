#include "net/beast.hpp"
#include "net/tls.hpp"

#include <fmt/format.h>

namespace rootwatch::net {

server_tls::server_tls() = default;
server_tls::~server_tls() = default;

ssl::context& server_tls::native() {
  return *ctx_;
}

result<std::shared_ptr<server_tls>> server_tls::from_pem(const std::string& cert_chain_pem,
                                                         const std::string& key_pem) {
  std::shared_ptr<server_tls> out(new server_tls());
  out->ctx_ = std::make_unique<ssl::context>(ssl::context::tls_server);
  auto& ctx = *out->ctx_;
  // TLS 1.0/1.1 are off for servers as for clients: nothing we talk to needs them.
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression |
                  ssl::context::single_dh_use);
  // Stated twice on purpose: the options above are the Asio spelling, this is the floor that
  // also holds if OpenSSL adds a protocol version Asio has no option for.
  if (SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION) != 1) {
    return make_error(error_kind::internal, "cannot set the TLS 1.2 floor on the server context");
  }
  boost::system::error_code ec;
  ctx.use_certificate_chain(boost::asio::buffer(cert_chain_pem), ec);
  if (ec) {
    return make_error(error_kind::config,
                      fmt::format("server TLS certificate chain is not usable PEM: {}", ec.message()));
  }
  // The key text itself never goes into the message (invariant 5).
  ctx.use_private_key(boost::asio::buffer(key_pem), ssl::context::pem, ec);
  if (ec) {
    return make_error(error_kind::config, fmt::format("server TLS private key is not usable PEM: {}", ec.message()));
  }
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    return make_error(error_kind::config, "server TLS private key does not match the certificate");
  }
  return out;
}

}  // namespace rootwatch::net
