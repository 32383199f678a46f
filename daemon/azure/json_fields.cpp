#include "azure/json_fields.hpp"

#include <fmt/format.h>

namespace rootwatch::azure {

error malformed_answer(std::string_view what, std::string_view detail) {
  return make_error(error_kind::parse, fmt::format("malformed {}: {}", what, detail));
}

result<json> parse_answer(std::string_view body, std::string_view what) {
  // Spelled out: json converts from almost anything, so the plain forms are ambiguous.
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    return result<json>(boost::system::in_place_error, malformed_answer(what, "the body is not JSON"));
  }
  if (!j.is_object()) {
    return result<json>(boost::system::in_place_error, malformed_answer(what, "the body is not a JSON object"));
  }
  return result<json>(boost::system::in_place_value, std::move(j));
}

std::string json_fields::name(std::string_view member) const {
  return path.empty() ? std::string(member) : fmt::format("{}.{}", path, member);
}

error json_fields::malformed(std::string_view detail) const {
  return malformed_answer(what, detail);
}

json_fields json_fields::at(const json& value, std::string_view member) const {
  return json_fields{value, name(member), what};
}

result<std::optional<std::string>> json_fields::optional_string(std::string_view member) const {
  const json* v = find_member(object, member);
  if (v == nullptr) {
    return std::optional<std::string>{};
  }
  if (!v->is_string()) {
    return malformed(fmt::format("{} is not a string", name(member)));
  }
  return std::optional<std::string>{v->get<std::string>()};
}

result<std::string> json_fields::required_string(std::string_view member) const {
  auto v = optional_string(member);
  if (!v) {
    return v.error();
  }
  if (!*v || (*v)->empty()) {
    return malformed(fmt::format("{} is missing", name(member)));
  }
  return std::move(**v);
}

result<std::optional<std::string>> json_fields::optional_link(std::string_view member) const {
  auto v = optional_string(member);
  if (v && *v && (*v)->empty()) {
    return std::optional<std::string>{};
  }
  return v;
}

result<const json*> json_fields::optional_object(std::string_view member) const {
  const json* v = find_member(object, member);
  if (v != nullptr && !v->is_object()) {
    return malformed(fmt::format("{} is not an object", name(member)));
  }
  return v;
}

result<const json*> json_fields::optional_array(std::string_view member) const {
  const json* v = find_member(object, member);
  if (v != nullptr && !v->is_array()) {
    return malformed(fmt::format("{} is not an array", name(member)));
  }
  return v;
}

}  // namespace rootwatch::azure
