#include "azure/resource_graph_parse.hpp"

#include "azure/json_fields.hpp"
#include "azure/page_parse_fast.hpp"
#include "common/json.hpp"
#include "common/strings.hpp"
#include "common/text.hpp"

#include <charconv>

#include <fmt/format.h>

namespace rootwatch::azure {
namespace {

constexpr std::string_view role_assignment_type = "microsoft.authorization/roleassignments";

constexpr std::string_view page_what = "Resource Graph page";

error malformed(std::string_view detail) {
  return malformed_answer(page_what, detail);
}

// A KQL verbatim string literal: @'...' with a quote written twice, so that no scope from the
// configuration can end the literal and add to the query.
std::string kql_literal(std::string_view text) {
  std::string out = "@'";
  for (const char c : text) {
    out += c;
    if (c == '\'') {
      out += '\'';
    }
  }
  out += '\'';
  return out;
}

// Both fields are ints on the wire (§9, hazard 1); a string there is a different API.
result<std::optional<std::int64_t>> optional_count(const json& j, std::string_view member) {
  const json* v = find_member(j, member);
  if (v == nullptr) {
    return std::optional<std::int64_t>{};
  }
  if (!v->is_number_integer() || (v->is_number_unsigned() && v->get<std::uint64_t>() > INT64_MAX)) {
    return malformed(fmt::format("{} is not a whole number", member));
  }
  const auto n = v->get<std::int64_t>();
  if (n < 0) {
    return malformed(fmt::format("{} is negative", member));
  }
  return std::optional<std::int64_t>{n};
}

// resultTruncated is the string "true" or "false" (§3.2); a real boolean means the same.
result<bool> read_truncated(const json& j) {
  const json* v = find_member(j, "resultTruncated");
  if (v == nullptr) {
    // Without it a page cannot say whether rows are missing: not a page to build a snapshot on.
    return malformed("resultTruncated is missing");
  }
  if (v->is_boolean()) {
    return v->get<bool>();
  }
  if (v->is_string()) {
    const auto& s = v->get_ref<const std::string&>();
    if (iequals(s, "true")) {
      return true;
    }
    if (iequals(s, "false")) {
      return false;
    }
    return malformed(fmt::format("resultTruncated is '{}', not \"true\" or \"false\"", cut_utf8(s, 20)));
  }
  return malformed("resultTruncated is neither a string nor a boolean");
}

result<engine::assignment> parse_row(const json& row, std::size_t index) {
  const std::string path = fmt::format("data[{}]", index);
  if (!row.is_object()) {
    return malformed(fmt::format("{} is not an object", path));
  }
  const json_fields item{row, path, page_what};
  auto type = item.optional_string("type");
  if (!type) {
    return type.error();
  }
  // The query asks for role assignments only; any other row means it was not the query we sent.
  if (*type && !iequals(**type, role_assignment_type)) {
    return malformed(fmt::format("{}.type is '{}', not a role assignment", path, cut_utf8(**type, 80)));
  }
  const json* props_json = find_member(row, "properties");
  if (props_json == nullptr || !props_json->is_object()) {
    return malformed(fmt::format("{}.properties is not an object", path));
  }
  const json_fields props = item.at(*props_json, "properties");
  auto id = item.required_string("id");
  auto scope = props.required_string("scope");
  auto role = props.required_string("roleDefinitionId");
  auto principal = props.required_string("principalId");
  for (const auto* r : {&id, &scope, &role, &principal}) {
    if (!*r) {
      return r->error();
    }
  }
  auto principal_type = props.optional_string("principalType");
  auto condition = props.optional_string("condition");
  auto created_on = props.optional_string("createdOn");
  auto created_by = props.optional_string("createdBy");
  for (const auto* r : {&principal_type, &condition, &created_on, &created_by}) {
    if (!*r) {
      return r->error();
    }
  }
  engine::assignment a;
  a.id = std::move(*id);
  a.scope = std::move(*scope);
  // ARG writes ".../RoleDefinitions/<GUID>" where ARM writes "roleDefinitions" (§3.5): only the
  // trailing GUID counts, in one case.
  a.role.id = normalize_guid(last_segment(*role));
  if (!is_guid(a.role.id)) {
    return malformed(fmt::format("{}.properties.roleDefinitionId does not end in a GUID", path));
  }
  a.principal.id = normalize_guid(*principal);
  a.principal.type = principal_type->value_or("");
  a.condition = std::move(*condition);
  if (*created_on) {
    // An audit field: unreadable means unknown, never a different assignment (invariant 8).
    a.created_on = parse_iso8601(**created_on);
  }
  if (*created_by && !(*created_by)->empty()) {
    a.created_by = normalize_guid(**created_by);
  }
  return a;
}

}  // namespace

std::string resource_graph_query(const std::vector<std::string>& scopes) {
  std::string list;
  for (const auto& s : scopes) {
    list += list.empty() ? "" : ", ";
    list += kql_literal(s);
  }
  return fmt::format(
      "authorizationresources"
      " | where type =~ '{}'"
      " | where tostring(properties.scope) in~ ({})"
      " | project id, name, type, tenantId, properties",
      role_assignment_type, list);
}

std::string resource_graph_body(std::string_view query, int top, const std::optional<std::string>& skip_token) {
  json options = {{"$top", top}, {"resultFormat", "objectArray"}, {"authorizationScopeFilter", "AtScopeAboveAndBelow"}};
  if (skip_token) {
    options["$skipToken"] = *skip_token;
  }
  // No "subscriptions" and no "managementGroups": tenant scope, where root rows live (§3.1).
  const json body = {{"query", query}, {"options", options}};
  return dump_tolerant(body);
}

result<resource_graph_page> parse_resource_graph_page(std::string_view body) {
  // The well-formed page without building nlohmann's DOM; anything else, and every error's
  // wording, is the DOM parser's.
  if (auto page = fast_resource_graph_page(body)) {
    return std::move(*page);
  }
  return parse_resource_graph_page_dom(body);
}

result<resource_graph_page> parse_resource_graph_page_dom(std::string_view body) {
  const auto parsed = parse_answer(body, page_what);
  if (!parsed) {
    return parsed.error();
  }
  const json& j = *parsed;
  const json* data = find_member(j, "data");
  if (data == nullptr) {
    return malformed("data is missing");
  }
  if (!data->is_array()) {
    // resultFormat "table" answers {"columns","rows"}: not what we asked for.
    return malformed("data is not an array of rows");
  }
  resource_graph_page page;
  auto truncated = read_truncated(j);
  if (!truncated) {
    return truncated.error();
  }
  page.truncated = *truncated;
  auto count = optional_count(j, "count");
  auto total = optional_count(j, "totalRecords");
  if (!count) {
    return count.error();
  }
  if (!total) {
    return total.error();
  }
  if (*count && static_cast<std::uint64_t>(**count) != data->size()) {
    return malformed(fmt::format("count says {} rows, data holds {}", **count, data->size()));
  }
  page.total_records = *total;
  auto token = json_fields{j, "", page_what}.optional_link("$skipToken");
  if (!token) {
    return token.error();
  }
  page.skip_token = std::move(*token);
  page.items.reserve(data->size());
  for (std::size_t i = 0; i < data->size(); ++i) {
    auto a = parse_row((*data)[i], i);
    if (!a) {
      return a.error();
    }
    page.items.push_back(std::move(*a));
  }
  return page;
}

std::optional<std::int64_t> parse_quota_remaining(std::string_view value) {
  value = trim(value);
  std::int64_t n = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() || n < 0) {
    return std::nullopt;
  }
  return n;
}

