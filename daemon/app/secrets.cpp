#include "app/secrets.hpp"

#include "common/secret_scrub.hpp"
#include "common/strings.hpp"
#include "net/tls.hpp"
#include "net/url.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace rootwatch::app {
namespace {

constexpr std::size_t max_secret_bytes = 64 * 1024;

std::string strip_line_end(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
    s.pop_back();
  }
  return s;
}

// Each key of the text (several while keys rotate) as written ("whsec_<base64>") and its
// base64 part, which is what a receiver that echoes its configuration would show.
void register_signing_key_text(std::string_view text) {
  register_secret(trim(text));
  for (const auto key : words(text)) {
    register_secret(key);
    constexpr std::string_view prefix = "whsec_";
    if (key.substr(0, prefix.size()) == prefix) {
      register_secret(key.substr(prefix.size()));
    }
  }
}

result<std::string> read_file_or_env(const std::string& file, const std::string& env, const env_lookup& getenv) {
  return !file.empty() ? read_secret_file(file, getenv) : read_secret_env(env, getenv);
}

// A value from a file or the environment that goes into a request header: known to the scrubber
// (invariant 5), and refused when a line break or NUL would end the header and start another.
result<std::string> read_header_secret(const std::string& file, const std::string& env, const env_lookup& getenv) {
  auto value = read_file_or_env(file, env, getenv);
  if (!value) {
    return value;
  }
  register_secret(*value);
  if (!config::is_safe_header_value(*value)) {
    return make_error(error_kind::config, fmt::format("the value from {} contains a line break (CR, LF) or NUL",
                                                      !file.empty() ? "file " + file : "environment variable " + env));
  }
  return value;
}

result<std::vector<net::header>> read_headers(const config::sink_settings& sink, const env_lookup& getenv) {
  std::vector<net::header> out;
  for (const auto& h : sink.headers) {
    if (h.value_file.empty() && h.value_env.empty()) {
      out.push_back({h.name, h.value});  // a literal: not a secret, checked by the loader
      continue;
    }
    auto value = read_header_secret(h.value_file, h.value_env, getenv);
    if (!value) {
      return with_context(value.error(), fmt::format("sink {} header {}", sink.name, h.name));
    }
    out.push_back({h.name, std::move(*value)});
  }
  return out;
}

// The client certificate of an mTLS webhook, read and checked now (a key that does not match
// is a start-up error, not a refused handshake later), kept for the sink's own TLS context.
result<std::shared_ptr<const net::client_identity>> read_client_identity(const config::sink_settings& sink,
                                                                         const env_lookup& getenv) {
  auto id = std::make_shared<net::client_identity>();
  id->certificate_source = "tls_client_certificate_file " + sink.tls_client_certificate_file;
  auto certificate = read_secret_file(sink.tls_client_certificate_file, getenv);
  if (!certificate) {
    return certificate.error();
  }
  id->certificate_pem = std::move(*certificate);
  if (!sink.tls_client_key_file.empty()) {
    id->key_source = "tls_client_key_file " + sink.tls_client_key_file;
    auto key = read_secret_file(sink.tls_client_key_file, getenv);
    if (!key) {
      return key.error();
    }
    id->key_pem = std::move(*key);
  }
  if (!sink.tls_client_key_password_file.empty() || !sink.tls_client_key_password_env.empty()) {
    auto password = read_file_or_env(sink.tls_client_key_password_file, sink.tls_client_key_password_env, getenv);
    if (!password) {
      return with_context(password.error(), "the key's password");
    }
    register_secret(*password);
    id->key_password = std::move(*password);
  }
  if (auto ok = net::check_client_identity(*id); !ok) {
    return ok.error();
  }
  return std::shared_ptr<const net::client_identity>(std::move(id));
}

// Headers, bearer token and client certificate: webhook sinks only (the loader refuses them
// elsewhere).
result<void> resolve_webhook_auth(const config::sink_settings& sink, const env_lookup& getenv,
                                  sinks::resolved_sink& out) {
  auto headers = read_headers(sink, getenv);
  if (!headers) {
    return headers.error();
  }
  out.headers = std::move(*headers);
  if (!sink.bearer_token_file.empty() || !sink.bearer_token_env.empty()) {
    auto token = read_header_secret(sink.bearer_token_file, sink.bearer_token_env, getenv);
    if (!token) {
      return with_context(token.error(), fmt::format("sink {} bearer token", sink.name));
    }
    out.bearer = std::string(trim(*token));
    register_secret(out.bearer);
  }
  if (!sink.tls_client_certificate_file.empty()) {
    auto id = read_client_identity(sink, getenv);
    if (!id) {
      return with_context(id.error(), fmt::format("sink {} client certificate", sink.name));
    }
    out.client_identity = std::move(*id);
  }
  return {};
}

}  // namespace

