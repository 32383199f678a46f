// The Entra ID v2 token endpoint (§1): client credentials with a secret for apps, the
// password grant for the demo's Global Administrator. Errors carry the real AADSTS codes and
// never echo a secret.

#include "fake/azure_state.hpp"

#include "common/strings.hpp"
#include "fake/wire_codec.hpp"

#include <fmt/format.h>

namespace rootwatch::fake {
namespace {

using form_fields = std::map<std::string, std::string>;

std::optional<std::string> field(const form_fields& form, const std::string& name) {
  const auto it = form.find(name);
  if (it == form.end() || it->second.empty()) {
    return std::nullopt;
  }
  return it->second;
}

aad_failure missing(std::string_view name) {
  return {400, "invalid_request", 900144,
          fmt::format("The request body must contain the following parameter: '{}'.", name)};
}

// Nothing, when the scope names exactly one resource's "/.default" (plus, for users, the
// OpenID scopes MSAL adds); otherwise the failure to answer.
std::optional<aad_failure> check_scope(std::string_view scope, bool user_grant) {
  std::size_t defaults = 0;
  for (const auto& s : split(scope, ' ')) {
    if (s.empty()) {
      continue;
    }
    if (s.size() > 9 && s.ends_with("/.default")) {
      ++defaults;
    } else if (!(user_grant && (s == "openid" || s == "profile" || s == "offline_access"))) {
      return aad_failure{400, "invalid_scope", 70011,
                         fmt::format("The provided request must include a 'scope' input parameter. The provided value "
                                     "for the input parameter 'scope' is not valid. The scope {} is not valid.",
                                     scope)};
    }
  }
  if (defaults != 1) {
    return aad_failure{400, "invalid_scope", 70011,
                       "The provided value for the input parameter 'scope' is not valid: it must name one resource "
                       "followed by '/.default'."};
  }
  return std::nullopt;
}

struct client_credentials {
  std::optional<std::string> client_id;
  std::optional<std::string> secret;
};

// From the form, or from HTTP Basic (RFC 6749 §2.3.1, both parts form-encoded).
client_credentials credentials_of(const form_fields& form, const net::server_request& req) {
  client_credentials out{field(form, "client_id"), field(form, "client_secret")};
  const auto auth = net::find_header(req.headers, "Authorization");
  if (!auth || !istarts_with(*auth, "Basic ")) {
    return out;
  }
  const auto decoded = from_base64(trim(auth->substr(6)));
  if (!decoded) {
    return out;
  }
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) {
    return out;
  }
  // Each part is form-encoded on its own; split_params decodes one "key=value" at a time.
  const auto decode = [](std::string_view part) -> std::optional<std::string> {
    auto params = split_params("x=" + std::string(part));
    return params.size() == 1 ? params.front().value : std::nullopt;
  };
  out.client_id = decode(std::string_view(*decoded).substr(0, colon));
  out.secret = decode(std::string_view(*decoded).substr(colon + 1));
  return out;
}

struct token_request {
  azure_state& st;
  const net::server_request& req;
  timestamp now;

  handled fail(const aad_failure& f, std::string note) const {
    // MSAL's client-request-id comes back as the correlation id, as Entra does it.
    const auto sent = net::find_header(req.headers, "client-request-id");
    const std::string correlation = sent && is_guid(*sent) ? std::string(*sent) : st.new_guid();
    return {aad_error(f, st.new_guid(), correlation, now), std::move(note), std::nullopt};
  }

