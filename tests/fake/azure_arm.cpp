// ARM at the root scope (§0, §4): role assignment list with paging, get, create and delete;
// role definitions; elevateAccess. Every route wants a Bearer token from this fake's token
// endpoint and an api-version it knows.

#include "fake/azure_state.hpp"

#include "common/strings.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <variant>

#include <fmt/format.h>

namespace rootwatch::fake {
namespace {

constexpr std::string_view assignments_path = "/providers/microsoft.authorization/roleassignments";
constexpr std::string_view definitions_path = "/providers/microsoft.authorization/roledefinitions";
constexpr std::string_view elevate_path = "/providers/microsoft.authorization/elevateaccess";
constexpr std::string_view canonical_assignments_path = "/providers/Microsoft.Authorization/roleAssignments";
constexpr std::string_view skip_token_prefix = "fake;";

const std::vector<std::string_view> rbac_versions{"2015-07-01",         "2018-01-01-preview", "2018-09-01-preview",
                                                  "2020-04-01-preview", "2020-08-01-preview", "2020-10-01-preview",
                                                  "2022-04-01",         "2022-05-01-preview"};
const std::vector<std::string_view> elevate_versions{"2015-07-01", "2016-07-01"};

std::string lower_path(std::string_view path) {
  std::string p = to_lower(path);
  while (p.size() > 1 && p.back() == '/') {
    p.pop_back();
  }
  return p;
}

// "" for the collection itself, the item name for "collection/{name}", nullopt otherwise.
std::optional<std::string> item_under(std::string_view path, std::string_view collection) {
  const std::string p = lower_path(path);
  if (p == collection) {
    return std::string();
  }
  if (p.size() > collection.size() + 1 && p.starts_with(collection) && p[collection.size()] == '/' &&
      p.find('/', collection.size() + 1) == std::string::npos) {
    return p.substr(collection.size() + 1);
  }
  return std::nullopt;
}

// The opaque token of a list page: ';' and ':' on purpose, as in the real ones (§0), so that a
// client which re-encodes nextLink is caught.
std::string make_skip_token(std::size_t offset, std::uint64_t nonce) {
  return fmt::format("{}{}:{:08x}", skip_token_prefix, offset, nonce & 0xffffffffU);
}

std::optional<std::size_t> parse_skip_token(std::string_view token) {
  if (!token.starts_with(skip_token_prefix)) {
    return std::nullopt;
  }
  token.remove_prefix(skip_token_prefix.size());
  std::size_t offset = 0;
  const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), offset);
  if (ec != std::errc() || ptr == token.data() + token.size() || *ptr != ':') {
    return std::nullopt;
  }
  return offset;
}

struct skip_outcome {
  std::size_t offset = 0;
  std::optional<std::string> problem;
};

skip_outcome read_skip_token(const parsed_target& target) {
  const auto* p = target.find("$skipToken");
  if (p == nullptr) {
    return {};
  }
  if (const auto offset = parse_skip_token(p->raw_value)) {
    return {*offset, std::nullopt};
  }
  if (p->value && parse_skip_token(*p->value)) {
    return {0, "The skip token arrived re-encoded. Follow nextLink verbatim."};
  }
  return {0, "The skip token is not valid."};
}

