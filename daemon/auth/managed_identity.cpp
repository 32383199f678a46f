#include "auth/managed_identity.hpp"

#include "auth/token_endpoint.hpp"
#include "common/clock.hpp"
#include "common/encoding.hpp"
#include "common/json.hpp"
#include "common/rng.hpp"
#include "common/secret_scrub.hpp"
#include "common/strings.hpp"
#include "common/text.hpp"
#include "net/local_http.hpp"
#include "net/retry.hpp"
#include "net/url.hpp"

#include <algorithm>
#include <cctype>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

namespace rootwatch::auth {
namespace {

using steady = std::chrono::steady_clock;

// IMDS answers {"error","error_description"}; App Service {"statusCode","message"} or the same
// as IMDS. The text comes from outside: scrubbed and cut before it goes anywhere.
std::string refusal_text(std::string_view body) {
  const json j = json::parse(body, nullptr, false);
  std::string code = string_member(j, "error").value_or("");
  std::string description = string_member(j, "error_description").value_or(string_member(j, "message").value_or(""));
  description = description.substr(0, description.find_first_of("\r\n"));
  std::string text = code.empty() ? description : description.empty() ? code : code + ": " + description;
  return cut_utf8(scrub_secrets(text), 300);
}

bool worth_retrying(int status) {
  return status == 404 || status == 410 || status == 429 || status >= 500;
}

}  // namespace

std::string resource_of_scope(std::string_view scope) {
  constexpr std::string_view suffix = "/.default";
  if (scope.ends_with(suffix)) {
    scope.remove_suffix(suffix.size());
  }
  return std::string(scope);
}

result<access_token> parse_managed_identity_token(std::string_view body, timestamp now) {
  const json j = json::parse(body, nullptr, false);
  if (!j.is_object()) {
    return make_error(error_kind::parse, "managed identity endpoint answered 200 with a body that is not a JSON object",
                      true);
  }
  auto token = string_member(j, "access_token");
  if (!token || token->empty()) {
    return make_error(error_kind::parse, "managed identity endpoint answer has no access_token", true);
  }
  const json* type = find_member(j, "token_type");
  if (type != nullptr && (!type->is_string() || !iequals(type->get_ref<const std::string&>(), "Bearer"))) {
    return make_error(error_kind::parse, "managed identity endpoint answer has a token_type other than Bearer");
  }
  // expires_on is absolute (and all App Service sends); expires_in is the fallback.
  constexpr std::int64_t max_lifetime = std::int64_t{366} * 24 * 3600;
  std::optional<timestamp> expires;
  if (const auto on = seconds_field(j, "expires_on"); on && *on > 0 && *on < to_unix_seconds(now) + max_lifetime) {
    expires = from_unix_seconds(*on);
  } else if (const auto in = seconds_field(j, "expires_in"); in && *in > 0 && *in <= max_lifetime) {
    expires = now + seconds{*in};
  }
  if (!expires || *expires <= now) {
    return make_error(error_kind::parse, "managed identity endpoint answer has no usable expires_on or expires_in",
                      true);
  }
  register_token(*token);
  access_token t;
  t.value = std::move(*token);
  t.issued_at = now;
  t.expires_on = *expires;
  return t;
}

managed_identity_credential::managed_identity_credential(asio::any_io_executor ex, managed_identity_options options,
                                                         const clock& wall, rng& random)
    : ex_(std::move(ex)), options_(std::move(options)), clock_(wall), random_(random) {
  // The App Service header proves the caller runs inside the app: a secret (invariant 5).
  register_secret(options_.identity_header);
}

std::string managed_identity_credential::token_url(std::string_view resource) const {
  const bool imds = options_.protocol == identity_protocol::imds;
  std::string url = fmt::format("{}{}api-version={}&resource={}", options_.endpoint,
                                options_.endpoint.find('?') == std::string::npos ? "?" : "&",
                                imds ? "2018-02-01" : "2019-08-01", form_encode(resource));
  if (!options_.client_id.empty()) {
    url += "&client_id=" + form_encode(options_.client_id);
  } else if (!options_.object_id.empty()) {
    url += (imds ? "&object_id=" : "&principal_id=") + form_encode(options_.object_id);
  } else if (!options_.resource_id.empty()) {
    url += (imds ? "&msi_res_id=" : "&mi_res_id=") + form_encode(options_.resource_id);
  }
  return url;
}

std::string managed_identity_credential::which() const {
  if (!options_.client_id.empty()) {
    return fmt::format("the user-assigned identity with client_id {}", options_.client_id);
  }
  if (!options_.object_id.empty()) {
    return fmt::format("the user-assigned identity with object_id {}", options_.object_id);
  }
  if (!options_.resource_id.empty()) {
    return fmt::format("the user-assigned identity {}", options_.resource_id);
  }
  return "the system-assigned identity";
}

awaitable<result<access_token>> managed_identity_credential::fetch(std::string scope) {
  const std::string resource = resource_of_scope(scope);
  const std::string where = net::redact_url(options_.endpoint);
  const auto give_up_at = steady::now() + options_.retry_window;
  for (int attempt = 1;; ++attempt) {
    net::request req;
    req.url = token_url(resource);
    req.what = "managed identity endpoint";
    req.timeout = options_.timeout;
    req.body_limit = 256 * 1024;
    if (options_.protocol == identity_protocol::imds) {
      req.headers.push_back({"Metadata", "true"});
    } else {
      req.headers.push_back({"X-IDENTITY-HEADER", options_.identity_header});
    }
    auto sent = co_await net::send_local_http(ex_, std::move(req));
    std::optional<milliseconds> retry_after;
    error last;
    if (sent.unreachable) {
      auto e = make_error(
          error_kind::network,
          fmt::format("managed identity: nothing answers at {} ({}): this host is not an Azure VM, VMSS, App Service "
                      "or Container App with a managed identity. Run rootwatch on one, point "
                      "credential.identity_endpoint at the identity endpoint, or use another credential kind",
                      where, sent.answer.error().message.substr(sent.answer.error().message.rfind(": ") + 2)),
          true);
      co_return e;
    }
    if (!sent.answer) {
      last = sent.answer.error();
      if (last.kind != error_kind::network && last.kind != error_kind::timeout) {
        co_return with_context(last, "managed identity");
      }
    } else if (sent.answer->status == 200) {
      co_return parse_managed_identity_token(sent.answer->body, clock_.now());
    } else {
      const int status = sent.answer->status;
      const std::string text = refusal_text(sent.answer->body);
      if (status == 400) {
        // The endpoint answered and knows no such identity on this host: a retry cannot help.
        auto e = make_error(error_kind::auth,
                            fmt::format("managed identity at {} refused {} (400 {}): assign that identity to this "
                                        "host (az vm identity assign / the resource's Identity blade), or correct "
                                        "credential.client_id, object_id or resource_id",
                                        where, which(), text.empty() ? "Bad Request" : text));
        e.http_status = status;
        co_return e;
      }
      last = make_error(status == 429 ? error_kind::throttled : error_kind::http,
                        fmt::format("managed identity at {} answered {} for {}{}", where, status, which(),
                                    text.empty() ? "" : " (" + text + ")"),
                        worth_retrying(status));
      last.http_status = status;
      if (!worth_retrying(status)) {
        last.kind = error_kind::auth;
        co_return last;
      }
      if (auto v = sent.answer->header_value("Retry-After")) {
        retry_after = net::parse_retry_after(*v, clock_.now());
      }
    }
    const net::retry_policy policy{attempt + 1, options_.initial_backoff, options_.max_backoff, options_.max_backoff};
    const auto delay = net::backoff_delay(attempt, policy, retry_after, random_.uniform01());
    if (steady::now() + delay > give_up_at) {
      co_return with_context(last, fmt::format("still failing after {} attempts over {}", attempt,
                                               format_duration(options_.retry_window)));
    }
    spdlog::debug("{}; trying again in {}", last.message, format_duration(delay));
    asio::steady_timer timer(ex_, delay);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      co_return make_error(error_kind::cancelled, "managed identity: cancelled while waiting to retry");
    }
  }
}

}  // namespace rootwatch::auth
