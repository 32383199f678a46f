#pragma once

// The fake Azure: one HTTPS server on loopback that serves the Entra ID token endpoint and
// the ARM role-assignment APIs at the root scope "/" with Azure's wire formats
// (shared/azure-apis.md §1 and §4), plus fault switches for throttling, outages, garbage,
// cut-off bodies and slow answers. It runs on its own thread; every method here is safe to
// call from the test thread while it serves.

#include "common/error.hpp"
#include "common/json.hpp"
#include "common/time.hpp"
#include "fake/test_ca.hpp"
#include "net/http_types.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::fake {

// What a request was for. `any` matches every Azure route in faults and counts (never the
// /_fake control routes); `other` is a path the fake does not serve.
// `identity` is the managed identity endpoint (IMDS and App Service style), on its own plain
// HTTP port (serve_identity_endpoint). `entra_audit` is Graph's auditLogs/directoryAudits,
// served on the same base URL.
// `activity_log` is the tenant Activity Log (§5). `directory_objects` is Graph's
// directoryObjects/getByIds (principal names).
enum class azure_route {
  token,
  role_assignments,
  role_definitions,
  elevate,
  resource_graph,
  other,
  control,
  any,
  identity,
  entra_audit,
  activity_log,
  directory_objects,
};

std::string_view to_string(azure_route r);
std::optional<azure_route> azure_route_from_string(std::string_view s);

enum class fault_kind {
  status,        // the given status with an error body of the route's kind (and Retry-After)
  garbage,       // 200 with a body that is not JSON
  wrong_shape,   // 200 with JSON of the wrong shape
  truncate,      // the real answer, but half its body, then the connection is closed
  delay,         // the real answer, late
  reset,         // no answer: the connection is reset
  stall,         // the real answer's headers and half its body, then nothing until the client gives up
  oversize,      // 200 with a body of `size_bytes` (20 MiB): over any sane client limit
  invalid_utf8,  // the real answer with bytes that are not UTF-8 inside a string `field`
  wrong_types,   // the real answer with `field` of the wrong JSON type
  echo,          // an error that echoes the request's secrets: the token form, the bearer token
  expire_token,  // every token issued so far expires, then the request is answered (401)
};

std::string_view to_string(fault_kind k);

