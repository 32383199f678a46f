// Microsoft Graph's directory audits (§6): GET /v1.0/auditLogs/directoryAudits on the fake's
// base URL, with the $filter grammar the docs give (loggedByService, category,
// activityDisplayName and id with eq; activityDateTime with eq, ge and le, its literal
// unquoted), newest records first, @odata.nextLink paging by $top or the page size with a
// $skiptoken that must come back verbatim, and a 403 for an app without AuditLog.Read.All.

#include "fake/azure_state.hpp"

#include "common/strings.hpp"

#include <algorithm>
#include <charconv>
#include <variant>

#include <fmt/format.h>

namespace rootwatch::fake {
namespace {

constexpr std::string_view audit_path = "/v1.0/auditlogs/directoryaudits";
// Holds ';' and ':' like the Activity Log's tokens, so that a client which re-encodes
// nextLink is caught (§0).
constexpr std::string_view skip_prefix = "audit;";
constexpr std::size_t max_top = 1000;

// Graph's error body: {"error":{"code","message","innerError":{date, request-id, client-request-id}}}.
handled graph_failure(azure_state& st, const net::server_request& req, int status, std::string_view code,
                      std::string_view message, std::string note, timestamp now) {
  const auto sent = net::find_header(req.headers, "client-request-id");
  const json body = {{"error",
                      {{"code", code},
                       {"message", message},
                       {"innerError",
                        {{"date", format_arm_time(now).substr(0, 19)},
                         {"request-id", st.new_guid()},
                         {"client-request-id", sent ? std::string(*sent) : st.new_guid()}}}}}};
  return {json_response(status, body), std::move(note), std::nullopt};
}

std::string make_skip_token(std::size_t offset, std::uint64_t nonce) {
  return fmt::format("{}{}:{:08x}", skip_prefix, offset, nonce & 0xffffffffU);
}

std::optional<std::size_t> parse_skip_token(std::string_view token) {
  if (!token.starts_with(skip_prefix)) {
    return std::nullopt;
  }
  token.remove_prefix(skip_prefix.size());
  std::size_t offset = 0;
  const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), offset);
  if (ec != std::errc() || ptr == token.data() || ptr == token.data() + token.size() || *ptr != ':') {
    return std::nullopt;
  }
  return offset;
}

// One "field op literal" term of $filter.
struct clause {
  std::string field;
  std::string op;
  std::string literal;  // without the quotes, '' unescaped
  bool quoted = false;
};

// The terms joined by " and " (outside quoted strings), or the problem to answer 400 with.
std::variant<std::vector<clause>, std::string> parse_filter(std::string_view filter) {
  std::vector<std::string> terms;
  std::string current;
  bool in_quote = false;
  for (std::size_t i = 0; i < filter.size(); ++i) {
    const char c = filter[i];
    if (c == '\'') {
      in_quote = !in_quote;
    }
    if (!in_quote && istarts_with(filter.substr(i), " and ")) {
      terms.push_back(std::move(current));
      current.clear();
      i += 4;
      continue;
    }
    current += c;
  }
  if (in_quote) {
    return std::string("Invalid filter clause: a string literal is not closed.");
  }
  terms.push_back(std::move(current));
  std::vector<clause> out;
  for (const auto& t : terms) {
    const std::string_view term = trim(t);
    const auto s1 = term.find(' ');
    const auto s2 = s1 == std::string_view::npos ? s1 : term.find(' ', s1 + 1);
    if (s2 == std::string_view::npos) {
      return fmt::format("Invalid filter clause: '{}'.", term);
    }
    clause c{std::string(term.substr(0, s1)), to_lower(term.substr(s1 + 1, s2 - s1 - 1)), "", false};
    std::string_view lit = trim(term.substr(s2 + 1));
    if (lit.size() >= 2 && lit.front() == '\'' && lit.back() == '\'') {
      c.quoted = true;
      lit = lit.substr(1, lit.size() - 2);
      for (std::size_t i = 0; i < lit.size(); ++i) {
        c.literal += lit[i];
        if (lit[i] == '\'' && i + 1 < lit.size() && lit[i + 1] == '\'') {
          ++i;
        }
      }
    } else {
      c.literal = std::string(lit);
    }
    out.push_back(std::move(c));
  }
  return out;
}

