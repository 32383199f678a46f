#pragma once

#include "auth/credential.hpp"
#include "net/retry.hpp"

#include <functional>
#include <string>

namespace rootwatch {
class clock;
namespace net {
class https_client;
}
}  // namespace rootwatch

namespace rootwatch::auth {

struct client_secret_options {
  std::string authority;  // https://login.microsoftonline.com
  std::string tenant_id;
  std::string client_id;
  // Called for every token request, so a rotated secret file is picked up without a restart.
  std::function<result<std::string>()> read_secret;
  milliseconds timeout{30'000};
  net::retry_policy retry{3, milliseconds{1'000}, milliseconds{8'000}, milliseconds{60'000}};
};

// OAuth 2.0 client credentials grant with a client secret, against the v2 token endpoint.
class client_secret_credential final : public credential {
 public:
  client_secret_credential(net::https_client& http, client_secret_options options, const clock& wall);
  awaitable<result<access_token>> fetch(std::string scope) override;
  std::string_view kind() const override { return "client_secret"; }

 private:
  net::https_client& http_;
  client_secret_options options_;
  const clock& clock_;
};

}  // namespace rootwatch::auth
