#pragma once

// Role names by role definition GUID, for every snapshot source ("arm", "resource_graph"):
// the built-in table first, then a cache, then one ARM role definition GET per custom role
// (azure-apis.md §4.2). The GET goes through the owning client, so that it carries that
// client's token, timeout and retry rules.

#include "common/asio.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/model.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::net {
struct response;
}

namespace rootwatch::azure {

class role_names {
 public:
  // An authenticated ARM GET: a 2xx answer, or an error whose http_status says what ARM answered.
  using get_fn = std::function<awaitable<result<net::response>>(std::string url, std::string what)>;

  role_names(std::string arm_base, get_fn get);

  // The name for a role definition GUID (any case). "" when the role definition no longer
  // exists: a custom role deleted after the assignment was made still leaves the assignment.
  awaitable<result<std::string>> name(std::string role_id);

  // The assignments with role.name filled in; an error names the role definition it failed on.
  awaitable<result<std::vector<engine::assignment>>> named(std::vector<engine::assignment> assignments);

  // A snapshot source's whole listing as its snapshot: taken when the listing ended (before
  // the names were looked up), with role names filled in.
  awaitable<result<engine::snapshot>> snapshot(std::string source, std::vector<engine::assignment> listing,
                                               timestamp taken_at);

 private:
  // The name without asking ARM (built-in or cached), for a lower-case GUID; nullopt otherwise.
  std::optional<std::string_view> known(const std::string& normalized_id) const;

  std::string base_;
  get_fn get_;
  std::map<std::string, std::string> cache_;  // by lower-case GUID
};

}  // namespace rootwatch::azure
