#include "azure/directory_objects_parse.hpp"

#include "common/json.hpp"
#include "common/strings.hpp"
#include "common/text.hpp"

#include <array>
#include <utility>

#include <fmt/format.h>

namespace rootwatch::azure {
namespace {

constexpr std::size_t max_upn_bytes = 256;

// @odata.type -> principal_ref's type. Graph writes "#microsoft.graph.<type>"; compared
// without case, as Graph's own type names are case-insensitive.
constexpr std::array<std::pair<std::string_view, std::string_view>, 3> known_types{{
    {"#microsoft.graph.user", "User"},
    {"#microsoft.graph.group", "Group"},
    {"#microsoft.graph.serviceprincipal", "ServicePrincipal"},
}};

std::string principal_type(const json& item) {
  const auto odata = string_member(item, "@odata.type");
  if (!odata) {
    return {};
  }
  for (const auto& [wire, ours] : known_types) {
    if (iequals(*odata, wire)) {
      return std::string(ours);
    }
  }
  return {};
}

error malformed(std::string_view detail) {
  return make_error(error_kind::parse, fmt::format("malformed Graph getByIds answer: {}", detail));
}

// A text field kept only when it is a non-empty string; cut and made valid UTF-8.
std::optional<std::string> text_member(const json& item, std::string_view name, std::size_t max_bytes) {
  auto v = string_member(item, name);
  if (!v || v->empty()) {
    return std::nullopt;
  }
  return cut_utf8(*v, max_bytes);
}

}  // namespace

std::string directory_objects_url(std::string_view graph_base) {
  std::string base(trim(graph_base));
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  return base + "/v1.0/directoryObjects/getByIds";
}

std::string directory_objects_body(const std::vector<std::string>& ids) {
  const json body = {{"ids", ids}, {"types", json::array({"user", "group", "servicePrincipal"})}};
  return dump_tolerant(body);
}

result<directory_objects_page> parse_directory_objects(std::string_view body) {
  // The JSON parser refuses a string with bytes that are not UTF-8, which would lose every
  // name for one bad one: such bytes become U+FFFD first. The replacement never touches the
  // ASCII that structures the document, so the rest reads as sent.
  const json j =
      is_valid_utf8(body) ? json::parse(body, nullptr, false) : json::parse(valid_utf8(body), nullptr, false);
  if (j.is_discarded()) {
    return malformed("the body is not JSON");
  }
  if (!j.is_object()) {
    return malformed("the body is not a JSON object");
  }
  const json* value = find_member(j, "value");
  if (value == nullptr) {
    return malformed("value is missing");
  }
  if (!value->is_array()) {
    return malformed("value is not an array");
  }
  directory_objects_page page;
  for (const auto& item : *value) {
    const auto id = string_member(item, "id");
    if (!id || !is_guid(*id)) {
      ++page.skipped;
      continue;
    }
    directory_object o;
    o.id = normalize_guid(*id);
    o.type = principal_type(item);
    o.display_name = text_member(item, "displayName", max_display_name_bytes);
    if (o.type == "User") {
      o.user_principal_name = text_member(item, "userPrincipalName", max_upn_bytes);
    }
    page.objects.push_back(std::move(o));
  }
  return page;
}

}  // namespace rootwatch::azure
