#include "auth/azure_cli.hpp"

#include "auth/cli_process.hpp"
#include "auth/managed_identity.hpp"
#include "auth/token_endpoint.hpp"
#include "common/clock.hpp"
#include "common/json.hpp"
#include "common/secret_scrub.hpp"
#include "common/strings.hpp"
#include "common/text.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

namespace rootwatch::auth {
namespace {

// Tokens live for hours; a bigger expiry is not one, and would overflow the clock arithmetic.
constexpr auto max_lifetime = std::chrono::hours{366 * 24};
// When az says nothing usable about expiry: short, so that the token is soon asked for again
// (az hands out its cached token until shortly before that one expires).
constexpr auto unknown_lifetime = std::chrono::minutes{5};

bool executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// `text[pos, pos + n)` as a number when it is all digits.
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t n) {
  if (pos + n > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (char c : text.substr(pos, n)) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
  }
  return value;
}

// "2026-11-30 10:00:00.000000": az's expiresOn, in the local time of the machine it ran on
// (ambiguous in the hour a daylight saving time change repeats; mktime picks one).
std::optional<timestamp> local_time(std::string_view text) {
  const auto year = digits(text, 0, 4);
  const auto month = digits(text, 5, 2);
  const auto day = digits(text, 8, 2);
  const auto hour = digits(text, 11, 2);
  const auto minute = digits(text, 14, 2);
  const auto second = digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' || text[10] != ' ' ||
      text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const std::string_view fraction = text.substr(19);
  if (!fraction.empty() && (fraction[0] != '.' || fraction.size() > 10 || !digits(fraction, 1, fraction.size() - 1))) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  tm.tm_isdst = -1;  // whatever the zone says for that date
  const std::time_t t = std::mktime(&tm);
  if (t == -1 || *month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(t);
}

// expires_on (UTC) when az sends it; the local expiresOn otherwise; and when neither is a time
// in the future a token's life can have, a short one.
timestamp expiry_of(const json& j, timestamp now) {
  const auto usable = [now](timestamp t) { return t > now && t <= now + max_lifetime; };
  if (const auto on = seconds_field(j, "expires_on");
      on && *on > 0 && *on < to_unix_seconds(now + max_lifetime) && usable(from_unix_seconds(*on))) {
    return from_unix_seconds(*on);
  }
  if (const auto text = string_member(j, "expiresOn")) {
    if (const auto t = local_time(*text); t && usable(*t)) {
      return *t;
    }
  }
  return now + unknown_lifetime;
}

// One line of what az said, safe to show: known secrets and anything shaped like a token
// removed, control characters escaped (nothing from outside forges a log line), and cut.
std::string shown(std::string_view line) {
  return cut_utf8(escape_control(scrub_secrets(trim(line))), 300);
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto end = text.find_first_of("\r\n");
    const auto line = trim(text.substr(0, end));
    if (!line.empty()) {
      out.push_back(line);
    }
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  return out;
}

// az writes warnings ("a new version is available") before its error: the line that explains
// the failure is the first "ERROR:" line, else the first line.
std::string_view telling_line(const std::vector<std::string_view>& lines) {
  for (const auto line : lines) {
    if (istarts_with(line, "ERROR:")) {
      return line;
    }
  }
  return lines.empty() ? std::string_view() : lines.front();
}

struct aadsts {
  std::string code;  // "AADSTS70043"
  std::string_view line;
};

std::optional<aadsts> aadsts_in(const std::vector<std::string_view>& lines) {
  for (const auto line : lines) {
    for (auto pos = line.find("AADSTS"); pos != std::string_view::npos; pos = line.find("AADSTS", pos + 1)) {
      std::size_t end = pos + 6;
      while (end < line.size() && end - pos < 14 && std::isdigit(static_cast<unsigned char>(line[end])) != 0) {
        ++end;
      }
      if (end > pos + 6) {
        return aadsts{std::string(line.substr(pos, end - pos)), line};
      }
    }
  }
  return std::nullopt;
}

}  // namespace

azure_cli_credential::azure_cli_credential(azure_cli_options options, const clock& wall)
    : options_(std::move(options)), clock_(wall) {}

result<std::string> find_az(const azure_cli_options& options) {
  const std::string name = options.az_path.empty() ? std::string("az") : options.az_path;
  if (name.find('/') != std::string::npos) {
    if (executable_file(name)) {
      return name;
    }
    struct stat st {};
    const std::string why = ::stat(name.c_str(), &st) != 0 ? std::strerror(errno)
                            : !S_ISREG(st.st_mode)         ? std::string("not a file")
                                                           : std::string("not executable");
    return make_error(error_kind::config,
                      fmt::format("credential.az_path {}: {}: install the Azure CLI there, or point az_path at it "
                                  "(`command -v az` shows where it is)",
                                  name, why));
  }
  // Relative directories would depend on the daemon's working directory: skipped, as a
  // careful shell user would.
  for (const auto& dir : split(options.search_path, ':')) {
    if (dir.empty() || dir.front() != '/') {
      continue;
    }
    std::string candidate = dir;
    if (candidate.back() != '/') {
      candidate += '/';
    }
    candidate += name;
    if (executable_file(candidate)) {
      return candidate;
    }
  }
  // The PATH itself is not shown: it is the environment's, and may hold anything.
  return make_error(error_kind::config,
                    fmt::format("the Azure CLI ('{}') was not found on PATH: install the Azure CLI "
                                "(https://aka.ms/installazurecli), or set credential.az_path to the full path of az",
                                name));
}

std::vector<std::string> az_arguments(std::string az, std::string_view resource, std::string_view tenant_id) {
  // --resource, not --scope: every az release takes it (--scope came later), and az turns it
  // into "<resource>/.default" itself, so the audiences whose scope has a double slash
  // ("https://management.core.usgovcloudapi.net//.default") come back intact.
  // --output json: the user's `az config` may have made another format the default.
  return {std::move(az),
          "account",
          "get-access-token",
          "--resource",
          std::string(resource),
          "--tenant",
          std::string(tenant_id),
          "--output",
          "json"};
}

result<access_token> parse_az_token(std::string_view out, timestamp now) {
  const json j = json::parse(out, nullptr, false);
  if (!j.is_object()) {
    // Never the text itself: it may hold a token.
    return make_error(error_kind::parse,
                      fmt::format("az exited 0 but its output ({} bytes) is not a JSON object: is credential.az_path "
                                  "the Azure CLI?",
                                  out.size()),
                      true);
  }
  auto token = string_member(j, "accessToken");
  if (!token || token->empty()) {
    return make_error(error_kind::parse, "az's answer has no accessToken", true);
  }
  // From now on the token is a known secret (invariant 5).
  register_token(*token);
  const json* type = find_member(j, "tokenType");
  if (type != nullptr && (!type->is_string() || !iequals(type->get_ref<const std::string&>(), "Bearer"))) {
    return make_error(error_kind::parse, "az's answer has a tokenType other than Bearer");
  }
  access_token t;
  t.value = std::move(*token);
  t.issued_at = now;
  t.expires_on = expiry_of(j, now);
  return t;
}

error az_failure(int exit_code, std::string_view err, std::string_view tenant_id) {
  const auto lines = lines_of(err);
  const auto login = fmt::format("`az login --tenant {}`", tenant_id);
  if (const auto refused = aadsts_in(lines)) {
    if (refused->code == "AADSTS90002") {
      return make_error(error_kind::auth,
                        fmt::format("Entra does not know tenant {} ({}): check the tenant's tenant_id", tenant_id,
                                    shown(refused->line)));
    }
    return make_error(error_kind::auth,
                      fmt::format("Entra refused the Azure CLI's sign-in ({}): sign in again with {} as the user "
                                  "rootwatch runs as",
                                  shown(refused->line), login));
  }
  const auto line = telling_line(lines);
  const bool wants_login = std::any_of(
      lines.begin(), lines.end(), [](std::string_view l) { return to_lower(l).find("az login") != std::string::npos; });
  if (wants_login) {
    // The login lives in the home (or AZURE_CONFIG_DIR) of the user that runs az: rootwatch's.
    return make_error(error_kind::auth,
                      fmt::format("the Azure CLI is not signed in for tenant {} (az: {}): run {} as the user "
                                  "rootwatch runs as",
                                  tenant_id, shown(line), login));
  }
  return make_error(error_kind::auth,
                    fmt::format("`az account get-access-token` failed with exit code {}: {}", exit_code,
                                line.empty() ? std::string("(nothing on stderr)") : shown(line)),
                    true);
}

awaitable<result<access_token>> azure_cli_credential::fetch(std::string scope) {
  const std::string context = fmt::format("Azure CLI token for tenant {}", options_.tenant_id);
  auto az = find_az(options_);
  if (!az) {
    co_return with_context(az.error(), context);
  }
  process_request request;
  request.argv = az_arguments(std::move(*az), resource_of_scope(scope), options_.tenant_id);
  request.environment = options_.environment;
  request.timeout = options_.timeout;
  request.output_limit = options_.output_limit;
  auto ran = co_await run_process(std::move(request));
  if (!ran) {
    co_return with_context(ran.error(), context);
  }
  switch (ran->end) {
    case process_end::exited:
      if (ran->exit_code != 0) {
        co_return with_context(az_failure(ran->exit_code, ran->err, options_.tenant_id), context);
      }
      co_return parse_az_token(ran->out, clock_.now());
    case process_end::timed_out:
      co_return make_error(
          error_kind::timeout,
          fmt::format("{}: `az account get-access-token` did not finish within {} and was stopped: run it as the "
                      "user rootwatch runs as to see what it waits for (network, proxy, a login to renew), or raise "
                      "credential.timeout",
                      context, format_duration(options_.timeout)),
          true);
    case process_end::too_much_output:
      co_return make_error(error_kind::parse,
                           fmt::format("{}: az wrote more than {} bytes to {} and was stopped: is credential.az_path "
                                       "the Azure CLI?",
                                       context, options_.output_limit, ran->overflowed));
    case process_end::signalled:
      break;
  }
  co_return make_error(error_kind::auth, fmt::format("{}: az was ended by signal {}", context, ran->signal), true);
}

}  // namespace rootwatch::auth
