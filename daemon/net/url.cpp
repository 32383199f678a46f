#include "net/url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <string>

namespace rootwatch::net {

result<url_parts> parse_https_url(std::string_view text) {
  auto parsed = rootwatch::parse_https_url(text);
  if (!parsed) {
    error e = parsed.error();
    e.message += ": " + redact_url(text);
    return e;
  }
  return parsed;
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
