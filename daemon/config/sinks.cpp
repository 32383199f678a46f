#include "config/checks.hpp"
#include "config/clouds.hpp"
#include "config/sections.hpp"

#include "common/strings.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <tuple>
#include <utility>

namespace rootwatch::config::detail {
namespace {

using namespace std::chrono_literals;

std::optional<std::string> url_problem(std::string_view url) {
  return https_url_problem(url, false);
}

struct destination {
  std::string url;
  std::string url_file;
  std::string url_env;
};

// Where a sink delivers to. URLs often carry their credential (Slack, Teams "sig=", basic
// auth), so no message here quotes one. A pagerduty sink has a default: PagerDuty's one
// Events API endpoint (its credential is the routing key, not the URL).
destination read_destination(table_reader& r, std::optional<sink_kind> kind) {
  destination d;
  if (kind == sink_kind::azure_monitor_logs) {
    for (const std::string_view key : {"url", "url_file", "url_env"}) {
      if (r.take(key) != nullptr) {
        r.fail(key, "an azure_monitor_logs sink posts to its endpoint, dcr_immutable_id and stream: remove '" +
                        std::string(key) + "'");
      }
    }
    return d;
  }
  d.url = r.checked_string("url", url_problem).value_or("");
  d.url_file = r.non_empty_string("url_file").value_or("");
  d.url_env = r.checked_string("url_env", env_name_problem).value_or("");
  constexpr std::array<std::string_view, 3> keys{"url", "url_file", "url_env"};
  int present = 0;
  for (const auto key : keys) {
    if (r.has(key) && ++present == 2) {
      r.fail(key, "set only one of url, url_file and url_env");
    }
  }
  if (present == 0 && kind == sink_kind::pagerduty) {
    d.url = std::string(pagerduty_events_url);
  } else if (present == 0) {
    r.fail_table("missing the destination: set exactly one of url, url_file and url_env");
  }
  return d;
}

std::optional<webhook_format> read_format(table_reader& r, std::optional<sink_kind> kind) {
  if (kind && *kind != sink_kind::webhook && r.take("format") != nullptr) {
    r.fail("format", "format applies only to webhook sinks; a " + std::string(to_string(*kind)) +
                         " sink always sends its receiver's own format");
    return std::nullopt;
  }
  return r.choice("format", webhook_format_names);
}

struct signing {
  std::string file;
  std::string env;
};

// The receivers with a format of their own (Slack, Teams, PagerDuty) do not check Standard
// Webhooks signatures: a key there would look like protection and be none.
bool uses_entra_token(sink_kind kind) {
  return kind == sink_kind::action_group || kind == sink_kind::azure_monitor_logs;
}

// Action groups and the Logs Ingestion API check an Entra token instead.
bool takes_signing(std::optional<sink_kind> kind) {
  return !kind || *kind == sink_kind::webhook;
}

signing read_signing(table_reader& r, std::optional<sink_kind> kind) {
  if (!takes_signing(kind)) {
    for (const std::string_view key : {"signing_secret_file", "signing_secret_env"}) {
      if (r.take(key) != nullptr) {
        r.fail(key, "a " + std::string(to_string(*kind)) +
                        " sink is not signed: its receiver does not check Standard Webhooks signatures" +
                        (uses_entra_token(*kind) ? " (it checks the sink's Entra token)" : ""));
      }
    }
    return {};
  }
  signing out;
  out.file = r.non_empty_string("signing_secret_file").value_or("");
  out.env = r.checked_string("signing_secret_env", env_name_problem).value_or("");
  if (r.has("signing_secret_file") && r.has("signing_secret_env")) {
    r.fail("signing_secret_env", "set at most one of signing_secret_file and signing_secret_env");
  }
  return out;
}

struct routing_key {
  std::string file;
  std::string env;
};

// PagerDuty's integration key is a credential: it comes from a file or the environment, never
// from the configuration itself, and no message quotes it.
routing_key read_routing_key(table_reader& r, std::optional<sink_kind> kind) {
  const bool pagerduty = kind == sink_kind::pagerduty;
  if (r.take("routing_key") != nullptr && kind) {
    r.fail("routing_key", pagerduty ? "the routing key is a credential: put it in a file (routing_key_file) or "
                                      "an environment variable (routing_key_env), not in the configuration"
                                    : "routing_key applies only to pagerduty sinks");
  }
  if (!pagerduty) {
    for (const std::string_view key : {"routing_key_file", "routing_key_env"}) {
      // Taken even when the kind is unreadable, so that one mistake is reported once.
      if (r.take(key) != nullptr && kind) {
        r.fail(key, std::string(key) + " applies only to pagerduty sinks");
      }
    }
    return {};
  }
  routing_key out;
  out.file = r.non_empty_string("routing_key_file").value_or("");
  out.env = r.checked_string("routing_key_env", env_name_problem).value_or("");
  const bool file = r.has("routing_key_file");
  const bool env = r.has("routing_key_env");
  if (file && env) {
    r.fail("routing_key_env", "set only one of routing_key_file and routing_key_env");
  } else if (!file && !env && !r.has("routing_key")) {
    r.fail_table("missing the PagerDuty routing key: set routing_key_file or routing_key_env");
  }
  return out;
}

// Headers, bearer auth and a client certificate are for webhook receivers only: the other kinds
// carry a credential of their own, and a second one here would look like it did something.
constexpr std::array<std::string_view, 7> webhook_auth_keys{"header",
                                                            "bearer_token_file",
                                                            "bearer_token_env",
                                                            "tls_client_certificate_file",
                                                            "tls_client_key_file",
                                                            "tls_client_key_password_file",
                                                            "tls_client_key_password_env"};

std::string own_credential(sink_kind kind) {
  switch (kind) {
    case sink_kind::action_group:
    case sink_kind::azure_monitor_logs:
      return "it sends its own Entra bearer token";
    case sink_kind::pagerduty:
      return "its routing key is its credential";
    case sink_kind::slack:
    case sink_kind::teams:
      return "its URL is its credential";
    case sink_kind::webhook:
      break;
  }
  return "";
}

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return out;
}

// An HTTP header name (RFC 9110 token), and none that rootwatch sets itself: a second Host or
// Content-Length would make the request ambiguous, and the signature headers are the signer's.
std::optional<std::string> header_name_problem(std::string_view name) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) {
    return "an HTTP header name: letters, digits and !#$%&'*+-.^_`|~ only, no spaces or ':'";
  }
  const std::string n = lower(name);
  if (n == "authorization") {
    return "Authorization is set by rootwatch: use bearer_token_file or bearer_token_env";
  }
  if (n == "webhook-id" || n == "webhook-timestamp" || n == "webhook-signature") {
    return "the Standard Webhooks headers are set by rootwatch when the sink is signed (signing_secret_file or "
           "signing_secret_env)";
  }
  for (const std::string_view own : {"host", "content-length", "content-type", "transfer-encoding", "connection"}) {
    if (n == own) {
      return std::string(name) + " is set by rootwatch for every request and cannot be configured";
    }
  }
  return std::nullopt;
}

