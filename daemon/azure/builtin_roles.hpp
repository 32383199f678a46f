#pragma once

#include <optional>
#include <string_view>

namespace rootwatch::azure {

inline constexpr std::string_view user_access_administrator_id = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";

// Names of the built-in roles that matter at the root scope, so that the common case needs
// no role definition lookup. `id` is a lower-case GUID.
std::optional<std::string_view> builtin_role_name(std::string_view id);

}  // namespace rootwatch::azure
