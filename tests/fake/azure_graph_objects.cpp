// Microsoft Graph's directoryObjects/getByIds: POST /v1.0/directoryObjects/getByIds on the
// fake's base URL, answered from the fake's directory: users, the service principals of the
// registered apps, and managed identities (service principals too). Ids Graph does not know are
// simply absent from "value"; more than 1000 ids, an id that is not a GUID or a body without
// "ids" is Graph's 400, and a switch answers 403 Authorization_RequestDenied as for an app
// without Directory.Read.All.

#include "fake/azure_state.hpp"

#include "common/strings.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace rootwatch::fake {
namespace {

constexpr std::string_view objects_path = "/v1.0/directoryobjects/getbyids";
constexpr std::size_t max_ids = 1000;

handled graph_refusal(azure_state& st, const net::server_request& req, int status, std::string_view code,
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

// Whether `types` (absent: every type) lets objects of Graph type `type` through.
bool wanted(const json* types, std::string_view type) {
  if (types == nullptr) {
    return true;
  }
  return std::any_of(types->begin(), types->end(),
                     [&](const json& t) { return t.is_string() && iequals(t.get<std::string>(), type); });
}

// The object with this id in Graph's shape, or null.
json find_object(const azure_state& st, const std::string& id, const json* types) {
  for (const auto& [upn, u] : st.users) {
    if (u.object_id == id && wanted(types, "user")) {
      return {{"@odata.type", "#microsoft.graph.user"},
              {"id", u.object_id},
              {"displayName", u.display_name},
              {"userPrincipalName", u.upn},
              {"mail", nullptr}};
    }
  }
  for (const auto& [client_id, a] : st.apps) {
    if (a.object_id == id && wanted(types, "servicePrincipal")) {
      return {{"@odata.type", "#microsoft.graph.servicePrincipal"},
              {"id", a.object_id},
              {"displayName", a.display_name},
              {"appId", a.client_id},
              {"servicePrincipalType", "Application"}};
    }
  }
  for (const auto& m : st.identities) {
    if (m.object_id == id && wanted(types, "servicePrincipal")) {
      return {{"@odata.type", "#microsoft.graph.servicePrincipal"},
              {"id", m.object_id},
              {"displayName", m.display_name},
              {"appId", m.client_id},
              {"servicePrincipalType", "ManagedIdentity"}};
    }
  }
  return nullptr;
}

}  // namespace

bool is_directory_objects_path(std::string_view lower_path) {
  return lower_path == objects_path;
}

handled handle_directory_objects(azure_state& st, const net::server_request& req, const parsed_target& target,
                                 timestamp now) {
  if (req.method != "POST") {
    return graph_refusal(st, req, 405, "Request_BadRequest", "The HTTP method is not allowed on this resource.",
                         "method not allowed", now);
  }
  if (auto refused = refuse_token(st, req, target, now)) {
    return *refused;
  }
  if (st.directory_objects_denied) {
    return graph_refusal(st, req, 403, "Authorization_RequestDenied",
                         "Insufficient privileges to complete the operation.", "denied: no Directory.Read.All", now);
  }
  const json body = json::parse(req.body, nullptr, false);
  const json* ids = find_member(body, "ids");
  if (ids == nullptr || !ids->is_array() || ids->empty()) {
    return graph_refusal(st, req, 400, "Request_BadRequest", "The request body must hold a non-empty 'ids' array.",
                         "no ids", now);
  }
  if (ids->size() > max_ids) {
    return graph_refusal(st, req, 400, "Request_BadRequest",
                         fmt::format("Too many ids: {} given, at most {} allowed.", ids->size(), max_ids),
                         "too many ids", now);
  }
  const json* types = find_member(body, "types");
  if (types != nullptr && !types->is_array()) {
    return graph_refusal(st, req, 400, "Request_BadRequest", "'types' must be an array of strings.", "bad types", now);
  }
  json value = json::array();
  for (const auto& id : *ids) {
    if (!id.is_string() || !is_guid(id.get<std::string>())) {
      return graph_refusal(st, req, 400, "Request_BadRequest",
                           "Invalid GUID in 'ids': Cannot convert the literal to the expected type 'Edm.Guid'.",
                           "bad id", now);
    }
    json o = find_object(st, normalize_guid(id.get<std::string>()), types);
    if (!o.is_null()) {
      value.push_back(std::move(o));
    }
  }
  const std::size_t items = value.size();
  json answer = {{"@odata.context", st.base_url + "/v1.0/$metadata#directoryObjects"}, {"value", std::move(value)}};
  return {json_response(200, answer), fmt::format("{} of {} ids known", items, ids->size()), items};
}

void apply_directory_objects_settings(azure_state& st, const json& settings) {
  if (const json* d = find_member(settings, "denied"); d != nullptr && d->is_boolean()) {
    st.directory_objects_denied = d->get<bool>();
  }
}

json directory_objects_state_json(const azure_state& st) {
  return {{"denied", st.directory_objects_denied}};
}

}  // namespace rootwatch::fake
