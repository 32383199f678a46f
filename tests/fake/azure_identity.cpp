// The managed identity endpoint (§2): IMDS as an Azure VM serves it, and the App Service /
// Container Apps flavour. Plain HTTP on its own loopback port. Strict where Azure is strict:
// the Metadata header, no X-Forwarded-For, a resource URI (not a scope), at most one identity
// selector, every value of the answer a string.

#include "fake/azure_state.hpp"

#include "common/strings.hpp"

#include <fmt/format.h>

namespace rootwatch::fake {
namespace {

constexpr std::string_view imds_path = "/metadata/identity/oauth2/token";
constexpr std::string_view app_service_path = "/msi/token";

handled refuse(int status, std::string_view error, std::string description, std::string note) {
  return {json_response(status, json{{"error", error}, {"error_description", std::move(description)}}), std::move(note),
          std::nullopt};
}

std::optional<std::string> param(const parsed_target& target, std::string_view key) {
  const auto* p = target.find(key);
  if (p == nullptr || !p->value || p->value->empty()) {
    return std::nullopt;
  }
  return p->value;
}

struct selector {
  std::string key;
  std::string value;
};

// The identity the request names by its one selector, or the system-assigned one; null if none.
const managed_identity* find_identity(const azure_state& st, const std::vector<selector>& given) {
  for (const auto& id : st.identities) {
    const bool match = given.empty()                 ? id.system_assigned
                       : given[0].key == "client_id" ? iequals(id.client_id, given[0].value)
                       : given[0].key == "object_id" ? iequals(id.object_id, given[0].value)
                                                     : iequals(id.resource_id, given[0].value);
    if (match) {
      return &id;
    }
  }
  return nullptr;
}

// The answer for the identity the request names: a token, or Azure's refusal.
handled answer_for(azure_state& st, const std::vector<selector>& given, const std::string& resource, bool imds,
                   timestamp now);

handled issue(azure_state& st, const managed_identity& id, const std::string& resource, bool imds, timestamp now) {
  const std::string token = st.new_token();
  st.tokens.emplace(token, issued_token{id.object_id, fmt::format("managed identity '{}'", id.display_name),
                                        id.client_id, false, now + st.token_lifetime, ""});
  const auto expires_on = std::to_string(to_unix_seconds(now + st.token_lifetime));
  json body{{"access_token", token},
            {"expires_on", expires_on},
            {"resource", resource},
            {"token_type", "Bearer"},
            {"client_id", id.client_id}};
  if (imds) {
    // Every value a string, as IMDS writes them (§2.1); App Service sends no expires_in.
    body["refresh_token"] = "";
    body["expires_in"] = std::to_string(st.token_lifetime.count());
    body["not_before"] = std::to_string(to_unix_seconds(now));
  }
  return {json_response(200, body), fmt::format("managed identity token for '{}'", id.display_name), std::nullopt};
}

handled answer_for(azure_state& st, const std::vector<selector>& given, const std::string& resource, bool imds,
                   timestamp now) {
  if (given.size() > 1) {
    return refuse(400, "invalid_request", "Only one of client_id, object_id and msi_res_id may be given.",
                  "more than one identity selector");
  }
  const managed_identity* id = find_identity(st, given);
  if (id == nullptr) {
    return refuse(400, "invalid_request", "Identity not found", "identity not found");
  }
  return issue(st, *id, resource, imds, now);
}

std::optional<handled> check_resource(const std::optional<std::string>& resource) {
  if (!resource) {
    return refuse(400, "invalid_request", "Required query variable 'resource' is missing", "no resource");
  }
  if (!resource->starts_with("https://") || resource->ends_with("/.default")) {
    return refuse(400, "invalid_resource",
                  fmt::format("AADSTS500011: The resource principal named {} was not found in the tenant.", *resource),
                  "resource is not a resource URI");
  }
  return std::nullopt;
}

handled imds(azure_state& st, const net::server_request& req, const parsed_target& target, timestamp now) {
  if (net::find_header(req.headers, "Metadata") != std::optional<std::string_view>("true")) {
    return refuse(400, "bad_request_102", "Required metadata header not specified", "no Metadata header");
  }
  if (net::find_header(req.headers, "X-Forwarded-For")) {
    return refuse(400, "bad_request_103", "Request contains X-Forwarded-For header", "came through a proxy");
  }
  if (param(target, "api-version") != std::optional<std::string>("2018-02-01")) {
    return refuse(400, "bad_request_101", "Required query variable 'api-version' is missing or unsupported",
                  "bad api-version");
  }
  const auto resource = param(target, "resource");
  if (auto bad = check_resource(resource)) {
    return *bad;
  }
  std::vector<selector> given;
  for (const char* key : {"client_id", "object_id", "msi_res_id"}) {
    if (auto v = param(target, key)) {
      given.push_back({key, *v});
    }
  }
  return answer_for(st, given, *resource, true, now);
}

handled app_service(azure_state& st, const net::server_request& req, const parsed_target& target, timestamp now) {
  const auto header = net::find_header(req.headers, "X-IDENTITY-HEADER");
  if (st.identity_header.empty() || !header || *header != st.identity_header) {
    return refuse(401, "unauthorized", "The X-IDENTITY-HEADER is missing or wrong.", "wrong identity header");
  }
  if (param(target, "api-version") != std::optional<std::string>("2019-08-01")) {
    return refuse(400, "invalid_request", "api-version 2019-08-01 is required", "bad api-version");
  }
  const auto resource = param(target, "resource");
  if (auto bad = check_resource(resource)) {
    return *bad;
  }
  std::vector<selector> given;
  for (const auto& [key, as] : std::vector<std::pair<std::string, std::string>>{
           {"client_id", "client_id"}, {"principal_id", "object_id"}, {"mi_res_id", "msi_res_id"}}) {
    if (auto v = param(target, key)) {
      given.push_back({as, *v});
    }
  }
  return answer_for(st, given, *resource, false, now);
}

}  // namespace

handled handle_identity(azure_state& st, const net::server_request& req, const parsed_target& target, timestamp now) {
  if (req.method != "GET") {
    return refuse(405, "invalid_request", "Only GET is served.", "not a GET");
  }
  const std::string path = to_lower(target.path);
  if (path == imds_path) {
    return imds(st, req, target, now);
  }
  if (path == app_service_path) {
    return app_service(st, req, target, now);
  }
  return refuse(404, "not_found", "No such identity route.", "unknown identity route");
}

}  // namespace rootwatch::fake
