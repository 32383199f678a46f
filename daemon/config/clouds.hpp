#pragma once

// The endpoint sets of the Azure clouds rootwatch knows (azure-apis.md §8). Azure Germany is
// retired and not listed.

#include "config/settings.hpp"

#include <array>
#include <optional>
#include <string_view>

namespace rootwatch::config {

inline constexpr std::array<std::string_view, 3> cloud_names{"AzureCloud", "AzureUSGovernment", "AzureChinaCloud"};

// nullopt for a name that is not in cloud_names (the match is exact, as in the contract).
std::optional<endpoint_settings> cloud_endpoints(std::string_view cloud);

// The token scope of the Logs Ingestion API in that cloud (azure-apis.md §7.3, §8): a token for
// the public cloud's audience is refused in the sovereign ones. nullopt for an unknown name.
std::optional<std::string> logs_ingestion_scope(std::string_view cloud);

}  // namespace rootwatch::config
