#pragma once

#include "config/settings.hpp"
#include "net/http_types.hpp"
#include "sinks/signing.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rootwatch::auth {
class token_cache;
}
namespace rootwatch::net {
struct client_identity;
class https_client;
}  // namespace rootwatch::net

namespace rootwatch::sinks {

// A [[sink]] with its secrets read: the URL (which may embed a token), the signing key, a
// pagerduty sink's routing key, and, for action_group and azure_monitor_logs, the token cache
// of its own that gets Entra tokens for settings.token_scope with its tenant's credential.
// A webhook sink may add headers and a bearer token, and present a client certificate: then it
// has an HTTPS client of its own (made by app::make_sink), whose TLS context holds that identity.
struct resolved_sink {
  config::sink_settings settings;
  std::string url;
  std::vector<signing_key> keys;  // empty: unsigned; several while keys rotate
  std::string routing_key;
  std::shared_ptr<auth::token_cache> tokens;
  std::vector<net::header> headers{};  // [[sink.header]], values read
  std::string bearer{};                // sent as "Authorization: Bearer <bearer>" when set
  std::shared_ptr<const net::client_identity> client_identity{};
  std::shared_ptr<net::https_client> http{};  // null: the shared client
  // Set for a url_file sink: the file's path as resolved at load; the dispatcher reads the URL
  // from it again when it changed (sinks/url_file.hpp).
  std::string url_file_path{};
};

// Whether deliveries to this kind of sink carry an Entra bearer token.
inline bool needs_token(const config::sink_settings& sink) {
  return sink.kind == config::sink_kind::action_group || sink.kind == config::sink_kind::azure_monitor_logs;
}

}  // namespace rootwatch::sinks
