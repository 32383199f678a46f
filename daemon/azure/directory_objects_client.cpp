#include "azure/directory_objects_client.hpp"

#include "auth/token_cache.hpp"
#include "azure/entra_audit_parse.hpp"
#include "common/clock.hpp"
#include "common/rng.hpp"
#include "common/strings.hpp"
#include "net/https_client.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace rootwatch::azure {
namespace {

constexpr std::string_view what = "graph getByIds";

// A 403 names the permission to grant, so that the operator can act on the log line alone
// (issue 6 §2: where the credential lacks the permission, the log says why).
error refused(error e) {
  e.message += fmt::format(
      "; the credential lacks the Microsoft Graph application permission {} (or {}): grant it to the app rootwatch "
      "signs in as, with admin consent, to see principal display names",
      directory_read_permission, directory_read_alternative);
  return e;
}

// The GUIDs of `ids`, canonical and each once, in first-seen order.
std::vector<std::string> sendable(const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& id : ids) {
    if (!is_guid(id)) {
      continue;
    }
    auto canonical = normalize_guid(id);
    if (seen.insert(canonical).second) {
      out.push_back(std::move(canonical));
    }
  }
  return out;
}

}  // namespace

directory_objects_client::directory_objects_client(net::https_client& http, auth::token_cache& tokens,
                                                   directory_objects_options options, rng& random, const clock& wall)
    : http_(http), tokens_(tokens), options_(std::move(options)), random_(random), clock_(wall) {
  options_.ids_per_request = std::clamp<std::size_t>(options_.ids_per_request, 1, max_ids_per_request);
}

awaitable<result<net::response>> directory_objects_client::post(const std::vector<std::string>& chunk,
                                                                std::size_t index) {
  const std::string context = fmt::format("request {}", index + 1);
  // One retry after a 401: the token may have been revoked or expired early (CAE).
  for (int auth_attempt = 0; auth_attempt < 2; ++auth_attempt) {
    auto token = co_await tokens_.get(options_.scope);
    if (!token) {
      co_return token.error();
    }
    net::request req;
    req.method = "POST";
    req.url = directory_objects_url(options_.base);
    req.what = std::string(what);
    req.timeout = options_.timeout;
    req.body = directory_objects_body(chunk);
    req.headers = {{"Authorization", "Bearer " + *token},
                   {"Content-Type", "application/json"},
                   {"Accept", "application/json"},
                   {"client-request-id", random_uuid(random_)}};
    auto res = co_await http_.send_with_retry(std::move(req), options_.retry);
    if (!res) {
      co_return with_context(res.error(), context);
    }
    if (res->status == 401 && auth_attempt == 0) {
      tokens_.invalidate(options_.scope);
      continue;
    }
    if (res->status < 200 || res->status >= 300) {
      auto e = graph_error(res->status, res->body, what);
      if (auto ra = res->header_value("Retry-After")) {
        e.retry_after = net::parse_retry_after(*ra, net::server_now(res->header_value("Date"), clock_.now()));
      }
      if (res->status == 403) {
        e = refused(std::move(e));
      }
      co_return with_context(std::move(e), context);
    }
    co_return std::move(*res);
  }
  co_return make_error(error_kind::internal, "unreachable");
}

awaitable<result<std::vector<directory_object>>> directory_objects_client::get_by_ids(std::vector<std::string> ids) {
  const auto wanted = sendable(ids);
  std::vector<directory_object> found;
  const std::size_t per = options_.ids_per_request;
  for (std::size_t start = 0, index = 0; start < wanted.size(); start += per, ++index) {
    const auto end = wanted.begin() + static_cast<std::ptrdiff_t>(std::min(wanted.size(), start + per));
    const std::vector<std::string> chunk(wanted.begin() + static_cast<std::ptrdiff_t>(start), end);
    auto res = co_await post(chunk, index);
    if (!res) {
      co_return res.error();
    }
    auto parsed = parse_directory_objects(res->body);
    if (!parsed) {
      co_return with_context(parsed.error(), fmt::format("request {}", index + 1));
    }
    for (auto& o : parsed->objects) {
      found.push_back(std::move(o));
    }
  }
  co_return found;
}

}  // namespace rootwatch::azure
