#include "azure/role_names.hpp"

#include "azure/arm_parse.hpp"
#include "azure/builtin_roles.hpp"
#include "common/strings.hpp"
#include "net/http_types.hpp"

#include <fmt/format.h>

namespace rootwatch::azure {

role_names::role_names(std::string arm_base, get_fn get) : base_(std::move(arm_base)), get_(std::move(get)) {}

std::optional<std::string_view> role_names::known(const std::string& normalized_id) const {
  if (auto builtin = builtin_role_name(normalized_id)) {
    return builtin;
  }
  if (auto it = cache_.find(normalized_id); it != cache_.end()) {
    return std::string_view(it->second);
  }
  return std::nullopt;
}

awaitable<result<std::string>> role_names::name(std::string role_id) {
  // Sources write the GUID in different cases (ARG's "RoleDefinitions/<GUID>"): one key for all.
  role_id = normalize_guid(role_id);
  if (auto name = known(role_id)) {
    co_return std::string(*name);
  }
  auto res = co_await get_(
      fmt::format("{}/providers/Microsoft.Authorization/roleDefinitions/{}?api-version=2022-04-01", base_, role_id),
      "arm role definition");
  if (!res) {
    if (res.error().http_status == 404) {
      co_return std::string{};
    }
    co_return res.error();
  }
  auto parsed = parse_role_definition_name(res->body);
  if (!parsed) {
    co_return parsed.error();
  }
  cache_.emplace(role_id, *parsed);
  co_return std::move(*parsed);
}

awaitable<result<std::vector<engine::assignment>>> role_names::named(std::vector<engine::assignment> assignments) {
  std::string key;
  for (auto& a : assignments) {
    // Nearly every row names a built-in or already cached role: that answer needs no coroutine
    // frame of its own (one per row per cycle, before).
    key.clear();
    append_normalized_guid(key, a.role.id);
    if (auto known_name = known(key)) {
      a.role.name.assign(known_name->data(), known_name->size());
      continue;
    }
    auto n = co_await name(a.role.id);
    if (!n) {
      co_return with_context(n.error(), fmt::format("role definition {}", a.role.id));
    }
    a.role.name = std::move(*n);
  }
  co_return assignments;
}

awaitable<result<engine::snapshot>> role_names::snapshot(std::string source, std::vector<engine::assignment> listing,
                                                         timestamp taken_at) {
  engine::snapshot snap;
  snap.source = std::move(source);
  snap.taken_at = taken_at;
  auto named_list = co_await named(std::move(listing));
  if (!named_list) {
    co_return named_list.error();
  }
  snap.assignments = std::move(*named_list);
  co_return snap;
}

}  // namespace rootwatch::azure
