// The single-value checks and the problem format, over their edge cases.

#include "config/checks.hpp"
#include "config/settings.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>

namespace rootwatch::config {
namespace {

TEST(ConfigChecks, ClosestMatchFindsTyposOnly) {
  constexpr std::array<std::string_view, 4> keys{"poll_interval", "remind_every", "url", "name"};
  EXPECT_EQ(closest_match("pol_interval", keys), "poll_interval");
  EXPECT_EQ(closest_match("Poll_Interval", keys), "poll_interval");
  EXPECT_EQ(closest_match("remind_evry", keys), "remind_every");
  EXPECT_EQ(closest_match("uri", keys), "url");
  EXPECT_EQ(closest_match("remind", keys), "remind_every");
  EXPECT_FALSE(closest_match("colour", keys));
  EXPECT_FALSE(closest_match("x", keys));
  EXPECT_FALSE(closest_match("", keys));
}

TEST(ConfigChecks, NotOneOfListsTheChoices) {
  constexpr std::array<std::string_view, 2> formats{"text", "json"};
  EXPECT_EQ(not_one_of("JSON", formats), "'JSON' is not one of text, json; did you mean 'json'?");
  EXPECT_EQ(not_one_of("yaml", formats), "'yaml' is not one of text, json");
}

TEST(ConfigChecks, Names) {
  EXPECT_FALSE(name_problem("contoso-prod_1.eu"));
  EXPECT_TRUE(name_problem(""));
  EXPECT_TRUE(name_problem("con toso"));
  EXPECT_TRUE(name_problem("contoso/prod"));
}

// listen_problem is common/listen_address.hpp's parse, the one `run` binds with
// (tests/unit/app/parse_listen_test.cpp checks that run binds what it accepts).
TEST(ConfigChecks, ListenAddresses) {
  for (const char* good : {"", "127.0.0.1:9469", "0.0.0.0:0", "127.0.0.1:65535", "[::1]:9469", "[::]:80",
                           "[fe80::1:2]:1", "[::ffff:127.0.0.1]:9469", "[2001:db8::42]:443"}) {
    EXPECT_FALSE(listen_problem(good)) << good;
  }
  for (const char* bad : {
           "9469",             // no address
           ":9469",            // no address: all interfaces must be spelled out
           "localhost:9469",   // a host name passed validate and failed at run
           "localhost:65535",  //
           "rootwatch.example.net:9469",
           "127.0.0.1:",           // no port
           "127.0.0.1:65536",      // port out of range
           "127.0.0.1:-1",         //
           "127.0.0.1:+80",        //
           "127.0.0.1:94a",        // trailing junk in the port
           "127.0.0.1:9469 ",      //
           " 127.0.0.1:9469",      //
           "127.0.0.1:9469/",      //
           "127.0.0.1:000009469",  // a sixth digit
           "256.0.0.1:80",         // not an IPv4 address
           "1.2.3:80",             //
           "::1:9469",             // IPv6 without brackets
           "[::1]9469",            // no ':' before the port
           "[::1]:9469junk",       //
           "[::1:9469",            // no closing bracket
           "[127.0.0.1]:80",       // IPv4 in brackets
           "[]:80",                //
           "[fe80::1%eth0]:80",    // zone ids are not taken
           "host name:80",         //
       }) {
    EXPECT_TRUE(listen_problem(bad)) << bad;
  }
  EXPECT_THAT(*listen_problem("localhost:9469"), ::testing::HasSubstr("not a host name"));
}

// https_url_problem is common/https_url.hpp's parse, the one every request goes through.
TEST(ConfigChecks, HttpsUrls) {
  for (const char* good : {"https://hooks.example.net/x?token=1", "HTTPS://hooks.example.net:8443/x",
                           "https://127.0.0.1:40123/hook", "https://[::1]:8443/hook", "https://[2001:db8::42]/",
                           "https://xn--bcher-kva.example/", "https://my_host.example/x#part"}) {
    EXPECT_FALSE(https_url_problem(good, false)) << good;
  }
  for (const char* bad : {
           "HTTPS://user:pass@hooks.example.net:8443/x",  // user info passed validate and failed at run
           "https://user@hooks.example.net/x",            //
           "https://:pass@hooks.example.net/x",           //
           "http://example.net",                          // TLS is always on
           "ftp://example.net/file",                      //
           "example.net",                                 //
           "//example.net/x",                             //
           "https://",                                    // no host
           "https:///path",                               //
           "https:example.net",                           //
           "https://a b.example",                         // white space
           "https://example.net/ x",                      //
           "https://example.net/x\n",                     //
           "https://example.net:0/",                      // port out of range
           "https://example.net:65536/",                  //
           "https://example.net:/",                       // empty port
           "https://example.net:443junk/",                // trailing junk in the port
           "https://exa%20mple.net/",                     // not a DNS name
           "https://[v1.x]/",                             //
           "https://[::1/x",                              //
       }) {
    EXPECT_TRUE(https_url_problem(bad, false)) << bad;
  }
  EXPECT_FALSE(https_url_problem("https://login.microsoftonline.com/", true));
  EXPECT_TRUE(https_url_problem("https://arm.example.net/?x=1", true));
  EXPECT_TRUE(https_url_problem("https://arm.example.net/#x", true));
  EXPECT_EQ(https_url_problem("http://example.net", false),
            "only https:// URLs are allowed: http:// is refused because TLS is always on");
  EXPECT_EQ(https_url_problem("example.net", false),
            "not a valid URL (a URL has no spaces, and escapes other special characters as %XX)");
  const auto userinfo = https_url_problem("https://alice:hunter2@example.net/", false);
  ASSERT_TRUE(userinfo);
  EXPECT_THAT(*userinfo, ::testing::HasSubstr("credentials in URLs are not supported"));
  EXPECT_THAT(*userinfo, ::testing::Not(::testing::HasSubstr("hunter2")));
}

TEST(ConfigChecks, NotOneOfEchoesOnlyShortPlainValues) {
  constexpr std::array<std::string_view, 2> formats{"text", "json"};
  EXPECT_EQ(not_one_of("", formats), "not one of text, json");
  const std::string long_value(3000, 'j');
  const auto message = not_one_of(long_value, formats);
  EXPECT_LT(message.size(), 200u) << message;
  EXPECT_EQ(not_one_of("js\non", formats), "not one of text, json; did you mean 'json'?");
  EXPECT_EQ(not_one_of("it's", formats), "not one of text, json");
}

TEST(ConfigChecks, EnvironmentVariableNames) {
  EXPECT_FALSE(env_name_problem("AZURE_CLIENT_SECRET"));
  EXPECT_FALSE(env_name_problem("_x1"));
  EXPECT_TRUE(env_name_problem(""));
  EXPECT_TRUE(env_name_problem("1X"));
  EXPECT_TRUE(env_name_problem("$AZURE_CLIENT_SECRET"));
  EXPECT_TRUE(env_name_problem("abc~def.ghi"));
}

TEST(ConfigChecks, TrailingSlashes) {
  EXPECT_EQ(strip_trailing_slashes("https://a.example//"), "https://a.example");
  EXPECT_EQ(strip_trailing_slashes("https://a.example/x"), "https://a.example/x");
}

TEST(ConfigProblem, ToStringOmitsWhatIsUnknown) {
  EXPECT_EQ((problem{"f.toml", 12, 3, "tenant[0].poll_interval", "too small"}).to_string(),
            "f.toml:12:3: tenant[0].poll_interval: too small");
  EXPECT_EQ((problem{"f.toml", 12, 3, "", "syntax"}).to_string(), "f.toml:12:3: syntax");
  EXPECT_EQ((problem{"f.toml", 0, 0, "tenant", "none"}).to_string(), "f.toml: tenant: none");
  EXPECT_EQ((problem{"f.toml", 0, 0, "", "unreadable"}).to_string(), "f.toml: unreadable");
  EXPECT_EQ((problem{"f.toml", 4, 0, "k", "m"}).to_string(), "f.toml:4: k: m");
}

TEST(ConfigNames, ToStringSpellsTheConfigurationValues) {
  EXPECT_EQ(to_string(credential_kind::workload_identity), "workload_identity");
  EXPECT_EQ(to_string(source_kind::entra_audit), "entra_audit");
  EXPECT_EQ(to_string(sink_kind::azure_monitor_logs), "azure_monitor_logs");
  EXPECT_EQ(to_string(webhook_format::common_alert_schema), "common_alert_schema");
}

}  // namespace
}  // namespace rootwatch::config
