// Azure Resource Graph's query route (§3): POST /providers/Microsoft.ResourceGraph/resources
// over the fake's role assignments as authorizationresources rows, with $skipToken paging by
// options.$top, the user quota and its headers, and the scope rule that decides whether root
// rows come back at all. KQL is not interpreted: every role assignment row the scope rule
// allows is the result, and the client keeps the scopes it watches.

#include "fake/azure_state.hpp"

#include "common/strings.hpp"
#include "fake/wire_codec.hpp"

#include <algorithm>
#include <variant>

#include <fmt/format.h>

namespace rootwatch::fake {
namespace {

constexpr std::string_view query_path = "/providers/microsoft.resourcegraph/resources";
constexpr std::size_t default_top = 100;
constexpr std::size_t max_top = 1000;

// 2019-04-01 needs subscriptions; authorizationScopeFilter exists from 2022-10-01 on (§3).
const std::vector<std::string_view> graph_versions{"2019-04-01", "2021-03-01", "2022-10-01", "2024-04-01"};

// ARG's 400: a generic BadRequest whose details say what was wrong (§3.3).
handled bad_request(std::string_view detail_code, std::string_view detail_message, std::string note) {
  const json body = {
      {"error",
       {{"code", "BadRequest"},
        {"message", "Please provide below info when asking for support: timestamp = fake, correlationId = fake."},
        {"details", json::array({{{"code", detail_code}, {"message", detail_message}}})}}}};
  return {json_response(400, body), std::move(note), std::nullopt};
}

// Opaque like the real ones: base64 of a small JSON document ("ew0K..." starts "{\r\n").
std::string make_skip_token(std::size_t offset, std::uint64_t nonce) {
  return to_base64(json{{"$id", "1"}, {"offset", offset}, {"nonce", nonce & 0xffffffffU}}.dump());
}

std::optional<std::size_t> offset_of(const azure_state& st, std::string_view token) {
  if (!st.graph.skip_token_override.empty() && token == st.graph.skip_token_override) {
    return 0;  // the override loops back to the first row
  }
  const auto decoded = from_base64(token);
  if (!decoded) {
    return std::nullopt;
  }
  const json j = json::parse(*decoded, nullptr, false);
  const json* offset = j.is_object() && j.contains("offset") ? &j.at("offset") : nullptr;
  if (offset == nullptr || !offset->is_number_unsigned()) {
    return std::nullopt;
  }
  return offset->get<std::size_t>();
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'f') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return out;
}

// Moves to a new window once the old one has ended.
void roll_window(graph_settings& g, timestamp now) {
  if (now >= g.window_end) {
    g.quota_used = 0;
    g.window_end = now + g.quota_window;
  }
}

// "00:00:05": whole seconds, rounded up, so that a client that waits this long finds the
// quota reset.
std::string format_resets_after(milliseconds left) {
  const auto secs = std::max<std::int64_t>(0, (left.count() + 999) / 1000);
  return fmt::format("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
}

// ARG's createdOn is not ARM's text for the same instant: milliseconds, not ARM's seven
// digits, so that a client (or engine) comparing audit fields as text is caught (invariant 8).
std::string graph_time(const std::string& arm_time) {
  return arm_time.size() >= 23 ? arm_time.substr(0, 23) + "Z" : arm_time;
}

// createdOn as the style switch wants it at the `query`-th answer: another text for the same
// instant, or an instant that moves, so that a client that compares audit fields is caught.
std::string styled_time(const graph_settings& g, timestamp t) {
  const std::string arm = format_arm_time(t);  // 7 fractional digits and Z
  if (g.created_on_style == "alternate") {
    switch (g.queries % 3) {
      case 0:
        return arm.substr(0, 19) + "Z";  // whole seconds: less than a second earlier
      case 1:
        return arm.substr(0, arm.size() - 1) + "+00:00";
      default:
        return graph_time(arm);
    }
  }
  if (g.created_on_style == "drift") {
    return graph_time(format_arm_time(t + std::chrono::minutes(static_cast<std::int64_t>(g.queries))));
  }
  return graph_time(arm);
}

// A role assignment as an authorizationresources row (§3.5): ARM's item with the lower-case
// type, the tenant, and "RoleDefinitions/<GUID>" in upper case, as community queries show it.
json graph_row(const azure_state& st, const role_assignment& a) {
  json row = to_arm_json(a);
  json& props = row["properties"];
  props["roleDefinitionId"] = "/providers/Microsoft.Authorization/RoleDefinitions/" + upper(a.role_definition_id);
  const timestamp created = a.created_on.value_or(timestamp{});
  props["createdOn"] = styled_time(st.graph, created);
  props["updatedOn"] = styled_time(st.graph, a.updated_on.value_or(created));
  row["type"] = "microsoft.authorization/roleassignments";
  row["tenantId"] = st.tenant_id;
  return row;
}

// Root and management-group rows come back only at tenant or management-group scope with a
// filter that looks above the scope (§3.1); the default AtScopeAndBelow leaves them out.
bool shows_inherited(const json& body, const json& options, std::string_view api_version) {
  if (api_version < "2022-10-01") {
    return false;
  }
  if (body.contains("subscriptions")) {
    return false;
  }
  const json* f = options.is_object() && options.contains("authorizationScopeFilter")
                      ? &options.at("authorizationScopeFilter")
                      : nullptr;
  if (f == nullptr || !f->is_string()) {
    return false;
  }
  const auto v = f->get<std::string>();
  return iequals(v, "AtScopeAndAbove") || iequals(v, "AtScopeAboveAndBelow");
}

bool inherited_scope(std::string_view scope) {
  return scope == "/" || istarts_with(scope, "/providers/Microsoft.Management/managementGroups/");
}

struct query_request {
  json body;
  json options;
  std::size_t top = default_top;
  std::size_t offset = 0;
};

std::variant<query_request, handled> read_query(const azure_state& st, const net::server_request& req) {
  query_request q;
  q.body = json::parse(req.body, nullptr, false);
  const json* query = q.body.is_object() && q.body.contains("query") ? &q.body.at("query") : nullptr;
  if (query == nullptr || !query->is_string()) {
    return bad_request("InvalidRequestContent", "The request content was invalid: 'query' is required.", "no query");
  }
  const std::string text = to_lower(query->get<std::string>());
  if (text.find("authorizationresources") == std::string::npos || text.find("roleassignments") == std::string::npos) {
    return bad_request("InvalidQuery", "Query is invalid. This fake answers role assignment queries only.",
                       "unsupported query");
  }
  q.options = q.body.value("options", json::object());
  if (!q.options.is_object()) {
    return bad_request("InvalidRequestContent", "'options' must be an object.", "bad options");
  }
  if (q.options.contains("resultFormat") && q.options.at("resultFormat") != "objectArray") {
    return bad_request("InvalidRequestContent", "This fake answers resultFormat 'objectArray' only.", "table format");
  }
  if (q.options.contains("$top")) {
    const json& top = q.options.at("$top");
    if (!top.is_number_unsigned() || top.get<std::size_t>() < 1 || top.get<std::size_t>() > max_top) {
      return bad_request("InvalidRequestContent", "$top must be between 1 and 1000.", "bad $top");
    }
    q.top = top.get<std::size_t>();
  }
  if (q.options.contains("$skipToken")) {
    const json& token = q.options.at("$skipToken");
    const auto offset = token.is_string() ? offset_of(st, token.get<std::string>()) : std::nullopt;
    if (!offset) {
      return bad_request("InvalidSkipToken", "The skip token is not valid. Send it back as it was given.",
                         "bad skip token");
    }
    q.offset = *offset;
  }
  return q;
}

}  // namespace

bool is_graph_query_path(std::string_view lower_path) {
  return lower_path == query_path;
}

handled handle_graph_query(azure_state& st, const net::server_request& req, const parsed_target& target,
                           timestamp now) {
  if (req.method != "POST") {
    return {arm_error(405, "MethodNotAllowed", "The requested resource does not support this http method."),
            "method not allowed", std::nullopt};
  }
  if (auto refused = refuse_token(st, req, target, now)) {
    return *refused;
  }
  const auto* version = target.find("api-version");
  if (version == nullptr || !version->value || version->value->empty()) {
    return {
        arm_error(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required."),
        "no api-version", std::nullopt};
  }
  if (std::find(graph_versions.begin(), graph_versions.end(), *version->value) == graph_versions.end()) {
    return {
        arm_error(400, "InvalidApiVersionParameter", fmt::format("The api-version '{}' is invalid.", *version->value)),
        "unsupported api-version", std::nullopt};
  }
  auto& g = st.graph;
  roll_window(g, now);
  if (g.quota_used >= g.quota_limit) {
    // No Retry-After: whether ARG sends one is not known (§10.9); the quota headers say when.
    return {
        arm_error(429, "RateLimiting", "Please provide below info when asking for support: the user quota is used up."),
        "throttled: user quota used up", std::nullopt};
  }
  ++g.quota_used;
  auto read = read_query(st, req);
  if (std::holds_alternative<handled>(read)) {
    return std::get<handled>(std::move(read));
  }
  const auto q = std::get<query_request>(std::move(read));
  const bool inherited = shows_inherited(q.body, q.options, *version->value);
  std::vector<const role_assignment*> rows;
  for (const auto& a : st.assignments) {
    if ((inherited || !inherited_scope(a.scope)) && !g.hidden.contains(to_lower(a.name))) {
      rows.push_back(&a);
    }
  }
  for (const auto& a : g.only_rows) {
    if (inherited || !inherited_scope(a.scope)) {
      rows.push_back(&a);
    }
  }
  const std::size_t top = g.max_rows_per_page == 0 ? q.top : std::min(q.top, g.max_rows_per_page);
  json data = json::array();
  const std::size_t end = std::min(rows.size(), q.offset + top);
  for (std::size_t i = q.offset; i < end; ++i) {
    data.push_back(graph_row(st, *rows[i]));
  }
  json body = {{"totalRecords", rows.size()},
               {"count", data.size()},
               {"data", data},
               {"facets", json::array()},
               {"resultTruncated", g.result_truncated ? "true" : "false"}};
  if (end < rows.size() && !g.result_truncated) {
    body["$skipToken"] = g.skip_token_override.empty() ? make_skip_token(end, st.random.next()) : g.skip_token_override;
  }
  ++g.queries;
  const std::size_t items = data.size();
  return {json_response(200, body), fmt::format("{} row{}", items, items == 1 ? "" : "s"), items};
}

std::optional<std::size_t> requested_graph_page(const azure_state& st, const net::server_request& req) {
  const json body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) {
    return std::nullopt;
  }
  const json options = body.value("options", json::object());
  std::size_t top = default_top;
  if (options.is_object() && options.contains("$top") && options.at("$top").is_number_unsigned()) {
    top = std::max<std::size_t>(1, options.at("$top").get<std::size_t>());
  }
  if (st.graph.max_rows_per_page != 0) {
    top = std::min(top, st.graph.max_rows_per_page);
  }
  if (!options.is_object() || !options.contains("$skipToken") || !options.at("$skipToken").is_string()) {
    return 0;
  }
  return offset_of(st, options.at("$skipToken").get<std::string>()).value_or(0) / top;
}

void add_graph_quota_headers(azure_state& st, net::server_response& r, timestamp now) {
  auto& g = st.graph;
  if (now >= g.window_end) {
    roll_window(g, now);
  }
  const int remaining = std::max(0, g.quota_limit - g.quota_used);
  r.headers.push_back({"x-ms-user-quota-remaining", std::to_string(remaining)});
  r.headers.push_back({"x-ms-user-quota-resets-after",
                       format_resets_after(std::chrono::duration_cast<milliseconds>(g.window_end - now))});
  r.headers.push_back({"x-ms-ratelimit-remaining-tenant-resource-requests", std::to_string(remaining)});
  r.headers.push_back({"x-ms-request-id", st.new_guid()});
}

void apply_graph_settings(azure_state& st, const json& settings, timestamp now) {
  if (!settings.is_object()) {
    return;
  }
  auto& g = st.graph;
  if (settings.contains("quota_limit") && settings.at("quota_limit").is_number_unsigned()) {
    g.quota_limit = settings.at("quota_limit").get<int>();
  }
  if (settings.contains("quota_window_seconds") && settings.at("quota_window_seconds").is_number_unsigned()) {
    g.quota_window = seconds(settings.at("quota_window_seconds").get<std::int64_t>());
  }
  if (settings.contains("exhaust_quota_seconds") && settings.at("exhaust_quota_seconds").is_number_unsigned()) {
    g.quota_used = g.quota_limit;
    g.window_end = now + seconds(settings.at("exhaust_quota_seconds").get<std::int64_t>());
  }
  if (settings.contains("skip_token_override") && settings.at("skip_token_override").is_string()) {
    g.skip_token_override = settings.at("skip_token_override").get<std::string>();
  } else if (settings.contains("skip_token_override") && settings.at("skip_token_override").is_null()) {
    g.skip_token_override.clear();
  }
  if (settings.contains("result_truncated") && settings.at("result_truncated").is_boolean()) {
    g.result_truncated = settings.at("result_truncated").get<bool>();
  }
  if (settings.contains("max_rows_per_page") && settings.at("max_rows_per_page").is_number_unsigned()) {
    g.max_rows_per_page = settings.at("max_rows_per_page").get<std::size_t>();
  }
  if (settings.contains("created_on_style") && settings.at("created_on_style").is_string()) {
    g.created_on_style = settings.at("created_on_style").get<std::string>();
  }
}

json graph_state_json(const azure_state& st) {
  const auto& g = st.graph;
  return {{"quota_limit", g.quota_limit},
          {"quota_window_seconds", g.quota_window.count()},
          {"quota_used", g.quota_used},
          {"skip_token_override", g.skip_token_override.empty() ? json() : json(g.skip_token_override)},
          {"result_truncated", g.result_truncated},
          {"max_rows_per_page", g.max_rows_per_page},
          {"created_on_style", g.created_on_style},
          {"hidden", g.hidden},
          {"only_rows", g.only_rows.size()}};
}

}  // namespace rootwatch::fake
