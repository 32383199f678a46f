#include "auth/client_certificate.hpp"

#include "auth/token_endpoint.hpp"
#include "common/clock.hpp"
#include "common/encoding.hpp"
#include "common/json.hpp"
#include "common/rng.hpp"
#include "common/secret_scrub.hpp"
#include "common/sha256.hpp"
#include "net/https_client.hpp"
#include "net/pem.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace rootwatch::auth {
namespace {

// A certificate with a long chain is a few tens of KiB; anything far larger is not one.
constexpr std::size_t max_pem_bytes = 1024 * 1024;

using net::pem::bio_ptr;
using net::pem::give_password;
using net::pem::has_private_key;
using net::pem::is_encrypted;
using net::pem::memory_bio;
using net::pem::pkey_ptr;
using net::pem::read_certificates;
using net::pem::x509_ptr;

struct md_ctx_free {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_free>;

// The PEM text wiped when it goes: it holds the private key.
struct wiped_text {
  std::string text;
  ~wiped_text() { OPENSSL_cleanse(text.data(), text.size()); }
};

result<pkey_ptr> read_private_key(const std::string& path, const std::string& pem,
                                  const std::optional<std::string>& password) {
  if (!has_private_key(pem)) {
    return make_error(error_kind::config,
                      fmt::format("certificate file {} has no private key: put the PEM private key in the same file, "
                                  "after the certificate",
                                  path));
  }
  const bool encrypted = is_encrypted(pem);
  if (encrypted && !password) {
    return make_error(error_kind::config,
                      fmt::format("the private key in {} is encrypted: set certificate_password_file or "
                                  "certificate_password_env",
                                  path));
  }
  auto bio = memory_bio(pem);
  pkey_ptr key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, give_password, const_cast<std::optional<std::string>*>(&password)));
  ERR_clear_error();
  if (!key) {
    return make_error(error_kind::config,
                      encrypted ? fmt::format("wrong password for the private key in {} (from "
                                              "certificate_password_file or certificate_password_env)",
                                              path)
                                : fmt::format("cannot read the private key in {}: not a PEM private key", path));
  }
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA && EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA_PSS) {
    return make_error(error_kind::config,
                      fmt::format("the private key in {} is not an RSA key: Entra ID signs in apps with RSA "
                                  "certificates (PS256) only",
                                  path));
  }
  return key;
}

