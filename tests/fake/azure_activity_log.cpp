// The tenant Activity Log (§5): GET /providers/Microsoft.Insights/eventtypes/management/values
// with the documented $filter window, newest first, nextLink paging with a $skipToken that
// holds ';' and ':', late events (visible only from a given time), and the 90-day 400 with
// its flat body.

#include "fake/azure_state.hpp"

#include "common/strings.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <ranges>

#include <fmt/format.h>

namespace rootwatch::fake {
namespace {

constexpr std::string_view values_path = "/providers/microsoft.insights/eventtypes/management/values";
constexpr std::string_view canonical_values_path = "/providers/Microsoft.Insights/eventtypes/management/values";
constexpr std::string_view api_version = "2015-04-01";
constexpr std::string_view elevate_resource = "/providers/Microsoft.Authorization";
constexpr std::string_view token_prefix = "AS1:";
constexpr std::string_view token_tail = ";US1:-1:FFFFFFFF;EU1:-1:FFFFFFFF";
constexpr auto retention = std::chrono::hours{24 * 90};

// The 400 of the Activity Log: a flat {"code","message"}, not ARM's {"error":{...}} (§5).
handled flat_bad_request(std::string message, std::string note) {
  return {json_response(400, json{{"code", "BadRequest"}, {"message", std::move(message)}}), std::move(note),
          std::nullopt};
}

int digits(std::string_view s) {
  int v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && ptr == s.data() + s.size() ? v : -1;
}

// "2024-05-01T10:00:00Z" or with up to 7 fractional digits: the form the docs show. Written
// here rather than taken from the product, so that a bug shared by both sides cannot pass.
std::optional<timestamp> parse_filter_time(std::string_view s) {
  if (s.size() < 20 || s.back() != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = digits(s.substr(0, 4)) - 1900;
  tm.tm_mon = digits(s.substr(5, 2)) - 1;
  tm.tm_mday = digits(s.substr(8, 2));
  tm.tm_hour = digits(s.substr(11, 2));
  tm.tm_min = digits(s.substr(14, 2));
  tm.tm_sec = digits(s.substr(17, 2));
  if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_hour < 0 || tm.tm_min < 0 || tm.tm_sec < 0) {
    return std::nullopt;
  }
  std::chrono::nanoseconds fraction{0};
  const auto rest = s.substr(19, s.size() - 20);
  if (!rest.empty()) {
    if (rest[0] != '.' || rest.size() < 2 || rest.size() > 8 || digits(rest.substr(1)) < 0) {
      return std::nullopt;
    }
    std::string padded(rest.substr(1));
    padded.resize(9, '0');
    fraction = std::chrono::nanoseconds(std::stoll(padded));
  }
  const auto t = std::chrono::system_clock::from_time_t(timegm(&tm));
  return t + std::chrono::duration_cast<timestamp::duration>(fraction);
}

struct window {
  timestamp since;
  timestamp until;
};

// "eventTimestamp ge '<ISO>' and eventTimestamp le '<ISO>'" and optional " and ..." terms
// after it, which this fake ignores. The quoted form only: the one the docs promise (§5).
std::optional<window> parse_filter(std::string_view filter) {
  constexpr std::string_view ge = "eventTimestamp ge '";
  constexpr std::string_view le = "' and eventTimestamp le '";
  if (!istarts_with(filter, ge)) {
    return std::nullopt;
  }
  filter.remove_prefix(ge.size());
  const auto mid = filter.find('\'');
  if (mid == std::string_view::npos || !istarts_with(filter.substr(mid), le)) {
    return std::nullopt;
  }
  const auto since = parse_filter_time(filter.substr(0, mid));
  filter.remove_prefix(mid + le.size());
  const auto end = filter.find('\'');
  if (end == std::string_view::npos) {
    return std::nullopt;
  }
  const auto until = parse_filter_time(filter.substr(0, end));
  const auto tail = filter.substr(end + 1);
  if (!since || !until || (!tail.empty() && !istarts_with(tail, " and "))) {
    return std::nullopt;
  }
  return window{*since, *until};
}

std::string make_skip_token(std::size_t offset, std::uint64_t nonce) {
  return fmt::format("{}{}:{:08x}{}", token_prefix, offset, nonce & 0xffffffffU, token_tail);
}

std::optional<std::size_t> parse_skip_token(std::string_view token) {
  if (!token.starts_with(token_prefix)) {
    return std::nullopt;
  }
  token.remove_prefix(token_prefix.size());
  std::size_t offset = 0;
  const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), offset);
  if (ec != std::errc() || ptr == token.data() + token.size() || *ptr != ':') {
    return std::nullopt;
  }
  return offset;
}

std::string operation_label(std::string_view operation) {
  if (iequals(operation, "Microsoft.Authorization/elevateAccess/action")) {
    return "Assigns the caller to User Access Administrator role";
  }
  if (iequals(operation, "Microsoft.Authorization/roleAssignments/write")) {
    return "Create role assignment";
  }
  if (iequals(operation, "Microsoft.Authorization/roleAssignments/delete")) {
    return "Delete role assignment";
  }
  return std::string(operation);
}

