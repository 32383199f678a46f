#include "common/listen_address.hpp"

#include "common/echo.hpp"

#include <boost/url/grammar/parse.hpp>
#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>

#include <algorithm>
#include <charconv>

namespace rootwatch {
namespace {

constexpr std::string_view examples = "e.g. 127.0.0.1:9469, 0.0.0.0:9469, [::1]:9469 or [::]:9469";

error refused(std::string_view text, std::string_view why) {
  const std::string shown = echo_value(text);
  return make_error(error_kind::config,
                    (shown.empty() ? std::string("the listen address") : shown) + " " + std::string(why));
}

// Digits only: from_chars alone would take "+80" and "-1" apart, and a sixth digit is a typo.
result<std::uint16_t> parse_port(std::string_view text, std::string_view port) {
  unsigned value = 0;
  const auto* end = port.data() + port.size();
  const auto [ptr, ec] = std::from_chars(port.data(), end, value);
  if (port.empty() || port.size() > 5 || port.front() == '+' || port.front() == '-' || ec != std::errc{} ||
      ptr != end || value > 65535) {
    return refused(text, "has no valid port: the port is a number from 0 to 65535");
  }
  return static_cast<std::uint16_t>(value);
}

result<listen_address> parse_bracketed(std::string_view text) {
  const auto close = text.find(']');
  if (close == std::string_view::npos) {
    return refused(text, "needs a closing ']' after the IPv6 address, e.g. [::1]:9469");
  }
  const auto address = boost::urls::parse_ipv6_address(text.substr(1, close - 1));
  if (!address) {
    return refused(text, "has something other than an IPv6 address in brackets, e.g. [::1]:9469");
  }
  const auto rest = text.substr(close + 1);
  if (rest.empty() || rest.front() != ':') {
    return refused(text, "is not address:port: expected ':' and a port after ']', e.g. [::1]:9469");
  }
  auto port = parse_port(text, rest.substr(1));
  if (!port) {
    return port.error();
  }
  return listen_address{.host = address->to_string(), .port = *port};
}

}  // namespace

result<listen_address> parse_listen(std::string_view text) {
  if (!text.empty() && text.front() == '[') {
    return parse_bracketed(text);
  }
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return refused(text, "is not address:port, " + std::string(examples));
  }
  const auto host = text.substr(0, colon);
  if (host.empty()) {
    return refused(text,
                   "has no address before the port: use 0.0.0.0:9469 for every IPv4 address or [::]:9469 "
                   "for every address");
  }
  if (host.find(':') != std::string_view::npos) {
    return refused(text, "has an IPv6 address without brackets: write it as [::1]:9469");
  }
  const auto address = boost::urls::parse_ipv4_address(host);
  if (!address) {
    return refused(text, "does not start with an IP address: listen takes an IP address, not a host name, " +
                             std::string(examples));
  }
  auto port = parse_port(text, text.substr(colon + 1));
  if (!port) {
    return port.error();
  }
  return listen_address{.host = address->to_string(), .port = *port};
}

}  // namespace rootwatch
