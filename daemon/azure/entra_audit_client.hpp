#pragma once

// Source "entra_audit": the elevate-access records of the Entra ID audit log through Microsoft
// Graph auditLogs/directoryAudits (azure-apis.md §6), so that who elevated, from where, and an
// elevation revoked between two snapshots are seen. Needs the Graph application permission
// AuditLog.Read.All; a 403 says so. Opt-in: not wired by default.

#include "azure/bearer_client.hpp"
#include "azure/source.hpp"
#include "common/asio.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/model.hpp"
#include "net/retry.hpp"

#include <string>
#include <vector>

namespace rootwatch::azure {

struct entra_audit_options {
  std::string base;   // the Graph endpoint of the cloud: https://graph.microsoft.com (§8)
  std::string scope;  // token scope: graph_scope(base), https://graph.microsoft.com/.default
  milliseconds timeout{30'000};
  // Graph allows 5 audit log requests per 10 s per app and tenant (§6): a 429 is waited out
  // with its Retry-After before the cycle gives up as throttled.
  net::retry_policy retry{4, milliseconds{1'000}, milliseconds{30'000}, milliseconds{120'000}};
  std::size_t max_pages = 1000;  // a listing that does not end is a malformed answer, not a reason to hang
  // The API metrics of this source (see api_meter); none in most tests.
  std::shared_ptr<net::exchange_observer> observer;
};

class entra_audit_client final : public event_source {
 public:
  entra_audit_client(net::https_client& http, auth::token_cache& tokens, entra_audit_options options, rng& random,
                     const clock& wall);

  std::string_view name() const override { return "entra_audit"; }

  // The elevations and their removals with activityDateTime in [since, until), every page
  // followed by @odata.nextLink verbatim, or an error: never a partial list. A nextLink to
  // another host than the configured Graph endpoint (the token would travel with it), one that
  // comes back again (a loop), or more than max_pages pages is an error of kind parse.
  awaitable<result<std::vector<engine::audit_event>>> events(timestamp since, timestamp until) override;

 private:
  entra_audit_options options_;
  bearer_client api_;
};

}  // namespace rootwatch::azure
