#include "net/http_types.hpp"

#include "common/strings.hpp"

namespace rootwatch::net {

std::optional<std::string_view> find_header(const std::vector<header>& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) {
      return std::string_view(h.value);
    }
  }
  return std::nullopt;
}

}  // namespace rootwatch::net
