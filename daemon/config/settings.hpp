#pragma once

// The validated configuration. Every field has its final value here: defaults applied,
// durations parsed, cloud endpoints filled in. Nothing in this file reads secrets; the
// *_file / *_env fields are resolved when they are used, so that rotation needs no restart.

#include "common/time.hpp"
#include "engine/cycle.hpp"
#include "engine/rules.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rootwatch::config {

// automatic: journal when stderr is the journal, text on a terminal, json otherwise (a
// container's log driver, a file).
enum class log_format { text, json, automatic };

struct daemon_settings {
  std::string state_dir = "/var/lib/rootwatch";
  std::string listen = "127.0.0.1:9469";  // "" turns the health/metrics listener off
  std::string log_level = "info";         // trace | debug | info | warn | error
  // Unset: text, unless $ROOTWATCH_LOG_FORMAT says otherwise (the container image sets "auto").
  std::optional<log_format> format;
  milliseconds shutdown_grace{10'000};
  // The outbox's bound: alerts waiting per sink. Past it the oldest waiting ones are given up
  // on (dead, announced, kept for `rootwatch outbox retry`), reminders first.
  std::int64_t outbox_limit = 10'000;
  milliseconds outbox_retention{30LL * 24 * 3600 * 1000};  // how long delivered rows are kept
};

struct tls_settings {
  std::string ca_file;  // extra PEM bundle trusted besides the system store
};

enum class credential_kind { client_secret, client_certificate, workload_identity, managed_identity, azure_cli };
std::string_view to_string(credential_kind k);

struct credential_settings {
  credential_kind kind = credential_kind::client_secret;
  // client_secret: required. workload_identity: default $AZURE_CLIENT_ID. managed_identity: a
  // user-assigned identity (at most one of client_id, object_id, resource_id).
  std::string client_id;
  std::string client_secret_file;  // relative paths are taken under $CREDENTIALS_DIRECTORY
  std::string client_secret_env;
  // managed_identity
  std::string object_id;          // lower-case GUID of a user-assigned identity
  std::string resource_id;        // ARM id of a user-assigned identity
  std::string identity_endpoint;  // IMDS-style token URL, http:// on loopback or link-local; "" = from the host
  // workload_identity: the federated token file, re-read at every token request; "" =
  // $AZURE_FEDERATED_TOKEN_FILE when used.
  std::string token_file;
  // client_certificate: a PEM file with the certificate (chain optional) and its RSA key; an
  // encrypted key's password from a file or an environment variable (at most one). Relative
  // paths are taken under $CREDENTIALS_DIRECTORY. Read at every token request.
  std::string certificate_file;
  std::string certificate_password_file;
  std::string certificate_password_env;
  bool send_certificate_chain = false;  // "x5c" in the assertion, for subject name + issuer apps
  // azure_cli: the az program (a path, or a name looked up on PATH) and how long one run of
  // `az account get-access-token` may take.
  std::string az_path = "az";
  milliseconds az_timeout{30'000};
};

// Base URLs without a trailing slash.
struct endpoint_settings {
  std::string authority;         // https://login.microsoftonline.com
  std::string resource_manager;  // https://management.azure.com
  std::string graph;             // https://graph.microsoft.com
  std::string arm_scope;         // token scope for ARM, e.g. https://management.azure.com/.default
};

enum class source_kind { arm, resource_graph, activity_log, entra_audit };
std::string_view to_string(source_kind k);

struct tenant_settings {
  std::string name;
  std::string tenant_id;  // lower-case GUID
  std::string cloud = "AzureCloud";
  milliseconds poll_interval{60'000};
  std::vector<source_kind> sources;
  engine::baseline_mode baseline = engine::baseline_mode::alert;
  milliseconds remind_every{6 * 3600 * 1000};
  milliseconds request_timeout{30'000};  // deadline of one HTTP exchange with Azure
  milliseconds cycle_timeout{60'000};    // deadline of a cycle's gathering (invariant 9); min(poll_interval, 5m)
  int degraded_after = 3;                // failed cycles in a row before watch.degraded
  milliseconds initial_lookback{24 * 3600 * 1000};  // event sources: how far back the first read goes
  milliseconds event_overlap{15 * 60 * 1000};       // event sources: each read starts this far before the last end
  credential_settings credential;
  endpoint_settings endpoints;
  std::map<std::string, int> lines;  // dotted key ("credential.client_secret_file") -> line
};

enum class sink_kind { webhook, slack, teams, pagerduty, action_group, azure_monitor_logs };
std::string_view to_string(sink_kind k);

enum class webhook_format { rootwatch, common_alert_schema, cloudevents, alertmanager };
std::string_view to_string(webhook_format f);

// Where a pagerduty sink posts when no url is configured (Events API v2).
inline constexpr std::string_view pagerduty_events_url = "https://events.pagerduty.com/v2/enqueue";

// A request header a webhook sink adds to every delivery. Exactly one of value, value_file and
// value_env is set; a literal value is not treated as a secret (value_file / value_env are).
struct sink_header_settings {
  std::string name;
  std::string value;
  std::string value_file;  // relative paths are taken under $CREDENTIALS_DIRECTORY
  std::string value_env;
};

// At most this many [[sink.header]] per sink.
inline constexpr std::size_t max_sink_headers = 32;

// A header value may not hold CR, LF or NUL: they would end the header and start another
// (header injection). Checked for literal values at load and for file/env values when read.
inline bool is_safe_header_value(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

struct sink_settings {
  std::string name;
  sink_kind kind = sink_kind::webhook;
  std::string url;  // exactly one of url, url_file, url_env is set (pagerduty: url defaults)
  std::string url_file;
  std::string url_env;
  webhook_format format = webhook_format::rootwatch;
  std::string signing_secret_file;  // Standard Webhooks key "whsec_..."; "" = unsigned
  std::string signing_secret_env;
  // pagerduty: the Events API v2 integration key, from a file or an environment variable
  // (exactly one; never inline: it is a credential). Resolved by app::resolve_sink.
  std::string routing_key_file;
  std::string routing_key_env;
  // webhook: headers added to every delivery, `Authorization: Bearer` from a file or an
  // environment variable (at most one), and a TLS client certificate (mTLS): a PEM file with the
  // certificate (chain optional) and its private key, or the key in tls_client_key_file; an
  // encrypted key's password from a file or an environment variable. Relative paths are taken
  // under $CREDENTIALS_DIRECTORY. Read by app::resolve_sink at start and at every reload.
  std::vector<sink_header_settings> headers;
  std::string bearer_token_file;
  std::string bearer_token_env;
  std::string tls_client_certificate_file;
  std::string tls_client_key_file;
  std::string tls_client_key_password_file;
  std::string tls_client_key_password_env;
  // action_group and azure_monitor_logs: the [[tenant]] whose credential gets the sink's Entra
  // token (filled in when only one tenant is configured), and the token's scope: the action
  // group's `audience` + "/.default", or the Logs Ingestion audience of that tenant's cloud.
  std::string tenant;
  std::string audience;  // action_group: the receiving app's application ID URI or client id
  std::string token_scope;
  // azure_monitor_logs: `url` is built from these (Logs Ingestion API, azure-apis.md §7.3).
  std::string endpoint;  // DCE or DCR ingestion endpoint, https, no trailing slash
  std::string dcr_immutable_id;
  std::string stream = "Custom-Rootwatch_CL";
  milliseconds timeout{10'000};                  // deadline of one delivery attempt
  milliseconds retry_initial_backoff{1'000};     // doubled after each failure ...
  milliseconds retry_max_backoff{300'000};       // ... up to this
  milliseconds give_up_after{72 * 3600 * 1000};  // then the alert is marked dead, loudly
  // Routing: the alerts this sink takes (config/sink_routing.cpp). Empty lists take all.
  engine::severity min_severity = engine::severity::info;
  std::vector<std::string> kinds;    // "assignment.created", or a family: "watch.*"
  std::vector<std::string> tenants;  // [[tenant]] names or tenant ids
  // Delivery: attempts in flight at once, and the least time between the starts of two
  // (a Slack incoming webhook takes about one message a second).
  int concurrency = 4;
  milliseconds min_interval{0};
  std::map<std::string, int> lines;
};

struct settings {
  std::string path;  // the file it came from, for messages
  daemon_settings daemon;
  tls_settings tls;
  std::vector<tenant_settings> tenants;
  std::vector<engine::rule> rules;
  std::vector<sink_settings> sinks;
};

// One thing wrong with a configuration, located: "rootwatch.toml:12:1: tenant[0].poll_interval: ..."
struct problem {
  std::string file;
  int line = 0;  // 0 when the problem is about the file as a whole
  int column = 0;
  std::string key;
  std::string message;
  std::string to_string() const;
};

}  // namespace rootwatch::config
