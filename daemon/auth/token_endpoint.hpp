#pragma once

// The Entra ID v2 token endpoint's answers, parsed. Pure, so every shape is table-tested.

#include "auth/credential.hpp"
#include "common/json.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace rootwatch::auth {

// 200 body: {"token_type":"Bearer","expires_in":3599,"access_token":"..."}. expires_in may be
// a number (v2) or a string (v1, managed identity).
result<access_token> parse_token_response(std::string_view body, timestamp now);

// A count of seconds in a token answer (expires_in, expires_on): the v2 endpoint writes a JSON
// integer, v1, IMDS, App Service and az a string of digits. Nullopt for anything else, and for
// more than 11 digits (far beyond any real expiry, and safe from overflow).
std::optional<std::int64_t> seconds_field(const json& answer, std::string_view name);

// A non-200 answer as an error that names the AADSTS code and the first line of the
// description, with `secret` (if it appears at all) replaced, so it can be logged.
error token_error(int status, std::string_view body, std::string_view tenant, std::string_view secret);

// When to fetch a new token: at half of its lifetime, or 5 minutes before expiry if sooner.
timestamp refresh_due(const access_token& t);

}  // namespace rootwatch::auth
