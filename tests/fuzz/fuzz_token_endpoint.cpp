// The Entra ID token endpoint's answers (auth/token_endpoint.cpp), for any body.
//   parse_token_response: never throws; a token it returns is non-empty, expires after it was
//   issued and within a year, and is refreshed between the two.
//   token_error: never throws (defect 2), for every status; its message is valid UTF-8
//   (defect 1) and holds the client secret in none of its raw, percent- or form-encoded
//   forms (defect 5), however the body echoes it.

#include "auth/token_endpoint.hpp"
#include "check.hpp"
#include "common/encoding.hpp"
#include "common/text.hpp"

#include <array>
#include <cctype>
#include <string>

namespace {

using namespace rootwatch;

// What the corpus echoes back: a secret with characters that encoding changes.
constexpr std::string_view secret = "Fz8Q~r00tw4tch.s3cr3t+/=value";
constexpr std::string_view tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";

std::string lower_hex_escapes(std::string text) {
  for (std::size_t i = 0; i + 2 < text.size(); ++i) {
    if (text[i] == '%') {
      text[i + 1] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i + 1])));
      text[i + 2] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i + 2])));
    }
  }
  return text;
}

void check_no_secret(const std::string& message) {
  const std::string percent = form_encode(secret);
  const std::array<std::string, 3> forms{std::string(secret), percent, lower_hex_escapes(percent)};
  for (const std::string& form : forms) {
    FUZZ_CHECK(message.find(form) == std::string::npos, "token_error keeps no form of the client secret");
  }
}

void check_token(std::string_view body) {
  const timestamp now = from_unix_seconds(1'767'225'600);
  const auto token = auth::parse_token_response(body, now);
  if (!token) {
    FUZZ_CHECK(is_valid_utf8(token.error().message), "a token answer error is valid UTF-8");
    return;
  }
  FUZZ_CHECK(!token->value.empty(), "a parsed token is not empty");
  FUZZ_CHECK(token->issued_at == now, "a token is issued now");
  FUZZ_CHECK(token->expires_on > token->issued_at, "a token expires after it was issued");
  FUZZ_CHECK(token->expires_on - token->issued_at <= std::chrono::hours{24 * 366}, "a token lives at most a year");
  const timestamp due = auth::refresh_due(*token);
  FUZZ_CHECK(due > token->issued_at && due < token->expires_on, "a token is refreshed while it is valid");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = rootwatch::fuzz::as_text(data, size);
  check_token(body);
  for (const int status : {400, 401, 403, 429, 500, 503}) {
    const error e = auth::token_error(status, body, tenant, secret);
    FUZZ_CHECK(is_valid_utf8(e.message), "token_error's message is valid UTF-8");
    FUZZ_CHECK(e.http_status == status, "token_error keeps the status");
    check_no_secret(e.message);
  }
  return 0;
}
