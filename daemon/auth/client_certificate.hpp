#pragma once

#include "auth/credential.hpp"
#include "net/retry.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rootwatch {
class clock;
class rng;
namespace net {
class https_client;
}
}  // namespace rootwatch

namespace rootwatch::auth {

struct client_certificate_options {
  std::string authority;  // https://login.microsoftonline.com
  std::string tenant_id;
  std::string client_id;
  // A PEM file with the certificate (its chain may follow) and its RSA private key. Read at
  // every token request, so that a renewed certificate is used without a restart.
  std::string certificate_file;
  // The private key's password, for an encrypted key; nullopt when none is configured. Called
  // at every token request, like the file.
  std::function<result<std::optional<std::string>>()> read_password;
  // "x5c" in the assertion's header: needed by apps that trust a subject name and issuer
  // (SN+I) instead of one uploaded certificate.
  bool send_certificate_chain = false;
  milliseconds timeout{30'000};
  net::retry_policy retry{3, milliseconds{1'000}, milliseconds{8'000}, milliseconds{60'000}};
};

// A certificate and its private key, loaded and checked to belong together.
class certificate_key {
 public:
  ~certificate_key();
  certificate_key(certificate_key&&) noexcept;
  certificate_key& operator=(certificate_key&&) noexcept;

  // The DER of the leaf, then of the rest of the chain in file order.
  const std::vector<std::string>& chain_der() const;
  // base64url(SHA-256(DER of the leaf)): the header's "x5t#S256", as Entra shows a thumbprint.
  std::string thumbprint_s256() const;
  // The RSASSA-PSS SHA-256 signature (salt length = digest length) of `data`.
  result<std::string> sign_ps256(std::string_view data) const;

 private:
  friend result<certificate_key> load_certificate_key(const std::string&, const std::optional<std::string>&, timestamp);
  struct impl;
  explicit certificate_key(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

// Loads `path`. Errors name the file and the cause (missing, no certificate, no key, an
// encrypted key without a password, a wrong password, a key of another certificate, not RSA,
// a certificate expired at `now`), never the file's content or the password.
result<certificate_key> load_certificate_key(const std::string& path, const std::optional<std::string>& password,
                                             timestamp now);

struct assertion_claims {
  std::string audience;  // the token endpoint URL
  std::string client_id;
  std::string jti;  // a fresh GUID
  timestamp now{};
  bool with_chain = false;
};

// The signed client assertion JWT (§1.1): PS256 with "x5t#S256", exp = now + 10 min.
result<std::string> make_client_assertion(const certificate_key& key, const assertion_claims& claims);

inline constexpr seconds assertion_lifetime{600};

struct signed_assertion {
  std::string jwt;
  std::string thumbprint;  // x5t#S256: public, the portal shows it; it names the certificate in errors
};

// The client credentials grant with a certificate-signed client assertion (§1.1).
class client_certificate_credential final : public credential {
 public:
  client_certificate_credential(net::https_client& http, client_certificate_options options, const clock& wall,
                                rng& random);
  awaitable<result<access_token>> fetch(std::string scope) override;
  std::string_view kind() const override { return "client_certificate"; }

 private:
  result<signed_assertion> assertion_for(const std::string& token_url) const;

  net::https_client& http_;
  client_certificate_options options_;
  const clock& clock_;
  rng& random_;
};

}  // namespace rootwatch::auth
