#pragma once

// Source "arm": the role assignments at "/" from Azure Resource Manager, the authoritative
// snapshot (azure-apis.md §4.1), with role names resolved.

#include "azure/answer_tag.hpp"
#include "azure/bearer_client.hpp"
#include "azure/role_names.hpp"
#include "azure/source.hpp"
#include "common/asio.hpp"
#include "common/error.hpp"
#include "engine/model.hpp"
#include "net/retry.hpp"

#include <optional>
#include <string>
#include <vector>

namespace rootwatch::azure {

struct arm_options {
  std::string base;   // https://management.azure.com
  std::string scope;  // token scope, https://management.azure.com/.default
  milliseconds timeout{30'000};
  net::retry_policy retry{4, milliseconds{1'000}, milliseconds{30'000}, milliseconds{120'000}};
  std::size_t max_pages = 1000;  // a listing that does not end is a malformed answer, not a reason to hang
  // The API metrics of this source (see api_meter); none in most tests.
  std::shared_ptr<net::exchange_observer> observer;
};

class arm_client final : public snapshot_source {
 public:
  arm_client(net::https_client& http, auth::token_cache& tokens, arm_options options, rng& random, const clock& wall);

  // Every page, or an error: never a partial list (invariant 1). A nextLink back to a page
  // already read in this listing is an error (kind parse) naming the page that gave it.
  awaitable<result<std::vector<engine::assignment>>> list_root_assignments();

  // Role name by definition GUID: built-in table, then cache, then GET. "" when the role
  // definition no longer exists.
  awaitable<result<std::string>> role_name(const std::string& role_id);

  std::string_view name() const override { return "arm"; }

  // list_root_assignments with role names filled in, as one snapshot; or, when every page is
  // the same bytes as the listing whose fingerprint is `held`, that fingerprint with `unchanged`
  // set and no rows (see snapshot_source), without parsing a page.
  awaitable<result<engine::snapshot>> snapshot(std::string held) override;

 private:
  // One page of the last listing read in full: the tag of its bytes but for the nextLink's URL
  // (a service may mint a new $skipToken each time), and whether it had one. No tag: a page
  // whose link could not be found without the parser, always parsed.
  struct read_page {
    std::optional<answer_tag> tag;
    bool linked = false;
  };
  struct listing {
    std::vector<engine::assignment> rows;  // empty when `unchanged`
    std::string fingerprint;               // the pages' tags in order; empty when one could not be made
    bool unchanged = false;
  };
  awaitable<result<listing>> read_listing(const std::string& held);

  arm_options options_;
  const clock& clock_;
  bearer_client api_;
  role_names roles_;
  std::vector<read_page> pages_;  // of the last listing read in full
  std::string fingerprint_;       // that listing's fingerprint
};

}  // namespace rootwatch::azure
