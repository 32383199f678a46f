#pragma once

#include "auth/credential.hpp"

#include <string>

namespace rootwatch {
class clock;
class rng;
}  // namespace rootwatch

namespace rootwatch::auth {

// Which managed identity endpoint speaks: the VM/VMSS instance metadata service (IMDS, §2.1),
// or App Service / Functions / Container Apps (IDENTITY_ENDPOINT + IDENTITY_HEADER, §2.2).
enum class identity_protocol { imds, app_service };

struct managed_identity_options {
  identity_protocol protocol = identity_protocol::imds;
  // The full token URL, plain HTTP on loopback or link-local.
  std::string endpoint = "http://169.254.169.254/metadata/identity/oauth2/token";
  std::string identity_header;  // app_service: the X-IDENTITY-HEADER value (a secret)
  // A user-assigned identity by at most one of these; all empty: the system-assigned identity.
  std::string client_id;
  std::string object_id;
  std::string resource_id;
  milliseconds timeout{30'000};  // one exchange
  // IMDS answers 404 and 410 while it starts or is updated; both are retried for this long
  // (70 s, as Azure documents), 429 and 5xx too. Tests shorten it.
  milliseconds retry_window{70'000};
  milliseconds initial_backoff{1'000};
  milliseconds max_backoff{10'000};
};

// "https://management.azure.com/.default" -> "https://management.azure.com": managed identity
// endpoints take a resource URI, not a scope. "https://x//.default" keeps its one slash.
std::string resource_of_scope(std::string_view scope);

// A token from the managed identity endpoint of the Azure host rootwatch runs on. No secret is
// configured; the host vouches for it.
class managed_identity_credential final : public credential {
 public:
  managed_identity_credential(asio::any_io_executor ex, managed_identity_options options, const clock& wall,
                              rng& random);
  awaitable<result<access_token>> fetch(std::string scope) override;
  std::string_view kind() const override { return "managed_identity"; }

 private:
  std::string token_url(std::string_view resource) const;
  std::string which() const;

  asio::any_io_executor ex_;
  managed_identity_options options_;
  const clock& clock_;
  rng& random_;
};

// A 200 body of a managed identity endpoint: every value a string, expires_on in epoch seconds
// (App Service sends no expires_in). Pure, for the table tests.
result<access_token> parse_managed_identity_token(std::string_view body, timestamp now);

}  // namespace rootwatch::auth
