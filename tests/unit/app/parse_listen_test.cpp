#include "app/daemon.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rootwatch::app {
namespace {

struct good_case {
  std::string text;
  std::string host;
  std::uint16_t port;
};

TEST(parse_listen, accepts_host_and_port_in_every_documented_spelling) {
  const std::vector<good_case> cases{
      {"127.0.0.1:9469", "127.0.0.1", 9469}, {"[::1]:9469", "::1", 9469},     {":9469", "0.0.0.0", 9469},
      {"0.0.0.0:9469", "0.0.0.0", 9469},     {"[::]:9469", "::", 9469},       {"localhost:8080", "localhost", 8080},
      {"127.0.0.1:0", "127.0.0.1", 0},       {"127.0.0.1:1", "127.0.0.1", 1}, {"127.0.0.1:65535", "127.0.0.1", 65535},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const auto a = parse_listen(c.text);
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->host, c.host);
    EXPECT_EQ(a->port, c.port);
  }
}

TEST(parse_listen, refuses_what_is_not_host_colon_port) {
  const std::vector<std::string> cases{
      "host:99999",    "127.0.0.1:65536",      "nohost",        "127.0.0.1:abc",   "127.0.0.1:",      "",
      "127.0.0.1",     "127.0.0.1:-1",         "127.0.0.1:+80", "127.0.0.1: 9469", "127.0.0.1:9469 ", "[::1]",
      "127.0.0.1:94a", "127.0.0.1:4294967297",
  };
  for (const auto& text : cases) {
    SCOPED_TRACE(text);
    const auto a = parse_listen(text);
    ASSERT_FALSE(a) << a->host << " " << a->port;
    EXPECT_EQ(a.error().kind, error_kind::config);
    EXPECT_NE(a.error().message.find("'" + text + "'"), std::string::npos) << a.error().message;
  }
}

TEST(parse_listen, says_which_part_is_wrong) {
  const auto no_colon = parse_listen("nohost");
  ASSERT_FALSE(no_colon);
  EXPECT_NE(no_colon.error().message.find("not host:port"), std::string::npos) << no_colon.error().message;
  const auto bad_port = parse_listen("host:99999");
  ASSERT_FALSE(bad_port);
  EXPECT_NE(bad_port.error().message.find("no valid port"), std::string::npos) << bad_port.error().message;
}

}  // namespace
}  // namespace rootwatch::app