json localized(std::string_view value, std::string_view label) {
  return json{{"value", value}, {"localizedValue", label}};
}

// The HTTP method of the call an operation stands for.
std::string method_of(const activity_event& e) {
  if (!e.http_method.empty()) {
    return e.http_method;
  }
  if (iequals(e.operation, "Microsoft.Authorization/roleAssignments/write")) {
    return "PUT";
  }
  if (iequals(e.operation, "Microsoft.Authorization/roleAssignments/delete")) {
    return "DELETE";
  }
  return "POST";
}

}  // namespace

json to_activity_log_json(const activity_event& e, std::string_view tenant_id) {
  const std::string resource = e.resource_id.empty() ? std::string(elevate_resource) : e.resource_id;
  const timestamp when = e.event_timestamp.value_or(timestamp{});
  // .NET ticks: 100 ns since 0001-01-01, as the record ids carry them.
  const auto ticks = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count() / 100 +
                     621355968000000000LL;
  json claims = {{"aud", "https://management.core.windows.net/"},
                 {"iss", fmt::format("https://sts.windows.net/{}/", tenant_id)},
                 {"ipaddr", e.caller_ip},
                 {"http://schemas.microsoft.com/identity/claims/tenantid", tenant_id}};
  if (!e.caller_object_id.empty()) {
    claims["http://schemas.microsoft.com/identity/claims/objectidentifier"] = e.caller_object_id;
  }
  if (!e.caller_upn.empty()) {
    claims["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"] = e.caller_upn;
    claims["name"] = e.caller_upn;
  }
  if (!e.caller_app_id.empty()) {
    claims["appid"] = e.caller_app_id;
  }
  // Every property value is a string, the request body too (§5.1, §9 hazard 6).
  json properties = {{"statusCode", e.status == "Failed" ? "Forbidden" : "OK"},
                     {"serviceRequestId", e.correlation_id},
                     {"eventCategory", "Administrative"},
                     {"entity", resource},
                     {"message", e.operation},
                     {"hierarchy", std::string(tenant_id)}};
  if (e.request_body) {
    properties["requestbody"] = *e.request_body;
  }
  if (e.response_body) {
    properties["responseBody"] = *e.response_body;
  }
  const bool begin = e.event_name == "BeginRequest";
  return {{"authorization", {{"action", e.operation}, {"scope", resource}}},
          {"caller", !e.caller_upn.empty() ? e.caller_upn : e.caller_object_id},
          {"channels", "Operation"},
          {"claims", claims},
          {"correlationId", e.correlation_id},
          {"description", ""},
          {"eventDataId", e.event_data_id},
          {"eventName", localized(e.event_name, begin ? "Begin request" : "End request")},
          {"category", localized("Administrative", "Administrative")},
          {"httpRequest",
           {{"clientRequestId", e.correlation_id}, {"clientIpAddress", e.caller_ip}, {"method", method_of(e)}}},
          {"id", fmt::format("{}/events/{}/ticks/{}", resource, e.event_data_id, ticks)},
          {"level", "Informational"},
          {"operationId", e.correlation_id},
          {"operationName", localized(e.operation, operation_label(e.operation))},
          {"properties", properties},
          {"resourceGroupName", ""},
          {"resourceProviderName", localized("Microsoft.Authorization", "Microsoft Authorization")},
          {"resourceId", resource},
          {"resourceType", localized("Microsoft.Authorization/roleAssignments", "")},
          {"status", localized(e.status, e.status)},
          {"subStatus", localized("", "")},
          {"eventTimestamp", format_arm_time(when)},
          {"submissionTimestamp", format_arm_time(e.visible_from.value_or(when + seconds(80)))},
          {"subscriptionId", ""},
          {"tenantId", tenant_id}};
}

bool is_activity_log_path(std::string_view lower_path) {
  return lower_path == values_path;
}

activity_event store_activity_event(azure_state& st, activity_event e, timestamp now) {
  if (e.event_data_id.empty()) {
    e.event_data_id = st.new_guid();
  }
  if (e.correlation_id.empty()) {
    e.correlation_id = st.new_guid();
  }
  if (!e.event_timestamp) {
    e.event_timestamp = now;
  }
  st.activity.events.push_back(e);
  return e;
}