namespace {

// A relative secret path is under systemd's CREDENTIALS_DIRECTORY when that is set.
std::filesystem::path secret_path(const std::string& path, const env_lookup& getenv) {
  std::filesystem::path p(path);
  if (p.is_relative()) {
    if (auto dir = getenv("CREDENTIALS_DIRECTORY"); dir && !dir->empty()) {
      p = std::filesystem::path(*dir) / p;
    }
  }
  return p;
}

}  // namespace

result<std::string> read_secret_file(const std::string& path, const env_lookup& getenv) {
  const std::filesystem::path p = secret_path(path, getenv);
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    return make_error(error_kind::config,
                      fmt::format("cannot read secret file {}: {}", p.string(), std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  std::string secret = content.str();
  if (secret.size() > max_secret_bytes) {
    return make_error(error_kind::config, fmt::format("secret file {} is larger than 64 KiB", p.string()));
  }
  secret = strip_line_end(std::move(secret));
  if (trim(secret).empty()) {
    return make_error(error_kind::config, fmt::format("secret file {} is empty", p.string()));
  }
  return secret;
}

result<std::string> read_secret_env(const std::string& name, const env_lookup& getenv) {
  auto value = getenv(name);
  if (!value || trim(*value).empty()) {
    return make_error(error_kind::config, fmt::format("environment variable {} is not set or empty", name));
  }
  return strip_line_end(std::move(*value));
}

result<std::string> read_client_secret(const config::tenant_settings& tenant, const env_lookup& getenv) {
  if (tenant.credential.client_secret_file.empty() && tenant.credential.client_secret_env.empty()) {
    return make_error(error_kind::config,
                      fmt::format("tenant {}: neither client_secret_file nor client_secret_env is set", tenant.name));
  }
  auto secret = !tenant.credential.client_secret_file.empty()
                    ? read_secret_file(tenant.credential.client_secret_file, getenv)
                    : read_secret_env(tenant.credential.client_secret_env, getenv);
  if (secret) {
    // Known from the moment it is read: whatever echoes it later is scrubbed (invariant 5).
    register_secret(*secret);
  }
  return secret;
}

result<sinks::resolved_sink> resolve_sink(const config::sink_settings& sink, const env_lookup& getenv) {
  sinks::resolved_sink out;
  out.settings = sink;
  if (!sink.url.empty()) {
    out.url = sink.url;
  } else {
    auto url = !sink.url_file.empty() ? read_secret_file(sink.url_file, getenv) : read_secret_env(sink.url_env, getenv);
    if (!url) {
      return with_context(url.error(), fmt::format("sink {} url", sink.name));
    }
    out.url = std::string(trim(*url));
    if (!sink.url_file.empty()) {
      out.url_file_path = secret_path(sink.url_file, getenv).string();
    }
  }
  // Webhook URLs carry their token in the path or the query; a receiver or proxy that echoes
  // the URL, or a part of it, in an error has it scrubbed (invariant 5).
  register_url_secrets(out.url);
  if (auto parsed = net::parse_https_url(out.url); !parsed) {
    return with_context(parsed.error(), fmt::format("sink {} url", sink.name));
  }
  if (!sink.signing_secret_file.empty() || !sink.signing_secret_env.empty()) {
    auto text = !sink.signing_secret_file.empty() ? read_secret_file(sink.signing_secret_file, getenv)
                                                  : read_secret_env(sink.signing_secret_env, getenv);
    if (!text) {
      return with_context(text.error(), fmt::format("sink {} signing secret", sink.name));
    }
    register_signing_key_text(*text);
    auto keys = sinks::parse_signing_keys(*text);
    if (!keys) {
      return with_context(keys.error(), fmt::format("sink {} signing secret", sink.name));
    }
    out.keys = std::move(*keys);
  }
  if (!sink.routing_key_file.empty() || !sink.routing_key_env.empty()) {
    auto key = !sink.routing_key_file.empty() ? read_secret_file(sink.routing_key_file, getenv)
                                              : read_secret_env(sink.routing_key_env, getenv);
    if (!key) {
      return with_context(key.error(), fmt::format("sink {} routing key", sink.name));
    }
    // It travels in the body of every event: a receiver or proxy that echoes the body in an
    // error has it scrubbed (invariant 5).
    out.routing_key = std::string(trim(*key));
    register_secret(out.routing_key);
  }
  if (auto auth = resolve_webhook_auth(sink, getenv, out); !auth) {
    return auth.error();
  }
  return out;
}

std::string locate(const std::string& file, const std::map<std::string, int>& lines, const std::string& key,
                   const std::string& display_key) {
  const auto it = lines.find(key);
  if (it == lines.end() || it->second <= 0) {
    return fmt::format("{}: {}: ", file, display_key);
  }
  return fmt::format("{}:{}: {}: ", file, it->second, display_key);
}

}  // namespace rootwatch::app
