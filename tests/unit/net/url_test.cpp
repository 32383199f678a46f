#include "net/url.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rootwatch::net {
namespace {

// --- parse_https_url ---

TEST(parse_https_url, an_arm_url_gets_the_default_port_and_keeps_its_query) {
  const auto u = parse_https_url(
      "https://management.azure.com/providers/Microsoft.Authorization/roleAssignments"
      "?api-version=2022-04-01&$filter=atScope()");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->host, "management.azure.com");
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->target, "/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()");
  EXPECT_FALSE(u->host_is_ip);
}

TEST(parse_https_url, an_explicit_port_is_kept) {
  const auto u = parse_https_url("https://login.microsoftonline.com:8443/tenant/oauth2/v2.0/token");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->host, "login.microsoftonline.com");
  EXPECT_EQ(u->port, "8443");
  EXPECT_EQ(u->target, "/tenant/oauth2/v2.0/token");
}

TEST(parse_https_url, an_explicit_443_is_kept_as_written) {
  const auto u = parse_https_url("https://example.net:443/x");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->port, "443");
}

TEST(parse_https_url, a_port_outside_1_to_65535_or_empty_is_refused) {
  for (const std::string url :
       {"https://example.net:/x", "https://example.net:0/", "https://example.net:65536/", "https://example.net:99999/",
        "https://example.net:123456/", "https://example.net:port/"}) {
    SCOPED_TRACE(url);
    const auto u = parse_https_url(url);
    ASSERT_FALSE(u) << "port " << u->port << ", target " << u->target;
    EXPECT_EQ(u.error().kind, error_kind::config);
    EXPECT_NE(u.error().message.find("invalid port"), std::string::npos) << u.error().message;
  }
  const auto highest = parse_https_url("https://example.net:65535/");
  ASSERT_TRUE(highest) << highest.error().message;
  EXPECT_EQ(highest->port, "65535");
  const auto lowest = parse_https_url("https://example.net:1/");
  ASSERT_TRUE(lowest) << lowest.error().message;
  EXPECT_EQ(lowest->port, "1");
}

TEST(parse_https_url, an_ipv4_literal_is_marked_as_an_ip) {
  const auto u = parse_https_url("https://127.0.0.1:40123/providers/x?api-version=1");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "40123");
  EXPECT_EQ(u->target, "/providers/x?api-version=1");
  EXPECT_TRUE(u->host_is_ip);
}

TEST(parse_https_url, an_ipv6_literal_loses_its_brackets_and_is_marked_as_an_ip) {
  const auto u = parse_https_url("https://[::1]:8443/hook");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "8443");
  EXPECT_EQ(u->target, "/hook");
  EXPECT_TRUE(u->host_is_ip);

  const auto full = parse_https_url("https://[2001:db8::42]/");
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_EQ(full->host, "2001:db8::42");
  EXPECT_EQ(full->port, "443");
  EXPECT_TRUE(full->host_is_ip);
}

TEST(parse_https_url, a_host_name_that_looks_numeric_but_is_not_an_address_is_not_an_ip) {
  const auto u = parse_https_url("https://1.2.3.example/");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_FALSE(u->host_is_ip);
}

TEST(parse_https_url, a_url_without_a_path_targets_the_root) {
  const auto bare = parse_https_url("https://example.net");
  ASSERT_TRUE(bare) << bare.error().message;
  EXPECT_EQ(bare->target, "/");

  const auto query_only = parse_https_url("https://example.net?code=1");
  ASSERT_TRUE(query_only) << query_only.error().message;
  EXPECT_EQ(query_only->target, "/?code=1");
}

TEST(parse_https_url, an_arm_next_link_is_kept_byte_for_byte) {
  // The shape ARM and the Activity Log send: $filter with quotes and spaces escaped, and an
  // opaque $skipToken with ';', ':' and percent-escapes that must not be decoded or re-encoded.
  const std::string target =
      "/providers/Microsoft.Insights/eventtypes/management/values"
      "?api-version=2015-04-01&$filter=eventTimestamp%20ge%20'2025-02-11T10:00:00Z'"
      "&$skipToken=AS1:0637350613487791640:e06c2071;US1:-1:FFFFFFFF;EU1:-1:FFFFFFFF%3D%3D";
  const auto u = parse_https_url("https://management.azure.com" + target);
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->target, target);

  const std::string role_page =
      "/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&%24filter=atScope%28%29"
      "&%24skipToken=eyJuZXh0IjoiMTIzIn0%3d;rg:2";
  const auto p = parse_https_url("https://management.azure.com" + role_page);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->target, role_page) << "lower-case percent-escapes stay lower-case";
}