namespace {

// Exactly `digits` decimal digits at the front of `text`, consumed.
std::optional<std::int64_t> take_digits(std::string_view& text, std::size_t min_digits, std::size_t max_digits) {
  std::size_t n = 0;
  while (n < text.size() && n < max_digits && text[n] >= '0' && text[n] <= '9') {
    ++n;
  }
  if (n < min_digits) {
    return std::nullopt;
  }
  std::int64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    v = v * 10 + (text[i] - '0');
  }
  text.remove_prefix(n);
  return v;
}

bool take(std::string_view& text, char c) {
  if (text.empty() || text.front() != c) {
    return false;
  }
  text.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<milliseconds> parse_quota_resets_after(std::string_view value) {
  std::string_view t = trim(value);
  // [d.]hh:mm:ss[.fffffff]: the days part is told apart by the '.' before the first ':'.
  std::int64_t days = 0;
  const auto colon = t.find(':');
  const auto dot = t.find('.');
  if (dot != std::string_view::npos && colon != std::string_view::npos && dot < colon) {
    const auto d = take_digits(t, 1, 7);
    if (!d || !take(t, '.')) {
      return std::nullopt;
    }
    days = *d;
  }
  const auto h = take_digits(t, 1, 2);
  if (!h || !take(t, ':')) {
    return std::nullopt;
  }
  const auto m = take_digits(t, 2, 2);
  if (!m || !take(t, ':')) {
    return std::nullopt;
  }
  const auto s = take_digits(t, 2, 2);
  if (!s || *h > 23 || *m > 59 || *s > 59) {
    return std::nullopt;
  }
  std::int64_t ms = 0;
  if (take(t, '.')) {
    std::string_view fraction = t;
    const auto f = take_digits(t, 1, 7);
    if (!f) {
      return std::nullopt;
    }
    // The first three digits are milliseconds; a partial millisecond still needs waiting out.
    const std::size_t n = fraction.size() - t.size();
    std::int64_t scaled = *f;
    for (std::size_t i = n; i < 7; ++i) {
      scaled *= 10;
    }
    ms = (scaled + 9'999) / 10'000;
  }
  if (!t.empty()) {
    return std::nullopt;
  }
  return milliseconds{((days * 24 + *h) * 60 + *m) * 60'000 + *s * 1'000 + ms};
}

}  // namespace rootwatch::azure
