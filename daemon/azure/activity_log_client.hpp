#pragma once

// Source "activity_log": the tenant-level ("Directory Activity") Activity Log (azure-apis.md
// §5), read for elevateAccess and role assignment writes and deletes, so that who did it, and
// an elevation revoked between two snapshots, are still seen. It only reads a window: the
// watermark, its overlap and the de-duplication by eventDataId belong to the caller.

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

struct activity_log_options {
  std::string base;   // the ARM endpoint: https://management.azure.com
  std::string scope;  // token scope, https://management.azure.com/.default
  milliseconds timeout{30'000};
  net::retry_policy retry{4, milliseconds{1'000}, milliseconds{30'000}, milliseconds{120'000}};
  std::size_t max_pages = 1000;  // a listing that does not end is a malformed answer, not a reason to hang
  // The API metrics of this source (see api_meter); none in most tests.
  std::shared_ptr<net::exchange_observer> observer;
};

class activity_log_client final : public event_source {
 public:
  activity_log_client(net::https_client& http, auth::token_cache& tokens, activity_log_options options, rng& random,
                      const clock& wall);

  std::string_view name() const override { return "activity_log"; }

  // Every page of the window, or an error: never a partial list. Pages may be empty and still
  // carry a nextLink (§5); a nextLink to another host, or back to a page already read, is an
  // error (kind parse). A window that starts more than 90 days back is the Activity Log's 400,
  // said plainly (activity_log_error).
  awaitable<result<std::vector<engine::audit_event>>> events(timestamp since, timestamp until) override;

 private:
  activity_log_options options_;
  bearer_client api_;
};

}  // namespace rootwatch::azure
