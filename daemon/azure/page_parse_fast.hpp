#pragma once

// The pages every cycle reads (the ARM role assignment list, the Resource Graph page) without
// nlohmann's DOM (issue 9): simdjson's validating DOM parser, reused per thread, over the body.
// Each handles only the well-formed page: on any doubt (invalid JSON, a member missing or of
// another type, a duplicate of a member it reads, a role that does not end in a GUID) it
// returns nullopt and the public parser runs the nlohmann parser on the same body, which gives
// today's result or today's error. So the one property to hold is: a page this returns equals
// the nlohmann parser's page (fuzz_arm_fast, fuzz_resource_graph_fast). simdjson is included
// by page_parse_fast.cpp alone.

#include "azure/arm_parse.hpp"
#include "azure/resource_graph_parse.hpp"

#include <optional>
#include <string_view>

namespace rootwatch::azure {

// Never throws; nullopt means "not handled here", never "malformed".
std::optional<assignment_page> fast_role_assignment_page(std::string_view body) noexcept;
std::optional<resource_graph_page> fast_resource_graph_page(std::string_view body) noexcept;

}  // namespace rootwatch::azure
