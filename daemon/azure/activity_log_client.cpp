#include "azure/activity_log_client.hpp"

#include "azure/activity_log_parse.hpp"
#include "azure/paged_reader.hpp"
#include "common/encoding.hpp"

#include <fmt/format.h>

namespace rootwatch::azure {
namespace {

constexpr std::string_view values_path = "/providers/Microsoft.Insights/eventtypes/management/values";

}  // namespace

activity_log_client::activity_log_client(net::https_client& http, auth::token_cache& tokens,
                                         activity_log_options options, rng& random, const clock& wall)
    : options_(std::move(options)),
      api_(http, tokens,
           {options_.scope, options_.timeout, options_.retry, "x-ms-client-request-id", activity_log_error,
            options_.observer},
           random, wall) {}

awaitable<result<std::vector<engine::audit_event>>> activity_log_client::events(timestamp since, timestamp until) {
  std::vector<engine::audit_event> all;
  // The documented quoted form (§5); the log's `le` is inclusive, the interface's window is
  // not: the end is cut below.
  std::string url = fmt::format("{}{}?api-version={}&$filter={}", options_.base, values_path, activity_log_api_version,
                                form_encode(activity_log_filter(since, until)));
  paging p{"activity log", "activity log", "nextLink", options_.base, "resource manager", options_.max_pages};
  auto read = co_await read_linked_pages(api_, std::move(p), std::move(url),
                                         [&](std::string_view body) -> result<std::optional<std::string>> {
                                           auto parsed = parse_activity_log_page(body);
                                           if (!parsed) {
                                             return parsed.error();
                                           }
                                           for (auto& e : parsed->events) {
                                             if (e.occurred_at >= since && e.occurred_at < until) {
                                               all.push_back(std::move(e));
                                             }
                                           }
                                           return std::move(parsed->next_link);
                                         });
  if (!read) {
    co_return read.error();
  }
  co_return all;
}

}  // namespace rootwatch::azure