std::string der_of(X509* cert) {
  const int size = i2d_X509(cert, nullptr);
  if (size <= 0) {
    return {};
  }
  std::string der(static_cast<std::size_t>(size), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509(cert, &out);
  return der;
}

std::string time_text(const ASN1_TIME* t) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio || ASN1_TIME_print(bio.get(), t) <= 0) {
    return "an unreadable date";
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(error_kind::config,
                      fmt::format("cannot read certificate file {}: {}", path, std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  std::string text = content.str();
  if (text.size() > max_pem_bytes) {
    OPENSSL_cleanse(text.data(), text.size());
    return make_error(error_kind::config, fmt::format("certificate file {} is larger than 1 MiB", path));
  }
  return text;
}

// AADSTS codes of an assertion Entra refused, with where the fix is.
std::string refusal_hint(const error& e, const client_certificate_options& o, const std::string& thumbprint) {
  if (e.message.find("AADSTS700027") != std::string::npos) {
    return fmt::format(
        "; the certificate in {} (x5t#S256 {}) is not one app {} trusts: upload its public part to the app "
        "registration (Certificates & secrets)",
        o.certificate_file, thumbprint, o.client_id);
  }
  if (e.message.find("AADSTS700024") != std::string::npos) {
    return "; the assertion is outside its valid time: check this host's clock";
  }
  return {};
}

}  // namespace

struct certificate_key::impl {
  pkey_ptr key;
  std::vector<std::string> chain_der;
};

certificate_key::certificate_key(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
certificate_key::~certificate_key() = default;
certificate_key::certificate_key(certificate_key&&) noexcept = default;
certificate_key& certificate_key::operator=(certificate_key&&) noexcept = default;

const std::vector<std::string>& certificate_key::chain_der() const {
  return impl_->chain_der;
}

std::string certificate_key::thumbprint_s256() const {
  return base64url_encode(sha256(impl_->chain_der.front()));
}

result<std::string> certificate_key::sign_ps256(std::string_view data) const {
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  std::size_t size = 0;
  const bool ready =
      ctx && EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, impl_->key.get()) == 1 &&
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
      EVP_DigestSign(ctx.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  std::string signature(size, '\0');
  if (!ready || EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                               reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    ERR_clear_error();
    return make_error(error_kind::internal, "signing the client assertion (RSA-PSS SHA-256) failed");
  }
  signature.resize(size);
  return signature;
}

result<certificate_key> load_certificate_key(const std::string& path, const std::optional<std::string>& password,
                                             timestamp now) {
  auto text = read_file(path);
  if (!text) {
    return text.error();
  }
  const wiped_text pem{std::move(*text)};
  auto certificates = read_certificates(pem.text);
  if (certificates.empty()) {
    return make_error(error_kind::config,
                      fmt::format("certificate file {} has no PEM certificate (-----BEGIN CERTIFICATE-----)", path));
  }
  auto key = read_private_key(path, pem.text, password);
  if (!key) {
    return key.error();
  }
  // The leaf is the certificate of the key, wherever it stands in the file; the rest is its chain.
  const auto leaf = std::find_if(certificates.begin(), certificates.end(),
                                 [&](const x509_ptr& c) { return X509_check_private_key(c.get(), key->get()) == 1; });
  ERR_clear_error();
  if (leaf == certificates.end()) {
    return make_error(error_kind::config,
                      fmt::format("the private key in {} belongs to none of the certificates in that file", path));
  }
  std::time_t at = std::chrono::system_clock::to_time_t(now);
  if (X509_cmp_time(X509_get0_notAfter(leaf->get()), &at) < 0) {
    return make_error(error_kind::config,
                      fmt::format("the certificate in {} expired on {}: renew it and upload the new one to the app",
                                  path, time_text(X509_get0_notAfter(leaf->get()))));
  }
  auto p = std::make_unique<certificate_key::impl>();
  p->key = std::move(*key);
  p->chain_der.push_back(der_of(leaf->get()));
  for (auto it = certificates.begin(); it != certificates.end(); ++it) {
    if (it != leaf) {
      p->chain_der.push_back(der_of(it->get()));
    }
  }
  return certificate_key(std::move(p));
}

result<std::string> make_client_assertion(const certificate_key& key, const assertion_claims& claims) {
  json header{{"alg", "PS256"}, {"typ", "JWT"}, {"x5t#S256", key.thumbprint_s256()}};
  if (claims.with_chain) {
    json chain = json::array();
    for (const auto& der : key.chain_der()) {
      chain.push_back(base64_encode(der));  // x5c is standard base64, not base64url (RFC 7515 §4.1.6)
    }
    header["x5c"] = std::move(chain);
  }
  const auto now = to_unix_seconds(claims.now);
  const json payload{{"aud", claims.audience},
                     {"iss", claims.client_id},
                     {"sub", claims.client_id},
                     {"jti", claims.jti},
                     {"nbf", now},
                     {"iat", now},
                     {"exp", now + assertion_lifetime.count()}};
  const std::string signing_input =
      base64url_encode(dump_tolerant(header)) + "." + base64url_encode(dump_tolerant(payload));
  auto signature = key.sign_ps256(signing_input);
  if (!signature) {
    return signature.error();
  }
  return signing_input + "." + base64url_encode(*signature);
}

client_certificate_credential::client_certificate_credential(net::https_client& http,
                                                             client_certificate_options options, const clock& wall,
                                                             rng& random)
    : http_(http), options_(std::move(options)), clock_(wall), random_(random) {}

result<signed_assertion> client_certificate_credential::assertion_for(const std::string& token_url) const {
  auto password = options_.read_password ? options_.read_password() : result<std::optional<std::string>>{};
  if (!password) {
    return password.error();
  }
  if (*password) {
    register_secret(**password);
  }
  auto key = load_certificate_key(options_.certificate_file, *password, clock_.now());
  if (*password) {
    OPENSSL_cleanse((*password)->data(), (*password)->size());
  }
  if (!key) {
    return key.error();
  }
  auto jwt = make_client_assertion(
      *key, {token_url, options_.client_id, random_uuid(random_), clock_.now(), options_.send_certificate_chain});
  if (!jwt) {
    return jwt.error();
  }
  return signed_assertion{std::move(*jwt), key->thumbprint_s256()};
}

awaitable<result<access_token>> client_certificate_credential::fetch(std::string scope) {
  const std::string token_url =
      fmt::format("{}/{}/oauth2/v2.0/token", options_.authority, form_encode(options_.tenant_id));
  auto made = assertion_for(token_url);
  if (!made) {
    co_return with_context(made.error(), fmt::format("client certificate for tenant {}", options_.tenant_id));
  }
  const std::string assertion = std::move(made->jwt);
  // Known before it is sent: an endpoint or proxy that echoes the form has it scrubbed.
  register_secret(assertion);
  net::request req;
  req.method = "POST";
  req.url = token_url;
  req.what = "token endpoint";
  req.timeout = options_.timeout;
  req.body_limit = 256 * 1024;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  req.body = fmt::format(
      "grant_type=client_credentials&client_id={}&scope={}"
      "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion={}",
      form_encode(options_.client_id), form_encode(scope), form_encode(assertion));
  auto res = co_await http_.send_with_retry(std::move(req), options_.retry);
  if (!res) {
    co_return with_context(res.error(), fmt::format("token for tenant {}", options_.tenant_id));
  }
  if (res->status != 200) {
    auto e = token_error(res->status, res->body, options_.tenant_id, assertion);
    e.message += refusal_hint(e, options_, made->thumbprint);
    co_return e;
  }
  co_return parse_token_response(res->body, clock_.now());
}

}  // namespace rootwatch::auth
