#pragma once

#include <nlohmann/json.hpp>

#include <optional>

// nlohmann 3.11.2 has no std::optional support: null <-> nullopt.
namespace nlohmann {
template <class T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& v) {
    if (v) {
      j = *v;
    } else {
      j = nullptr;
    }
  }
  static void from_json(const json& j, std::optional<T>& v) {
    if (j.is_null()) {
      v.reset();
    } else {
      v = j.get<T>();
    }
  }
};
}  // namespace nlohmann

namespace rootwatch {
using json = nlohmann::json;
}  // namespace rootwatch
