#pragma once

#include "auth/credential.hpp"
#include "net/retry.hpp"

#include <string>

namespace rootwatch {
class clock;
namespace net {
class https_client;
}
}  // namespace rootwatch

namespace rootwatch::auth {

struct workload_identity_options {
  std::string authority;  // https://login.microsoftonline.com
  std::string tenant_id;
  std::string client_id;
  // The federated token (a JWT from the Kubernetes service account or another issuer). Read at
  // every token request: kubelet replaces it about every hour.
  std::string token_file;
  milliseconds timeout{30'000};
  net::retry_policy retry{3, milliseconds{1'000}, milliseconds{8'000}, milliseconds{60'000}};
};

// The client credentials grant with the federated token as client assertion (§1.2): AKS
// workload identity and every other issuer Entra trusts through a federated credential.
class workload_identity_credential final : public credential {
 public:
  workload_identity_credential(net::https_client& http, workload_identity_options options, const clock& wall);
  awaitable<result<access_token>> fetch(std::string scope) override;
  std::string_view kind() const override { return "workload_identity"; }

 private:
  net::https_client& http_;
  workload_identity_options options_;
  const clock& clock_;
};

// The token file's content, trimmed. Errors name the file and the likely cause, never the content.
result<std::string> read_federated_token(const std::string& path);

}  // namespace rootwatch::auth
