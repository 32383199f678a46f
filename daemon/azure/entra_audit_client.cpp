#include "azure/entra_audit_client.hpp"

#include "azure/entra_audit_parse.hpp"
#include "azure/paged_reader.hpp"

#include <set>

namespace rootwatch::azure {
namespace {

// Graph's error, and for a 403 the permission to grant: the first cycle's error says it.
error audit_error(int status, std::string_view body, std::string_view what) {
  return graph_refusal(status, body, what, audit_log_permission);
}

}  // namespace

entra_audit_client::entra_audit_client(net::https_client& http, auth::token_cache& tokens, entra_audit_options options,
                                       rng& random, const clock& wall)
    : options_(std::move(options)),
      api_(http, tokens,
           {options_.scope, options_.timeout, options_.retry, "client-request-id", audit_error, options_.observer},
           random, wall) {}

awaitable<result<std::vector<engine::audit_event>>> entra_audit_client::events(timestamp since, timestamp until) {
  std::vector<engine::audit_event> all;
  if (until <= since) {
    co_return all;
  }
  std::set<std::string> ids;
  paging p{"graph directory audits", "graph directory audits", "@odata.nextLink", options_.base,
           "Graph endpoint",         options_.max_pages};
  auto read = co_await read_linked_pages(
      api_, std::move(p), entra_audit_url(options_.base, since, until),
      [&](std::string_view body) -> result<std::optional<std::string>> {
        auto parsed = parse_entra_audit_page(body);
        if (!parsed) {
          return parsed.error();
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
        return std::move(parsed->next_link);
      });
  if (!read) {
    co_return read.error();
  }
  co_return all;
}

}  // namespace rootwatch::azure
