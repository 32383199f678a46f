#include "auth/workload_identity.hpp"

#include "auth/token_endpoint.hpp"
#include "common/clock.hpp"
#include "common/encoding.hpp"
#include "common/secret_scrub.hpp"
#include "common/strings.hpp"
#include "net/https_client.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace rootwatch::auth {
namespace {

// A service account token is about 1 KiB; anything far larger is not one.
constexpr std::size_t max_token_bytes = 64 * 1024;

// AADSTS codes of a federated credential that does not match the token: the fix is on the app
// registration, so the error says where.
bool federation_mismatch(const error& e) {
  for (const char* code : {"AADSTS70021", "AADSTS700211", "AADSTS700212", "AADSTS700213", "AADSTS700024"}) {
    if (e.message.find(code) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

result<std::string> read_federated_token(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(error_kind::config,
                      fmt::format("cannot read the federated token file {}: {} (is workload identity enabled for "
                                  "this pod, with the label azure.workload.identity/use: \"true\"?)",
                                  path, std::strerror(errno)),
                      true);
  }
  std::ostringstream content;
  content << in.rdbuf();
  const std::string text = content.str();
  if (text.size() > max_token_bytes) {
    return make_error(error_kind::config, fmt::format("the federated token file {} is larger than 64 KiB", path));
  }
  const std::string token(trim(text));
  if (token.empty()) {
    return make_error(error_kind::config, fmt::format("the federated token file {} is empty", path), true);
  }
  return token;
}

workload_identity_credential::workload_identity_credential(net::https_client& http, workload_identity_options options,
                                                           const clock& wall)
    : http_(http), options_(std::move(options)), clock_(wall) {}

awaitable<result<access_token>> workload_identity_credential::fetch(std::string scope) {
  auto assertion = read_federated_token(options_.token_file);
  if (!assertion) {
    co_return with_context(assertion.error(), fmt::format("workload identity for tenant {}", options_.tenant_id));
  }
  // Known before it is sent: an endpoint or proxy that echoes the form has it scrubbed.
  register_secret(*assertion);
  net::request req;
  req.method = "POST";
  req.url = fmt::format("{}/{}/oauth2/v2.0/token", options_.authority, form_encode(options_.tenant_id));
  req.what = "token endpoint";
  req.timeout = options_.timeout;
  req.body_limit = 256 * 1024;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  req.body = fmt::format(
      "grant_type=client_credentials&client_id={}&scope={}"
      "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion={}",
      form_encode(options_.client_id), form_encode(scope), form_encode(*assertion));
  auto res = co_await http_.send_with_retry(std::move(req), options_.retry);
  if (!res) {
    co_return with_context(res.error(), fmt::format("token for tenant {}", options_.tenant_id));
  }
  if (res->status != 200) {
    auto e = token_error(res->status, res->body, options_.tenant_id, *assertion);
    if (federation_mismatch(e)) {
      e.message += fmt::format(
          "; check the federated credential of app {}: its issuer, subject and audience "
          "(api://AzureADTokenExchange) must match the token in {}",
          options_.client_id, options_.token_file);
    }
    co_return e;
  }
  co_return parse_token_response(res->body, clock_.now());
}

}  // namespace rootwatch::auth