struct fault {
  azure_route route = azure_route::any;
  fault_kind kind = fault_kind::status;
  std::optional<std::size_t> page;         // list pages only, 0-based (by $skipToken offset); nullopt: any request
  std::optional<int> count = 1;            // matching requests still to hit; nullopt: until cleared
  int status = 503;                        // for kind status
  std::optional<int> retry_after_seconds;  // sent with a status fault; a 429 gets 1 when unset
  std::string code;                        // the error code; empty: the usual one for the status
  milliseconds delay{5'000};               // for kind delay; for kind stall, how long to hold the connection
  std::optional<std::string> message;      // status faults: the error message (ARM) or description (token)
  std::optional<std::string> body;         // status faults: this body, byte for byte, instead of the error
  std::optional<int> aadsts;               // token status faults: the AADSTS code (7000215, 700016, 90033...)
  // invalid_utf8 and wrong_types: a dotted path into the answer ("access_token",
  // "value[].properties.principalId": every item of the list); empty: the kind's default.
  std::string field;
  std::size_t size_bytes = 20 * 1024 * 1024;  // for kind oversize
  bool no_retry_after = false;                // a 429 without Retry-After, as some proxies send it
};

// {"route":"role_assignments","kind":"status","status":429,"page":1,"count":2,"forever":false,
//  "retry_after":3,"code":"...","delay_ms":5000,"message":"...","body":"...","aadsts":7000215,
//  "body_base64":"...","field":"value[].properties.scope","size_bytes":20971520,
//  "no_retry_after":true}; every key optional.
result<fault> fault_from_json(const json& j);
json to_json(const fault& f);

struct app_registration {
  std::string client_id;
  std::string client_secret;
  std::string object_id;  // of its service principal: the principalId of its assignments
  std::string display_name;
};

// A managed identity the identity endpoint hands tokens out for: the system-assigned one of the
// host, or a user-assigned one picked by client_id, object_id or resource id.
struct managed_identity {
  std::string client_id;
  std::string object_id;  // the principalId of its assignments
  std::string resource_id;
  bool system_assigned = false;
  std::string display_name;
};

// The caller's address the logs write when a request says nothing better (no
// X-Forwarded-For): the fake sees only loopback. A documentation address (RFC 5737).
inline constexpr std::string_view default_caller_ip = "203.0.113.7";

struct user_account {
  std::string upn;
  std::string password;
  std::string object_id;
  std::string display_name;
  std::string ip{default_caller_ip};  // where this user's calls come from, as the logs write it
};

struct role_assignment {
  std::string name;                // the assignment GUID; made up when empty
  std::string role_definition_id;  // bare GUID
  std::string principal_id;
  std::string principal_type = "User";  // User, Group, ServicePrincipal, ForeignGroup, Device
  std::string scope = "/";
  std::optional<timestamp> created_on;  // nullopt: now
  std::optional<timestamp> updated_on;  // nullopt: created_on
  std::optional<std::string> created_by;
  std::optional<std::string> updated_by;
  std::optional<std::string> condition;
  std::optional<std::string> condition_version;
  std::optional<std::string> description;
};

// The assignment as ARM writes it (§4.1), "createdOn" with 7 fractional digits.
json to_arm_json(const role_assignment& a);

struct role_definition {
  std::string name;  // GUID
  std::string role_name;
  std::string type = "CustomRole";  // BuiltInRole | CustomRole
  std::string description;
  std::vector<std::string> actions;
  std::vector<std::string> not_actions;
  std::vector<std::string> data_actions;
  std::vector<std::string> not_data_actions;
  std::vector<std::string> assignable_scopes{"/"};
};

json to_arm_json(const role_definition& d);

// The five built-in roles rootwatch cares about (§4.2).
const std::vector<role_definition>& builtin_role_definitions();

inline constexpr std::string_view user_access_administrator_id = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";

// activityDisplayName of the two records "Azure RBAC (Elevated Access)" writes (§6).
inline constexpr std::string_view directory_audit_elevated_text =
    "User has elevated their access to User Access Administrator for their Azure Resources";
inline constexpr std::string_view directory_audit_removed_text =
    "The role assignment of User Access Administrator has been removed from the user";

// One record of the Entra audit log as Graph's directoryAudits serves it (§6). The defaults
// make an elevation; set activity_display_name to directory_audit_removed_text (and
// operation_type "Unassign") for its removal.
struct directory_audit {
  std::string id;                               // made up when empty
  std::optional<timestamp> activity_date_time;  // nullopt: now
  std::string activity_display_name{directory_audit_elevated_text};
  std::string logged_by_service = "Azure RBAC (Elevated Access)";
  std::string category = "AzureRBACRoleManagementElevateAccess";
  std::string operation_type = "Assign";
  std::string result = "success";
  std::string correlation_id;  // made up when empty
  // initiatedBy.user: null when user_id is unset; ipAddress absent when user_ip is unset.
  std::optional<std::string> user_id;
  std::optional<std::string> user_upn;
  std::optional<std::string> user_ip;
  // initiatedBy.app: null when app_id is unset.
  std::optional<std::string> app_id;
  std::optional<std::string> service_principal_id;
  // targetResources[0], type "User": whose elevation it is; nullopt: the initiating user.
  std::optional<std::string> target_user_id;
  std::optional<std::string> target_user_upn;  // its userPrincipalName; null when unset
  std::string operation_name = "Microsoft.Authorization/elevateAccess/action";  // additionalDetails
};

// The record in Graph's shape, activityDateTime with 7 fractional digits.
json to_graph_json(const directory_audit& a);

// One record of the tenant Activity Log (§5.1): what a test varies; the rest is filled in the
// shape the recordings show (claims, httpRequest, string-valued properties).
struct activity_event {
  std::string event_data_id;  // made up when empty
  std::string operation = "Microsoft.Authorization/elevateAccess/action";
  std::string status = "Succeeded";          // Started | Accepted | Succeeded | Failed
  std::string event_name = "EndRequest";     // BeginRequest | EndRequest
  std::optional<timestamp> event_timestamp;  // nullopt: now, by the fake's clock
  // A late event: listed only from this time on (the fake's clock), whatever its
  // eventTimestamp says. nullopt: at once.
  std::optional<timestamp> visible_from;
  std::string caller_upn;                    // claims upn, and `caller` when set
  std::string caller_object_id;              // claims objectidentifier, and `caller` when there is no UPN
  std::string caller_app_id;                 // claims appid
  std::string caller_ip{default_caller_ip};  // httpRequest.clientIpAddress and claims ipaddr
  std::string correlation_id;                // made up when empty
  std::string resource_id;                   // "": "/providers/Microsoft.Authorization" (an elevation)
  std::optional<std::string> request_body;   // properties.requestbody, verbatim (JSON in a string)
  std::optional<std::string> response_body;  // properties.responseBody, verbatim
  std::string http_method;                   // httpRequest.method; "": the operation's (POST, PUT, DELETE)
};

// The event as the Activity Log writes it (§5.1), in the tenant `tenant_id`.
json to_activity_log_json(const activity_event& e, std::string_view tenant_id);

struct recorded_request {
  std::string method;
  std::string target;  // path and query as sent
  std::vector<net::header> headers;
  std::string body;
  azure_route route = azure_route::other;
  int status = 0;
  std::optional<std::size_t> items;  // list answers: items on the page
  std::string note;                  // secret-free words for the demo's log line
  timestamp received_at{};
};

struct fake_azure_options {
  test_ca::leaf certificate;  // required: the fake only speaks TLS
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;
  std::string tenant_id = "8d1f3a5c-7e42-4b19-9c60-2f5e8a7d3b14";
  // Called on the server thread after each request is answered, outside the fake's lock.
  std::function<void(const recorded_request&)> on_request;
};

class fake_azure {
 public:
  static result<std::unique_ptr<fake_azure>> start(fake_azure_options options);
  ~fake_azure();
  fake_azure(const fake_azure&) = delete;
  fake_azure& operator=(const fake_azure&) = delete;

