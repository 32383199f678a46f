#include "common/local_http_url.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <boost/url/parse.hpp>

namespace rootwatch {
namespace {

// Loopback (127.0.0.0/8, ::1) or IPv4 link-local (169.254.0.0/16), read with inet_pton so
// that every spelling of an address is judged by its value.
bool stays_on_host(const std::string& host) {
  unsigned char v4[4];
  if (inet_pton(AF_INET, host.c_str(), v4) == 1) {
    return v4[0] == 127 || (v4[0] == 169 && v4[1] == 254);
  }
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

}  // namespace

result<local_url> parse_local_http_url(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) {
    return make_error(error_kind::config, "not a URL");
  }
  if (parsed->scheme() != "http") {
    return make_error(error_kind::config, "must be an http:// URL (the identity endpoints have no TLS)");
  }
  if (parsed->has_userinfo() || parsed->has_fragment()) {
    return make_error(error_kind::config, "must not carry user info or a fragment");
  }
  local_url out;
  out.host = std::string(parsed->host_address());
  if (out.host != "localhost") {
    if (!stays_on_host(out.host)) {
      return make_error(error_kind::config,
                        "the host must be a loopback or link-local address (127.0.0.1, ::1, localhost, "
                        "169.254.x.x): plain HTTP never leaves this machine");
    }
  }
  out.port = parsed->has_port() ? std::string(parsed->port()) : "80";
  if (parsed->has_port() && (parsed->port_number() == 0)) {
    return make_error(error_kind::config, "the port must be from 1 to 65535");
  }
  out.target = std::string(parsed->encoded_resource());
  if (out.target.empty()) {
    out.target = "/";
  }
  return out;
}

}  // namespace rootwatch
