#pragma once

// Internal to the fake Azure: its state, and the handlers that work on it. The handlers are
// called with the fake's mutex held; none of them blocks or does I/O.

#include "common/rng.hpp"
#include "fake/azure_wire.hpp"
#include "fake/fake_azure.hpp"

#include <functional>
#include <map>
#include <set>

namespace rootwatch::fake {

struct issued_token {
  std::string object_id;  // the principal the token speaks for
  std::string who;        // "app 'name'" or "user 'upn'", for the demo's log lines
  std::string client_id;  // of the app, or of the public client a user signed in with
  bool is_user = false;
  timestamp expires_at{};
  std::string upn;  // of a user; "" for an app or a managed identity
};

// A handler's answer plus what the request log should say about it.
struct handled {
  net::server_response response;
  std::string note;
  std::optional<std::size_t> items;
};

// Resource Graph's user quota (§3.4) and the switches of its query route.
struct graph_settings {
  int quota_limit = 15;     // queries per window, per the docs
  seconds quota_window{5};  // the window starts with its first query
  int quota_used = 0;       // in the current window
  timestamp window_end{};   // when the current window's quota resets
  std::string skip_token_override;
  bool result_truncated = false;
  // Where Resource Graph and ARM disagree (issue 6): assignments (lower-case names) ARG leaves
  // out, as while its index lags behind a creation, and rows only ARG lists, as while it lags
  // behind a removal.
  std::set<std::string> hidden;
  std::vector<role_assignment> only_rows;
  std::size_t max_rows_per_page = 0;              // 0: options.$top decides alone
  std::string created_on_style = "milliseconds";  // see set_graph_created_on_style
  std::uint64_t queries = 0;                      // answered queries, for the styles that vary
};

// Graph directory audits (§6): the records and the switches of their route.
struct audit_settings {
  std::vector<directory_audit> records;  // insertion order; served newest first
  std::size_t page_size = 2;
  bool denied = false;             // 403 Authorization_RequestDenied: no AuditLog.Read.All
  std::string next_link_override;  // when set: every page's @odata.nextLink, verbatim
  seconds delay{0};                // a record is served only this long after its time
  bool record_calls = true;        // the fake's own elevateAccess and DELETE calls write records
};

// The tenant Activity Log's events and switches.
struct activity_log_settings {
  std::vector<activity_event> events;
  std::size_t page_size = 2;
  std::string next_link_override;
  bool empty_first_page = false;
  seconds delay{0};          // an event is served only this long after its eventTimestamp
  bool record_calls = true;  // the fake's own ARM calls write events
};

struct azure_state {
  std::string tenant_id;
  // Any GUID names a tenant whose directory and role assignments are this one's: the bench's
  // way to a thousand tenants with a state row each, on one fake.
  bool mirror_tenants = false;
  std::string base_url;
  std::map<std::string, app_registration> apps;  // by lower-case client id
  std::map<std::string, user_account> users;     // by lower-case UPN
  std::vector<managed_identity> identities;
  std::string identity_header;                          // App Service's X-IDENTITY-HEADER; "" refuses all
  std::map<std::string, std::string> federated_tokens;  // assertion -> lower-case client id
  // Certificates uploaded to apps (PEM), by lower-case client id, and the jti of every
  // certificate assertion accepted so far (a replay is refused).
  std::map<std::string, std::vector<std::string>> certificates;
  std::set<std::string> assertion_ids;
  std::map<std::string, issued_token> tokens;          // by token value
  std::map<std::string, std::string> token_scopes;     // token value -> the scope the token endpoint was asked for
  std::vector<role_assignment> assignments;            // list order is insertion order
  std::map<std::string, role_definition> definitions;  // by lower-case GUID
  std::vector<fault> faults;
  std::size_t page_size = 2;
  seconds token_lifetime{3599};
  bool null_next_link = true;
  std::string next_link_override;      // when set: every list page's nextLink, verbatim (loops, other hosts)
  seconds clock_offset{0};             // the fake's clock minus the real one
  std::string token_prefix = "fake.";  // recognisable tokens for the secret hygiene tests
  graph_settings graph;                // Resource Graph: quota, skip token override, truncation
  audit_settings audits;               // Graph directory audits
  activity_log_settings activity;      // the tenant Activity Log
  // getByIds answers 403 Authorization_RequestDenied (no Directory.Read.All).
  bool directory_objects_denied = false;
  std::map<azure_route, std::size_t> counts;
  std::vector<recorded_request> requests;
  seeded_rng random = seeded_rng::from_entropy();