handled handle_activity_log(azure_state& st, const net::server_request& req, const parsed_target& target,
                            timestamp now) {
  if (req.method != "GET") {
    return {arm_error(405, "MethodNotAllowed", "The requested resource does not support this http method."),
            "method not allowed", std::nullopt};
  }
  if (auto refused = refuse_token(st, req, target, now)) {
    return *refused;
  }
  const auto* version = target.find("api-version");
  if (version == nullptr || !version->value || *version->value != api_version) {
    return {
        arm_error(400, "InvalidApiVersionParameter",
                  fmt::format("The api-version is missing or invalid. The supported versions are '{}'.", api_version)),
        "bad api-version", std::nullopt};
  }
  const auto* filter_param = target.find("$filter");
  const auto w = filter_param && filter_param->value ? parse_filter(*filter_param->value) : std::nullopt;
  if (!w) {
    return flat_bad_request(
        "The $filter is not valid: it must start with \"eventTimestamp ge '<time>' and "
        "eventTimestamp le '<time>'\".",
        "bad filter");
  }
  if (w->since < now - retention) {
    return flat_bad_request("The start time cannot be more than 90 days in the past.", "start over 90 days back");
  }
  std::size_t offset = 0;
  const auto* skip = target.find("$skipToken");
  if (skip != nullptr) {
    const auto parsed = parse_skip_token(skip->raw_value);
    if (!parsed) {
      const bool re_encoded = skip->value && parse_skip_token(*skip->value);
      return flat_bad_request(
          re_encoded ? "The skip token arrived re-encoded. Follow nextLink verbatim." : "The skip token is not valid.",
          "bad skip token");
    }
    offset = *parsed;
  }
  std::vector<const activity_event*> selected;
  // Walked from the last stored: among events of one time the later one comes first (an
  // operation's EndRequest before its BeginRequest), as newest first means.
  for (const auto& e : std::views::reverse(st.activity.events)) {
    const timestamp when = e.event_timestamp.value_or(timestamp{});
    if (when >= w->since && when <= w->until && e.visible_from.value_or(timestamp{}) <= now &&
        ingested(st.activity.delay, when, now)) {
      selected.push_back(&e);
    }
  }
  // Newest first, as the portal and the recordings list them.
  std::stable_sort(selected.begin(), selected.end(), [](const activity_event* a, const activity_event* b) {
    return a->event_timestamp > b->event_timestamp;
  });
  const bool empty_page = skip == nullptr && st.activity.empty_first_page;
  const std::size_t end = empty_page ? 0 : std::min(selected.size(), offset + st.activity.page_size);
  json value = json::array();
  for (std::size_t i = offset; i < end; ++i) {
    activity_event served = *selected[i];
    if (st.activity.delay.count() > 0 && !served.visible_from) {
      // Submitted when it became visible: the gap a client sees between the two times.
      served.visible_from = served.event_timestamp.value_or(timestamp{}) + st.activity.delay;
    }
    value.push_back(to_activity_log_json(served, st.tenant_id));
  }
  json body = {{"value", value}};
  if (empty_page || end < selected.size()) {
    // The filter goes back as the client sent it; the token is opaque and must come back verbatim.
    body["nextLink"] = fmt::format("{}{}?api-version={}&$filter={}&$skipToken={}", st.base_url, canonical_values_path,
                                   api_version, filter_param->raw_value, make_skip_token(end, st.random.next()));
  }
  if (!st.activity.next_link_override.empty()) {
    body["nextLink"] = st.activity.next_link_override;
  }
  const std::size_t items = value.size();
  return {json_response(200, body), fmt::format("{} event{}", items, items == 1 ? "" : "s"), items};
}

std::optional<std::size_t> requested_activity_page(const azure_state& st, const parsed_target& target) {
  const auto* p = target.find("$skipToken");
  if (p == nullptr) {
    return 0;
  }
  return parse_skip_token(p->raw_value).value_or(0) / st.activity.page_size;
}

void apply_activity_settings(azure_state& st, const json& settings) {
  if (!settings.is_object()) {
    return;
  }
  auto& al = st.activity;
  if (const json* n = find_member(settings, "page_size");
      n != nullptr && n->is_number_unsigned() && n->get<std::size_t>() > 0) {
    al.page_size = n->get<std::size_t>();
  }
  if (settings.contains("next_link_override")) {
    al.next_link_override = string_member(settings, "next_link_override").value_or("");
  }
  if (const json* b = find_member(settings, "empty_first_page"); b != nullptr && b->is_boolean()) {
    al.empty_first_page = b->get<bool>();
  }
  if (const json* d = find_member(settings, "delay_seconds"); d != nullptr && d->is_number_integer()) {
    al.delay = seconds(std::max<std::int64_t>(d->get<std::int64_t>(), 0));
  }
  if (const json* r = find_member(settings, "record_calls"); r != nullptr && r->is_boolean()) {
    al.record_calls = r->get<bool>();
  }
}

json activity_state_json(const azure_state& st) {
  const auto& al = st.activity;
  return {{"events", al.events.size()},
          {"page_size", al.page_size},
          {"next_link_override", al.next_link_override.empty() ? json() : json(al.next_link_override)},
          {"empty_first_page", al.empty_first_page},
          {"delay_seconds", al.delay.count()},
          {"record_calls", al.record_calls}};
}

}  // namespace rootwatch::fake
