// [daemon] listen has one parse: `validate` checks the value with it and `run` binds what it
// returns. These tables walk the forms an operator writes through both (issue 5, defect 9:
// "localhost:9469" passed validate and failed at run).

#include "app/daemon.hpp"
#include "config/load.hpp"
#include "net/http_server.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include <string>
#include <vector>

namespace rootwatch::app {
namespace {

struct good_case {
  std::string text;
  std::string host;
  std::uint16_t port;
};

const std::vector<good_case> good_cases{
    {"127.0.0.1:9469", "127.0.0.1", 9469}, {"0.0.0.0:9469", "0.0.0.0", 9469},
    {"[::1]:9469", "::1", 9469},           {"[::]:9469", "::", 9469},
    {"[0:0:0:0:0:0:0:1]:80", "::1", 80},   {"[::ffff:127.0.0.1]:1", "::ffff:127.0.0.1", 1},
    {"127.0.0.1:0", "127.0.0.1", 0},       {"127.0.0.1:65535", "127.0.0.1", 65535},
};

const std::vector<std::string> bad_cases{
    "localhost:9469",
    "localhost:8080",
    "rootwatch.example.net:9469",
    ":9469",
    "host:99999",
    "127.0.0.1:65536",
    "nohost",
    "127.0.0.1:abc",
    "127.0.0.1:",
    "",
    "127.0.0.1",
    "127.0.0.1:-1",
    "127.0.0.1:+80",
    "127.0.0.1: 9469",
    "127.0.0.1:9469 ",
    "127.0.0.1:94a",
    "127.0.0.1:4294967297",
    "127.0.0.1:009469",
    "300.1.1.1:80",
    "[::1]",
    "[::1]:",
    "[::1]9469",
    "[::1]:9469x",
    "::1:9469",
    "[fe80::1%lo]:80",
    "[localhost]:80",
};

config::load_result load_with_listen(const std::string& listen) {
  return config::load_string(R"([daemon]
listen = ")" + listen + R"("
[[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
credential.kind = "azure_cli"
)",
                             "listen.toml");
}

TEST(parse_listen, accepts_ip_literals_and_a_port_and_gives_the_canonical_address) {
  for (const auto& c : good_cases) {
    SCOPED_TRACE(c.text);
    const auto a = parse_listen(c.text);
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->host, c.host);
    EXPECT_EQ(a->port, c.port);
  }
}

TEST(parse_listen, refuses_host_names_and_what_is_not_address_colon_port) {
  for (const auto& text : bad_cases) {
    SCOPED_TRACE(text);
    const auto a = parse_listen(text);
    ASSERT_FALSE(a) << a->host << " " << a->port;
    EXPECT_EQ(a.error().kind, error_kind::config);
  }
}

TEST(parse_listen, says_which_part_is_wrong) {
  const auto name = parse_listen("localhost:9469");
  ASSERT_FALSE(name);
  EXPECT_EQ(name.error().message,
            "'localhost:9469' does not start with an IP address: listen takes an IP address, not a host name, e.g. "
            "127.0.0.1:9469, 0.0.0.0:9469, [::1]:9469 or [::]:9469");
  const auto bad_port = parse_listen("127.0.0.1:99999");
  ASSERT_FALSE(bad_port);
  EXPECT_NE(bad_port.error().message.find("no valid port"), std::string::npos) << bad_port.error().message;
  const auto long_text = parse_listen(std::string(10'000, '1') + ":80");
  ASSERT_FALSE(long_text);
  EXPECT_LT(long_text.error().message.size(), 300u);
}

// What `validate` accepts is exactly what `run` parses, and run can bind all of it.
TEST(parse_listen, validate_and_run_agree_on_every_form) {
  for (const auto& c : good_cases) {
    SCOPED_TRACE(c.text);
    const auto loaded = load_with_listen(c.text);
    ASSERT_TRUE(loaded.value) << loaded.problems.front().to_string();
    const auto a = parse_listen(loaded.value->daemon.listen);
    ASSERT_TRUE(a) << a.error().message;
    // http_server::listen takes the host through asio::ip::make_address.
    boost::system::error_code ec;
    boost::asio::ip::make_address(a->host, ec);
    EXPECT_FALSE(ec) << ec.message();
  }
  for (const auto& text : bad_cases) {
    if (text.empty()) {
      continue;  // "" turns the listener off: run does not parse it
    }
    SCOPED_TRACE(text);
    const auto loaded = load_with_listen(text);
    ASSERT_FALSE(loaded.value);
    ASSERT_EQ(loaded.problems.size(), 1u);
    EXPECT_EQ(loaded.problems[0].key, "daemon.listen");
  }
}

TEST(parse_listen, run_binds_what_validate_accepts) {
  for (const std::string text : {"127.0.0.1:0", "0.0.0.0:0"}) {
    SCOPED_TRACE(text);
    ASSERT_TRUE(load_with_listen(text).value);
    const auto a = parse_listen(text);
    ASSERT_TRUE(a) << a.error().message;
    boost::asio::io_context io;
    net::server_options so;
    so.address = a->host;
    so.port = a->port;
    auto server = net::http_server::listen(io.get_executor(), so,
                                           [](const net::server_request&) { return net::server_response{}; });
    ASSERT_TRUE(server) << server.error().message;
    EXPECT_NE((*server)->port(), 0);
  }
}

}  // namespace
}  // namespace rootwatch::app
