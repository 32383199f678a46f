#include "azure/activity_log_client.hpp"

#include "auth/token_cache.hpp"
#include "azure/activity_log_parse.hpp"
#include "common/clock.hpp"
#include "common/encoding.hpp"
#include "common/rng.hpp"
#include "common/strings.hpp"
#include "net/https_client.hpp"
#include "net/url.hpp"

#include <set>

#include <fmt/format.h>

namespace rootwatch::azure {
namespace {

constexpr std::string_view values_path = "/providers/Microsoft.Insights/eventtypes/management/values";
constexpr std::string_view what = "activity log";

// Our bearer token goes only to the ARM host we were configured with, whatever a nextLink says.
bool same_origin(const std::string& a, const std::string& b) {
  auto ua = net::parse_https_url(a);
  auto ub = net::parse_https_url(b);
  return ua && ub && iequals(ua->host, ub->host) && ua->port == ub->port;
}

}  // namespace

activity_log_client::activity_log_client(net::https_client& http, auth::token_cache& tokens,
                                         activity_log_options options, rng& random, const clock& wall)
    : http_(http), tokens_(tokens), options_(std::move(options)), random_(random), clock_(wall) {}

awaitable<result<net::response>> activity_log_client::get(std::string url) {
  // One retry after a 401: the token may have been revoked or expired early (CAE).
  for (int auth_attempt = 0; auth_attempt < 2; ++auth_attempt) {
    auto token = co_await tokens_.get(options_.scope);
    if (!token) {
      co_return token.error();
    }
    net::request req;
    req.url = url;
    req.what = std::string(what);
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
      auto e = activity_log_error(res->status, res->body, what);
      if (auto ra = res->header_value("Retry-After")) {
        e.retry_after = net::parse_retry_after(*ra, net::server_now(res->header_value("Date"), clock_.now()));
      }
      co_return e;
    }
    co_return std::move(*res);
  }
  co_return make_error(error_kind::internal, "unreachable");
}

awaitable<result<std::vector<engine::audit_event>>> activity_log_client::events(timestamp since, timestamp until) {
  std::vector<engine::audit_event> all;
  // The documented quoted form (§5); the log's `le` is inclusive, the interface's window is
  // not: the end is cut below.
  std::string url = fmt::format("{}{}?api-version={}&$filter={}", options_.base, values_path, activity_log_api_version,
                                form_encode(activity_log_filter(since, until)));
  // A nextLink back to a page already read is a loop: following it again would only repeat
  // the same events until the page cap (or the cycle's deadline) ends the listing.
  std::set<std::string> seen{url};
  for (std::size_t page = 0;; ++page) {
    if (page >= options_.max_pages) {
      co_return make_error(error_kind::parse,
                           fmt::format("activity log did not end after {} pages", options_.max_pages));
    }
    auto res = co_await get(url);
    if (!res) {
      co_return with_context(res.error(), fmt::format("page {}", page + 1));
    }
    auto parsed = parse_activity_log_page(res->body);
    if (!parsed) {
      co_return with_context(parsed.error(), fmt::format("activity log page {}", page + 1));
    }
    for (auto& e : parsed->events) {
      if (e.occurred_at >= since && e.occurred_at < until) {
        all.push_back(std::move(e));
      }
    }
    if (!parsed->next_link) {
      co_return all;
    }
    if (!same_origin(*parsed->next_link, options_.base)) {
      co_return make_error(error_kind::parse,
                           fmt::format("activity log page {}: nextLink points to {}, not to the configured resource "
                                       "manager {}",
                                       page + 1, net::redact_url(*parsed->next_link), net::redact_url(options_.base)));
    }
    if (!seen.insert(*parsed->next_link).second) {
      co_return make_error(error_kind::parse,
                           fmt::format("activity log page {}: nextLink points back to a page already read in this "
                                       "window (a loop)",
                                       page + 1));
    }
    url = std::move(*parsed->next_link);
  }
}

}  // namespace rootwatch::azure