TEST(parse_https_url, the_fragment_is_not_sent) {
  const auto u = parse_https_url("https://example.net/a?b=c#section");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->target, "/a?b=c");
}

TEST(parse_https_url, the_scheme_is_case_insensitive) {
  const auto u = parse_https_url("HTTPS://example.net/x");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->host, "example.net");
}

TEST(parse_https_url, plain_http_is_refused) {
  for (const std::string url :
       {"http://example.net/", "http://127.0.0.1:8080/x", "ftp://example.net/file", "wss://example.net/socket"}) {
    SCOPED_TRACE(url);
    const auto u = parse_https_url(url);
    ASSERT_FALSE(u);
    EXPECT_EQ(u.error().kind, error_kind::config);
    EXPECT_NE(u.error().message.find("only https://"), std::string::npos) << u.error().message;
  }
}

TEST(parse_https_url, credentials_in_the_url_are_refused_without_being_repeated) {
  for (const std::string url :
       {"https://alice:hunter2@example.net/x", "https://hunter2@example.net/x", "https://:hunter2@example.net/"}) {
    SCOPED_TRACE(url);
    const auto u = parse_https_url(url);
    ASSERT_FALSE(u);
    EXPECT_EQ(u.error().kind, error_kind::config);
    EXPECT_NE(u.error().message.find("credentials"), std::string::npos) << u.error().message;
    EXPECT_EQ(u.error().message.find("hunter2"), std::string::npos) << u.error().message;
  }
}

TEST(parse_https_url, garbage_is_refused) {
  const std::vector<std::string> urls{
      "",
      "not a url",
      "example.net/x",
      "//example.net/x",
      "https://",
      "https:///path",
      "https:example.net",
      "https://exa mple.net/",
      "https://[::1/x",
  };
  for (const auto& url : urls) {
    SCOPED_TRACE(url);
    const auto u = parse_https_url(url);
    ASSERT_FALSE(u);
    EXPECT_EQ(u.error().kind, error_kind::config);
    EXPECT_FALSE(u.error().retryable);
  }
}

TEST(parse_https_url, a_refused_url_is_named_without_its_path_or_query) {
  const auto u = parse_https_url("http://hooks.example.net/services/T000/B000/XXXXSECRET?sig=SIGSECRET");
  ASSERT_FALSE(u);
  EXPECT_NE(u.error().message.find("hooks.example.net"), std::string::npos) << u.error().message;
  EXPECT_EQ(u.error().message.find("SECRET"), std::string::npos) << u.error().message;
}

// --- redact_url ---

struct redact_case {
  std::string url;
  std::string shown;
};

TEST(redact_url, shows_only_scheme_host_and_port) {
  const std::vector<redact_case> cases{
      {"https://hooks.slack.com/services/T000/B000/XXXX", "https://hooks.slack.com/…"},
      {"https://example.net", "https://example.net"},
      {"https://example.net/", "https://example.net"},
      {"https://example.net:8443/rootwatch?token=abc", "https://example.net:8443/…"},
      {"https://prod-00.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke"
       "?api-version=2016-06-01&sig=SIGNATURE",
       "https://prod-00.westeurope.logic.azure.com:443/…"},
      {"https://events.pagerduty.com/v2/enqueue", "https://events.pagerduty.com/…"},
      {"https://127.0.0.1:40123/hook", "https://127.0.0.1:40123/…"},
      {"https://[::1]:8443/hook", "https://[::1]:8443/…"},
      {"http://example.net/x", "http://example.net/…"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    EXPECT_EQ(redact_url(c.url), c.shown);
  }
}

TEST(redact_url, never_shows_a_query_even_without_a_path) {
  const auto shown = redact_url("https://example.net?code=SECRET");
  EXPECT_EQ(shown.find("SECRET"), std::string::npos) << shown;
  EXPECT_EQ(shown.rfind("https://example.net", 0), 0u) << shown;
}

TEST(redact_url, never_shows_userinfo) {
  const auto shown = redact_url("https://alice:hunter2@example.net/x");
  EXPECT_EQ(shown, "https://example.net/…");
}

TEST(redact_url, never_shows_a_fragment) {
  const auto shown = redact_url("https://example.net/#access_token=SECRET");
  EXPECT_EQ(shown.find("SECRET"), std::string::npos) << shown;
}

TEST(redact_url, an_unparsable_url_is_not_echoed) {
  EXPECT_EQ(redact_url("not a url with SECRET"), "<unparsable URL>");
  EXPECT_EQ(redact_url(""), "<unparsable URL>");
}

}  // namespace
}  // namespace rootwatch::net
