#include "azure/entra_audit_client.hpp"

#include "auth/token_cache.hpp"
#include "azure/entra_audit_parse.hpp"
#include "common/clock.hpp"
#include "common/rng.hpp"
#include "common/strings.hpp"
#include "net/https_client.hpp"
#include "net/url.hpp"

#include <set>

#include <fmt/format.h>

namespace rootwatch::azure {
namespace {

constexpr std::string_view what = "graph directory audits";

// The Graph token goes only to the Graph host we were configured with, whatever a nextLink
// says: same host (case-insensitively) and port.
bool same_origin(const std::string& a, const std::string& b) {
  auto ua = net::parse_https_url(a);
  auto ub = net::parse_https_url(b);
  return ua && ub && iequals(ua->host, ub->host) && ua->port == ub->port;
}

// A 403 names the permission to grant, so that the operator can act on the first cycle's
// error alone (issue 6 §2).
error refused(error e) {
  e.message += fmt::format(
      "; the credential lacks the Microsoft Graph application permission {}: grant it to the app rootwatch signs "
      "in as, with admin consent",
      audit_log_permission);
  return e;
}

}  // namespace

entra_audit_client::entra_audit_client(net::https_client& http, auth::token_cache& tokens, entra_audit_options options,
                                       rng& random, const clock& wall)
    : http_(http), tokens_(tokens), options_(std::move(options)), random_(random), clock_(wall) {}

awaitable<result<net::response>> entra_audit_client::get(const std::string& url, std::size_t page) {
  const std::string context = fmt::format("page {}", page + 1);
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

awaitable<result<std::vector<engine::audit_event>>> entra_audit_client::events(timestamp since, timestamp until) {
  std::vector<engine::audit_event> all;
  if (until <= since) {
    co_return all;
  }
  std::string url = entra_audit_url(options_.base, since, until);
  // A nextLink back to a page already read is a loop: following it again would only repeat
  // the same answers until the page cap (or the cycle's deadline) ends the listing.
  std::set<std::string> seen{url};
  std::set<std::string> ids;
  for (std::size_t page = 0;; ++page) {
    if (page >= options_.max_pages) {
      co_return make_error(error_kind::parse,
                           fmt::format("graph directory audits did not end after {} pages", options_.max_pages));
    }
    auto res = co_await get(url, page);
    if (!res) {
      co_return res.error();
    }
    auto parsed = parse_entra_audit_page(res->body);
    if (!parsed) {
      co_return with_context(parsed.error(), fmt::format("page {}", page + 1));
    }
    for (auto& e : parsed->events) {
      // The filter's window is closed at `until` (Graph has no "lt" on activityDateTime) and
      // widened to whole seconds: the half-open window is kept here. A record on two pages
      // (the log changed while it was read) is one event.
      if (e.occurred_at < since || e.occurred_at >= until || !ids.insert(e.event_id).second) {
        continue;
      }
      all.push_back(std::move(e));
    }
    if (!parsed->next_link) {
      co_return all;
    }
    if (!same_origin(*parsed->next_link, options_.base)) {
      co_return make_error(error_kind::parse,
                           fmt::format("graph directory audits page {}: @odata.nextLink points to {}, not to the "
                                       "configured Graph endpoint {}; the Graph token is sent to no other host",
                                       page + 1, net::redact_url(*parsed->next_link), net::redact_url(options_.base)));
    }
    if (!seen.insert(*parsed->next_link).second) {
      co_return make_error(error_kind::parse,
                           fmt::format("graph directory audits page {}: @odata.nextLink points back to a page already "
                                       "read in this listing (a loop)",
                                       page + 1));
    }
    url = std::move(*parsed->next_link);
  }
}

}  // namespace rootwatch::azure