struct checked_filter {
  std::vector<clause> clauses;
  std::optional<std::pair<std::string, std::string>> problem;  // code, message
};

// Only what the docs list for directoryAudit (§6): anything else is Graph's 400.
checked_filter check_filter(std::string_view filter) {
  auto parsed = parse_filter(filter);
  if (std::holds_alternative<std::string>(parsed)) {
    return {{}, std::make_pair(std::string("BadRequest"), std::get<std::string>(parsed))};
  }
  checked_filter out{std::get<std::vector<clause>>(std::move(parsed)), std::nullopt};
  for (const auto& c : out.clauses) {
    if (iequals(c.field, "activityDateTime")) {
      if (c.op != "eq" && c.op != "ge" && c.op != "le") {
        out.problem = {"Request_UnsupportedQuery",
                       fmt::format("Unsupported Query: operator '{}' is not supported on activityDateTime.", c.op)};
      } else if (c.quoted || !parse_iso8601(c.literal)) {
        out.problem = {"BadRequest",
                       "Invalid filter clause: the operand of activityDateTime must be an unquoted "
                       "DateTimeOffset literal (Edm.DateTimeOffset)."};
      }
    } else if (iequals(c.field, "loggedByService") || iequals(c.field, "category") ||
               iequals(c.field, "activityDisplayName") || iequals(c.field, "id")) {
      if (c.op != "eq" || !c.quoted) {
        out.problem = {"Request_UnsupportedQuery",
                       fmt::format("Unsupported Query: {} takes eq with a quoted string.", c.field)};
      }
    } else {
      out.problem = {"Request_UnsupportedQuery", fmt::format("Unsupported Query: filter on '{}'.", c.field)};
    }
    if (out.problem) {
      break;
    }
  }
  return out;
}

bool matches(const directory_audit& a, const clause& c) {
  if (iequals(c.field, "activityDateTime")) {
    const auto t = *parse_iso8601(c.literal);
    const auto when = a.activity_date_time.value_or(timestamp{});
    return c.op == "eq" ? when == t : c.op == "ge" ? when >= t : when <= t;
  }
  if (iequals(c.field, "loggedByService")) {
    return iequals(a.logged_by_service, c.literal);
  }
  if (iequals(c.field, "category")) {
    return iequals(a.category, c.literal);
  }
  if (iequals(c.field, "activityDisplayName")) {
    return iequals(a.activity_display_name, c.literal);
  }
  return a.id == c.literal;
}

std::optional<std::size_t> top_of(const parsed_target& target) {
  const auto* p = target.find("$top");
  if (p == nullptr || !p->value) {
    return std::nullopt;
  }
  std::size_t n = 0;
  const auto& v = *p->value;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || ptr != v.data() + v.size() || n < 1 || n > max_top) {
    return std::size_t{0};  // present but unusable
  }
  return n;
}

