#pragma once

// User Access Administrator at "/" for a principal, as a snapshot source gives it: the rows the
// watcher tests list through their fake sources.

#include "engine/model.hpp"

#include <optional>
#include <string>

namespace rootwatch::testing_support {

inline constexpr const char* uaa_role = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";

inline engine::assignment uaa_at_root(const std::string& guid, const std::string& principal) {
  engine::assignment a;
  a.id = "/providers/Microsoft.Authorization/roleAssignments/" + guid;
  a.scope = "/";
  a.role = {uaa_role, "User Access Administrator"};
  a.principal = {principal, "User", std::nullopt};
  return a;
}

inline const engine::assignment alice_at_root =
    uaa_at_root("0f2b8c5e-1d3a-4c7b-9e6f-2a4d8b1c3e5f", "11111111-1111-1111-1111-111111111111");
inline const engine::assignment bob_at_root =
    uaa_at_root("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "22222222-2222-2222-2222-222222222222");

}  // namespace rootwatch::testing_support
