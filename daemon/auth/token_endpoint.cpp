#include "auth/token_endpoint.hpp"

#include "common/json.hpp"
#include "common/secret_scrub.hpp"
#include "common/text.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace rootwatch::auth {
namespace {

// The description carries "Trace ID", "Correlation ID" and "Timestamp" on further lines; the
// first line holds the AADSTS code and the reason.
std::string_view first_line(std::string_view text) {
  return text.substr(0, text.find_first_of("\r\n"));
}

struct error_body {
  std::string code;
  std::string description;
};

// Entra answers {"error":"<code>","error_description":"..."}; a proxy or a gateway in front of
// it may answer ARM-style {"error":{"code":"...","message":"..."}} or anything else. Every
// field is used only when it has the expected type (invariant 10).
error_body read_error_body(std::string_view body) {
  const json j = json::parse(body, nullptr, false);
  error_body out;
  if (!j.is_object()) {
    return out;
  }
  if (const json* inner = find_member(j, "error"); inner != nullptr && inner->is_object()) {
    out.code = string_member(*inner, "code").value_or("");
    out.description = string_member(*inner, "message").value_or("");
  } else {
    out.code = string_member(j, "error").value_or("");
  }
  if (auto description = string_member(j, "error_description")) {
    out.description = std::move(*description);
  }
  return out;
}

}  // namespace

std::optional<std::int64_t> seconds_field(const json& answer, std::string_view name) {
  const json* it = find_member(answer, name);
  if (it == nullptr) {
    return std::nullopt;
  }
  if (it->is_number_integer()) {
    return it->get<std::int64_t>();
  }
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    if (!s.empty() && s.size() < 12 &&
        std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); })) {
      return std::stoll(s);
    }
  }
  return std::nullopt;
}

result<access_token> parse_token_response(std::string_view body, timestamp now) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error(error_kind::parse, "token endpoint answered 200 with a body that is not a JSON object", true);
  }
  auto token = string_member(j, "access_token");
  if (!token || token->empty()) {
    return make_error(error_kind::parse, "token endpoint answer has no access_token", true);
  }
  const json* type = find_member(j, "token_type");
  if (type != nullptr && (!type->is_string() || type->get_ref<const std::string&>() != "Bearer")) {
    return make_error(error_kind::parse, "token endpoint answer has a token_type other than Bearer");
  }
  const auto lifetime = seconds_field(j, "expires_in");
  // Tokens live for hours; an absurd lifetime would also overflow the nanosecond clock below.
  constexpr std::int64_t max_lifetime = std::int64_t{366} * 24 * 3600;
  if (!lifetime || *lifetime <= 0 || *lifetime > max_lifetime) {
    return make_error(error_kind::parse, "token endpoint answer has no usable expires_in", true);
  }
  // From now on the token is a known secret: a server that echoes it back, in an error or a
  // header, has it removed from the message (invariant 5).
  register_token(*token);
  access_token t;
  t.value = std::move(*token);
  t.issued_at = now;
  t.expires_on = now + seconds{*lifetime};
  return t;
}

error token_error(int status, std::string_view body, std::string_view tenant, std::string_view secret) {
  const auto [code, description] = read_error_body(body);
  // Scrub before cutting: a secret cut in half would no longer be recognised. The secret the
  // request sent is removed even if nobody registered it; make_error scrubs once more with
  // every other secret the process knows.
  secret_scrubber sent;
  sent.add_secret(secret);
  const std::string shown_code = cut_utf8(sent.scrub(scrub_secrets(first_line(code))), 200);
  const std::string shown_description = cut_utf8(sent.scrub(scrub_secrets(first_line(description))), 400);
  const bool transient = status == 429 || status >= 500 || shown_description.rfind("AADSTS90033", 0) == 0;
  std::string message = shown_code.empty() && shown_description.empty()
                            ? fmt::format("token request for tenant {} failed with status {}", tenant, status)
                            : fmt::format("token request for tenant {} refused ({} {}): {}", tenant, status, shown_code,
                                          shown_description);
  auto e = make_error(transient ? (status == 429 ? error_kind::throttled : error_kind::http) : error_kind::auth,
                      std::move(message), transient);
  e.http_status = status;
  return e;
}

timestamp refresh_due(const access_token& t) {
  const auto lifetime = t.expires_on - t.issued_at;
  const auto half = lifetime / 2;
  const auto early = lifetime - std::chrono::minutes{5};
  return t.issued_at + (early > std::chrono::system_clock::duration::zero() ? std::min(half, early) : half);
}

}  // namespace rootwatch::auth