json optional_string(const std::optional<std::string>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

json to_graph_json(const directory_audit& a) {
  json user = nullptr;
  if (a.user_id) {
    user = {{"id", *a.user_id},    {"displayName", nullptr},  {"userPrincipalName", optional_string(a.user_upn)},
            {"userType", nullptr}, {"homeTenantId", nullptr}, {"homeTenantName", nullptr}};
    if (a.user_ip) {
      user["ipAddress"] = *a.user_ip;
    }
  }
  json app = nullptr;
  if (a.app_id) {
    app = {{"appId", *a.app_id},
           {"displayName", nullptr},
           {"servicePrincipalId", optional_string(a.service_principal_id)},
           {"servicePrincipalName", nullptr}};
  }
  const auto target = a.target_user_id ? a.target_user_id : a.user_id;
  json targets = json::array();
  if (target) {
    targets.push_back(
        {{"id", *target},
         {"displayName", nullptr},
         {"type", "User"},
         {"userPrincipalName", a.target_user_id ? optional_string(a.target_user_upn) : optional_string(a.user_upn)},
         {"groupType", nullptr},
         {"modifiedProperties", json::array()}});
  }
  return {{"id", a.id},
          {"category", a.category},
          {"correlationId", a.correlation_id},
          {"result", a.result},
          {"resultReason", ""},
          {"activityDisplayName", a.activity_display_name},
          {"activityDateTime", format_arm_time(a.activity_date_time.value_or(timestamp{}))},
          {"loggedByService", a.logged_by_service},
          {"operationType", a.operation_type},
          {"initiatedBy", {{"app", app}, {"user", user}}},
          {"targetResources", targets},
          {"additionalDetails", json::array({{{"key", "OperationName"}, {"value", a.operation_name}},
                                             {{"key", "Resource"}, {"value", "/providers/Microsoft.Authorization"}}})}};
}

bool is_audit_path(std::string_view lower_path) {
  return lower_path == audit_path;
}

handled handle_directory_audits(azure_state& st, const net::server_request& req, const parsed_target& target,
                                timestamp now) {
  if (req.method != "GET") {
    return graph_failure(st, req, 405, "Request_BadRequest", "The HTTP method is not allowed on this resource.",
                         "method not allowed", now);
  }
  if (auto refused = refuse_token(st, req, target, now)) {
    return *refused;
  }
  auto& au = st.audits;
  if (au.denied) {
    return graph_failure(st, req, 403, "Authorization_RequestDenied",
                         "Insufficient privileges to complete the operation.", "denied: no AuditLog.Read.All", now);
  }
  std::vector<clause> clauses;
  const auto* filter = target.find("$filter");
  if (filter != nullptr) {
    if (!filter->value) {
      return graph_failure(st, req, 400, "BadRequest", "The $filter is not decodable.", "bad $filter encoding", now);
    }
    auto checked = check_filter(*filter->value);
    if (checked.problem) {
      return graph_failure(st, req, 400, checked.problem->first, checked.problem->second, "unsupported $filter", now);
    }
    clauses = std::move(checked.clauses);
  }
  const auto top = top_of(target);
  if (top == std::size_t{0}) {
    return graph_failure(st, req, 400, "BadRequest", "Invalid $top value.", "bad $top", now);
  }
  std::size_t offset = 0;
  if (const auto* skip = target.find("$skiptoken")) {
    const auto raw = parse_skip_token(skip->raw_value);
    if (!raw) {
      const bool reencoded = skip->value && parse_skip_token(*skip->value);
      return graph_failure(st, req, 400, "BadRequest",
                           reencoded ? "The skip token arrived re-encoded. Follow @odata.nextLink verbatim."
                                     : "The skip token is not valid.",
                           "bad skip token", now);
    }
    offset = *raw;
  }
  std::vector<const directory_audit*> selected;
  for (const auto& a : au.records) {
    if (!ingested(au.delay, a.activity_date_time.value_or(timestamp{}), now)) {
      continue;  // not in the log yet
    }
    if (std::all_of(clauses.begin(), clauses.end(), [&](const clause& c) { return matches(a, c); })) {
      selected.push_back(&a);
    }
  }
  // Newest first, as Graph lists the audit log; ties keep insertion order.
  std::stable_sort(selected.begin(), selected.end(), [](const directory_audit* x, const directory_audit* y) {
    return x->activity_date_time > y->activity_date_time;
  });
  const std::size_t size = top.value_or(au.page_size);
  const std::size_t end = std::min(selected.size(), offset + size);
  json value = json::array();
  for (std::size_t i = offset; i < end; ++i) {
    value.push_back(to_graph_json(*selected[i]));
  }
  json body = {{"@odata.context", st.base_url + "/v1.0/$metadata#auditLogs/directoryAudits"}, {"value", value}};
  if (end < selected.size()) {
    std::string next = st.base_url + "/v1.0/auditLogs/directoryAudits?";
    if (filter != nullptr) {
      next += "$filter=" + filter->raw_value + "&";
    }
    if (const auto* t = target.find("$top")) {
      next += "$top=" + t->raw_value + "&";
    }
    body["@odata.nextLink"] = next + "$skiptoken=" + make_skip_token(end, st.random.next());
  }
  if (!au.next_link_override.empty()) {
    body["@odata.nextLink"] = au.next_link_override;
  }
  const std::size_t items = value.size();
  return {json_response(200, body), fmt::format("{} audit record{}", items, items == 1 ? "" : "s"), items};
}

std::optional<std::size_t> requested_audit_page(const azure_state& st, const parsed_target& target) {
  if (!is_audit_path(to_lower(target.path))) {
    return std::nullopt;
  }
  const auto top = top_of(target);
  const std::size_t size = top && *top > 0 ? *top : st.audits.page_size;
  const auto* skip = target.find("$skiptoken");
  if (skip == nullptr) {
    return 0;
  }
  return parse_skip_token(skip->raw_value).value_or(0) / size;
}

directory_audit store_directory_audit(azure_state& st, directory_audit a, timestamp now) {
  if (a.id.empty()) {
    a.id = "Directory_" + st.new_guid();
  }
  if (a.correlation_id.empty()) {
    a.correlation_id = st.new_guid();
  }
  if (!a.activity_date_time) {
    a.activity_date_time = now;
  }
  st.audits.records.push_back(a);
  return a;
}

namespace {

result<directory_audit> audit_from_json(const json& j) {
  if (!j.is_object()) {
    return make_error(error_kind::config, "directory audit: expected a JSON object");
  }
  directory_audit a;
  const auto text = [&](std::string_view key) { return string_member(j, key); };
  a.id = text("id").value_or("");
  if (auto when = text("activity_date_time")) {
    a.activity_date_time = parse_iso8601(*when);
    if (!a.activity_date_time) {
      return make_error(error_kind::config, "directory audit: activity_date_time is not ISO 8601");
    }
  }
  if (const json* removal = find_member(j, "removal");
      removal != nullptr && removal->is_boolean() && removal->get<bool>()) {
    a.activity_display_name = std::string(directory_audit_removed_text);
    a.operation_type = "Unassign";
  }
  a.activity_display_name = text("activity_display_name").value_or(a.activity_display_name);
  a.logged_by_service = text("logged_by_service").value_or(a.logged_by_service);
  a.result = text("result").value_or(a.result);
  a.correlation_id = text("correlation_id").value_or("");
  a.user_id = text("user_id");
  a.user_upn = text("upn");
  a.user_ip = text("ip");
  a.app_id = text("app_id");
  a.service_principal_id = text("service_principal_id");
  a.target_user_id = text("target_user_id");
  a.target_user_upn = text("target_user_upn");
  return a;
}

}  // namespace

net::server_response post_directory_audits(azure_state& st, const net::server_request& req, timestamp now) {
  const json body = json::parse(req.body, nullptr, false);
  const json list = body.is_array() ? body : json::array({body});
  std::vector<directory_audit> parsed;
  for (const auto& j : list) {
    auto a = audit_from_json(j);
    if (!a) {
      return json_response(400, json{{"error", a.error().message}});
    }
    parsed.push_back(std::move(*a));
  }
  json stored = json::array();
  for (auto& a : parsed) {
    stored.push_back(to_graph_json(store_directory_audit(st, std::move(a), now)));
  }
  return json_response(201, stored);
}

void apply_audit_settings(azure_state& st, const json& settings) {
  if (!settings.is_object()) {
    return;
  }
  auto& au = st.audits;
  if (const json* n = find_member(settings, "page_size");
      n != nullptr && n->is_number_unsigned() && n->get<std::size_t>() > 0) {
    au.page_size = n->get<std::size_t>();
  }
  if (const json* d = find_member(settings, "denied"); d != nullptr && d->is_boolean()) {
    au.denied = d->get<bool>();
  }
  if (settings.contains("next_link_override")) {
    au.next_link_override = string_member(settings, "next_link_override").value_or("");
  }
  if (const json* d = find_member(settings, "delay_seconds"); d != nullptr && d->is_number_integer()) {
    au.delay = seconds(std::max<std::int64_t>(d->get<std::int64_t>(), 0));
  }
  if (const json* r = find_member(settings, "record_calls"); r != nullptr && r->is_boolean()) {
    au.record_calls = r->get<bool>();
  }
}

json audit_state_json(const azure_state& st) {
  const auto& au = st.audits;
  return {{"records", au.records.size()},
          {"page_size", au.page_size},
          {"denied", au.denied},
          {"next_link_override", au.next_link_override.empty() ? json() : json(au.next_link_override)},
          {"delay_seconds", au.delay.count()},
          {"record_calls", au.record_calls}};
}

}  // namespace rootwatch::fake
