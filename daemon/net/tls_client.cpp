#include "net/beast.hpp"
#include "net/pem.hpp"
#include "net/tls.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

namespace rootwatch::net {
namespace {

using pem::give_password;
using pem::has_private_key;
using pem::is_encrypted;
using pem::memory_bio;
using pem::pkey_ptr;
using pem::read_certificates;
using pem::x509_ptr;

struct ctx_free {
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
};
using ctx_ptr = std::unique_ptr<SSL_CTX, ctx_free>;

result<pkey_ptr> read_private_key(const client_identity& id) {
  const std::string& pem = id.key_pem.empty() ? id.certificate_pem : id.key_pem;
  const std::string& source = id.key_pem.empty() ? id.certificate_source : id.key_source;
  if (!has_private_key(pem)) {
    return make_error(error_kind::config,
                      fmt::format("{} has no PEM private key: put it after the certificate, or name its file in "
                                  "tls_client_key_file",
                                  source));
  }
  const bool encrypted = is_encrypted(pem);
  if (encrypted && !id.key_password) {
    return make_error(error_kind::config,
                      fmt::format("the private key in {} is encrypted: set tls_client_key_password_file or "
                                  "tls_client_key_password_env",
                                  source));
  }
  auto bio = memory_bio(pem);
  pkey_ptr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, give_password,
                                       const_cast<std::optional<std::string>*>(&id.key_password)));
  ERR_clear_error();
  if (!key) {
    return make_error(error_kind::config, encrypted ? fmt::format("wrong password for the private key in {}", source)
                                                    : fmt::format("cannot read the private key in {}", source));
  }
  return key;
}

// Puts the certificate, its chain and its key into `ctx`, and checks that the key is the
// certificate's: a mismatch would only show as a refused handshake at the first delivery.
result<void> use_identity(SSL_CTX* ctx, const client_identity& id) {
  auto certs = read_certificates(id.certificate_pem);
  if (certs.empty()) {
    return make_error(error_kind::config, fmt::format("{} holds no PEM certificate", id.certificate_source));
  }
  auto key = read_private_key(id);
  if (!key) {
    return key.error();
  }
  if (SSL_CTX_use_certificate(ctx, certs.front().get()) != 1) {
    ERR_clear_error();
    return make_error(error_kind::config, fmt::format("the certificate in {} is not usable", id.certificate_source));
  }
  for (std::size_t i = 1; i < certs.size(); ++i) {
    if (SSL_CTX_add1_chain_cert(ctx, certs[i].get()) != 1) {
      ERR_clear_error();
      return make_error(error_kind::config,
                        fmt::format("chain certificate {} in {} is not usable", i, id.certificate_source));
    }
  }
  const std::string& key_source = id.key_pem.empty() ? id.certificate_source : id.key_source;
  if (SSL_CTX_use_PrivateKey(ctx, key->get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return make_error(error_kind::config, fmt::format("the private key in {} does not match the certificate in {}",
                                                      key_source, id.certificate_source));
  }
  return {};
}

}  // namespace

client_identity::~client_identity() {
  OPENSSL_cleanse(key_pem.data(), key_pem.size());
  OPENSSL_cleanse(certificate_pem.data(), certificate_pem.size());
  if (key_password) {
    OPENSSL_cleanse(key_password->data(), key_password->size());
  }
}

result<void> check_client_identity(const client_identity& identity) {
  ctx_ptr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    return make_error(error_kind::internal, "cannot make a TLS context");
  }
  return use_identity(ctx.get(), identity);
}

client_tls::client_tls() = default;
client_tls::~client_tls() = default;

ssl::context& client_tls::native() {
  return *ctx_;
}

result<std::shared_ptr<client_tls>> client_tls::make(const std::string& extra_ca_file,
                                                     const client_identity* identity) {
  std::shared_ptr<client_tls> out(new client_tls());
  out->ctx_ = std::make_unique<ssl::context>(ssl::context::tls_client);
  auto& ctx = *out->ctx_;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression);
  boost::system::error_code ec;
  ctx.set_default_verify_paths(ec);
  if (ec) {
    return make_error(error_kind::config, fmt::format("cannot load the system trust store: {}", ec.message()));
  }
  if (!extra_ca_file.empty()) {
    std::error_code fs_error;
    if (!std::filesystem::is_regular_file(extra_ca_file, fs_error)) {
      return make_error(error_kind::config, fmt::format("tls.ca_file '{}' is not a readable file{}", extra_ca_file,
                                                        fs_error ? ": " + fs_error.message() : std::string{}));
    }
    ctx.load_verify_file(extra_ca_file, ec);
    if (ec) {
      return make_error(error_kind::config, fmt::format("tls.ca_file '{}' holds no usable PEM certificate: {}",
                                                        extra_ca_file, ec.message()));
    }
  }
  ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  if (identity != nullptr) {
    if (auto used = use_identity(ctx.native_handle(), *identity); !used) {
      return used.error();
    }
  }
  return out;
}

}  // namespace rootwatch::net
