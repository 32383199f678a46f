// Certificate-signed client assertions (§1.1), checked the way Entra ID checks them: the
// header's x5t#S256 names one of the app's certificates, the PS256 signature verifies with its
// public key, aud is this token endpoint, iss = sub = client_id, the time range holds, and a
// jti is accepted once. OpenSSL verifies; the product's own encoders are not used, so a bug
// the client and the fake shared could not hide.

#include "fake/azure_state.hpp"

#include "common/strings.hpp"
#include "fake/wire_codec.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <fmt/format.h>

#include <memory>

namespace rootwatch::fake {
namespace {

// Entra tolerates this much clock difference between client and server.
constexpr std::int64_t skew_seconds = 300;
// An assertion meant to live longer than this is refused, as Entra refuses long-lived ones.
constexpr std::int64_t max_lifetime_seconds = 3600;

struct openssl_free {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using x509_ptr = std::unique_ptr<X509, openssl_free>;

x509_ptr parse_pem(const std::string& pem) {
  std::unique_ptr<BIO, openssl_free> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  x509_ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  return cert;
}

std::string der_of(X509* cert) {
  const int size = i2d_X509(cert, nullptr);
  std::string der(static_cast<std::size_t>(std::max(size, 0)), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509(cert, &out);
  return der;
}

std::string sha256_of(std::string_view bytes) {
  std::string digest(32, '\0');
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), reinterpret_cast<unsigned char*>(digest.data()), &size, EVP_sha256(), nullptr);
  return digest;
}

// base64url without padding, as JWTs are written; the standard alphabet is refused.
std::optional<std::string> from_base64url(std::string_view text) {
  std::string standard(text);
  for (char& c : standard) {
    if (c == '+' || c == '/' || c == '=') {
      return std::nullopt;
    }
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  }
  while (standard.size() % 4 != 0) {
    standard.push_back('=');
  }
  return from_base64(standard);
}

bool verify_ps256(X509* cert, std::string_view signing_input, std::string_view signature) {
  EVP_PKEY* key = X509_get0_pubkey(cert);
  std::unique_ptr<EVP_MD_CTX, openssl_free> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const bool ok =
      key != nullptr && ctx && EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key) == 1 &&
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
  ERR_clear_error();
  return ok;
}

aad_failure bad_signature(std::string_view reason) {
  return {401, "invalid_client", 700027,
          fmt::format("Client assertion contains an invalid signature. [Reason - {}]", reason)};
}

aad_failure bad_token(std::string_view reason) {
  return {401, "invalid_client", 50027, fmt::format("Invalid JWT token. {}", reason)};
}

aad_failure out_of_time(std::string_view reason) {
  return {401, "invalid_client", 700024,
          fmt::format("Client assertion is not within its valid time range. {}", reason)};
}

std::optional<json> json_part(std::string_view part) {
  const auto text = from_base64url(part);
  if (!text) {
    return std::nullopt;
  }
  auto j = json::parse(*text, nullptr, false);
  if (!j.is_object()) {
    return std::nullopt;
  }
  return std::optional<json>(std::in_place, std::move(j));
}

std::optional<std::int64_t> number_claim(const json& claims, const char* name) {
  const auto it = claims.find(name);
  if (it == claims.end() || !it->is_number_integer()) {
    return std::nullopt;
  }
  return it->get<std::int64_t>();
}

std::string string_claim(const json& claims, const char* name) {
  const auto it = claims.find(name);
  return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The registered certificate the header names by x5t#S256; nothing when none is.
x509_ptr named_certificate(const std::vector<std::string>& pems, std::string_view thumbprint) {
  for (const auto& pem : pems) {
    auto cert = parse_pem(pem);
    if (cert && to_base64url(sha256_of(der_of(cert.get()))) == thumbprint) {
      return cert;
    }
  }
  return nullptr;
}

std::optional<aad_failure> check_header(const json& header, X509* cert) {
  if (string_claim(header, "alg") != "PS256") {
    return bad_signature(fmt::format("This fake accepts alg PS256 only, not '{}'.", string_claim(header, "alg")));
  }
  const auto x5c = header.find("x5c");
  if (x5c == header.end()) {
    return std::nullopt;
  }
  const auto leaf = x5c->is_array() && !x5c->empty() && x5c->front().is_string()
                        ? from_base64(x5c->front().get<std::string>())
                        : std::nullopt;
  if (!leaf || *leaf != der_of(cert)) {
    return bad_signature("The first certificate of x5c is not the one x5t#S256 names.");
  }
  return std::nullopt;
}

std::optional<aad_failure> check_claims(const json& claims, const std::string& token_url, const std::string& client_id,
                                        std::int64_t now) {
  if (!iequals(string_claim(claims, "aud"), token_url)) {
    return bad_token(
        fmt::format("The audience '{}' is not this token endpoint '{}'.", string_claim(claims, "aud"), token_url));
  }
  if (!iequals(string_claim(claims, "iss"), client_id) || !iequals(string_claim(claims, "sub"), client_id)) {
    return aad_failure{401, "invalid_client", 700021,
                       "Client assertion application identifier doesn't match 'client_id' parameter."};
  }
  const auto exp = number_claim(claims, "exp");
  const auto nbf = number_claim(claims, "nbf");
  if (!exp || !nbf) {
    return bad_token("The claims exp and nbf must be numbers (seconds since the epoch).");
  }
  if (*exp + skew_seconds <= now) {
    return out_of_time(fmt::format("The assertion expired {} s ago.", now - *exp));
  }
  if (*nbf - skew_seconds > now) {
    return out_of_time("Its nbf is in the future.");
  }
  if (*exp - std::min(*nbf, now) > max_lifetime_seconds) {
    return out_of_time("Its lifetime is too long.");
  }
  if (string_claim(claims, "jti").empty()) {
    return bad_token("The claim jti is missing.");
  }
  return std::nullopt;
}

}  // namespace

std::optional<aad_failure> check_certificate_assertion(azure_state& st, std::string_view assertion,
                                                       const std::vector<std::string>& certificates,
                                                       const std::string& client_id, timestamp now) {
  const auto parts = split(assertion, '.');
  if (parts.size() != 3) {
    return bad_token("The token is not a signed JWT (three base64url parts).");
  }
  const auto header = json_part(parts[0]);
  const auto claims = json_part(parts[1]);
  const auto signature = from_base64url(parts[2]);
  if (!header || !claims || !signature) {
    return bad_token("A part of the token is not base64url-encoded JSON.");
  }
  const std::string thumbprint = string_claim(*header, "x5t#S256");
  auto cert = named_certificate(certificates, thumbprint);
  if (!cert) {
    return bad_signature(fmt::format("The key was not found., Thumbprint of key used by client: '{}'", thumbprint));
  }
  if (auto bad = check_header(*header, cert.get())) {
    return bad;
  }
  if (!verify_ps256(cert.get(), std::string(parts[0]) + "." + parts[1], *signature)) {
    return bad_signature("The provided signature value did not match the expected signature value.");
  }
  const std::string token_url = fmt::format("{}/{}/oauth2/v2.0/token", st.base_url, st.tenant_id);
  if (auto bad = check_claims(*claims, token_url, client_id, to_unix_seconds(now))) {
    return bad;
  }
  // Remembered only once everything else holds: a refused assertion may be fixed and re-sent.
  if (!st.assertion_ids.insert(string_claim(*claims, "jti")).second) {
    return aad_failure{401, "invalid_client", 50013,
                       "Assertion is invalid: its jti was already used (a replayed client assertion)."};
  }
  return std::nullopt;
}

}  // namespace rootwatch::fake
