#include "azure/arm_client.hpp"

#include "azure/arm_parse.hpp"
#include "azure/paged_reader.hpp"
#include "common/clock.hpp"

#include <algorithm>
#include <iterator>

namespace rootwatch::azure {
namespace {

constexpr std::string_view list_path =
    "/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()";

}  // namespace

arm_client::arm_client(net::https_client& http, auth::token_cache& tokens, arm_options options, rng& random,
                       const clock& wall)
    : options_(std::move(options)),
      clock_(wall),
      api_(http, tokens,
           {options_.scope, options_.timeout, options_.retry, "x-ms-client-request-id", arm_error, options_.observer},
           random, wall),
      roles_(options_.base,
             [this](std::string url, std::string what) { return api_.get(std::move(url), std::move(what)); }) {}

awaitable<result<std::vector<engine::assignment>>> arm_client::list_root_assignments() {
  std::vector<engine::assignment> all;
  paging p{"role assignment list", "arm role assignments", "nextLink",
           options_.base,          "resource manager",     options_.max_pages};
  auto read =
      co_await read_linked_pages(api_, std::move(p), options_.base + std::string(list_path),
                                 [&all](std::string_view body) -> result<std::optional<std::string>> {
                                   auto parsed = parse_role_assignment_page(body);
                                   if (!parsed) {
                                     return parsed.error();
                                   }
                                   // The first page's rows are taken whole, the
                                   // others moved once into room made for them.
                                   if (all.empty()) {
                                     all = std::move(parsed->items);
                                   } else {
                                     all.reserve(all.size() + parsed->items.size());
                                     std::move(parsed->items.begin(), parsed->items.end(), std::back_inserter(all));
                                   }
                                   return std::move(parsed->next_link);
                                 });
  if (!read) {
    co_return read.error();
  }
  co_return all;
}

awaitable<result<std::string>> arm_client::role_name(const std::string& role_id) {
  co_return co_await roles_.name(role_id);
}

awaitable<result<engine::snapshot>> arm_client::snapshot() {
  auto list = co_await list_root_assignments();
  if (!list) {
    co_return list.error();
  }
  co_return co_await roles_.snapshot("arm", std::move(*list), clock_.now());
}

}  // namespace rootwatch::azure
