#include "app/credential_factory.hpp"

#include "app/secrets.hpp"
#include "app/services.hpp"
#include "auth/client_secret.hpp"
#include "common/https_url.hpp"
#include "common/local_http_url.hpp"
#include "common/strings.hpp"
#include "config/checks.hpp"
#include "config/settings.hpp"

#include <filesystem>

#include <fmt/format.h>

namespace rootwatch::app {
namespace {

std::optional<std::string> env_value(const env_lookup& getenv, const std::string& name) {
  auto v = getenv(name);
  if (!v || trim(*v).empty()) {
    return std::nullopt;
  }
  return std::string(trim(*v));
}

// A credential whose settings could not be resolved: every fetch says why.
class unusable_credential final : public auth::credential {
 public:
  unusable_credential(error why, std::string_view kind) : why_(std::move(why)), kind_(kind) {}
  awaitable<result<auth::access_token>> fetch(std::string /*scope*/) override { co_return why_; }
  std::string_view kind() const override { return kind_; }

 private:
  error why_;
  std::string kind_;
};

// The authority named in [tenant.endpoints] wins; then AZURE_AUTHORITY_HOST (as the SDKs read
// it, e.g. "https://login.microsoftonline.com/"); then the cloud's.
result<std::string> authority_of(const config::tenant_settings& t, const env_lookup& getenv) {
  if (t.lines.contains("endpoints.authority")) {
    return t.endpoints.authority;
  }
  const auto host = env_value(getenv, "AZURE_AUTHORITY_HOST");
  if (!host) {
    return t.endpoints.authority;
  }
  if (auto parsed = parse_https_url(*host); !parsed) {
    return make_error(error_kind::config,
                      fmt::format("environment variable AZURE_AUTHORITY_HOST: {}", parsed.error().message));
  }
  return config::strip_trailing_slashes(*host);
}

}  // namespace

result<auth::managed_identity_options> managed_identity_settings(const config::tenant_settings& t,
                                                                 const env_lookup& getenv) {
  auth::managed_identity_options o;
  o.client_id = t.credential.client_id;
  o.object_id = t.credential.object_id;
  o.resource_id = t.credential.resource_id;
  o.timeout = t.request_timeout;
  if (!t.credential.identity_endpoint.empty()) {
    o.endpoint = t.credential.identity_endpoint;
    return o;
  }
  const auto endpoint = env_value(getenv, "IDENTITY_ENDPOINT");
  if (!endpoint) {
    return o;  // IMDS at its link-local address
  }
  const auto header = env_value(getenv, "IDENTITY_HEADER");
  if (!header) {
    return make_error(
        error_kind::config,
        env_value(getenv, "IMDS_ENDPOINT")
            ? "IDENTITY_ENDPOINT and IMDS_ENDPOINT are set: this is an Azure Arc-enabled server, whose challenge "
              "flow this version does not support; use workload_identity or client_secret there"
            : "IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not: App Service and Container Apps set both");
  }
  if (auto parsed = parse_local_http_url(*endpoint); !parsed) {
    return make_error(error_kind::config,
                      fmt::format("environment variable IDENTITY_ENDPOINT: {}", parsed.error().message));
  }
  o.protocol = auth::identity_protocol::app_service;
  o.endpoint = *endpoint;
  o.identity_header = *header;
  return o;
}

result<auth::workload_identity_options> workload_identity_settings(const config::tenant_settings& t,
                                                                   const env_lookup& getenv) {
  auth::workload_identity_options o;
  o.tenant_id = t.tenant_id;
  o.timeout = t.request_timeout;
  o.client_id =
      !t.credential.client_id.empty() ? t.credential.client_id : env_value(getenv, "AZURE_CLIENT_ID").value_or("");
  if (o.client_id.empty()) {
    return make_error(error_kind::config,
                      "no client id: set credential.client_id or the environment variable AZURE_CLIENT_ID (the "
                      "workload identity webhook sets it)");
  }
  if (!is_guid(o.client_id)) {
    return make_error(error_kind::config, "environment variable AZURE_CLIENT_ID is not a GUID");
  }
  o.token_file = !t.credential.token_file.empty() ? t.credential.token_file
                                                  : env_value(getenv, "AZURE_FEDERATED_TOKEN_FILE").value_or("");
  if (o.token_file.empty()) {
    return make_error(error_kind::config,
                      "no federated token file: set credential.token_file or the environment variable "
                      "AZURE_FEDERATED_TOKEN_FILE (the workload identity webhook sets it)");
  }
  auto authority = authority_of(t, getenv);
  if (!authority) {
    return authority.error();
  }
  o.authority = std::move(*authority);
  return o;
}

auth::azure_cli_options azure_cli_settings(const config::tenant_settings& t, const env_lookup& getenv) {
  auth::azure_cli_options o;
  o.tenant_id = t.tenant_id;
  o.az_path = t.credential.az_path;
  o.timeout = t.credential.az_timeout;
  o.search_path = getenv("PATH").value_or("");
  for (const auto name : auth::az_environment_names) {
    if (auto value = getenv(std::string(name))) {
      o.environment.push_back(fmt::format("{}={}", name, *value));
    }
  }
  return o;
}

auth::client_certificate_options client_certificate_settings(const config::tenant_settings& t,
                                                             const env_lookup& getenv) {
  auth::client_certificate_options o;
  o.authority = t.endpoints.authority;
  o.tenant_id = t.tenant_id;
  o.client_id = t.credential.client_id;
  o.timeout = t.request_timeout;
  o.send_certificate_chain = t.credential.send_certificate_chain;
  std::filesystem::path file(t.credential.certificate_file);
  if (file.is_relative()) {
    // As for secret files: systemd's LoadCredential= puts the file there.
    if (auto dir = getenv("CREDENTIALS_DIRECTORY"); dir && !dir->empty()) {
      file = std::filesystem::path(*dir) / file;
    }
  }
  o.certificate_file = file.string();
  const auto password_file = t.credential.certificate_password_file;
  const auto password_env = t.credential.certificate_password_env;
  o.read_password = [getenv, password_file, password_env]() -> result<std::optional<std::string>> {
    if (password_file.empty() && password_env.empty()) {
      return std::optional<std::string>();
    }
    auto password =
        !password_file.empty() ? read_secret_file(password_file, getenv) : read_secret_env(password_env, getenv);
    if (!password) {
      return with_context(password.error(), "the certificate's key password");
    }
    return std::optional<std::string>(std::move(*password));
  };
  return o;
}

std::vector<std::string> identity_credential_problems(const config::tenant_settings& t, const env_lookup& getenv,
                                                      timestamp now) {
  std::vector<std::string> out;
  if (t.credential.kind == config::credential_kind::client_certificate) {
    const auto o = client_certificate_settings(t, getenv);
    auto password = o.read_password();
    if (!password) {
      out.push_back(password.error().message);
    } else if (auto key = auth::load_certificate_key(o.certificate_file, *password, now); !key) {
      out.push_back(key.error().message);
    }
    return out;
  }
  if (t.credential.kind == config::credential_kind::azure_cli) {
    if (auto az = auth::find_az(azure_cli_settings(t, getenv)); !az) {
      out.push_back(az.error().message);
    }
  } else if (t.credential.kind == config::credential_kind::managed_identity) {
    if (auto o = managed_identity_settings(t, getenv); !o) {
      out.push_back(o.error().message);
    }
  } else if (t.credential.kind == config::credential_kind::workload_identity) {
    auto o = workload_identity_settings(t, getenv);
    if (!o) {
      out.push_back(o.error().message);
    } else if (auto token = auth::read_federated_token(o->token_file); !token) {
      out.push_back(token.error().message);
    }
  }
  return out;
}

std::unique_ptr<auth::credential> make_identity_credential(services& svc, const config::tenant_settings& t) {
  if (t.credential.kind == config::credential_kind::client_certificate) {
    return std::make_unique<auth::client_certificate_credential>(svc.http, client_certificate_settings(t, svc.getenv),
                                                                 svc.wall, svc.random);
  }
  if (t.credential.kind == config::credential_kind::azure_cli) {
    return std::make_unique<auth::azure_cli_credential>(azure_cli_settings(t, svc.getenv), svc.wall);
  }
  if (t.credential.kind == config::credential_kind::managed_identity) {
    auto o = managed_identity_settings(t, svc.getenv);
    if (!o) {
      return std::make_unique<unusable_credential>(o.error(), "managed_identity");
    }
    return std::make_unique<auth::managed_identity_credential>(svc.ex, std::move(*o), svc.wall, svc.random);
  }
  auto o = workload_identity_settings(t, svc.getenv);
  if (!o) {
    return std::make_unique<unusable_credential>(o.error(), "workload_identity");
  }
  return std::make_unique<auth::workload_identity_credential>(svc.http, std::move(*o), svc.wall);
}

std::unique_ptr<auth::credential> make_tenant_credential(services& svc, const config::tenant_settings& t) {
  if (t.credential.kind != config::credential_kind::client_secret) {
    return make_identity_credential(svc, t);
  }
  auth::client_secret_options o;
  o.authority = t.endpoints.authority;
  o.tenant_id = t.tenant_id;
  o.client_id = t.credential.client_id;
  o.timeout = t.request_timeout;
  // Kept for the credential's life: without the file's line of every key, which reading the
  // secret does not use (a map per tenant).
  auto kept = t;
  kept.lines.clear();
  o.read_secret = [&svc, kept = std::move(kept)]() { return read_client_secret(kept, svc.getenv); };
  return std::make_unique<auth::client_secret_credential>(svc.http, std::move(o), svc.wall);
}

}  // namespace rootwatch::app
