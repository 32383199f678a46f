#pragma once

// Principal display names for one tenant (issue 6 §2): Graph directoryObjects/getByIds behind
// a cache, so that each principal is asked for about once every few hours, not every cycle.
// Names only decorate alerts, so this never fails its caller: without them display_name stays
// null, and the log says why, once per cause (a missing Graph permission names the one to
// grant). It is never a silent gap.

#include "azure/directory_objects_client.hpp"
#include "common/asio.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/model.hpp"

#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace rootwatch::app {

struct principal_names_options {
  std::string tenant;      // the tenant's name, for log lines
  std::string graph_base;  // https://graph.microsoft.com (§8)
  milliseconds timeout{30'000};
  seconds found_ttl{6 * 3600};                       // a name is asked for again after this
  seconds not_found_ttl{3600};                       // an id Graph does not know (or gave no name for), likewise
  seconds denied_pause{15 * 60};                     // after a 403, Graph is left alone this long
  seconds warn_after{3600};                          // transient failures are debug lines until they last this long
  std::optional<net::retry_policy> retry;            // unset: the client's default
  std::optional<std::size_t> ids_per_request;        // unset: Graph's limit (1000); smaller in tests
  std::shared_ptr<net::exchange_observer> observer;  // the API metrics of the lookups; none in tests
};

class principal_names {
 public:
  principal_names(net::https_client& http, auth::token_cache& tokens, principal_names_options options, rng& random,
                  const clock& wall);

  // Fills principal.display_name of every row whose principal has a known name, asking Graph
  // only for principals not in the cache. Rows without a known name are left as they are.
  awaitable<void> resolve(std::vector<engine::assignment>& rows);

  // The names known for `ids` (any case; non-GUIDs ignored), by lower-case id. Ids without a
  // known name are absent. Never fails: on an error the answer holds what the cache had.
  awaitable<std::map<std::string, std::string>> names(std::vector<std::string> ids);

  // Why names are missing right now (nullopt after a successful lookup), for health.
  const std::optional<error>& last_error() const { return last_error_; }
  // getByIds lookups made so far (one per call that had uncached ids), for tests.
  std::size_t lookups() const { return lookups_; }

 private:
  // An object id as its 16 bytes: the cache holds one entry per principal of every tenant, and
  // a 36-character id in a map node is three times the size of the entry's own data.
  using object_key = std::array<unsigned char, 16>;
  struct entry {
    object_key id{};
    bool known = false;  // false: Graph does not know the id, or gave no name
    timestamp expires{};
    std::string name;
  };

  void remember(const std::vector<std::string>& asked, std::vector<azure::directory_object> found, timestamp now);
  void failed(const error& e, timestamp now);
  void succeeded();

  azure::directory_objects_client client_;
  principal_names_options options_;
  const clock& clock_;
  std::vector<entry> cache_;  // sorted by id
  std::optional<error> last_error_;
  std::optional<timestamp> failing_since_;  // first failure of the current streak
  std::optional<timestamp> paused_until_;   // after a 403
  std::set<std::string> warned_;            // causes already logged at warn in this streak
  bool limited_warned_ = false;             // "objects without a name" said once
  std::size_t lookups_ = 0;
};

}  // namespace rootwatch::app
