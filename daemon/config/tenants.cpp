#include "config/checks.hpp"
#include "config/clouds.hpp"
#include "config/sections.hpp"

#include "common/local_http_url.hpp"
#include "common/strings.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace rootwatch::config::detail {
namespace {

using namespace std::chrono_literals;

// Inline secrets end up in backups, config management and `cat` output; the daemon reads
// them where they are meant to live instead, at the time it needs them.
constexpr std::string_view inline_secret_message =
    "inline secrets are not accepted: put the secret in a file named by client_secret_file "
    "(e.g. a systemd credential from LoadCredential=) or in an environment variable named by client_secret_env";

std::vector<source_kind> read_sources(table_reader& r) {
  const auto elements = r.string_array("sources");
  if (!elements) {
    // Reader at "/" and at /providers/Microsoft.Insights cover these three; entra_audit needs a
    // Graph permission (AuditLog.Read.All) and is opt-in.
    return {source_kind::arm, source_kind::resource_graph, source_kind::activity_log};
  }
  if (elements->empty()) {
    r.fail("sources", "must name at least one source: arm, resource_graph, activity_log or entra_audit");
    return {};
  }
  const auto names = names_of(source_kind_names);
  std::vector<source_kind> out;
  for (const auto& element : *elements) {
    const auto kind = lookup(source_kind_names, element.value);
    if (!kind) {
      r.fail_at(*element.node, element.key, not_one_of(element.value, names));
    } else if (std::find(out.begin(), out.end(), *kind) != out.end()) {
      r.fail_at(*element.node, element.key, "'" + element.value + "' is listed more than once");
    } else {
      out.push_back(*kind);
    }
  }
  const bool has_snapshot = std::any_of(
      out.begin(), out.end(), [](source_kind k) { return k == source_kind::arm || k == source_kind::resource_graph; });
  if (!out.empty() && !has_snapshot) {
    r.fail("sources",
           "must include arm or resource_graph: the logs say what happened, only a snapshot says what is there now");
  }
  return out;
}

void check_client_secret(table_reader& r, bool inline_secret) {
  if (!r.has("client_id")) {
    r.fail("client_id",
           "missing required key 'client_id': a client_secret credential needs the application (client) id");
  }
  const bool from_file = r.has("client_secret_file");
  const bool from_env = r.has("client_secret_env");
  if (from_file && from_env) {
    r.fail("client_secret_env", "set only one of client_secret_file and client_secret_env");
  } else if (!from_file && !from_env && !inline_secret) {
    r.fail_table("a client_secret credential needs exactly one of client_secret_file and client_secret_env");
  }
}

void check_client_certificate(table_reader& r) {
  if (!r.has("client_id")) {
    r.fail("client_id",
           "missing required key 'client_id': a client_certificate credential needs the application (client) id");
  }
  if (!r.has("certificate_file")) {
    r.fail_table(
        "a client_certificate credential needs certificate_file: a PEM file with the certificate and its private key");
  }
  if (r.has("certificate_password_file") && r.has("certificate_password_env")) {
    r.fail("certificate_password_env", "set only one of certificate_password_file and certificate_password_env");
  }
}

// true or false; anything else is reported.
std::optional<bool> read_flag(table_reader& r, std::string_view name) {
  const toml::node* node = r.take(name);
  if (node == nullptr) {
    return std::nullopt;
  }
  if (const auto* value = node->as_boolean()) {
    return value->get();
  }
  r.fail(name, fmt::format("'{}' is true or false", name));
  return std::nullopt;
}

std::optional<std::string> identity_endpoint_problem(std::string_view url) {
  if (auto parsed = parse_local_http_url(url); !parsed) {
    return parsed.error().message;
  }
  return std::nullopt;
}

std::optional<std::string> identity_resource_id_problem(std::string_view id) {
  if (!istarts_with(id, "/subscriptions/") || id.find("/providers/") == std::string_view::npos) {
    return "the ARM id of a user-assigned identity, "
           "/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>";
  }
  return std::nullopt;
}

// Keys that belong to one kind are refused for the others, so that a leftover
// client_secret_file does not suggest that a managed identity uses it.
void check_kind_keys(table_reader& r, credential_kind kind) {
  const struct {
    std::string_view key;
    credential_kind kind;
  } owned[] = {{"object_id", credential_kind::managed_identity},
               {"resource_id", credential_kind::managed_identity},
               {"identity_endpoint", credential_kind::managed_identity},
               {"token_file", credential_kind::workload_identity},
               {"certificate_file", credential_kind::client_certificate},
               {"certificate_password_file", credential_kind::client_certificate},
               {"certificate_password_env", credential_kind::client_certificate},
               {"send_certificate_chain", credential_kind::client_certificate},
               {"az_path", credential_kind::azure_cli},
               {"timeout", credential_kind::azure_cli}};
  for (const auto& o : owned) {
    if (kind != o.kind && r.has(o.key)) {
      r.fail(o.key, fmt::format("'{}' is only for kind = \"{}\"", o.key, to_string(o.kind)));
    }
  }
  if (kind != credential_kind::client_secret) {
    for (std::string_view key : {"client_secret_file", "client_secret_env"}) {
      if (r.has(key)) {
        r.fail(key, fmt::format("a {} credential has no secret: remove '{}'", to_string(kind), key));
      }
    }
  }
  if (kind == credential_kind::azure_cli && r.has("client_id")) {
    r.fail("client_id", "an azure_cli credential signs in as the account `az login` chose: remove 'client_id'");
  }
  if (kind == credential_kind::managed_identity) {
    const int selectors = int{r.has("client_id")} + int{r.has("object_id")} + int{r.has("resource_id")};
    if (selectors > 1) {
      r.fail_table(
          "a managed identity is picked by at most one of client_id, object_id and resource_id (none: the "
          "system-assigned identity)");
    }
  }
}

credential_settings read_credential(table_reader& tenant) {
  auto r = tenant.child("credential", "[tenant.credential]", need::required);
  if (!r) {
    return {};
  }
  credential_settings c;
  const auto kind = r->choice("kind", credential_kind_names, need::required);
  c.kind = kind.value_or(c.kind);
  c.client_id = r->guid("client_id").value_or("");
  c.client_secret_file = r->non_empty_string("client_secret_file").value_or("");
  c.client_secret_env = r->checked_string("client_secret_env", env_name_problem).value_or("");
  c.object_id = r->guid("object_id").value_or("");
  c.resource_id = r->checked_string("resource_id", identity_resource_id_problem).value_or("");
  c.identity_endpoint = r->checked_string("identity_endpoint", identity_endpoint_problem).value_or("");
  c.token_file = r->non_empty_string("token_file").value_or("");
  c.certificate_file = r->non_empty_string("certificate_file").value_or("");
  c.certificate_password_file = r->non_empty_string("certificate_password_file").value_or("");
  c.certificate_password_env = r->checked_string("certificate_password_env", env_name_problem).value_or("");
  c.send_certificate_chain = read_flag(*r, "send_certificate_chain").value_or(false);
  c.az_path = r->non_empty_string("az_path").value_or(c.az_path);
  c.az_timeout = r->duration("timeout", 1s, 10min).value_or(c.az_timeout);
  const bool inline_secret = r->take("client_secret") != nullptr;
  if (inline_secret) {
    r->fail("client_secret", std::string(inline_secret_message));
  }
  if (kind == credential_kind::client_secret) {
    check_client_secret(*r, inline_secret);
  } else if (kind == credential_kind::client_certificate) {
    check_client_certificate(*r);
  }
  if (kind) {
    check_kind_keys(*r, *kind);
  }
  r->reject_unknown_keys();
  return c;
}

std::optional<std::string> base_url_problem(std::string_view url) {
  return https_url_problem(url, true);
}

std::optional<std::string> scope_problem(std::string_view scope) {
  if (auto problem = https_url_problem(scope, true)) {
    return problem;
  }
  if (!scope.ends_with("/.default")) {
    return "a token scope ends in /.default, e.g. https://management.azure.com/.default";
  }
  return std::nullopt;
}

std::optional<std::string> read_base_url(table_reader& r, std::string_view name) {
  const auto url = r.checked_string(name, base_url_problem);
  return url ? std::optional(strip_trailing_slashes(*url)) : std::nullopt;
}

endpoint_settings read_endpoints(table_reader& tenant, const std::string& cloud) {
  endpoint_settings e = cloud_endpoints(cloud).value_or(endpoint_settings{});
  auto r = tenant.child("endpoints", "[tenant.endpoints]");
  if (!r) {
    return e;
  }
  if (const auto url = read_base_url(*r, "authority")) {
    e.authority = *url;
  }
  if (const auto url = read_base_url(*r, "resource_manager")) {
    // A private or proxied ARM has no published audience; its own URL is the best guess,
    // and arm_scope is there when the guess is wrong.
    e.resource_manager = *url;
    e.arm_scope = *url + "/.default";
  }
  if (const auto url = read_base_url(*r, "graph")) {
    e.graph = *url;
  }
  if (const auto scope = r->checked_string("arm_scope", scope_problem)) {
    e.arm_scope = *scope;
  }
  r->reject_unknown_keys();
  return e;
}

tenant_settings read_tenant(table_reader& r) {
  tenant_settings t;
  t.name = r.checked_string("name", name_problem, need::required).value_or("");
  t.tenant_id = r.guid("tenant_id", need::required).value_or("");
  t.cloud = r.one_of("cloud", cloud_names).value_or(t.cloud);
  t.poll_interval = r.duration("poll_interval", 1s, 24h).value_or(t.poll_interval);
  t.sources = read_sources(r);
  t.baseline = r.choice("baseline", baseline_names).value_or(t.baseline);
  t.remind_every = r.duration("remind_every", 0ms).value_or(t.remind_every);
  t.request_timeout = r.duration("request_timeout", 1s, 10min).value_or(t.request_timeout);
  // A slow or endless listing must fail the cycle, not stall it: by default the next poll is
  // never pushed back by more than one interval, and never by more than 5 minutes.
  t.cycle_timeout = r.duration("cycle_timeout", 1s, 1h).value_or(std::min<milliseconds>(t.poll_interval, 5min));
  t.degraded_after = static_cast<int>(r.integer("degraded_after", 1, 1000).value_or(t.degraded_after));
  // How far back the logs are read on the first start, so that an elevation shortly before
  // rootwatch started is still reported; "0s" reads from the start on. The Activity Log keeps
  // 90 days.
  t.initial_lookback = r.duration("initial_lookback", 0ms, 24h * 89).value_or(t.initial_lookback);
  // Logs ingest late: every read starts this far before the previous one ended.
  t.event_overlap = r.duration("event_overlap", 15min, 24h).value_or(t.event_overlap);
  t.credential = read_credential(r);
  t.endpoints = read_endpoints(r, t.cloud);
  t.lines = key_lines(r.table());
  r.reject_unknown_keys();
  return t;
}

}  // namespace

std::vector<tenant_settings> read_tenants(table_reader& top) {
  auto readers = top.children("tenant", "[[tenant]]", "[[tenant]] tables (note the double brackets)");
  if (!readers) {
    return {};
  }
  if (readers->empty()) {
    top.fail_whole_file("tenant", "no [[tenant]] is configured: at least one tenant is required");
    return {};
  }
  std::vector<tenant_settings> out;
  unique_names names("tenant");
  for (auto& r : *readers) {
    out.push_back(read_tenant(r));
    names.check(r, "name", out.back().name);
  }
  return out;
}

}  // namespace rootwatch::config::detail