  handled issue(issued_token who) const {
    const std::string token = st.new_token();
    who.expires_at = now + st.token_lifetime;
    if (const auto form = parse_form(req.body)) {
      st.token_scopes[token] = field(*form, "scope").value_or("");
    }
    std::string note = fmt::format("token for {}", who.who);
    st.tokens.emplace(token, std::move(who));
    const auto lifetime = st.token_lifetime.count();
    json body{
        {"token_type", "Bearer"}, {"expires_in", lifetime}, {"ext_expires_in", lifetime}, {"access_token", token}};
    if (st.clock_offset.count() != 0) {
      // v1-style absolute times (strings of epoch seconds), from the fake's skewed clock: a
      // client that trusts them over expires_in gets its refresh wrong by the offset.
      body["not_before"] = std::to_string(to_unix_seconds(now));
      body["expires_on"] = std::to_string(to_unix_seconds(now + st.token_lifetime));
    }
    auto r = json_response(200, body);
    r.headers.push_back({"Cache-Control", "no-store, no-cache"});
    r.headers.push_back({"Pragma", "no-cache"});
    r.headers.push_back({"x-ms-request-id", st.new_guid()});
    return {std::move(r), std::move(note), std::nullopt};
  }

  // A federated token registered for this app (workload identity, §1.2), sent as a JWT bearer
  // assertion. Nothing when the assertion is not one: the caller refuses it as before.
  std::optional<handled> federated_grant(const form_fields& form, const app_registration& app) const {
    const auto assertion = field(form, "client_assertion");
    const auto known = assertion ? st.federated_tokens.find(*assertion) : st.federated_tokens.end();
    if (known == st.federated_tokens.end()) {
      return std::nullopt;
    }
    if (field(form, "client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
      return fail({400, "invalid_request", 700023,
                   "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer."},
                  "federated token with a wrong assertion type");
    }
    if (known->second != to_lower(app.client_id)) {
      return fail({400, "invalid_request", 700213,
                   fmt::format("No matching federated identity record found for presented assertion subject for "
                               "app '{}'.",
                               app.client_id)},
                  "federated token of another app");
    }
    if (auto bad = check_scope(field(form, "scope").value_or(""), false)) {
      return fail(*bad, "bad scope");
    }
    return issue({app.object_id, fmt::format("app '{}' (federated)", app.display_name), app.client_id, false, {}, ""});
  }

  // An assertion signed with a certificate uploaded to the app (§1.1): azure_assertion.cpp.
  handled certificate_grant(const form_fields& form, const app_registration& app,
                            const std::vector<std::string>& certificates) const {
    if (field(form, "client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
      return fail({400, "invalid_request", 700023,
                   "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer."},
                  "certificate assertion with a wrong assertion type");
    }
    const auto assertion = field(form, "client_assertion").value_or("");
    if (auto bad = check_certificate_assertion(st, assertion, certificates, app.client_id, now)) {
      return fail(*bad, fmt::format("certificate assertion of app '{}' refused", app.display_name));
    }
    if (auto bad = check_scope(field(form, "scope").value_or(""), false)) {
      return fail(*bad, "bad scope");
    }
    return issue(
        {app.object_id, fmt::format("app '{}' (certificate)", app.display_name), app.client_id, false, {}, ""});
  }

  handled client_credentials_grant(const form_fields& form) const {
    const auto creds = credentials_of(form, req);
    if (!creds.client_id) {
      return fail(missing("client_id"), "client_credentials without client_id");
    }
    const auto app = st.apps.find(to_lower(*creds.client_id));
    if (app == st.apps.end()) {
      return fail({400, "unauthorized_client", 700016,
                   fmt::format("Application with identifier '{}' was not found in the directory '{}'. This can happen "
                               "if the application has not been installed by the administrator of the tenant or "
                               "consented to by any user in the tenant.",
                               *creds.client_id, st.tenant_id)},
                  "unknown client");
    }
    if (!creds.secret && form.contains("client_assertion")) {
      if (auto federated = federated_grant(form, app->second)) {
        return *federated;
      }
      if (const auto certs = st.certificates.find(app->first); certs != st.certificates.end()) {
        return certificate_grant(form, app->second, certs->second);
      }
    }
    if (!creds.secret) {
      const bool assertion = form.contains("client_assertion");
      return fail({401, "invalid_client", assertion ? 700027 : 7000216,
                   assertion ? "Client assertion failed signature validation. (This fake only accepts secrets.)"
                             : "'client_assertion', 'client_secret' or 'request' is required for the "
                               "'client_credentials' grant type."},
                  "no client secret");
    }
    if (*creds.secret != app->second.client_secret) {
      return fail({401, "invalid_client", 7000215,
                   fmt::format("Invalid client secret provided. Ensure the secret being sent in the request is the "
                               "client secret value, not the client secret ID, for a secret added to app '{}'.",
                               app->second.client_id)},
                  fmt::format("wrong secret for app '{}'", app->second.display_name));
    }
    if (auto bad = check_scope(field(form, "scope").value_or(""), false)) {
      return fail(*bad, "bad scope");
    }
    return issue({app->second.object_id,
                  fmt::format("app '{}'", app->second.display_name),
                  app->second.client_id,
                  false,
                  {},
                  ""});
  }

  handled password_grant(const form_fields& form) const {
    const auto upn = field(form, "username");
    const auto password = field(form, "password");
    if (!upn || !password) {
      return fail(missing(upn ? "password" : "username"), "password grant without credentials");
    }
    const auto user = st.users.find(to_lower(*upn));
    if (user == st.users.end()) {
      return fail({400, "invalid_grant", 50034,
                   fmt::format("The user account {{EUII Hidden}} does not exist in the {} directory. To sign into "
                               "this application, the account must be added to the directory.",
                               st.tenant_id)},
                  "unknown user");
    }
    if (*password != user->second.password) {
      return fail({400, "invalid_grant", 50126, "Error validating credentials due to invalid username or password."},
                  fmt::format("wrong password for user '{}'", user->second.upn));
    }
    if (auto bad = check_scope(field(form, "scope").value_or(""), true)) {
      return fail(*bad, "bad scope");
    }
    return issue({user->second.object_id,
                  fmt::format("user '{}'", user->second.upn),
                  field(form, "client_id").value_or(""),
                  true,
                  {},
                  user->second.upn});
  }
};

}  // namespace

handled handle_token(azure_state& st, const net::server_request& req, const parsed_target& target, timestamp now) {
  const token_request t{st, req, now};
  if (req.method != "POST") {
    return t.fail({400, "invalid_request", 900561,
                   fmt::format("The endpoint only accepts POST, OPTIONS requests. Received a {} request.", req.method)},
                  "not a POST");
  }
  const auto segments = split(target.path, '/');  // "", tenant, "oauth2", "v2.0", "token"
  const bool known =
      segments.size() >= 2 && (iequals(segments[1], st.tenant_id) || (st.mirror_tenants && is_guid(segments[1])));
  if (!known) {
    return t.fail({400, "invalid_request", 90002,
                   fmt::format("Tenant '{}' not found. Check to make sure you have the correct tenant ID and are "
                               "signing into the correct cloud.",
                               segments.size() < 2 ? "" : segments[1])},
                  "unknown tenant");
  }
  const auto content_type = net::find_header(req.headers, "Content-Type").value_or("");
  const auto form =
      istarts_with(content_type, "application/x-www-form-urlencoded") ? parse_form(req.body) : std::nullopt;
  const auto grant = form ? field(*form, "grant_type") : std::nullopt;
  if (!grant) {
    return t.fail(missing("grant_type"), "no grant_type in a form body");
  }
  if (!field(*form, "scope")) {
    return t.fail(missing("scope"), "no scope");
  }
  if (*grant == "client_credentials") {
    return t.client_credentials_grant(*form);
  }
  if (*grant == "password") {
    return t.password_grant(*form);
  }
  return t.fail(
      {400, "unsupported_grant_type", 70003, fmt::format("The app requested an unsupported grant type '{}'.", *grant)},
      "unsupported grant type");
}

}  // namespace rootwatch::fake
