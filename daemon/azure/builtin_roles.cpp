#include "azure/builtin_roles.hpp"

#include <array>
#include <utility>

namespace rootwatch::azure {

std::optional<std::string_view> builtin_role_name(std::string_view id) {
  // From Azure's role definition list; the GUIDs of built-in roles are the same in every tenant.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> roles{{
      {user_access_administrator_id, "User Access Administrator"},
      {"8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"},
      {"b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"},
      {"acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"},
      {"f58310d9-a9f6-439a-9e8d-f62e7b41a168", "Role Based Access Control Administrator"},
  }};
  for (const auto& [guid, name] : roles) {
    if (guid == id) {
      return name;
    }
  }
  return std::nullopt;
}

}  // namespace rootwatch::azure
