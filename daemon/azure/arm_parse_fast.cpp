#include "azure/arm_parse_fast.hpp"

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

// std::tolower, std::isxdigit and std::isspace of the "C" locale the daemon runs in (it never
// calls setlocale), without the locale look-up per character that they cost.
char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool ascii_xdigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool ascii_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

// normalize_guid's result (trimmed, lower case, 32 bare hex digits dashed as 8-4-4-4-12), built
// in one string instead of three.
std::string lower_guid(std::string_view s) {
  while (!s.empty() && ascii_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && ascii_space(s.back())) {
    s.remove_suffix(1);
  }
  bool bare = s.size() == 32;
  for (std::size_t i = 0; bare && i < s.size(); ++i) {
    bare = ascii_xdigit(s[i]);
  }
  std::string out;
  out.reserve(bare ? 36 : s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (bare && (i == 8 || i == 12 || i == 16 || i == 20)) {
      out += '-';
    }
    out += ascii_lower(s[i]);
  }
  return out;
}

std::optional<engine::assignment> fast_item(dom::element item) {
  dom::object object;
  if (item.get_object().get(object) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  member id;
  member properties;
  for (const dom::key_value_pair field : object) {
    if (field.key == "id") {
      if (!id.take(field.value)) {
        return std::nullopt;
      }
    } else if (field.key == "properties") {
      if (!properties.take(field.value)) {
        return std::nullopt;
      }
    }
  }
  dom::object props;
  if (!properties.present || properties.value.get_object().get(props) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  member scope;
  member role;
  member principal;
  member principal_type;
  member condition;
  member created_on;
  member created_by;
  const std::pair<std::string_view, member*> wanted[] = {
      {"scope", &scope},           {"roleDefinitionId", &role},
      {"principalId", &principal}, {"principalType", &principal_type},
      {"condition", &condition},   {"createdOn", &created_on},
      {"createdBy", &created_by},
  };
  for (const dom::key_value_pair field : props) {
    for (const auto& [key, slot] : wanted) {
      if (field.key == key) {
        if (!slot->take(field.value)) {
          return std::nullopt;
        }
        break;
      }
    }
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
    return std::nullopt;
  }
  engine::assignment a;
  // Root-scope ids have no subscription prefix, others do; either way the GUID is last.
  a.role.id = lower_guid(last_segment(role_text));
  if (!is_guid(a.role.id)) {
    return std::nullopt;
  }
  a.id = id_text;
  a.scope = scope_text;
  a.principal.id = lower_guid(principal_text);
  a.principal.type = principal_type_text.value_or("");
  if (condition_text) {
    a.condition.emplace(*condition_text);
  }
  if (created_on_text) {
    a.created_on = parse_iso8601(*created_on_text);
  }
  if (created_by_text) {
    a.created_by = lower_guid(*created_by_text);
  }
  return a;
}

std::optional<assignment_page> fast_page(std::string_view body) {
  // One parser per thread, kept: its tape and its padded copy of the body grow once to the
  // largest page and are reused by every later one. The DOM API validates the whole document
  // (JSON grammar, UTF-8), unlike On-Demand, which does not look at what it skips.
  thread_local dom::parser parser;
  dom::element root;
  if (parser.parse(body.data(), body.size(), true).get(root) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  dom::object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  member value;
  member next;
  for (const dom::key_value_pair field : top) {
    if (field.key == "value") {
      if (!value.take(field.value)) {
        return std::nullopt;
      }
    } else if (field.key == "nextLink") {
      if (!next.take(field.value)) {
        return std::nullopt;
      }
    }
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
    auto a = fast_item(item);
    if (!a) {
      return std::nullopt;
    }
    page.items.push_back(std::move(*a));
  }
  // json_fields::optional_link: an empty link is the last page.
  if (next_text && !next_text->empty()) {
    page.next_link.emplace(*next_text);
  }
  return page;
}

}  // namespace

std::optional<assignment_page> fast_role_assignment_page(std::string_view body) noexcept {
  try {
    return fast_page(body);
  } catch (...) {
    // Out of memory, most likely: the DOM path will say what it says.
    return std::nullopt;
  }
}

}  // namespace rootwatch::azure