// The message does not quote the value: a secret pasted here by mistake stays out of the log.
std::optional<std::string> header_value_problem(std::string_view value) {
  if (!is_safe_header_value(value)) {
    return "a header value must not contain a line break (CR, LF) or NUL";
  }
  return std::nullopt;
}

sink_header_settings read_header(table_reader& h) {
  sink_header_settings out;
  out.name = h.checked_string("name", header_name_problem, need::required).value_or("");
  out.value = h.checked_string("value", header_value_problem).value_or("");
  out.value_file = h.non_empty_string("value_file").value_or("");
  out.value_env = h.checked_string("value_env", env_name_problem).value_or("");
  int present = 0;
  for (const std::string_view key : {"value", "value_file", "value_env"}) {
    if (h.has(key) && ++present == 2) {
      h.fail(key, "set only one of value, value_file and value_env");
    }
  }
  if (present == 0) {
    h.fail_table("missing the header's value: set exactly one of value, value_file and value_env");
  }
  h.reject_unknown_keys();
  return out;
}

std::vector<sink_header_settings> read_headers(table_reader& r) {
  std::vector<sink_header_settings> out;
  auto readers = r.children("header", "[[sink.header]]", "[[sink.header]] tables (note the double brackets)");
  if (!readers) {
    return out;
  }
  if (readers->size() > max_sink_headers) {
    r.fail("header", "at most " + std::to_string(max_sink_headers) + " [[sink.header]] per sink");
  }
  std::map<std::string, std::string> seen;  // lower-case name -> where first set
  for (auto& h : *readers) {
    out.push_back(read_header(h));
    if (out.back().name.empty()) {
      continue;
    }
    const auto [it, fresh] = seen.emplace(lower(out.back().name), h.key_of("name"));
    if (!fresh) {
      h.fail("name",
             "header '" + out.back().name + "' is already set by " + it->second + " (names are case-insensitive)");
    }
  }
  return out;
}

// A pair of keys of which at most one may be set; both empty when neither is.
std::pair<std::string, std::string> read_file_or_env(table_reader& r, std::string_view file_key,
                                                     std::string_view env_key) {
  std::pair<std::string, std::string> out;
  out.first = r.non_empty_string(file_key).value_or("");
  out.second = r.checked_string(env_key, env_name_problem).value_or("");
  if (r.has(file_key) && r.has(env_key)) {
    r.fail(env_key, "set at most one of " + std::string(file_key) + " and " + std::string(env_key));
  }
  return out;
}

