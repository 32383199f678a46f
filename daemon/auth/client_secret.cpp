#include "auth/client_secret.hpp"

#include "auth/token_endpoint.hpp"
#include "common/clock.hpp"
#include "common/encoding.hpp"
#include "common/secret_scrub.hpp"
#include "net/https_client.hpp"

#include <fmt/format.h>

namespace rootwatch::auth {

client_secret_credential::client_secret_credential(net::https_client& http, client_secret_options options,
                                                   const clock& wall)
    : http_(http), options_(std::move(options)), clock_(wall) {}

awaitable<result<access_token>> client_secret_credential::fetch(std::string scope) {
  auto secret = options_.read_secret();
  if (!secret) {
    co_return secret.error();
  }
  // Known before it is sent: a token endpoint or proxy that echoes the form back, raw or
  // encoded, has it removed from whatever error is made of the answer (invariant 5).
  register_secret(*secret);
  net::request req;
  req.method = "POST";
  req.url = fmt::format("{}/{}/oauth2/v2.0/token", options_.authority, form_encode(options_.tenant_id));
  req.what = "token endpoint";
  req.timeout = options_.timeout;
  req.body_limit = 256 * 1024;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  req.body = fmt::format("grant_type=client_credentials&client_id={}&scope={}&client_secret={}",
                         form_encode(options_.client_id), form_encode(scope), form_encode(*secret));
  auto res = co_await http_.send_with_retry(std::move(req), options_.retry);
  if (!res) {
    co_return with_context(res.error(), fmt::format("token for tenant {}", options_.tenant_id));
  }
  if (res->status != 200) {
    co_return token_error(res->status, res->body, options_.tenant_id, *secret);
  }
  co_return parse_token_response(res->body, clock_.now());
}

}  // namespace rootwatch::auth
