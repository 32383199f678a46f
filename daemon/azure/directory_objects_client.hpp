#pragma once

// Principal display names from Microsoft Graph directoryObjects/getByIds (issue 6 §2): users,
// groups and service principals (apps and managed identities) by object id. Needs the Graph
// application permission Directory.Read.All (or User.Read.All + Group.Read.All +
// Application.Read.All); a 403 names it. Not a source: it only decorates what the sources found.

#include "azure/bearer_client.hpp"
#include "azure/directory_objects_parse.hpp"
#include "common/asio.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "net/retry.hpp"

#include <string>
#include <vector>

namespace rootwatch::azure {

struct directory_objects_options {
  std::string base;   // the Graph endpoint of the cloud: https://graph.microsoft.com (§8)
  std::string scope;  // token scope: graph_scope(base)
  milliseconds timeout{30'000};
  // Graph retries 429, 503 and 504 with Retry-After (§9); names are not worth a long wait, so
  // the budget is smaller than a source's.
  net::retry_policy retry{3, milliseconds{1'000}, milliseconds{10'000}, milliseconds{30'000}};
  std::size_t ids_per_request = max_ids_per_request;  // Graph's limit; smaller only in tests
  // The API metrics of this source (see api_meter); none in most tests.
  std::shared_ptr<net::exchange_observer> observer;
};

class directory_objects_client {
 public:
  directory_objects_client(net::https_client& http, auth::token_cache& tokens, directory_objects_options options,
                           rng& random, const clock& wall);

  // The objects Graph knows among `ids`: ids it does not know are simply absent. Ids that are
  // not GUIDs are never sent (one of them would fail the whole request) and duplicates are
  // sent once; more than ids_per_request ids go in several requests. Any request failing is an
  // error for the whole call: a 403 names the permission to grant.
  awaitable<result<std::vector<directory_object>>> get_by_ids(std::vector<std::string> ids);

 private:
  awaitable<result<net::response>> post(const std::vector<std::string>& chunk, std::size_t index);

  directory_objects_options options_;
  bearer_client api_;
};

}  // namespace rootwatch::azure