void read_webhook_auth(table_reader& r, std::optional<sink_kind> kind, sink_settings& s) {
  if (kind && *kind != sink_kind::webhook) {
    for (const auto key : webhook_auth_keys) {
      if (r.take(key) != nullptr) {
        r.fail(key, std::string(key) + " applies only to webhook sinks: a " + std::string(to_string(*kind)) +
                        " sink does not take it (" + own_credential(*kind) + ")");
      }
    }
    return;
  }
  s.headers = read_headers(r);
  std::tie(s.bearer_token_file, s.bearer_token_env) = read_file_or_env(r, "bearer_token_file", "bearer_token_env");
  s.tls_client_certificate_file = r.non_empty_string("tls_client_certificate_file").value_or("");
  s.tls_client_key_file = r.non_empty_string("tls_client_key_file").value_or("");
  std::tie(s.tls_client_key_password_file, s.tls_client_key_password_env) =
      read_file_or_env(r, "tls_client_key_password_file", "tls_client_key_password_env");
  if (!r.has("tls_client_certificate_file")) {
    for (const std::string_view key :
         {"tls_client_key_file", "tls_client_key_password_file", "tls_client_key_password_env"}) {
      if (r.has(key)) {
        r.fail(key, std::string(key) + " needs tls_client_certificate_file: set the client certificate too");
      }
    }
  }
}

std::string tenant_names(const std::vector<tenant_settings>& tenants) {
  std::string out;
  for (const auto& t : tenants) {
    out += (out.empty() ? "'" : ", '") + t.name + "'";
  }
  return out;
}

// The [[tenant]] whose credential gets the sink's token: named, or the only one there is.
const tenant_settings* read_token_tenant(table_reader& r, const std::vector<tenant_settings>& tenants) {
  const auto name = r.checked_string("tenant", name_problem);
  if (tenants.empty()) {
    return nullptr;  // none configured, or none readable: reported where the tenants are
  }
  if (name) {
    const auto it =
        std::find_if(tenants.begin(), tenants.end(), [&](const tenant_settings& t) { return t.name == *name; });
    if (it == tenants.end()) {
      r.fail("tenant", "no [[tenant]] is named '" + *name + "'; configured: " + tenant_names(tenants));
      return nullptr;
    }
    return &*it;
  }
  if (r.has("tenant")) {
    return nullptr;  // reported by checked_string
  }
  if (tenants.size() > 1) {
    r.fail("tenant",
           "missing required key 'tenant': with several tenants configured, name the one whose credential "
           "gets this sink's token (" +
               tenant_names(tenants) + ")");
    return nullptr;
  }
  return &tenants.front();
}

// An application ID URI ("api://rootwatch-receiver", "https://contoso.example/receiver") or an
// application (client) id: the scope is this plus "/.default".
std::optional<std::string> audience_problem(std::string_view audience) {
  if (audience.empty() || audience.find_first_of(" \t\r\n") != std::string_view::npos) {
    return "the receiving app's application ID URI (api://...) or application (client) id, without spaces";
  }
  if (audience.ends_with("/.default")) {
    return "the audience, without \"/.default\": rootwatch adds it to make the token scope";
  }
  if (audience.find(':') == std::string_view::npos && !is_guid(audience)) {
    return "an application ID URI (api://..., https://...) or an application (client) id GUID";
  }
  return std::nullopt;
}

std::optional<std::string> endpoint_problem(std::string_view url) {
  return https_url_problem(url, true);
}

bool is_path_safe(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
  });
}

std::optional<std::string> dcr_id_problem(std::string_view id) {
  if (!id.starts_with("dcr-") || !is_path_safe(id)) {
    return "the data collection rule's immutable id, \"dcr-\" and hex digits (properties.immutableId of the DCR)";
  }
  return std::nullopt;
}

std::optional<std::string> stream_problem(std::string_view stream) {
  if (!(stream.starts_with("Custom-") || stream.starts_with("Microsoft-")) || !is_path_safe(stream)) {
    return "a stream declared in the DCR, \"Custom-\" and letters, digits, '_' or '-' (e.g. Custom-Rootwatch_CL)";
  }
  return std::nullopt;
}

