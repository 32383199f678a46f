#pragma once

#include "auth/credential.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch {
class clock;
}

namespace rootwatch::auth {

// The variables az gets from the daemon's environment, when set, and nothing else: PATH and
// HOME to find its Python and its login (~/.azure), AZURE_CONFIG_DIR when the login lives
// elsewhere, TZ because its expiresOn is local time, and the proxy settings a workstation may
// need to reach Entra.
inline constexpr std::array<std::string_view, 11> az_environment_names = {
    "PATH",       "HOME",       "AZURE_CONFIG_DIR", "TZ",       "HTTPS_PROXY",       "https_proxy",
    "HTTP_PROXY", "http_proxy", "NO_PROXY",         "no_proxy", "REQUESTS_CA_BUNDLE"};

struct azure_cli_options {
  std::string tenant_id;
  // The program: a path when it holds a '/', otherwise a name looked up in `search_path`.
  std::string az_path = "az";
  std::string search_path;               // the PATH to look in (only its absolute directories)
  std::vector<std::string> environment;  // "NAME=value", all az gets
  milliseconds timeout{30'000};          // one run of az, start to exit
  std::size_t output_limit = 1024 * 1024;
};

// `az account get-access-token`: the token of whoever signed in with `az login` on this
// machine, for trying rootwatch on a workstation. az runs without a shell, with a deadline.
class azure_cli_credential final : public credential {
 public:
  azure_cli_credential(azure_cli_options options, const clock& wall);
  awaitable<result<access_token>> fetch(std::string scope) override;
  std::string_view kind() const override { return "azure_cli"; }

 private:
  azure_cli_options options_;
  const clock& clock_;
};

// The program options.az_path names, checked to be an executable file. Errors say how to fix it.
result<std::string> find_az(const azure_cli_options& options);

// The command line, one element per argument (never joined, never given to a shell).
std::vector<std::string> az_arguments(std::string az, std::string_view resource, std::string_view tenant_id);

// What az printed on stdout after exit code 0. Pure but for the local time zone, which
// expiresOn needs (prefer expires_on, epoch seconds, from az 2.54 on).
result<access_token> parse_az_token(std::string_view out, timestamp now);

// A non-zero exit as an error that names the cause and the fix, from what az said on stderr
// (scrubbed and cut: never a token).
error az_failure(int exit_code, std::string_view err, std::string_view tenant_id);

}  // namespace rootwatch::auth
