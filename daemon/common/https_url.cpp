#include "common/https_url.hpp"

#include "common/strings.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>

namespace rootwatch {
namespace {

error refused(std::string message) {
  return make_error(error_kind::config, std::move(message));
}

// Boost.URL takes any percent-encoded reg-name as a host; a resolver takes only DNS names.
bool is_dns_name(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_';
  });
}

// Boost.URL takes "host:" (and "host:abc/" as a host, an empty port and a path) as a URL with
// an empty port; refuse that and out-of-range numbers here rather than at connect time.
bool is_port(std::string_view port) {
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const int value = std::stoi(std::string(port));
  return value >= 1 && value <= 65535;
}

}  // namespace

result<https_url> parse_https_url(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) {
    return refused("not a valid URL (a URL has no spaces, and escapes other special characters as %XX)");
  }
  const boost::urls::url_view& u = *parsed;
  if (iequals(u.scheme(), "http")) {
    return refused("only https:// URLs are allowed: http:// is refused because TLS is always on");
  }
  if (!iequals(u.scheme(), "https")) {
    return refused("only https:// URLs are allowed");
  }
  if (u.has_userinfo()) {
    return refused("credentials in URLs are not supported: remove the user:password@ part");
  }
  https_url out;
  const auto type = u.host_type();
  out.host_is_ip = type == boost::urls::host_type::ipv4 || type == boost::urls::host_type::ipv6;
  out.host = u.host_address();
  if (out.host.empty()) {
    return refused("the URL has no host after https://");
  }
  if (!out.host_is_ip && (type != boost::urls::host_type::name || !is_dns_name(u.encoded_host()))) {
    return refused("the URL's host is neither a DNS name nor an IP address");
  }
  out.port = u.has_port() ? std::string(u.port()) : "443";
  if (!is_port(out.port)) {
    return refused("URL with an invalid port: the port must be a number from 1 to 65535");
  }
  // RFC 3986 has a path after the authority start with '/'; Boost.URL 1.81 takes the "junk/"
  // of "host:443junk/" as the path.
  if (!u.encoded_path().empty() && u.encoded_path().front() != '/') {
    return refused("URL with an invalid port: the port must be a number from 1 to 65535");
  }
  out.target = std::string(u.encoded_target());
  if (out.target.empty() || out.target.front() != '/') {
    out.target.insert(out.target.begin(), '/');
  }
  out.has_query = u.has_query();
  out.has_fragment = u.has_fragment();
  return out;
}

}  // namespace rootwatch