// Keys that belong to some kinds only are refused for the others, so that a leftover key does
// not look like it does something.
void refuse_foreign_keys(table_reader& r, std::optional<sink_kind> kind) {
  const struct {
    std::string_view key;
    bool (*applies)(sink_kind);
    std::string_view kinds;
  } owned[] = {
      {"tenant", uses_entra_token, "action_group and azure_monitor_logs"},
      {"audience", [](sink_kind k) { return k == sink_kind::action_group; }, "action_group"},
      {"endpoint", [](sink_kind k) { return k == sink_kind::azure_monitor_logs; }, "azure_monitor_logs"},
      {"dcr_immutable_id", [](sink_kind k) { return k == sink_kind::azure_monitor_logs; }, "azure_monitor_logs"},
      {"stream", [](sink_kind k) { return k == sink_kind::azure_monitor_logs; }, "azure_monitor_logs"},
  };
  for (const auto& o : owned) {
    // Taken even when the kind is unreadable, so that one mistake is reported once.
    if ((!kind || !o.applies(*kind)) && r.take(o.key) != nullptr && kind) {
      r.fail(o.key, std::string(o.key) + " applies only to " + std::string(o.kinds) + " sinks");
    }
  }
}

// The Entra side of an action_group or azure_monitor_logs sink; the logs sink's URL.
void read_azure_keys(table_reader& r, sink_kind kind, const std::vector<tenant_settings>& tenants, sink_settings& s) {
  const tenant_settings* tenant = read_token_tenant(r, tenants);
  s.tenant = tenant ? tenant->name : "";
  if (kind == sink_kind::action_group) {
    s.audience = r.checked_string("audience", audience_problem, need::required).value_or("");
    s.token_scope = s.audience.empty() ? "" : s.audience + "/.default";
    return;
  }
  s.token_scope = tenant ? logs_ingestion_scope(tenant->cloud).value_or("") : "";
  const auto endpoint = r.checked_string("endpoint", endpoint_problem, need::required);
  s.endpoint = endpoint ? strip_trailing_slashes(*endpoint) : "";
  s.dcr_immutable_id = r.checked_string("dcr_immutable_id", dcr_id_problem, need::required).value_or("");
  s.stream = r.checked_string("stream", stream_problem).value_or(s.stream);
  if (!s.endpoint.empty() && !s.dcr_immutable_id.empty()) {
    s.url =
        s.endpoint + "/dataCollectionRules/" + s.dcr_immutable_id + "/streams/" + s.stream + "?api-version=2023-01-01";
  }
}

void check_backoff_order(table_reader& r, const sink_settings& s) {
  if (s.retry_max_backoff >= s.retry_initial_backoff) {
    return;
  }
  const std::string message = "retry_max_backoff (" + format_duration(s.retry_max_backoff) +
                              ") must not be shorter than retry_initial_backoff (" +
                              format_duration(s.retry_initial_backoff) + ")";
  r.fail(r.has("retry_max_backoff") ? "retry_max_backoff" : "retry_initial_backoff", message);
}

sink_settings read_sink(table_reader& r, const std::vector<tenant_settings>& tenants) {
  sink_settings s;
  s.name = r.checked_string("name", name_problem, need::required).value_or("");
  const auto kind = r.choice("kind", sink_kind_names, need::required);
  s.kind = kind.value_or(s.kind);
  const auto where = read_destination(r, kind);
  s.url = where.url;
  s.url_file = where.url_file;
  s.url_env = where.url_env;
  s.format = read_format(r, kind).value_or(s.format);
  const auto key = read_signing(r, kind);
  s.signing_secret_file = key.file;
  s.signing_secret_env = key.env;
  const auto routing = read_routing_key(r, kind);
  s.routing_key_file = routing.file;
  s.routing_key_env = routing.env;
  read_webhook_auth(r, kind, s);
  refuse_foreign_keys(r, kind);
  if (kind && uses_entra_token(*kind)) {
    read_azure_keys(r, *kind, tenants, s);
  }
  s.timeout = r.duration("timeout", 1ms, 10min).value_or(s.timeout);
  s.retry_initial_backoff = r.duration("retry_initial_backoff", 1ms, 24h).value_or(s.retry_initial_backoff);
  s.retry_max_backoff = r.duration("retry_max_backoff", 1ms, 24h).value_or(s.retry_max_backoff);
  s.give_up_after = r.duration("give_up_after", 1ms).value_or(s.give_up_after);
  check_backoff_order(r, s);
  read_sink_routing(r, s);
  s.lines = key_lines(r.table());
  r.reject_unknown_keys();
  return s;
}

}  // namespace

std::vector<sink_settings> read_sinks(table_reader& top, const std::vector<tenant_settings>& tenants) {
  auto readers = top.children("sink", "[[sink]]", "[[sink]] tables (note the double brackets)");
  std::vector<sink_settings> out;
  if (!readers) {
    return out;
  }
  unique_names names("sink");
  for (auto& r : *readers) {
    out.push_back(read_sink(r, tenants));
    names.check(r, "name", out.back().name);
  }
  return out;
}

}  // namespace rootwatch::config::detail
