#pragma once

// Source "resource_graph": the role assignments at the watched scopes from Azure Resource
// Graph (azure-apis.md §3), at tenant scope with authorizationScopeFilter AtScopeAboveAndBelow
// so that root and management-group rows come back, with role names resolved. ARM stays the
// authoritative source; this one sees what the ARM list at "/" does not (management groups)
// and is a second opinion on the root.

#include "azure/bearer_client.hpp"
#include "azure/role_names.hpp"
#include "azure/source.hpp"
#include "common/asio.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/model.hpp"
#include "net/retry.hpp"

#include <optional>
#include <string>
#include <vector>

namespace rootwatch::azure {

struct resource_graph_options {
  std::string base;                              // the ARM endpoint: https://management.azure.com
  std::string scope;                             // token scope, https://management.azure.com/.default
  std::vector<std::string> watched_scopes{"/"};  // properties.scope values to report
  milliseconds timeout{30'000};
  net::retry_policy retry{4, milliseconds{1'000}, milliseconds{30'000}, milliseconds{120'000}};
  int page_size = 1000;          // options.$top: 1..1000
  std::size_t max_pages = 1000;  // a listing that does not end is a malformed answer, not a reason to hang
  // When the user quota is used up (x-ms-user-quota-remaining: 0, or a 429), wait for it to
  // reset if that is at most this long; otherwise fail the cycle as throttled, with retry_after.
  milliseconds max_quota_wait{10'000};
  // The API metrics of this source (see api_meter); none in most tests.
  std::shared_ptr<net::exchange_observer> observer;
};

class resource_graph_client final : public snapshot_source {
 public:
  resource_graph_client(net::https_client& http, auth::token_cache& tokens, resource_graph_options options, rng& random,
                        const clock& wall);

  // Every page, or an error: never a partial list (invariant 1). resultTruncated "true", a
  // $skipToken that comes back again, or more than max_pages pages is an error (kind parse).
  // Rows at scopes that are not watched are left out.
  awaitable<result<std::vector<engine::assignment>>> list_assignments();

  std::string_view name() const override { return "resource_graph"; }

  // list_assignments with role names filled in, as one snapshot.
  awaitable<result<engine::snapshot>> snapshot(std::string held) override;

 private:
  awaitable<result<net::response>> query_page(const std::string& body, std::size_t page);
  awaitable<result<void>> wait_for_quota();
  void note_quota(const net::response& res);

  resource_graph_options options_;
  const clock& clock_;
  bearer_client api_;
  role_names roles_;
  // Until when the user quota is used up, by the wall clock: kept across cycles, so that the
  // next cycle does not spend its first query on a 429.
  std::optional<timestamp> quota_resets_at_;
};

}  // namespace rootwatch::azure
