// The single-value checks and the problem format, over their edge cases.

#include "config/checks.hpp"
#include "config/settings.hpp"

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

TEST(ConfigChecks, ListenAddresses) {
  for (const char* good :
       {"", "127.0.0.1:9469", "0.0.0.0:0", "localhost:65535", "[::1]:9469", "[::]:80", "[fe80::1:2]:1"}) {
    EXPECT_FALSE(listen_problem(good)) << good;
  }
  for (const char* bad : {"9469", ":9469", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:94a", "::1:9469",
                          "[::1]9469", "[::1:9469", "[127.0.0.1]:80", "[]:80", "host name:80", "127.0.0.1:000009469"}) {
    EXPECT_TRUE(listen_problem(bad)) << bad;
  }
}

TEST(ConfigChecks, HttpsUrls) {
  EXPECT_FALSE(https_url_problem("https://hooks.example.net/x?token=1", false));
  EXPECT_FALSE(https_url_problem("HTTPS://user:pass@hooks.example.net:8443/x", false));
  EXPECT_FALSE(https_url_problem("https://login.microsoftonline.com/", true));
  EXPECT_EQ(https_url_problem("http://example.net", false),
            "http:// is refused because TLS is always on; use an https:// URL");
  EXPECT_EQ(https_url_problem("example.net", false), "must be an https:// URL");
  EXPECT_TRUE(https_url_problem("https://", false));
  EXPECT_TRUE(https_url_problem("https:///path", false));
  EXPECT_TRUE(https_url_problem("https://a b.example", false));
  EXPECT_TRUE(https_url_problem("https://arm.example.net/?x=1", true));
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