  std::string base_url() const;  // "https://127.0.0.1:PORT": authority host and ARM endpoint
  std::uint16_t port() const;
  std::string tenant_id() const;
  std::string token_url() const;  // base_url() + "/{tenant}/oauth2/v2.0/token"

  // The directory: who may get a token.
  void add_app(app_registration app);
  // The app, and a certificate (PEM) uploaded to it: the token endpoint then accepts client
  // assertions signed with its key (§1.1). Called again, it adds another (rotation).
  void add_app(app_registration app, std::string certificate_pem);
  void add_user(user_account user);
  void add_managed_identity(managed_identity identity);
  // A federated token (the JWT a workload's token file holds) that the token endpoint accepts
  // as client_assertion for that app; any other assertion is refused (AADSTS700027).
  void add_federated_token(std::string client_id, std::string assertion);

  // Starts the managed identity endpoint on a plain HTTP loopback port, as IMDS and App Service
  // serve it, and returns its base "http://127.0.0.1:PORT" (idempotent). Routes:
  // GET /metadata/identity/oauth2/token (IMDS, Metadata: true) and GET /msi/token (App Service,
  // X-IDENTITY-HEADER equal to set_identity_header's value).
  result<std::string> serve_identity_endpoint();
  void set_identity_header(std::string secret);

  // Role assignments and definitions, as ARM serves them.
  role_assignment add_assignment(role_assignment a);  // the stored copy, name and dates filled in
  bool remove_assignment(std::string_view name);
  std::vector<role_assignment> assignments() const;
  void add_role_definition(role_definition d);

  // {"apps":[...],"users":[...],"role_definitions":[...],"assignments":[...]}: the seed file
  // of rootwatch-fake. Assignments take {"role": name or GUID, "principal_id", ...} or the ARM
  // shape. Everything is checked before anything is added.
  result<void> load_seed(const json& seed);

  // Behaviour.
  void set_page_size(std::size_t n);  // role assignment list; at least 1
  void set_token_lifetime(seconds lifetime);
  void set_last_page_next_link(bool null_instead_of_absent);  // default: "nextLink": null
  void expire_tokens();                                       // every token issued so far is expired from now on
  // Every list page's nextLink becomes `url`, verbatim (a loop, another host); "" turns it off.
  void set_next_link_override(std::string url);
  // The fake's clock runs this far from the real one: Date headers, token expires_on and
  // not_before, Retry-After dates and token expiry checks all follow it.
  void set_clock_offset(seconds offset);
  // Access tokens start with this (default "fake."), so that a test can look for them anywhere.
  void set_token_prefix(std::string prefix);

