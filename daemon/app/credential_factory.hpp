#pragma once

// The managed identity, workload identity and client certificate credentials of a tenant, with
// the defaults the
// Azure SDKs take from the environment (AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE,
// AZURE_AUTHORITY_HOST; IDENTITY_ENDPOINT and IDENTITY_HEADER on App Service and Container
// Apps). `validate` and `run` check them with the same functions that build them.

#include "app/options.hpp"
#include "auth/azure_cli.hpp"
#include "auth/client_certificate.hpp"
#include "auth/managed_identity.hpp"
#include "auth/workload_identity.hpp"
#include "common/error.hpp"
#include "config/settings.hpp"

#include <memory>
#include <string>
#include <vector>

namespace rootwatch::app {

struct services;

result<auth::managed_identity_options> managed_identity_settings(const config::tenant_settings& t,
                                                                 const env_lookup& getenv);
result<auth::workload_identity_options> workload_identity_settings(const config::tenant_settings& t,
                                                                   const env_lookup& getenv);
// The certificate file under $CREDENTIALS_DIRECTORY when relative, and the key's password
// from the file or variable the configuration names (read at every token request).
auth::client_certificate_options client_certificate_settings(const config::tenant_settings& t,
                                                             const env_lookup& getenv);

// The az program and its timeout from the configuration, the PATH to look for it in, and the few
// variables az gets from the daemon's environment (auth::az_environment_names).
auth::azure_cli_options azure_cli_settings(const config::tenant_settings& t, const env_lookup& getenv);

// What keeps the tenant's managed identity, workload identity, client certificate or Azure CLI
// from working, as messages for `validate` (the token file, or the certificate and its key, is
// read once here to see that it is there and usable; az is looked for, not run).
// `now` decides whether the certificate has expired.
std::vector<std::string> identity_credential_problems(const config::tenant_settings& t, const env_lookup& getenv,
                                                      timestamp now = std::chrono::system_clock::now());

// The credential for a managed_identity, workload_identity, client_certificate or azure_cli
// tenant.
// Settings that cannot be resolved give a credential that fails every fetch with the reason
// (run checked them first).
std::unique_ptr<auth::credential> make_identity_credential(services& svc, const config::tenant_settings& t);

// The tenant's credential, whatever its kind: what its watcher and the sinks that get tokens
// with it (action_group, azure_monitor_logs) each build their token cache on.
std::unique_ptr<auth::credential> make_tenant_credential(services& svc, const config::tenant_settings& t);

}  // namespace rootwatch::app