// The filter as it goes back into nextLink: what is safe in a query stays readable.
std::string encode_filter(std::string_view filter) {
  std::string out;
  for (const char c : filter) {
    if (c == ' ') {
      out += "%20";
    } else if (c == '&' || c == '#' || c == '+' || c == '%') {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out;
}

// The GUID inside "principalId eq '<id>'" or "assignedTo('<id>')"; nullopt if neither.
std::optional<std::string> quoted_argument(std::string_view filter, std::string_view prefix) {
  if (!istarts_with(filter, prefix)) {
    return std::nullopt;
  }
  const auto open = filter.find('\'');
  const auto close = filter.rfind('\'');
  if (open == std::string_view::npos || close <= open) {
    return std::nullopt;
  }
  return normalize_guid(filter.substr(open + 1, close - open - 1));
}

using assignment_filter = std::function<bool(const role_assignment&)>;

std::optional<assignment_filter> filter_from(std::string_view filter) {
  const auto f = trim(filter);
  if (f.empty()) {
    // At "/" without a filter ARM lists the whole tenant; here every assignment the fake has.
    return [](const role_assignment&) { return true; };
  }
  if (iequals(f, "atScope()")) {
    return [](const role_assignment& a) { return a.scope == "/"; };
  }
  auto principal = quoted_argument(f, "principalId eq ");
  if (!principal) {
    principal = quoted_argument(f, "assignedTo(");
  }
  if (principal) {
    return [id = *principal](const role_assignment& a) { return normalize_guid(a.principal_id) == id; };
  }
  return std::nullopt;
}

struct arm_call {
  azure_state& st;
  const net::server_request& req;
  const parsed_target& target;
  timestamp now;

  handled error(int status, std::string_view code, std::string message, std::string note) const {
    return {arm_error(status, code, message), std::move(note), std::nullopt};
  }

  handled unauthorized(std::string_view code, std::string message, std::string note) const {
    auto h = error(401, code, std::move(message), std::move(note));
    h.response.headers.push_back(
        {"WWW-Authenticate",
         fmt::format("Bearer authorization_uri=\"{}/{}\", error=\"invalid_token\", error_description=\"The access "
                     "token is missing, invalid or expired.\"",
                     st.base_url, st.tenant_id)});
    return h;
  }

  // The caller's token, or the 401 to answer.
  std::variant<const issued_token*, handled> authenticate() const {
    const auto header = net::find_header(req.headers, "Authorization");
    if (!header || !istarts_with(*header, "Bearer ")) {
      return unauthorized("InvalidAuthenticationToken",
                          "The 'Authorization' header is missing or does not hold a Bearer token.", "no token");
    }
    const auto it = st.tokens.find(std::string(trim(header->substr(7))));
    if (it == st.tokens.end()) {
      return unauthorized("InvalidAuthenticationToken", "The access token is invalid.", "unknown token");
    }
    if (now >= it->second.expires_at) {
      return unauthorized("ExpiredAuthenticationToken",
                          fmt::format("The access token expiry UTC time '{}' is earlier than current UTC time '{}'.",
                                      format_aad_time(it->second.expires_at), format_aad_time(now)),
                          "expired token");
    }
    return &it->second;
  }

  std::optional<handled> check_api_version(const std::vector<std::string_view>& supported) const {
    const auto* p = target.find("api-version");
    if (p == nullptr || !p->value || p->value->empty()) {
      return error(400, "MissingApiVersionParameter",
                   "The api-version query parameter (?api-version=) is required for all requests.", "no api-version");
    }
    if (std::find(supported.begin(), supported.end(), *p->value) == supported.end()) {
      std::string list;
      for (const auto v : supported) {
        list += list.empty() ? "" : ",";
        list += v;
      }
      return error(400, "InvalidApiVersionParameter",
                   fmt::format("The api-version '{}' is invalid. The supported versions are '{}'.", *p->value, list),
                   "unsupported api-version");
    }
    return std::nullopt;
  }

  std::string api_version() const { return target.find("api-version")->value.value_or(""); }

  handled method_not_allowed() const {
    return error(405, "MethodNotAllowed",
                 fmt::format("The requested resource does not support http method '{}'.", req.method),
                 "method not allowed");
  }

  handled list_assignments() const {
    const auto* filter_param = target.find("$filter");
    const std::string filter = filter_param ? filter_param->value.value_or("") : std::string();
    const auto keep = filter_from(filter);
    if (!keep) {
      return error(400, "UnsupportedQuery", fmt::format("The filter '{}' is not supported.", filter), "bad filter");
    }
    const auto skip = read_skip_token(target);
    if (skip.problem) {
      return error(400, "InvalidSkipToken", *skip.problem, "bad skip token");
    }
    std::vector<const role_assignment*> selected;
    for (const auto& a : st.assignments) {
      if ((*keep)(a)) {
        selected.push_back(&a);
      }
    }
    json value = json::array();
    const std::size_t end = std::min(selected.size(), skip.offset + st.page_size);
    for (std::size_t i = skip.offset; i < end; ++i) {
      value.push_back(to_arm_json(*selected[i]));
    }
    json body = {{"value", value}};
    if (end < selected.size()) {
      std::string next = fmt::format("{}{}?api-version={}", st.base_url, canonical_assignments_path, api_version());
      if (filter_param) {
        next += "&$filter=" + encode_filter(filter);
      }
      body["nextLink"] = next + "&$skipToken=" + make_skip_token(end, st.random.next());
    } else if (st.null_next_link) {
      body["nextLink"] = nullptr;
    }
    if (!st.next_link_override.empty()) {
      body["nextLink"] = st.next_link_override;
    }
    const std::size_t items = value.size();
    return {json_response(200, body), fmt::format("{} item{}", items, items == 1 ? "" : "s"), items};
  }

  const role_assignment* find_assignment(std::string_view name) const {
    for (const auto& a : st.assignments) {
      if (iequals(a.name, name)) {
        return &a;
      }
    }
    return nullptr;
  }

  handled get_assignment(const std::string& name) const {
    if (const auto* a = find_assignment(name)) {
      return {json_response(200, to_arm_json(*a)), "found", std::nullopt};
    }
    return error(404, "RoleAssignmentNotFound", fmt::format("The role assignment '{}' is not found.", name),
                 "not found");
  }

  std::variant<role_assignment, handled> read_put(const std::string& name) const;
  std::optional<handled> conflict_with(const role_assignment& wanted) const;
  handled put_assignment(const issued_token& caller, const std::string& name) const;

  handled delete_assignment(const issued_token& caller, const std::string& name) const {
    const auto it = std::find_if(st.assignments.begin(), st.assignments.end(),
                                 [&](const role_assignment& a) { return iequals(a.name, name); });
    if (it == st.assignments.end()) {
      net::server_response r;
      r.status = 204;
      // Nothing was removed: no log records an assignment ending here.
      return {std::move(r), "already gone", std::nullopt};
    }
    const role_assignment deleted = *it;
    st.assignments.erase(it);
    record_assignment_delete(st, origin_of(st, caller, req), deleted, now);
    const json body = to_arm_json(deleted);
    return {json_response(200, body), "deleted", std::nullopt};
  }

  handled elevate(const issued_token& caller) const;
  handled role_definitions(const std::string& item) const;
  handled role_assignments(const issued_token& caller, const std::string& item) const;
};

std::variant<role_assignment, handled> arm_call::read_put(const std::string& name) const {
  if (!is_guid(name)) {
    return error(400, "InvalidRoleAssignmentId",
                 fmt::format("The role assignment ID '{}' is not valid. The role assignment ID must be a GUID.", name),
                 "bad assignment id");
  }
  const json body = json::parse(req.body, nullptr, false);
  const json* props = body.is_object() && body.contains("properties") ? &body.at("properties") : nullptr;
  if (props == nullptr || !props->is_object() || !props->value("roleDefinitionId", json()).is_string() ||
      !props->value("principalId", json()).is_string()) {
    return error(400, "InvalidRequestContent",
                 "The request content was invalid: properties.roleDefinitionId and properties.principalId are "
                 "required.",
                 "bad body");
  }
  role_assignment a;
  a.name = to_lower(name);
  a.role_definition_id = normalize_guid(last_segment(props->at("roleDefinitionId").get<std::string>()));
  a.principal_id = normalize_guid(props->at("principalId").get<std::string>());
  if (st.find_definition(a.role_definition_id) == nullptr) {
    return error(400, "RoleDefinitionDoesNotExist",
                 fmt::format("The specified role definition with ID '{}' does not exist.", a.role_definition_id),
                 "unknown role");
  }
  if (!is_guid(a.principal_id)) {
    return error(400, "InvalidPrincipalId", "A valid principal ID must be provided for role assignment.",
                 "bad principal");
  }
  a.principal_type = props->value("principalType", st.principal_type_of(a.principal_id));
  if (props->value("description", json()).is_string()) {
    a.description = props->at("description").get<std::string>();
  }
  return a;
}

// ARM keeps one assignment per (role, principal, scope), and assignments are immutable.
std::optional<handled> arm_call::conflict_with(const role_assignment& wanted) const {
  for (const auto& a : st.assignments) {
    if (a.role_definition_id == wanted.role_definition_id && normalize_guid(a.principal_id) == wanted.principal_id &&
        a.scope == wanted.scope) {
      return error(409, "RoleAssignmentExists", "The role assignment already exists.", "exists");
    }
    if (iequals(a.name, wanted.name)) {
      return error(400, "RoleAssignmentUpdateNotPermitted",
                   "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
                   "update refused");
    }
  }
  return std::nullopt;
}

handled arm_call::put_assignment(const issued_token& caller, const std::string& name) const {
  auto read = read_put(name);
  if (std::holds_alternative<handled>(read)) {
    return std::get<handled>(std::move(read));
  }
  auto a = std::get<role_assignment>(std::move(read));
  if (auto conflict = conflict_with(a)) {
    return *conflict;
  }
  a.created_on = now;
  a.updated_on = now;
  a.created_by = caller.object_id;
  a.updated_by = caller.object_id;
  st.assignments.push_back(a);
  record_assignment_write(st, origin_of(st, caller, req), a, req.body, now);
  // The create answer has createdBy null; a later GET shows it (§4.1).
  a.created_by.reset();
  return {json_response(201, to_arm_json(a)), "created", std::nullopt};
}

handled arm_call::elevate(const issued_token& caller) const {
  if (!caller.is_user) {
    return error(403, "AuthorizationFailed",
                 fmt::format("The client '{}' with object id '{}' does not have authorization to perform action "
                             "'Microsoft.Authorization/elevateAccess/action' over scope "
                             "'/providers/Microsoft.Authorization' or the scope is invalid. If access was recently "
                             "granted, please refresh your credentials.",
                             caller.client_id, caller.object_id),
                 "refused: elevateAccess needs a user");
  }
  const bool present = std::any_of(st.assignments.begin(), st.assignments.end(), [&](const role_assignment& a) {
    return a.scope == "/" && a.role_definition_id == user_access_administrator_id &&
           normalize_guid(a.principal_id) == normalize_guid(caller.object_id);
  });
  if (!present) {
    role_assignment a;
    a.name = st.new_guid();
    a.role_definition_id = std::string(user_access_administrator_id);
    a.principal_id = caller.object_id;
    a.principal_type = "User";
    a.created_on = now;
    a.updated_on = now;
    a.created_by = caller.object_id;
    a.updated_by = caller.object_id;
    st.assignments.push_back(std::move(a));
  }
  // Logged either way: the logs record the call, which succeeds, not a change of state.
  record_elevation(st, origin_of(st, caller, req), now);
  net::server_response r;  // 200 with an empty body, as the real one
  return {std::move(r), fmt::format("{} {}", caller.who, present ? "was already elevated" : "elevated"), std::nullopt};
}

handled arm_call::role_definitions(const std::string& item) const {
  if (req.method != "GET") {
    return method_not_allowed();
  }
  if (!item.empty()) {
    if (const auto* d = st.find_definition(item)) {
      return {json_response(200, to_arm_json(*d)), d->role_name, std::nullopt};
    }
    return error(404, "RoleDefinitionDoesNotExist",
                 fmt::format("The specified role definition with ID '{}' does not exist.", item), "unknown role");
  }
  const auto* filter_param = target.find("$filter");
  const std::string filter = filter_param ? filter_param->value.value_or("") : std::string();
  const auto wanted = quoted_argument(trim(filter), "roleName eq ");
  if (!filter.empty() && !wanted) {
    return error(400, "UnsupportedQuery", fmt::format("The filter '{}' is not supported.", filter), "bad filter");
  }
  json value = json::array();
  for (const auto& [id, d] : st.definitions) {
    // quoted_argument lower-cases what it finds: role names compare case-insensitively.
    if (!wanted || to_lower(d.role_name) == *wanted) {
      value.push_back(to_arm_json(d));
    }
  }
  const std::size_t items = value.size();
  return {json_response(200, json{{"value", value}}), fmt::format("{} items", items), items};
}

handled arm_call::role_assignments(const issued_token& caller, const std::string& item) const {
  if (item.empty()) {
    return req.method == "GET" ? list_assignments() : method_not_allowed();
  }
  if (req.method == "GET") {
    return get_assignment(item);
  }
  if (req.method == "PUT") {
    return put_assignment(caller, item);
  }
  if (req.method == "DELETE") {
    return delete_assignment(caller, item);
  }
  return method_not_allowed();
}

void add_arm_headers(net::server_response& r, azure_state& st, const net::server_request& req) {
  r.headers.push_back({"x-ms-request-id", st.new_guid()});
  r.headers.push_back({"x-ms-correlation-request-id", st.new_guid()});
  if (const auto id = net::find_header(req.headers, "x-ms-client-request-id")) {
    r.headers.push_back({"x-ms-client-request-id", std::string(*id)});
  }
  const bool read = req.method == "GET";
  r.headers.push_back({read ? "x-ms-ratelimit-remaining-tenant-reads" : "x-ms-ratelimit-remaining-tenant-writes",
                       read ? "249" : "199"});
}

handled route_arm(const arm_call& call, azure_route route) {
  if (route == azure_route::other) {
    return call.error(404, "NotFound", fmt::format("No route for '{}' in this fake Azure.", call.target.path),
                      "no such route");
  }
  const auto auth = call.authenticate();
  if (std::holds_alternative<handled>(auth)) {
    return std::get<handled>(auth);
  }
  const issued_token& caller = *std::get<const issued_token*>(auth);
  if (auto bad = call.check_api_version(route == azure_route::elevate ? elevate_versions : rbac_versions)) {
    return *bad;
  }
  if (route == azure_route::elevate) {
    return call.req.method == "POST" ? call.elevate(caller) : call.method_not_allowed();
  }
  if (route == azure_route::role_definitions) {
    return call.role_definitions(item_under(call.target.path, definitions_path).value_or(""));
  }
  return call.role_assignments(caller, item_under(call.target.path, assignments_path).value_or(""));
}

}  // namespace

azure_route classify(std::string_view path) {
  const std::string p = lower_path(path);
  const auto segments = split(p, '/');
  if (segments.size() == 5 && segments[2] == "oauth2" && segments[3] == "v2.0" && segments[4] == "token") {
    return azure_route::token;
  }
  if (p.starts_with("/_fake/") || p == "/_fake") {
    return azure_route::control;
  }
  if (item_under(p, assignments_path)) {
    return azure_route::role_assignments;
  }
  if (item_under(p, definitions_path)) {
    return azure_route::role_definitions;
  }
  if (p == elevate_path) {
    return azure_route::elevate;
  }
  if (is_graph_query_path(p)) {
    return azure_route::resource_graph;
  }
  if (is_audit_path(p)) {
    return azure_route::entra_audit;
  }
  if (is_activity_log_path(p)) {
    return azure_route::activity_log;
  }
  if (is_directory_objects_path(p)) {
    return azure_route::directory_objects;
  }
  return azure_route::other;
}

std::optional<std::size_t> requested_list_page(const azure_state& st, std::string_view method,
                                               const parsed_target& target) {
  if (method != "GET" || item_under(target.path, assignments_path) != std::optional<std::string>("")) {
    return std::nullopt;
  }
  const auto* p = target.find("$skipToken");
  if (p == nullptr) {
    return 0;
  }
  auto offset = parse_skip_token(p->raw_value);
  if (!offset && p->value) {
    offset = parse_skip_token(*p->value);
  }
  return offset.value_or(0) / st.page_size;
}

std::optional<handled> refuse_token(azure_state& st, const net::server_request& req, const parsed_target& target,
                                    timestamp now) {
  auto auth = arm_call{st, req, target, now}.authenticate();
  if (std::holds_alternative<handled>(auth)) {
    return std::get<handled>(std::move(auth));
  }
  return std::nullopt;
}

handled handle_arm(azure_state& st, azure_route route, const net::server_request& req, const parsed_target& target,
                   timestamp now) {
  const arm_call call{st, req, target, now};
  auto out = route_arm(call, route);
  add_arm_headers(out.response, st, req);
  return out;
}

}  // namespace rootwatch::fake
