#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

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

// Serializes without throwing: text from outside may hold invalid UTF-8, which plain dump()
// rejects with type_error.316 (invariant 10). Invalid sequences become U+FFFD.
inline std::string dump_tolerant(const json& j, int indent = -1) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

// Typed reads of JSON from outside: a member is used only when it has the expected type, so
// that a wrong type is a value to report, never a type_error thrown from json::value().
// Null when `object` is not an object, or the member is absent or null.
inline const json* find_member(const json& object, std::string_view name) {
  if (!object.is_object()) {
    return nullptr;
  }
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

// The member as a string; nullopt when it is absent, null or of another type.
inline std::optional<std::string> string_member(const json& object, std::string_view name) {
  const json* v = find_member(object, name);
  if (v == nullptr || !v->is_string()) {
    return std::nullopt;
  }
  return v->get<std::string>();
}
}  // namespace rootwatch
