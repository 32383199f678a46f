// What Azure's logs write about the fake's own ARM calls, as the real service writes them
// without anyone asking: the tenant Activity Log's BeginRequest and EndRequest of
// elevateAccess and of role assignment writes and deletes (§5.2), and the Entra audit
// records of "Azure RBAC (Elevated Access)" (§6). Without them a test or the demo would have
// to add by hand what an attacker's call leaves behind, and could add something else.

#include "fake/azure_state.hpp"

#include "common/strings.hpp"

#include <fmt/format.h>

namespace rootwatch::fake {
namespace {

constexpr std::string_view elevate_operation = "Microsoft.Authorization/elevateAccess/action";
constexpr std::string_view write_operation = "Microsoft.Authorization/roleAssignments/write";
constexpr std::string_view delete_operation = "Microsoft.Authorization/roleAssignments/delete";

// The first address of X-Forwarded-For ("client, proxy1, proxy2"), if the header has one.
std::optional<std::string> forwarded_for(const net::server_request& req) {
  const auto header = net::find_header(req.headers, "X-Forwarded-For");
  if (!header) {
    return std::nullopt;
  }
  const auto first = trim(std::string_view(*header).substr(0, header->find(',')));
  if (first.empty()) {
    return std::nullopt;
  }
  return std::string(first);
}

// One operation as the Activity Log writes it: a BeginRequest (Started) and an EndRequest
// (Succeeded) with one correlation id and operation id, each with its own eventDataId. The
// request body travels on the BeginRequest, the response body on the EndRequest (§5.2).
void record_operation(azure_state& st, const call_origin& who, std::string_view operation, std::string resource,
                      std::optional<std::string> request_body, std::optional<std::string> response_body,
                      timestamp now) {
  activity_event e;
  e.operation = std::string(operation);
  e.event_timestamp = now;
  e.caller_upn = who.upn;
  e.caller_object_id = who.object_id;
  e.caller_app_id = who.app_id;
  e.caller_ip = who.ip;
  e.correlation_id = st.new_guid();
  e.resource_id = std::move(resource);
  activity_event begin = e;
  begin.event_name = "BeginRequest";
  begin.status = "Started";
  begin.request_body = std::move(request_body);
  store_activity_event(st, std::move(begin), now);
  e.event_name = "EndRequest";
  e.status = "Succeeded";
  e.response_body = std::move(response_body);
  store_activity_event(st, std::move(e), now);
}

// initiatedBy of a directory audit record: the user, or the app.
directory_audit audit_by(const call_origin& who) {
  directory_audit a;
  if (who.is_user) {
    a.user_id = who.object_id;
    a.user_upn = who.upn;
    a.user_ip = who.ip;
  } else {
    a.app_id = who.app_id;
    a.service_principal_id = who.object_id;
  }
  return a;
}

// The assignment's ARM id, written as ARM writes it (with the scope in front below root).
std::string assignment_id(const json& arm) {
  return arm.at("id").get<std::string>();
}

}  // namespace

bool ingested(seconds delay, timestamp when, timestamp now) {
  // Without a delay every record is served at once, even one dated ahead of the fake's clock.
  return delay.count() <= 0 || when + delay <= now;
}

call_origin origin_of(const azure_state& st, const issued_token& caller, const net::server_request& req) {
  call_origin who{caller.object_id, caller.upn, caller.client_id, std::string(default_caller_ip), caller.is_user};
  if (caller.is_user) {
    // Looked up at call time, so that a test may move a user to another address between calls.
    if (const auto user = st.users.find(to_lower(caller.upn)); user != st.users.end() && !user->second.ip.empty()) {
      who.ip = user->second.ip;
    }
  }
  if (auto forwarded = forwarded_for(req)) {
    who.ip = std::move(*forwarded);
  }
  return who;
}

void record_elevation(azure_state& st, const call_origin& who, timestamp now) {
  if (st.activity.record_calls) {
    record_operation(st, who, elevate_operation, "/providers/Microsoft.Authorization", std::nullopt, std::nullopt, now);
  }
  if (st.audits.record_calls) {
    directory_audit a = audit_by(who);
    a.activity_date_time = now;
    // One operation, both logs: the audit record carries the Activity Log's correlation id.
    if (st.activity.record_calls) {
      a.correlation_id = st.activity.events.back().correlation_id;
    }
    store_directory_audit(st, std::move(a), now);
  }
}

void record_assignment_write(azure_state& st, const call_origin& who, const role_assignment& created,
                             std::string_view request_body, timestamp now) {
  if (!st.activity.record_calls) {
    return;
  }
  // The body as the client sent it, compact, as the service stores it: a JSON document in a
  // string (§5.1). The PUT parsed it already, so it is JSON.
  const json sent = json::parse(request_body, nullptr, false);
  std::optional<std::string> begin_body;
  if (!sent.is_discarded()) {
    begin_body = dump_tolerant(sent);
  }
  role_assignment answered = created;
  answered.created_by.reset();  // the 201 answer's createdBy is null (§4.1)
  const json arm = to_arm_json(answered);
  record_operation(st, who, write_operation, assignment_id(arm), std::move(begin_body), dump_tolerant(arm), now);
}

void record_assignment_delete(azure_state& st, const call_origin& who, const role_assignment& deleted, timestamp now) {
  if (st.activity.record_calls) {
    const json arm = to_arm_json(deleted);
    record_operation(st, who, delete_operation, assignment_id(arm), std::nullopt, dump_tolerant(arm), now);
  }
  const bool elevation = deleted.scope == "/" && deleted.role_definition_id == user_access_administrator_id &&
                         deleted.principal_type == "User";
  if (!st.audits.record_calls || !elevation) {
    return;
  }
  directory_audit a = audit_by(who);
  a.activity_date_time = now;
  a.activity_display_name = std::string(directory_audit_removed_text);
  a.operation_type = "Unassign";
  a.operation_name = std::string(delete_operation);
  a.target_user_id = normalize_guid(deleted.principal_id);
  for (const auto& [upn, user] : st.users) {
    if (normalize_guid(user.object_id) == *a.target_user_id) {
      a.target_user_upn = user.upn;
    }
  }
  if (st.activity.record_calls) {
    a.correlation_id = st.activity.events.back().correlation_id;
  }
  store_directory_audit(st, std::move(a), now);
}

}  // namespace rootwatch::fake
