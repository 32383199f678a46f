#pragma once

// Pure checks on single configuration values. Each returns what is wrong, for an operator, or
// nullopt when the value is fine. None of them quotes the value: some of these values (URLs
// with tokens, an environment variable name pasted where the secret should be) are secrets.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace rootwatch::config {

// The closest candidate to a near miss ("pol_interval" -> "poll_interval", "Json" -> "json"),
// or nullopt when nothing is close enough to be a plausible typo.
std::optional<std::string_view> closest_match(std::string_view word, std::span<const std::string_view> candidates);

// "'warning' is not one of trace, debug, info, warn, error; did you mean 'warn'?", the value
// shown only when common/echo.hpp allows it; callers pass no value of a secret-bearing key.
std::string not_one_of(std::string_view value, std::span<const std::string_view> allowed);

// Tenant and sink names end up in metric labels, file names and log lines: [A-Za-z0-9._-]+.
std::optional<std::string> name_problem(std::string_view name);

// "" (off), or what common/listen_address.hpp parses: the check of `validate` is the parse
// of `run`.
std::optional<std::string> listen_problem(std::string_view listen);

// What common/https_url.hpp refuses, the parse every request goes through. `base` also refuses
// query strings and fragments, which cannot be joined with API paths.
std::optional<std::string> https_url_problem(std::string_view url, bool base);

// A POSIX environment variable name: [A-Za-z_][A-Za-z0-9_]*.
std::optional<std::string> env_name_problem(std::string_view name);

std::string strip_trailing_slashes(std::string_view url);

}  // namespace rootwatch::config
