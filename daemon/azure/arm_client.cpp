#include "azure/arm_client.hpp"

#include "auth/token_cache.hpp"
#include "azure/arm_parse.hpp"
#include "common/clock.hpp"
#include "common/rng.hpp"
#include "common/strings.hpp"
#include "net/https_client.hpp"
#include "net/url.hpp"

#include <set>

#include <fmt/format.h>

namespace rootwatch::azure {
namespace {

constexpr std::string_view list_path =
    "/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()";

// Our bearer token goes only to the ARM host we were configured with, whatever a nextLink says.
bool same_origin(const std::string& a, const std::string& b) {
  auto ua = net::parse_https_url(a);
  auto ub = net::parse_https_url(b);
  return ua && ub && iequals(ua->host, ub->host) && ua->port == ub->port;
}

}  // namespace

arm_client::arm_client(net::https_client& http, auth::token_cache& tokens, arm_options options, rng& random,
                       const clock& wall)
    : http_(http),
      tokens_(tokens),
      options_(std::move(options)),
      random_(random),
      clock_(wall),
      roles_(options_.base,
             [this](std::string url, std::string what) { return get(std::move(url), std::move(what)); }) {}

awaitable<result<net::response>> arm_client::get(std::string url, std::string what) {
  // One retry after a 401: the token may have been revoked or expired early (CAE).
  for (int auth_attempt = 0; auth_attempt < 2; ++auth_attempt) {
    auto token = co_await tokens_.get(options_.scope);
    if (!token) {
      co_return token.error();
    }
    net::request req;
    req.url = url;
    req.what = what;
    req.timeout = options_.timeout;
    req.headers = {{"Authorization", "Bearer " + *token},
                   {"Accept", "application/json"},
                   {"x-ms-client-request-id", random_uuid(random_)}};
    auto res = co_await http_.send_with_retry(std::move(req), options_.retry);
    if (!res) {
      co_return res.error();
    }
    if (res->status == 401 && auth_attempt == 0) {
      tokens_.invalidate(options_.scope);
      continue;
    }
    if (res->status < 200 || res->status >= 300) {
      auto e = arm_error(res->status, res->body, what);
      if (auto ra = res->header_value("Retry-After")) {
        e.retry_after = net::parse_retry_after(*ra, net::server_now(res->header_value("Date"), clock_.now()));
      }
      co_return e;
    }
    co_return std::move(*res);
  }
  co_return make_error(error_kind::internal, "unreachable");
}

awaitable<result<std::vector<engine::assignment>>> arm_client::list_root_assignments() {
  std::vector<engine::assignment> all;
  std::string url = options_.base + std::string(list_path);
  // A nextLink back to a page already read is a loop: following it again would only repeat
  // the same answers until the page cap (or the cycle's deadline) ends the listing.
  std::set<std::string> seen{url};
  for (std::size_t page = 0;; ++page) {
    if (page >= options_.max_pages) {
      co_return make_error(error_kind::parse,
                           fmt::format("role assignment list did not end after {} pages", options_.max_pages));
    }
    auto res = co_await get(url, "arm role assignments");
    if (!res) {
      co_return with_context(res.error(), fmt::format("page {}", page + 1));
    }
    auto parsed = parse_role_assignment_page(res->body);
    if (!parsed) {
      co_return with_context(parsed.error(), fmt::format("page {}", page + 1));
    }
    for (auto& a : parsed->items) {
      all.push_back(std::move(a));
    }
    if (!parsed->next_link) {
      co_return all;
    }
    if (!same_origin(*parsed->next_link, options_.base)) {
      co_return make_error(error_kind::parse,
                           fmt::format("nextLink points to {}, not to the configured resource manager {}",
                                       net::redact_url(*parsed->next_link), net::redact_url(options_.base)));
    }
    if (!seen.insert(*parsed->next_link).second) {
      co_return make_error(error_kind::parse,
                           fmt::format("role assignment list page {}: nextLink points back to a page already read "
                                       "in this cycle (a loop)",
                                       page + 1));
    }
    url = std::move(*parsed->next_link);
  }
}

awaitable<result<std::string>> arm_client::role_name(const std::string& role_id) {
  co_return co_await roles_.name(role_id);
}

awaitable<result<engine::snapshot>> arm_client::snapshot() {
  engine::snapshot snap;
  snap.source = "arm";
  auto list = co_await list_root_assignments();
  if (!list) {
    co_return list.error();
  }
  snap.taken_at = clock_.now();
  auto named = co_await roles_.named(std::move(*list));
  if (!named) {
    co_return named.error();
  }
  snap.assignments = std::move(*named);
  co_return snap;
}

}  // namespace rootwatch::azure
