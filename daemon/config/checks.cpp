#include "config/checks.hpp"

#include "common/strings.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

namespace rootwatch::config {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "warning" for "warn", "crit" for "critical": a truncation or an extension is a typo too,
// however many letters it adds, as long as the common part is not trivially short.
bool is_prefix_pair(std::string_view a, std::string_view b) {
  const auto& shorter = a.size() < b.size() ? a : b;
  const auto& longer = a.size() < b.size() ? b : a;
  return shorter.size() >= 3 && longer.substr(0, shorter.size()) == shorter;
}

bool is_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-';
}

bool is_ipv6_char(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
}

std::optional<std::string> port_problem(std::string_view port) {
  unsigned value = 0;
  const auto* end = port.data() + port.size();
  const auto [ptr, ec] = std::from_chars(port.data(), end, value);
  if (port.empty() || port.size() > 5 || ec != std::errc{} || ptr != end || value > 65535) {
    return "the port must be a number from 0 to 65535";
  }
  return std::nullopt;
}

std::optional<std::string> bracketed_listen_problem(std::string_view listen) {
  const auto close = listen.find(']');
  if (close == std::string_view::npos) {
    return "an IPv6 address needs a closing ']', e.g. [::1]:9469";
  }
  const auto host = listen.substr(1, close - 1);
  const auto rest = listen.substr(close + 1);
  if (host.empty() || host.find(':') == std::string_view::npos ||
      !std::all_of(host.begin(), host.end(), is_ipv6_char)) {
    return "only an IPv6 address goes in brackets, e.g. [::1]:9469";
  }
  if (rest.empty() || rest.front() != ':') {
    return "expected a port after the address, e.g. [::1]:9469";
  }
  return port_problem(rest.substr(1));
}

}  // namespace

std::optional<std::string_view> closest_match(std::string_view word, std::span<const std::string_view> candidates) {
  const std::string lower_word = to_lower(word);
  const std::size_t limit = lower_word.size() <= 4 ? 1 : 2;
  std::optional<std::string_view> best;
  std::size_t best_distance = limit + 1;
  for (const auto candidate : candidates) {
    const std::string lower_candidate = to_lower(candidate);
    std::size_t distance = edit_distance(lower_word, lower_candidate);
    if (distance > limit && is_prefix_pair(lower_word, lower_candidate)) {
      distance = limit;
    }
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string not_one_of(std::string_view value, std::span<const std::string_view> allowed) {
  std::string out = "'" + std::string(value) + "' is not one of ";
  for (std::size_t i = 0; i < allowed.size(); ++i) {
    out += i == 0 ? "" : ", ";
    out += allowed[i];
  }
  if (const auto guess = closest_match(value, allowed)) {
    out += "; did you mean '" + std::string(*guess) + "'?";
  }
  return out;
}

std::optional<std::string> name_problem(std::string_view name) {
  if (name.empty()) {
    return "must not be empty";
  }
  const auto allowed = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
  };
  if (!std::all_of(name.begin(), name.end(), allowed)) {
    return "'" + std::string(name) + "' may use only letters, digits, '.', '_' and '-'";
  }
  return std::nullopt;
}

std::optional<std::string> listen_problem(std::string_view listen) {
  if (listen.empty()) {
    return std::nullopt;
  }
  if (listen.front() == '[') {
    return bracketed_listen_problem(listen);
  }
  const auto colon = listen.rfind(':');
  if (colon == std::string_view::npos) {
    return "expected host:port, e.g. 127.0.0.1:9469 (or \"\" to turn the listener off)";
  }
  const auto host = listen.substr(0, colon);
  if (host.find(':') != std::string_view::npos) {
    return "write an IPv6 address in brackets, e.g. [::1]:9469";
  }
  if (host.empty()) {
    return "the host is missing: use 0.0.0.0:9469 for every IPv4 address or [::]:9469 for every address";
  }
  if (!std::all_of(host.begin(), host.end(), is_host_char)) {
    return "'" + std::string(host) + "' is not a host name or IP address";
  }
  return port_problem(listen.substr(colon + 1));
}

std::optional<std::string> https_url_problem(std::string_view url, bool base) {
  if (istarts_with(url, "http://")) {
    return "http:// is refused because TLS is always on; use an https:// URL";
  }
  if (!istarts_with(url, "https://")) {
    return "must be an https:// URL";
  }
  const auto rest = url.substr(8);
  const auto authority = rest.substr(0, rest.find_first_of("/?#"));
  // Basic-auth user info ("user:pass@host") is legal in a webhook URL; the host follows it.
  const auto at = authority.rfind('@');
  const auto host = at == std::string_view::npos ? authority : authority.substr(at + 1);
  if (host.empty() || host.front() == ':') {
    return "the URL has no host after https://";
  }
  if (std::any_of(url.begin(), url.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; })) {
    return "the URL must not contain white space";
  }
  if (base && url.find_first_of("?#") != std::string_view::npos) {
    return "a base URL cannot have a query string or a fragment";
  }
  return std::nullopt;
}

std::optional<std::string> env_name_problem(std::string_view name) {
  const auto head_ok = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; };
  const auto tail_ok = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; };
  if (name.empty() || !head_ok(name.front()) || !std::all_of(name.begin() + 1, name.end(), tail_ok)) {
    return "must be the name of an environment variable (letters, digits and '_'), not its value";
  }
  return std::nullopt;
}

std::string strip_trailing_slashes(std::string_view url) {
  while (!url.empty() && url.back() == '/') {
    url.remove_suffix(1);
  }
  return std::string(url);
}

}  // namespace rootwatch::config
