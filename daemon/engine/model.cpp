#include "engine/model.hpp"

namespace rootwatch::engine {

std::string_view to_string(severity s) {
  switch (s) {
    case severity::critical:
      return "critical";
    case severity::high:
      return "high";
    case severity::medium:
      return "medium";
    case severity::low:
      return "low";
    case severity::info:
      return "info";
  }
  return "info";
}

// Exact, lower-case names only: they are the words of the config file and of the alert
// contract, and a second spelling would be a second contract.
std::optional<severity> parse_severity(std::string_view s) {
  for (const severity candidate :
       {severity::critical, severity::high, severity::medium, severity::low, severity::info}) {
    if (s == to_string(candidate)) {
      return candidate;
    }
  }
  return std::nullopt;
}

}  // namespace rootwatch::engine
