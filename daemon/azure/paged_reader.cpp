#include "azure/paged_reader.hpp"

#include "common/strings.hpp"
#include "net/http_types.hpp"
#include "net/url.hpp"

#include <fmt/format.h>

namespace rootwatch::azure {
namespace {

// parse_https_url accepts https:// only, so two URLs it reads have the same scheme.
bool same_origin(const std::string& a, const std::string& b) {
  auto ua = net::parse_https_url(a);
  auto ub = net::parse_https_url(b);
  return ua && ub && iequals(ua->host, ub->host) && ua->port == ub->port;
}

}  // namespace

page_walk::page_walk(paging p, std::optional<std::string> first_url) : paging_(std::move(p)) {
  if (first_url) {
    seen_.insert(std::move(*first_url));
  }
}

result<std::size_t> page_walk::next_page() {
  if (page_ >= paging_.max_pages) {
    return make_error(error_kind::parse,
                      fmt::format("{} did not end after {} pages", paging_.listing, paging_.max_pages));
  }
  return ++page_;
}

result<void> page_walk::follow_link(const std::string& url) {
  if (!same_origin(url, paging_.base)) {
    return make_error(error_kind::parse,
                      fmt::format("{} page {}: {} points to {}, not to the configured {} {}; the token is sent to "
                                  "no other host",
                                  paging_.listing, page_, paging_.link_name, net::redact_url(url),
                                  paging_.endpoint_name, net::redact_url(paging_.base)));
  }
  if (!seen_.insert(url).second) {
    return make_error(error_kind::parse,
                      fmt::format("{} page {}: {} points back to a page already read in this listing (a loop)",
                                  paging_.listing, page_, paging_.link_name));
  }
  return {};
}

result<void> page_walk::follow_token(const std::string& token) {
  if (!seen_.insert(token).second) {
    return make_error(error_kind::parse, fmt::format("{} page {}: {} repeats one already sent in this listing (a loop)",
                                                     paging_.listing, page_, paging_.link_name));
  }
  return {};
}

awaitable<result<void>> read_linked_pages(bearer_client& api, paging p, std::string first_url, page_fn on_page) {
  const std::string what = p.what;
  page_walk walk(std::move(p), first_url);
  std::string url = std::move(first_url);
  for (;;) {
    auto page = walk.next_page();
    if (!page) {
      co_return page.error();
    }
    const std::string context = fmt::format("page {}", *page);
    auto res = co_await api.get(url, what);
    if (!res) {
      co_return with_context(res.error(), context);
    }
    auto next = on_page(res->body);
    if (!next) {
      co_return with_context(next.error(), context);
    }
    if (!*next) {
      co_return result<void>{};
    }
    auto followed = walk.follow_link(**next);
    if (!followed) {
      co_return followed.error();
    }
    url = std::move(**next);
  }
}

}  // namespace rootwatch::azure
