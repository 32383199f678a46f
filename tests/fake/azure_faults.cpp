// The fault switches: which request a fault hits, and what the answer looks like then.

#include "fake/azure_state.hpp"

#include "fake/wire_codec.hpp"

#include <fmt/format.h>

namespace rootwatch::fake {
namespace {

// Looks like what a proxy in front of a service sends on a bad day, under a 200.
constexpr std::string_view garbage_body =
    "<!DOCTYPE html><html><head><title>Service Unavailable</title></head>"
    "<body><h1>The service is temporarily unavailable.</h1></body></html>";

// Valid JSON that is wrong for every route at once: "value" not an array, "nextLink" not a
// string, "properties" not an object, no usable "access_token" or "expires_in".
constexpr std::string_view wrong_shape_body =
    R"({"value":{"unexpected":true},"nextLink":42,"properties":[],"access_token":null,"expires_in":"never"})";

bool matches(const fault& f, azure_route route, std::optional<std::size_t> page) {
  if (f.route != azure_route::any && f.route != route) {
    return false;
  }
  return !f.page || (page && *page == *f.page);
}

std::string arm_message(const azure_state& st, int status, int retry_after) {
  if (status == 429) {
    return fmt::format(
        "Number of 'read' requests for tenant '{}' exceeded. Please try again after '{}' seconds "
        "after additional tokens are available.",
        st.tenant_id, retry_after);
  }
  return fmt::format("The request failed with status {} (injected by the fake).", status);
}

// The AADSTS errors a client of the token endpoint meets, as Entra words them (§1.4).
aad_failure aadsts_failure(const azure_state& st, const fault& f) {
  const bool transient = f.status == 429 || f.status >= 500;
  switch (f.aadsts.value_or(transient ? 90033 : 90014)) {
    case 7000215:
      return {f.status, "invalid_client", 7000215,
              "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
              "value, not the client secret ID, for a secret added to app."};
    case 700016:
      return {f.status, "unauthorized_client", 700016,
              fmt::format("Application with identifier was not found in the directory '{}'. This can happen if the "
                          "application has not been installed by the administrator of the tenant.",
                          st.tenant_id)};
    case 90033:
      return {f.status, "temporarily_unavailable", 90033, "A transient error has occurred. Please try again."};
    default:
      break;
  }
  return {f.status, transient ? "temporarily_unavailable" : "invalid_request", f.aadsts.value_or(90014),
          "The request was refused."};
}

net::server_response status_response(azure_state& st, const fault& f, azure_route route, timestamp now) {
  const int retry_after = f.retry_after_seconds.value_or(1);
  net::server_response r;
  if (route == azure_route::identity) {
    r = json_response(f.status, json{{"error", f.code.empty() ? "service_unavailable" : f.code},
                                     {"error_description", f.message.value_or("injected by the fake")}});
  } else if (route == azure_route::token) {
    auto failure = aadsts_failure(st, f);
    if (!f.code.empty()) {
      failure.error = f.code;
    }
    if (f.message) {
      failure.description = *f.message;
    }
    r = aad_error(failure, st.new_guid(), st.new_guid(), now);
  } else {
    // Resource Graph names its throttling RateLimiting (§3.3), not ARM's TenantRequestsThrottled.
    const bool graph_throttled = route == azure_route::resource_graph && f.status == 429;
    const std::string code = !f.code.empty()   ? f.code
                             : graph_throttled ? std::string("RateLimiting")
                                               : std::string(arm_code_for_status(f.status));
    r = arm_error(f.status, code, f.message.value_or(arm_message(st, f.status, retry_after)));
  }
  if (f.body) {
    r.body = *f.body;
  }
  if (!f.no_retry_after && (f.retry_after_seconds || f.status == 429)) {
    // With the clock off, the date form shows whether a client reads it against its own clock.
    r.headers.push_back({"Retry-After", st.clock_offset.count() != 0 ? format_http_date(now + seconds(retry_after))
                                                                     : std::to_string(retry_after)});
  }
  if (f.status == 401 && route != azure_route::token) {
    r.headers.push_back({"WWW-Authenticate", "Bearer error=\"invalid_token\""});
  }
  return r;
}

net::server_response body_of_200(std::string_view body) {
  net::server_response r;
  r.headers.push_back({"Content-Type", "application/json; charset=utf-8"});
  r.body = std::string(body);
  return r;
}

std::string oversize_body(std::size_t size) {
  // Valid JSON all the way, so that only the size can be what a client objects to.
  constexpr std::string_view head = R"({"value":[],"padding":")";
  std::string body;
  body.reserve(size + head.size() + 2);
  body += head;
  body.append(size, 'x');
  body += "\"}";
  return body;
}

// Placed into a string, then swapped for the raw bytes after serialization (which would
// refuse them): C3 28 is a cut two-byte sequence, FF never occurs in UTF-8.
constexpr std::string_view not_utf8_marker = "@@not-utf8@@";
constexpr std::string_view not_utf8_bytes = "\xC3\x28\xFF";

// A value of another JSON type than `v`.
json other_type(const json& v) {
  if (v.is_string()) {
    return 12345;
  }
  if (v.is_number()) {
    return "12345";
  }
  if (v.is_boolean()) {
    return "true";
  }
  if (v.is_array()) {
    return json{{"unexpected", true}};
  }
  if (v.is_object()) {
    return json::array({"unexpected"});
  }
  return 42;  // null or absent
}

using json_edit = std::function<void(json&)>;

// Applies `edit` at the dotted `path` ("value[].properties.scope": into every list item).
// A missing member is created, so that "absent" turns into "present with the wrong type".
void edit_at(json& j, std::string_view path, const json_edit& edit) {
  if (path.empty()) {
    edit(j);
    return;
  }
  const auto dot = path.find('.');
  std::string_view head = path.substr(0, dot);
  const std::string_view rest = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  const bool each = head.ends_with("[]");
  if (each) {
    head.remove_suffix(2);
  }
  if (!j.is_object()) {
    return;
  }
  json& member = j[std::string(head)];
  if (!each) {
    edit_at(member, rest, edit);
    return;
  }
  if (member.is_array()) {
    for (auto& item : member) {
      edit_at(item, rest, edit);
    }
  }
}

std::string default_field(fault_kind kind, azure_route route) {
  if (route == azure_route::token) {
    return kind == fault_kind::invalid_utf8 ? "token_type" : "access_token";
  }
  if (route == azure_route::role_assignments) {
    return "value[].properties.principalId";
  }
  if (route == azure_route::resource_graph) {
    return "data[].properties.principalId";
  }
  return kind == fault_kind::invalid_utf8 ? "properties.roleName" : "properties";
}

// The real answer with `field` retyped or spoilt with bytes that are not UTF-8.
handled altered(const fault& f, azure_route route, handled h) {
  json body = json::parse(h.response.body, nullptr, false);
  if (body.is_discarded()) {
    return h;  // an answer that is not JSON (elevateAccess): nothing to alter
  }
  const std::string field = f.field.empty() ? default_field(f.kind, route) : f.field;
  if (f.kind == fault_kind::wrong_types) {
    edit_at(body, field, [](json& v) { v = other_type(v); });
    h.response.body = body.dump();
  } else {
    edit_at(body, field,
            [](json& v) { v = (v.is_string() ? v.get<std::string>() : std::string()) + std::string(not_utf8_marker); });
    h.response.body = body.dump();
    for (auto pos = h.response.body.find(not_utf8_marker); pos != std::string::npos;
         pos = h.response.body.find(not_utf8_marker, pos)) {
      h.response.body.replace(pos, not_utf8_marker.size(), not_utf8_bytes);
    }
  }
  h.note = fmt::format("{}, fault {} {}", h.note, to_string(f.kind), field);
  return h;
}

// What a careless token endpoint or a proxy in front of it does: the whole form in "error",
// and the secret again, form-encoded and raw, in the description.
net::server_response echo_form(azure_state& st, const net::server_request& req, timestamp now) {
  std::string secret;
  for (const auto& p : split_params(req.body)) {
    if (p.key == "client_secret" && p.value) {
      secret = *p.value;
    }
  }
  auto r = aad_error({401, "invalid_client", 7000215,
                      fmt::format("Invalid client secret provided: client_secret={} ('{}') is not valid for this app.",
                                  form_encode_value(secret), secret)},
                     st.new_guid(), st.new_guid(), now);
  json body = json::parse(r.body, nullptr, false);
  body["error"] = req.body;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

// An ARM 403 that quotes the request's Authorization header back.
net::server_response echo_authorization(const net::server_request& req) {
  const auto auth = net::find_header(req.headers, "Authorization").value_or("");
  return arm_error(403, "AuthorizationFailed",
                   fmt::format("The client with the credentials 'Authorization: {}' does not have authorization to "
                               "perform action 'Microsoft.Authorization/roleAssignments/read' over scope '/' or the "
                               "scope is invalid.",
                               auth));
}

}  // namespace

std::optional<fault> take_fault(azure_state& st, azure_route route, std::optional<std::size_t> page) {
  for (auto it = st.faults.begin(); it != st.faults.end(); ++it) {
    if (!matches(*it, route, page)) {
      continue;
    }
    fault hit = *it;
    if (it->count && --*it->count <= 0) {
      st.faults.erase(it);
    }
    return hit;
  }
  return std::nullopt;
}

handled apply_fault(azure_state& st, const fault& f, azure_route route, const net::server_request& req, timestamp now,
                    const std::function<handled()>& normal) {
  const std::string note = fmt::format("fault {}", to_string(f.kind));
  switch (f.kind) {
    case fault_kind::status:
      return {status_response(st, f, route, now), fmt::format("fault status {}", f.status), std::nullopt};
    case fault_kind::garbage:
      return {body_of_200(garbage_body), note, std::nullopt};
    case fault_kind::wrong_shape:
      return {body_of_200(wrong_shape_body), note, std::nullopt};
    case fault_kind::truncate: {
      auto h = normal();
      h.response.truncate_body = true;
      h.note = fmt::format("{}, fault truncate", h.note);
      return h;
    }
    case fault_kind::delay: {
      auto h = normal();
      h.response.delay = f.delay;
      h.note = fmt::format("{}, fault delay {} ms", h.note, f.delay.count());
      return h;
    }
    case fault_kind::reset: {
      net::server_response r;
      r.reset_connection = true;
      return {std::move(r), note, std::nullopt};
    }
    case fault_kind::stall: {
      auto h = normal();
      h.response.truncate_body = true;
      h.response.stall = f.delay;
      h.note = fmt::format("{}, fault stall {} ms", h.note, f.delay.count());
      return h;
    }
    case fault_kind::oversize:
      return {body_of_200(oversize_body(f.size_bytes)), fmt::format("fault oversize {} bytes", f.size_bytes),
              std::nullopt};
    case fault_kind::invalid_utf8:
    case fault_kind::wrong_types:
      return altered(f, route, normal());
    case fault_kind::echo:
      return {route == azure_route::token ? echo_form(st, req, now) : echo_authorization(req), note, std::nullopt};
    case fault_kind::expire_token: {
      for (auto& [value, token] : st.tokens) {
        token.expires_at = now;
      }
      auto h = normal();
      h.note = fmt::format("{}, tokens expired first", h.note);
      return h;
    }
  }
  return normal();
}

}  // namespace rootwatch::fake
