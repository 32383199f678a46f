#include "auth/token_endpoint.hpp"

#include "common/json.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace rootwatch::auth {
namespace {

std::optional<std::int64_t> seconds_field(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end()) {
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

std::string replace_all(std::string text, std::string_view what, std::string_view with) {
  if (what.empty()) {
    return text;
  }
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + with.size())) {
    text.replace(pos, what.size(), with);
  }
  return text;
}

}  // namespace

result<access_token> parse_token_response(std::string_view body, timestamp now) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error(error_kind::parse, "token endpoint answered 200 with a body that is not a JSON object", true);
  }
  const auto token = j.find("access_token");
  if (token == j.end() || !token->is_string() || token->get_ref<const std::string&>().empty()) {
    return make_error(error_kind::parse, "token endpoint answer has no access_token", true);
  }
  const auto type = j.find("token_type");
  if (type != j.end() && (!type->is_string() || type->get<std::string>() != "Bearer")) {
    return make_error(error_kind::parse, "token endpoint answer has a token_type other than Bearer");
  }
  const auto lifetime = seconds_field(j, "expires_in");
  // Tokens live for hours; an absurd lifetime would also overflow the nanosecond clock below.
  constexpr std::int64_t max_lifetime = std::int64_t{366} * 24 * 3600;
  if (!lifetime || *lifetime <= 0 || *lifetime > max_lifetime) {
    return make_error(error_kind::parse, "token endpoint answer has no usable expires_in", true);
  }
  access_token t;
  t.value = token->get<std::string>();
  t.issued_at = now;
  t.expires_on = now + seconds{*lifetime};
  return t;
}

error token_error(int status, std::string_view body, std::string_view tenant, std::string_view secret) {
  const json j = json::parse(body, nullptr, false);
  std::string code;
  std::string description;
  if (j.is_object()) {
    code = j.value("error", std::string{});
    description = j.value("error_description", std::string{});
  }
  // The description carries "Trace ID", "Correlation ID" and "Timestamp" on further lines;
  // the first line holds the AADSTS code and the reason.
  description = description.substr(0, description.find_first_of("\r\n"));
  description = replace_all(description, secret, "[redacted]");
  if (description.size() > 400) {
    description.resize(400);
  }
  const bool transient = status == 429 || status >= 500 || description.rfind("AADSTS90033", 0) == 0;
  std::string message =
      code.empty() && description.empty()
          ? fmt::format("token request for tenant {} failed with status {}", tenant, status)
          : fmt::format("token request for tenant {} refused ({} {}): {}", tenant, status, code, description);
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