  std::string new_guid() { return random_uuid(random); }
  std::string new_token();
  const role_definition* find_definition(std::string_view guid) const;
  // "ServicePrincipal" for a registered app's object id, "User" otherwise.
  std::string principal_type_of(std::string_view object_id) const;
};

// Which API a request is for, from its path alone.
azure_route classify(std::string_view path);

// azure_token.cpp: POST /{tenant}/oauth2/v2.0/token.
handled handle_token(azure_state& st, const net::server_request& req, const parsed_target& target, timestamp now);

// azure_assertion.cpp: a certificate-signed client assertion (§1.1) of `client_id`, checked
// against the app's `certificates`; nullopt when it is valid (its jti is then remembered).
std::optional<aad_failure> check_certificate_assertion(azure_state& st, std::string_view assertion,
                                                       const std::vector<std::string>& certificates,
                                                       const std::string& client_id, timestamp now);

// azure_arm.cpp: the 401 to answer when the request has no valid token from this fake.
std::optional<handled> refuse_token(azure_state& st, const net::server_request& req, const parsed_target& target,
                                    timestamp now);

// azure_graph_query.cpp: POST /providers/Microsoft.ResourceGraph/resources (§3).
bool is_graph_query_path(std::string_view lower_path);
handled handle_graph_query(azure_state& st, const net::server_request& req, const parsed_target& target, timestamp now);
// The page a query asks for (by the $skipToken in its body); nullopt if it is not a query.
std::optional<std::size_t> requested_graph_page(const azure_state& st, const net::server_request& req);
// x-ms-user-quota-remaining and x-ms-user-quota-resets-after: on every Resource Graph answer.
void add_graph_quota_headers(azure_state& st, net::server_response& r, timestamp now);
// The "graph" object of POST /_fake/settings, and of GET /_fake/state.
void apply_graph_settings(azure_state& st, const json& settings, timestamp now);
json graph_state_json(const azure_state& st);

// azure_graph_audit.cpp: GET /v1.0/auditLogs/directoryAudits (§6).
bool is_audit_path(std::string_view lower_path);
handled handle_directory_audits(azure_state& st, const net::server_request& req, const parsed_target& target,
                                timestamp now);
// The page a directory audit request asks for (by its $skiptoken); nullopt if it is not one.
std::optional<std::size_t> requested_audit_page(const azure_state& st, const parsed_target& target);
// Stores a record, filling in its id, correlation id and time.
directory_audit store_directory_audit(azure_state& st, directory_audit a, timestamp now);
// POST /_fake/directory_audits (one record or an array), and the "entra_audit" object of
// POST /_fake/settings and GET /_fake/state.
net::server_response post_directory_audits(azure_state& st, const net::server_request& req, timestamp now);
void apply_audit_settings(azure_state& st, const json& settings);
json audit_state_json(const azure_state& st);
// azure_activity_log.cpp: GET /providers/Microsoft.Insights/eventtypes/management/values (§5).
bool is_activity_log_path(std::string_view lower_path);
handled handle_activity_log(azure_state& st, const net::server_request& req, const parsed_target& target,
                            timestamp now);
// The page an Activity Log request asks for (by its $skipToken); nullopt if it is not one.
std::optional<std::size_t> requested_activity_page(const azure_state& st, const parsed_target& target);
// Fills what the caller left open (ids, time) and stores the event.
activity_event store_activity_event(azure_state& st, activity_event e, timestamp now);
// The "activity_log" object of POST /_fake/settings, and of GET /_fake/state.
void apply_activity_settings(azure_state& st, const json& settings);
json activity_state_json(const azure_state& st);

// azure_call_log.cpp: what Azure's logs write about the fake's own ARM calls (§5.2, §6), each
// log's part switched off by its record_calls. Called after the call succeeded, with its time.

// Who made an ARM call, as the logs name them.
struct call_origin {
  std::string object_id;
  std::string upn;     // a user's; "" for an app or a managed identity
  std::string app_id;  // the app, or the public client a user signed in with
  std::string ip;      // X-Forwarded-For's first address, else the user's `ip`, else the default
  bool is_user = false;
};
call_origin origin_of(const azure_state& st, const issued_token& caller, const net::server_request& req);
// elevateAccess: both logs.
void record_elevation(azure_state& st, const call_origin& who, timestamp now);
// A role assignment PUT (201): the Activity Log, with the body as the client sent it.
void record_assignment_write(azure_state& st, const call_origin& who, const role_assignment& created,
                             std::string_view request_body, timestamp now);
// A role assignment DELETE (200): the Activity Log, and for User Access Administrator at "/"
// held by a user, the directory audit's removal record.
void record_assignment_delete(azure_state& st, const call_origin& who, const role_assignment& deleted, timestamp now);
// Whether a stored record is served yet: its log's delay has passed since its time.
bool ingested(seconds delay, timestamp when, timestamp now);

// azure_graph_objects.cpp: POST /v1.0/directoryObjects/getByIds (principal names), and the
// "directory_objects" object of POST /_fake/settings and GET /_fake/state.
bool is_directory_objects_path(std::string_view lower_path);
handled handle_directory_objects(azure_state& st, const net::server_request& req, const parsed_target& target,
                                 timestamp now);
void apply_directory_objects_settings(azure_state& st, const json& settings);
json directory_objects_state_json(const azure_state& st);

// azure_identity.cpp: the managed identity endpoint (IMDS and App Service).
handled handle_identity(azure_state& st, const net::server_request& req, const parsed_target& target, timestamp now);

// azure_arm.cpp: every ARM route, authentication and api-version included.
handled handle_arm(azure_state& st, azure_route route, const net::server_request& req, const parsed_target& target,
                   timestamp now);

// The list page a role-assignment list request asks for (by its $skipToken), if it is one.
std::optional<std::size_t> requested_list_page(const azure_state& st, std::string_view method,
                                               const parsed_target& target);

// azure_faults.cpp: the first armed fault that matches, counted down; nullopt if none.
std::optional<fault> take_fault(azure_state& st, azure_route route, std::optional<std::size_t> page);

// The answer under a fault. `normal` produces the real answer, for the faults that alter one;
// `req` is what the echo fault echoes.
handled apply_fault(azure_state& st, const fault& f, azure_route route, const net::server_request& req, timestamp now,
                    const std::function<handled()>& normal);

// azure_seed.cpp: an assignment from the seed or control JSON (simple or ARM shape).
result<role_assignment> assignment_from_json(const azure_state& st, const json& j);

}  // namespace rootwatch::fake
