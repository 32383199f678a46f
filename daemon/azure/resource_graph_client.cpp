#include "azure/resource_graph_client.hpp"

#include "azure/arm_parse.hpp"
#include "azure/paged_reader.hpp"
#include "azure/resource_graph_parse.hpp"
#include "common/clock.hpp"
#include "common/strings.hpp"
#include "net/http_types.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <set>

#include <fmt/format.h>

namespace rootwatch::azure {
namespace {

// The documented window of the user quota (§3.4): the wait when a 429 or an exhausted quota
// comes without a readable x-ms-user-quota-resets-after.
constexpr milliseconds default_quota_window{5'000};

// "/" stays "/"; "/providers/Microsoft.Management/managementGroups/x/" and its lower-case form
// are the same scope.
std::string scope_key(std::string_view scope) {
  std::string s = to_lower(trim(scope));
  while (s.size() > 1 && s.back() == '/') {
    s.pop_back();
  }
  return s;
}

}  // namespace

resource_graph_client::resource_graph_client(net::https_client& http, auth::token_cache& tokens,
                                             resource_graph_options options, rng& random, const clock& wall)
    : options_(std::move(options)),
      clock_(wall),
      api_(http, tokens,
           {options_.scope, options_.timeout, options_.retry, "x-ms-client-request-id", arm_error, options_.observer},
           random, wall),
      roles_(options_.base,
             [this](std::string url, std::string what) { return api_.get(std::move(url), std::move(what)); }) {}

void resource_graph_client::note_quota(const net::response& res) {
  const auto remaining = res.header_value("x-ms-user-quota-remaining");
  if (!remaining || parse_quota_remaining(*remaining) != std::int64_t{0}) {
    return;
  }
  const auto resets = res.header_value("x-ms-user-quota-resets-after");
  const auto wait = resets ? parse_quota_resets_after(*resets) : std::nullopt;
  quota_resets_at_ = clock_.now() + wait.value_or(default_quota_window);
}

awaitable<result<void>> resource_graph_client::wait_for_quota() {
  if (!quota_resets_at_) {
    co_return result<void>{};
  }
  const auto left = std::chrono::duration_cast<milliseconds>(*quota_resets_at_ - clock_.now());
  if (left <= milliseconds{0}) {
    quota_resets_at_.reset();
    co_return result<void>{};
  }
  if (left > options_.max_quota_wait) {
    // Longer than this cycle should sit idle: fail it, and say when asking again makes sense.
    auto e = make_error(error_kind::throttled,
                        fmt::format("resource graph user quota used up; it resets in {} ms", left.count()), true);
    e.retry_after = left;
    co_return e;
  }
  api_.throttled(left);
  asio::steady_timer timer(co_await asio::this_coro::executor, left);
  auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  if (ec) {
    co_return make_error(error_kind::cancelled, "resource graph query: cancelled while waiting for the user quota");
  }
  quota_resets_at_.reset();
  co_return result<void>{};
}

awaitable<result<net::response>> resource_graph_client::query_page(const std::string& body, std::size_t page) {
  const std::string url = fmt::format("{}/providers/Microsoft.ResourceGraph/resources?api-version={}", options_.base,
                                      resource_graph_api_version);
  const std::string what = "resource graph query";
  const std::string context = fmt::format("page {}", page + 1);
  // Two rounds at most: a 429 that outlasted the client's retries is waited out once, when the
  // wait fits; otherwise it ends the cycle as throttled, saying when to ask again.
  for (int round = 0;; ++round) {
    auto ready = co_await wait_for_quota();
    if (!ready) {
      co_return with_context(ready.error(), context);
    }
    net::request req;
    req.method = "POST";
    req.url = url;
    req.body = body;
    req.what = what;
    auto res = co_await api_.send(std::move(req));
    if (!res) {
      co_return with_context(res.error(), context);
    }
    note_quota(*res);
    if (res->status >= 200 && res->status < 300) {
      co_return std::move(*res);
    }
    auto e = arm_error(res->status, res->body, what);
    if (res->status == 429) {
      // Retry-After when the service sends it, else the quota's own reset time (§3.4).
      std::optional<milliseconds> wait = api_.retry_after(*res);
      if (!wait) {
        const auto resets = res->header_value("x-ms-user-quota-resets-after");
        wait = resets ? parse_quota_resets_after(*resets) : std::nullopt;
      }
      e.retry_after = wait.value_or(default_quota_window);
      // Remembered either way, so that the next cycle does not spend its first query on a 429.
      quota_resets_at_ = clock_.now() + *e.retry_after;
      if (round == 0 && *e.retry_after <= options_.max_quota_wait) {
        continue;
      }
    }
    co_return with_context(std::move(e), context);
  }
}

awaitable<result<std::vector<engine::assignment>>> resource_graph_client::list_assignments() {
  std::set<std::string> watched;
  for (const auto& s : options_.watched_scopes) {
    watched.insert(scope_key(s));
  }
  const std::string query = resource_graph_query(options_.watched_scopes);
  std::vector<engine::assignment> all;
  std::int64_t rows = 0;
  std::optional<std::string> skip_token;
  // The token goes in the POST body, not in a URL: the walk caps the pages and refuses a token
  // that comes back again (it would repeat the same pages until the cap ends the listing).
  page_walk walk({"resource graph query", "resource graph query", "$skipToken", options_.base, "resource manager",
                  options_.max_pages});
  for (;;) {
    auto next = walk.next_page();
    if (!next) {
      co_return next.error();
    }
    const std::size_t page = *next - 1;
    auto res = co_await query_page(resource_graph_body(query, options_.page_size, skip_token), page);
    if (!res) {
      co_return res.error();
    }
    auto parsed = parse_resource_graph_page(res->body);
    if (!parsed) {
      co_return with_context(parsed.error(), fmt::format("page {}", page + 1));
    }
    if (parsed->truncated) {
      co_return make_error(error_kind::parse, fmt::format("resource graph page {}: resultTruncated is \"true\": "
                                                          "Azure left rows out, and a partial list is no snapshot",
                                                          page + 1));
    }
    rows += static_cast<std::int64_t>(parsed->items.size());
    for (auto& a : parsed->items) {
      if (watched.contains(scope_key(a.scope))) {
        all.push_back(std::move(a));
      }
    }
    if (!parsed->skip_token) {
      if (parsed->total_records && *parsed->total_records != rows) {
        co_return make_error(error_kind::parse,
                             fmt::format("resource graph pages held {} rows, totalRecords says {}: the list changed "
                                         "while it was read, or pages went missing",
                                         rows, *parsed->total_records));
      }
      co_return all;
    }
    auto followed = walk.follow_token(*parsed->skip_token);
    if (!followed) {
      co_return followed.error();
    }
    skip_token = std::move(parsed->skip_token);
  }
}

// Always read in full and without a fingerprint, so a cycle that lists Resource Graph too is
// decided in full every time (see watcher.cpp): only ARM's pages are tagged so far.
awaitable<result<engine::snapshot>> resource_graph_client::snapshot(std::string /*held*/) {
  auto list = co_await list_assignments();
  if (!list) {
    co_return list.error();
  }
  co_return co_await roles_.snapshot("resource_graph", std::move(*list), clock_.now());
}

}  // namespace rootwatch::azure
