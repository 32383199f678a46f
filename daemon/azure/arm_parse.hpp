#pragma once

// ARM answers, parsed. Pure and strict: a page that does not have the documented shape is an
// error, so a malformed answer fails the cycle instead of producing a partial snapshot.

#include "common/error.hpp"
#include "engine/model.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::azure {

struct assignment_page {
  std::vector<engine::assignment> items;  // role.name is left empty: resolved separately
  std::optional<std::string> next_link;
};

result<assignment_page> parse_role_assignment_page(std::string_view body);
// The same by nlohmann's DOM alone: what parse_role_assignment_page falls back to, and the
// reference its fast path is checked against (tests, fuzz_arm_fast).
result<assignment_page> parse_role_assignment_page_dom(std::string_view body);

// properties.roleName of a role definition.
result<std::string> parse_role_definition_name(std::string_view body);

// A non-2xx ARM answer as an error: the ARM error code and message (either {"error":{...}}
// or the flat {"code","message"} some services send), kind and retryability by status.
error arm_error(int status, std::string_view body, std::string_view what);

}  // namespace rootwatch::azure
