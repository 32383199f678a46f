#include "net/beast.hpp"
#include "net/tls.hpp"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

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

result<void> server_tls::require_client_certificates(const std::string& ca_pem) {
  boost::system::error_code ec;
  ctx_->add_certificate_authority(boost::asio::buffer(ca_pem), ec);
  if (ec) {
    return make_error(error_kind::config, fmt::format("client CA is not usable PEM: {}", ec.message()));
  }
  // Tell clients which issuers are accepted, so that one with several identities picks right.
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size())),
                                                &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> ca(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!ca || SSL_CTX_add_client_CA(ctx_->native_handle(), ca.get()) != 1) {
    return make_error(error_kind::config, "client CA is not a PEM certificate");
  }
  ctx_->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  // A server that verifies clients resumes a session only within a named context (OpenSSL
  // refuses a TLS 1.2 resumption without one): clients reconnecting resume, as they do with
  // servers that ask for no certificate.
  static constexpr unsigned char session_context[] = "rootwatch";
  if (SSL_CTX_set_session_id_context(ctx_->native_handle(), session_context, sizeof(session_context) - 1) != 1) {
    return make_error(error_kind::internal, "cannot set the TLS session context");
  }
  return {};
}

std::string peer_common_name(ssl_st* connection) {
  X509* peer = connection == nullptr ? nullptr : SSL_get0_peer_certificate(connection);
  if (peer == nullptr) {
    return {};
  }
  char name[256] = {};
  const int size = X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, name, sizeof(name));
  return size > 0 ? std::string(name, static_cast<std::size_t>(size)) : std::string{};
}

}  // namespace rootwatch::net
