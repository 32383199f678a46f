#pragma once

// Reading the secrets a configuration points to. Errors name the file or variable and the
// configuration key, never the content.

#include "app/options.hpp"
#include "common/error.hpp"
#include "sinks/sink.hpp"

#include <string>

namespace rootwatch::app {

// A relative path is taken under $CREDENTIALS_DIRECTORY (systemd LoadCredential=) when that is
// set. Trailing newlines are dropped; an empty file is an error.
result<std::string> read_secret_file(const std::string& path, const env_lookup& getenv);
result<std::string> read_secret_env(const std::string& name, const env_lookup& getenv);

// The client secret of a tenant's client_secret credential, from whichever source is set.
result<std::string> read_client_secret(const config::tenant_settings& tenant, const env_lookup& getenv);

result<sinks::resolved_sink> resolve_sink(const config::sink_settings& sink, const env_lookup& getenv);

// "file:line: key: " for a key of a tenant or sink, for runtime errors about configuration.
std::string locate(const std::string& file, const std::map<std::string, int>& lines, const std::string& key,
                   const std::string& display_key);

}  // namespace rootwatch::app