  // Resource Graph (§3): the user quota is `limit` queries per `window` (15 per 5 s by
  // default); exhaust_graph_quota uses it up until `resets_after` from now.
  void set_graph_quota(int limit, seconds window);
  void exhaust_graph_quota(seconds resets_after);
  // Every Resource Graph page's $skipToken becomes `token`, verbatim (a loop, a URL); "" turns
  // it off. A query that sends it back is answered from the first row again.
  void set_graph_skip_token_override(std::string token);
  // Pages say resultTruncated "true" (and give no $skipToken), as Azure does past its limits.
  void set_graph_result_truncated(bool truncated);
  // Resource Graph disagreeing with ARM: the assignment `name` is left out of ARG's rows (or
  // shown again), as while ARG's index lags behind a creation; a row that only ARG lists, as
  // while it lags behind a removal (the stored copy, name and dates filled in).
  void set_graph_hidden(std::string_view name, bool hidden);
  role_assignment add_graph_only_assignment(role_assignment a);
  bool remove_graph_only_assignment(std::string_view name);
  // At most `n` rows per page whatever options.$top asks (0: $top decides), so that a client
  // asking for 1000 still pages.
  void set_graph_max_rows_per_page(std::size_t n);
  // How ARG writes createdOn/updatedOn: "milliseconds" (default, 3 digits and Z), "alternate"
  // (the same instant in another text at each query: whole seconds and Z, 7 digits and
  // +00:00, 3 digits and Z), "drift" (a minute later at each query: a createdOn that changes
  // between cycles).
  void set_graph_created_on_style(std::string style);

  // Graph directory audits (§6), GET /v1.0/auditLogs/directoryAudits on the same base URL:
  // the records (served newest first, as Graph does), how many per page, a 403
  // Authorization_RequestDenied as for an app without AuditLog.Read.All, and every page's
  // @odata.nextLink, verbatim (a loop, another host); "" turns it off.
  directory_audit add_directory_audit(directory_audit a);  // the stored copy, id and dates filled in
  void set_directory_audit_page_size(std::size_t n);       // at least 1; default 2
  void set_directory_audit_denied(bool denied);
  void set_directory_audit_next_link_override(std::string url);
  // A record is served only once `delay` has passed since its activityDateTime (the fake's
  // clock), and then with that time: a log that ingests late. 0 (the default): at once.
  void set_directory_audit_delay(seconds delay);
  // Whether the fake's own calls write records, as Azure does (default true): elevateAccess
  // writes the elevation record, a DELETE of User Access Administrator at "/" held by a user
  // the removal record. Off, for tests that add their own.
  void set_directory_audit_record_calls(bool record);

  // Graph directoryObjects/getByIds (POST /v1.0/directoryObjects/getByIds on the same base URL),
  // answered from the users, apps and managed identities above: 403 Authorization_RequestDenied,
  // as for an app without Directory.Read.All.
  void set_directory_objects_denied(bool denied);

  // The tenant Activity Log (§5): GET /providers/Microsoft.Insights/eventtypes/management/values
  // with the documented eventTimestamp window, newest first, paged by nextLink; a window that
  // starts more than 90 days back is the flat-bodied 400.
  activity_event add_activity_event(activity_event e);  // the stored copy, ids and times filled in
  void set_activity_log_page_size(std::size_t n);       // at least 1; default 2
  // Every page's nextLink becomes `url`, verbatim (a loop, another host); "" turns it off.
  void set_activity_log_next_link_override(std::string url);
  // The first page of every window is empty but has a nextLink, as SDK users report (§5).
  void set_activity_log_empty_first_page(bool empty);
  // An event is served only once `delay` has passed since its eventTimestamp (the fake's clock),
  // and then with that timestamp: events that arrive late. 0 (the default): at once.
  void set_activity_log_delay(seconds delay);
  // Whether the fake's own ARM calls write events, as Azure does (default true): BeginRequest
  // and EndRequest of elevateAccess, and of every role assignment PUT and DELETE. Off, for
  // tests that add their own.
  void set_activity_log_record_calls(bool record);

  void inject_fault(fault f);
  void clear_faults();
  std::vector<fault> faults() const;

  // Requests served per route (`any`: all but control), and the requests themselves, so that
  // tests can assert that no secret travelled in a URL.
  std::size_t request_count(azure_route r) const;
  // The scope the token endpoint issued `token` for; nullopt for a token it never issued.
  std::optional<std::string> token_scope(std::string_view token) const;
  std::vector<recorded_request> requests() const;
  void clear_requests();

  // What GET /_fake/state answers: settings, faults, counts, the directory without secrets,
  // the assignments in ARM shape.
  json state() const;

  void stop();

 private:
  struct impl;
  explicit fake_azure(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace rootwatch::fake
