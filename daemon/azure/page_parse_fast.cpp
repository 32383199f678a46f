#include "azure/page_parse_fast.hpp"

#include "common/strings.hpp"
#include "common/time.hpp"

// The only translation unit that sees simdjson: its header is large and its names stay here.
#include <simdjson.h>

namespace rootwatch::azure {
namespace {

namespace dom = simdjson::dom;

// A member of an object, read at most once. nlohmann keeps the last of duplicate keys and
// simdjson's lookups the first, so a second sighting is a doubt: the caller gives up.
struct member {
  dom::element value;
  bool present = false;

  bool take(dom::element v) {
    if (present) {
      return false;
    }
    value = v;
    present = true;
    return true;
  }
  // find_member's rule: a null member is an absent one.
  bool absent() const { return !present || value.is_null(); }
};

// json_fields::optional_string: absent or null is nullopt; a string its text; any other type
// would be an error, which is the DOM path's to word, so false.
bool optional_text(const member& m, std::optional<std::string_view>& out) {
  if (m.absent()) {
    out.reset();
    return true;
  }
  std::string_view text;
  if (m.value.get_string().get(text) != simdjson::SUCCESS) {
    return false;
  }
  out = text;
  return true;
}

// json_fields::required_string: present, a string, not empty.
bool required_text(const member& m, std::string_view& out) {
  std::optional<std::string_view> text;
  if (!optional_text(m, text) || !text || text->empty()) {
    return false;
  }
  out = *text;
  return true;
}

using wanted_member = std::pair<std::string_view, member*>;

// One pass over an object's members, taking the wanted ones; false on a duplicate of one.
template <std::size_t n>
bool read_members(dom::object object, const wanted_member (&wanted)[n]) {
  for (const dom::key_value_pair field : object) {
    for (const auto& [key, slot] : wanted) {
      if (field.key == key) {
        if (!slot->take(field.value)) {
          return false;
        }
        break;
      }
    }
  }
  return true;
}

enum class empty_created_by { is_a_value, is_unknown };

// The fields both sources share: `id` from the row, the rest from its properties object.
// Written into `a`, a fresh row already in its page (no move of a finished row per item);
// false on any doubt, and then the whole page is dropped.
bool read_assignment(const member& id, const member& properties, empty_created_by empty_creator,
                     engine::assignment& a) {
  dom::object props;
  if (!properties.present || properties.value.get_object().get(props) != simdjson::SUCCESS) {
    return false;
  }
  member scope;
  member role;
  member principal;
  member principal_type;
  member condition;
  member created_on;
  member created_by;
  const wanted_member wanted[] = {
      {"scope", &scope},           {"roleDefinitionId", &role},
      {"principalId", &principal}, {"principalType", &principal_type},
      {"condition", &condition},   {"createdOn", &created_on},
      {"createdBy", &created_by},
  };
  if (!read_members(props, wanted)) {
    return false;
  }
  std::string_view id_text;
  std::string_view scope_text;
  std::string_view role_text;
  std::string_view principal_text;
  std::optional<std::string_view> principal_type_text;
  std::optional<std::string_view> condition_text;
  std::optional<std::string_view> created_on_text;
  std::optional<std::string_view> created_by_text;
  if (!required_text(id, id_text) || !required_text(scope, scope_text) || !required_text(role, role_text) ||
      !required_text(principal, principal_text) || !optional_text(principal_type, principal_type_text) ||
      !optional_text(condition, condition_text) || !optional_text(created_on, created_on_text) ||
      !optional_text(created_by, created_by_text)) {
    return false;
  }
  // Root-scope ids have no subscription prefix, others do, and ARG writes "RoleDefinitions":
  // either way only the trailing GUID counts.
  a.role.id = normalize_guid(last_segment(role_text));
  if (!is_guid(a.role.id)) {
    return false;
  }
  a.id = id_text;
  a.scope = scope_text;
  a.principal.id = normalize_guid(principal_text);
  a.principal.type = principal_type_text.value_or("");
  if (condition_text) {
    a.condition.emplace(*condition_text);
  }
  if (created_on_text) {
    a.created_on = parse_iso8601(*created_on_text);
  }
  if (created_by_text && (empty_creator == empty_created_by::is_a_value || !created_by_text->empty())) {
    a.created_by = normalize_guid(*created_by_text);
  }
  return true;
}

bool fast_item(dom::element item, engine::assignment& a) {
  dom::object object;
  if (item.get_object().get(object) != simdjson::SUCCESS) {
    return false;
  }
  member id;
  member properties;
  const wanted_member wanted[] = {{"id", &id}, {"properties", &properties}};
  if (!read_members(object, wanted)) {
    return false;
  }
  // arm_parse keeps an empty createdBy as "" (normalize_guid of "").
  return read_assignment(id, properties, empty_created_by::is_a_value, a);
}

constexpr std::string_view role_assignment_type = "microsoft.authorization/roleassignments";

bool fast_row(dom::element row, engine::assignment& a) {
  dom::object object;
  if (row.get_object().get(object) != simdjson::SUCCESS) {
    return false;
  }
  member id;
  member type;
  member properties;
  const wanted_member wanted[] = {{"id", &id}, {"type", &type}, {"properties", &properties}};
  if (!read_members(object, wanted)) {
    return false;
  }
  std::optional<std::string_view> type_text;
  if (!optional_text(type, type_text) || (type_text && !iequals(*type_text, role_assignment_type))) {
    return false;
  }
  return read_assignment(id, properties, empty_created_by::is_unknown, a);
}

// count and totalRecords: absent or null, or a whole number from 0 to INT64_MAX written as an
// integer (simdjson types those INT64; nlohmann's is_number_integer takes the same literals).
bool optional_count(const member& m, std::optional<std::int64_t>& out) {
  if (m.absent()) {
    out.reset();
    return true;
  }
  std::int64_t n = 0;
  if (m.value.type() != dom::element_type::INT64 || m.value.get_int64().get(n) != simdjson::SUCCESS || n < 0) {
    return false;
  }
  out = n;
  return true;
}

// resultTruncated: the string "true"/"false" in any case, or a boolean; required.
bool read_truncated(const member& m, bool& out) {
  if (m.absent()) {
    return false;
  }
  if (m.value.get_bool().get(out) == simdjson::SUCCESS) {
    return true;
  }
  std::string_view text;
  if (m.value.get_string().get(text) != simdjson::SUCCESS) {
    return false;
  }
  if (iequals(text, "true")) {
    out = true;
    return true;
  }
  if (iequals(text, "false")) {
    out = false;
    return true;
  }
  return false;
}

// The parsed body's top-level object; false for invalid JSON or another type.
bool parse_object(std::string_view body, dom::object& top) {
  // One parser per thread, kept: its tape and its padded copy of the body grow once to the
  // largest page and are reused by every later one. The DOM API validates the whole document
  // (JSON grammar, UTF-8), unlike On-Demand, which does not look at what it skips.
  thread_local dom::parser parser;
  dom::element root;
  if (parser.parse(body.data(), body.size(), true).get(root) != simdjson::SUCCESS) {
    return false;
  }
  return root.get_object().get(top) == simdjson::SUCCESS;
}

std::optional<resource_graph_page> fast_graph_page(std::string_view body) {
  dom::object top;
  if (!parse_object(body, top)) {
    return std::nullopt;
  }
  member data;
  member truncated;
  member count;
  member total;
  member token;
  const wanted_member wanted[] = {
      {"data", &data},          {"resultTruncated", &truncated}, {"count", &count},
      {"totalRecords", &total}, {"$skipToken", &token},
  };
  if (!read_members(top, wanted)) {
    return std::nullopt;
  }
  dom::array rows;
  if (!data.present || data.value.get_array().get(rows) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  resource_graph_page page;
  std::optional<std::int64_t> count_value;
  std::optional<std::string_view> token_text;
  if (!read_truncated(truncated, page.truncated) || !optional_count(count, count_value) ||
      !optional_count(total, page.total_records) || !optional_text(token, token_text)) {
    return std::nullopt;
  }
  page.items.reserve(rows.size());
  for (const dom::element row : rows) {
    if (!fast_row(row, page.items.emplace_back())) {
      return std::nullopt;
    }
  }
  if (count_value && static_cast<std::uint64_t>(*count_value) != page.items.size()) {
    return std::nullopt;
  }
  // json_fields::optional_link: an empty token is the last page.
  if (token_text && !token_text->empty()) {
    page.skip_token.emplace(*token_text);
  }
  return page;
}

std::optional<assignment_page> fast_page(std::string_view body) {
  dom::object top;
  if (!parse_object(body, top)) {
    return std::nullopt;
  }
  member value;
  member next;
  const wanted_member wanted[] = {{"value", &value}, {"nextLink", &next}};
  if (!read_members(top, wanted)) {
    return std::nullopt;
  }
  dom::array items;
  if (!value.present || value.value.get_array().get(items) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  std::optional<std::string_view> next_text;
  if (!optional_text(next, next_text)) {
    return std::nullopt;
  }
  assignment_page page;
  page.items.reserve(items.size());
  for (const dom::element item : items) {
    if (!fast_item(item, page.items.emplace_back())) {
      return std::nullopt;
    }
  }
  // json_fields::optional_link: an empty link is the last page.
  if (next_text && !next_text->empty()) {
    page.next_link.emplace(*next_text);
  }
  return page;
}

}  // namespace

std::optional<resource_graph_page> fast_resource_graph_page(std::string_view body) noexcept {
  try {
    return fast_graph_page(body);
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<assignment_page> fast_role_assignment_page(std::string_view body) noexcept {
  try {
    return fast_page(body);
  } catch (...) {
    // Out of memory, most likely: the DOM path will say what it says.
    return std::nullopt;
  }
}

}  // namespace rootwatch::azure
