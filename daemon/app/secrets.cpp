#include "app/secrets.hpp"

#include "common/secret_scrub.hpp"
#include "common/strings.hpp"
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

// The key as written ("whsec_<base64>") and its base64 part, which is what a receiver that
// echoes its configuration would show.
// Each key of the text (several while keys rotate), with and without its prefix.
void register_signing_key_text(std::string_view text) {
  register_secret(trim(text));
  std::size_t at = 0;
  while (at < text.size()) {
    const auto start = text.find_first_not_of(" \t\r\n", at);
    if (start == std::string_view::npos) {
      break;
    }
    const auto end = std::min(text.find_first_of(" \t\r\n", start), text.size());
    const auto key = text.substr(start, end - start);
    register_secret(key);
    constexpr std::string_view prefix = "whsec_";
    if (key.substr(0, prefix.size()) == prefix) {
      register_secret(key.substr(prefix.size()));
    }
    at = end;
  }
}

}  // namespace

result<std::string> read_secret_file(const std::string& path, const env_lookup& getenv) {
  std::filesystem::path p(path);
  if (p.is_relative()) {
    if (auto dir = getenv("CREDENTIALS_DIRECTORY"); dir && !dir->empty()) {
      p = std::filesystem::path(*dir) / p;
    }
  }
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
