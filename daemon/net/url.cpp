#include "net/url.hpp"

#include "common/strings.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <string>

namespace rootwatch::net {

result<url_parts> parse_https_url(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) {
    return make_error(error_kind::config, "not a valid URL: " + redact_url(text));
  }
  const boost::urls::url_view& u = *parsed;
  if (!iequals(u.scheme(), "https")) {
    return make_error(error_kind::config, "only https:// URLs are allowed: " + redact_url(text));
  }
  if (u.has_userinfo()) {
    return make_error(error_kind::config, "credentials in URLs are not supported: " + redact_url(text));
  }
  url_parts out;
  out.host = u.host_address();
  if (out.host.empty()) {
    return make_error(error_kind::config, "URL without a host: " + redact_url(text));
  }
  out.host_is_ip = u.host_type() == boost::urls::host_type::ipv4 || u.host_type() == boost::urls::host_type::ipv6;
  out.port = u.has_port() ? std::string(u.port()) : "443";
  // Boost.URL takes "host:" (and even "host:abc/", as host, an empty port and a path) as a URL
  // with an empty port; refuse that and out-of-range numbers here rather than at connect time.
  if (out.port.empty() || out.port.size() > 5 || std::stoi(out.port) < 1 || std::stoi(out.port) > 65535) {
    return make_error(error_kind::config, "URL with an invalid port: " + redact_url(text));
  }
  out.target = std::string(u.encoded_target());
  if (out.target.empty() || out.target.front() != '/') {
    out.target.insert(out.target.begin(), '/');
  }
  return out;
}

std::string redact_url(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) {
    return "<unparsable URL>";
  }
  std::string out = std::string(parsed->scheme()) + "://" + std::string(parsed->encoded_host());
  if (parsed->has_port()) {
    out += ":" + std::string(parsed->port());
  }
  if (!parsed->encoded_path().empty() && parsed->encoded_path() != "/") {
    out += "/…";
  }
  return out;
}

}  // namespace rootwatch::net
