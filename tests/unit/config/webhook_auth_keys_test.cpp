// A webhook sink's custom headers, bearer token and TLS client certificate: what loads, each
// mistake named with its key and line, the header names rootwatch keeps for itself, and the
// other kinds refusing all of it.

#include "config/load.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rootwatch::config {
namespace {

using testing::HasSubstr;

constexpr std::string_view tenant = R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
  [tenant.credential]
  kind = "client_secret"
  client_id = "11111111-1111-1111-1111-111111111111"
  client_secret_file = "contoso"
)";  // 7 lines: the sink text starts at line 8

load_result load(std::string_view sinks) {
  return load_string(std::string(tenant) + std::string(sinks), "hooks.toml");
}

std::string messages(const load_result& r) {
  std::string out;
  for (const auto& p : r.problems) {
    out += p.to_string() + "\n";
  }
  return out;
}

TEST(webhook_auth_keys, headers_bearer_and_client_certificate_load) {
  const auto r = load(R"([[sink]]
name = "soc"
kind = "webhook"
url = "https://soc.example.com/hook"
bearer_token_env = "SOC_TOKEN"
tls_client_certificate_file = "soc-client.pem"
tls_client_key_file = "soc-client.key"
tls_client_key_password_file = "soc-client.pass"
  [[sink.header]]
  name = "X-Tenant"
  value = "contoso"
  [[sink.header]]
  name = "X-Api-Key"
  value_file = "soc-api-key"
  [[sink.header]]
  name = "X-Other"
  value_env = "SOC_OTHER"
[[sink]]
name = "plain"
kind = "webhook"
url = "https://plain.example.com/hook"
bearer_token_file = "plain-token"
)");
  ASSERT_TRUE(r.value) << messages(r);
  const auto& s = r.value->sinks.at(0);
  ASSERT_EQ(s.headers.size(), 3u);
  EXPECT_EQ(s.headers[0].name, "X-Tenant");
  EXPECT_EQ(s.headers[0].value, "contoso");
  EXPECT_EQ(s.headers[1].name, "X-Api-Key");
  EXPECT_EQ(s.headers[1].value_file, "soc-api-key");
  EXPECT_EQ(s.headers[2].value_env, "SOC_OTHER");
  EXPECT_EQ(s.bearer_token_env, "SOC_TOKEN");
  EXPECT_EQ(s.bearer_token_file, "");
  EXPECT_EQ(s.tls_client_certificate_file, "soc-client.pem");
  EXPECT_EQ(s.tls_client_key_file, "soc-client.key");
  EXPECT_EQ(s.tls_client_key_password_file, "soc-client.pass");
  const auto& plain = r.value->sinks.at(1);
  EXPECT_TRUE(plain.headers.empty());
  EXPECT_EQ(plain.bearer_token_file, "plain-token");
  EXPECT_EQ(plain.tls_client_certificate_file, "");
}

TEST(webhook_auth_keys, each_mistake_is_named_with_key_and_line) {
  const auto r = load(R"([[sink]]
name = "soc"
kind = "webhook"
url = "https://soc.example.com/hook"
bearer_token_file = "a"
bearer_token_env = "B"
tls_client_key_file = "k.pem"
  [[sink.header]]
  name = "X-Both"
  value = "a"
  value_env = "X_BOTH"
  [[sink.header]]
  name = "X-None"
  [[sink.header]]
  value = "no name"
  [[sink.header]]
  name = "X-Env"
  value_env = "not a name"
  [[sink.header]]
  name = "x-both"
  value = "again"
  valeu = "typo"
)");
  ASSERT_FALSE(r.value);
  const std::string all = messages(r);
  EXPECT_THAT(all, HasSubstr("hooks.toml:13:20: sink[0].bearer_token_env: set at most one of bearer_token_file and "
                             "bearer_token_env"));
  EXPECT_THAT(all, HasSubstr("hooks.toml:14:23: sink[0].tls_client_key_file: tls_client_key_file needs "
                             "tls_client_certificate_file"));
  EXPECT_THAT(all, HasSubstr("hooks.toml:18:15: sink[0].header[0].value_env: set only one of value, value_file and "
                             "value_env"));
  EXPECT_THAT(all, HasSubstr("sink[0].header[1]: missing the header's value"));
  EXPECT_THAT(all, HasSubstr("sink[0].header[2].name: missing required key"));
  EXPECT_THAT(all, HasSubstr("hooks.toml:25:15: sink[0].header[3].value_env:"));
  EXPECT_THAT(all, HasSubstr("hooks.toml:27:10: sink[0].header[4].name: header 'x-both' is already set by "
                             "sink[0].header[0].name"));
  EXPECT_THAT(all, HasSubstr("hooks.toml:29:3: sink[0].header[4].valeu: unknown key"));
}

TEST(webhook_auth_keys, header_names_rootwatch_sets_are_refused_in_any_case) {
  for (const std::string name :
       {"Host", "content-length", "Content-Type", "TRANSFER-ENCODING", "Connection", "authorization", "Webhook-Id",
        "webhook-timestamp", "WEBHOOK-SIGNATURE", "X Space", "X-Colon:", "", "X-Ümlaut"}) {
    const auto r = load(R"([[sink]]
name = "soc"
kind = "webhook"
url = "https://soc.example.com/hook"
  [[sink.header]]
  name = ")" + name + R"("
  value = "v"
)");
    ASSERT_FALSE(r.value) << name;
    ASSERT_EQ(r.problems.size(), 1u) << messages(r);
    EXPECT_EQ(r.problems[0].key, "sink[0].header[0].name") << name;
    EXPECT_EQ(r.problems[0].line, 13) << name;
  }
  const auto r = load(R"([[sink]]
name = "soc"
kind = "webhook"
url = "https://soc.example.com/hook"
  [[sink.header]]
  name = "Authorization"
  value = "Bearer s3cr3t-pasted-here"
)");
  ASSERT_FALSE(r.value);
  EXPECT_THAT(messages(r), HasSubstr("use bearer_token_file or bearer_token_env"));
  EXPECT_THAT(messages(r), testing::Not(HasSubstr("s3cr3t")));
}

TEST(webhook_auth_keys, a_value_with_a_line_break_is_refused_without_quoting_it) {
  const auto r = load(R"([[sink]]
name = "soc"
kind = "webhook"
url = "https://soc.example.com/hook"
  [[sink.header]]
  name = "X-Injected"
  value = "s3cr3t\r\nX-Evil: 1"
)");
  ASSERT_FALSE(r.value);
  ASSERT_EQ(r.problems.size(), 1u) << messages(r);
  EXPECT_EQ(r.problems[0].key, "sink[0].header[0].value");
  EXPECT_EQ(r.problems[0].line, 14);
  EXPECT_THAT(r.problems[0].message, HasSubstr("line break"));
  EXPECT_THAT(messages(r), testing::Not(HasSubstr("s3cr3t")));
}

TEST(webhook_auth_keys, at_most_32_headers) {
  std::string sink = R"([[sink]]
name = "soc"
kind = "webhook"
url = "https://soc.example.com/hook"
)";
  for (int i = 0; i < 33; ++i) {
    sink += "[[sink.header]]\nname = \"X-H" + std::to_string(i) + "\"\nvalue = \"v\"\n";
  }
  const auto r = load(sink);
  ASSERT_FALSE(r.value);
  ASSERT_EQ(r.problems.size(), 1u) << messages(r);
  EXPECT_EQ(r.problems[0].key, "sink[0].header");
  EXPECT_THAT(r.problems[0].message, HasSubstr("at most 32"));
}

TEST(webhook_auth_keys, other_kinds_refuse_them) {
  const struct {
    std::string_view sink;
    std::string_view why;
  } cases[] = {
      {R"(kind = "slack"
url_env = "SLACK_URL")",
       "its URL is its credential"},
      {R"(kind = "teams"
url_env = "TEAMS_URL")",
       "its URL is its credential"},
      {R"(kind = "pagerduty"
routing_key_env = "PD")",
       "its routing key is its credential"},
      {R"(kind = "action_group"
url = "https://ag.example.com/hook"
audience = "api://receiver")",
       "it sends its own Entra bearer token"},
      {R"(kind = "azure_monitor_logs"
endpoint = "https://dce.example.com"
dcr_immutable_id = "dcr-0123")",
       "it sends its own Entra bearer token"},
  };
  for (const auto& c : cases) {
    const auto r = load("[[sink]]\nname = \"other\"\n" + std::string(c.sink) + R"(
bearer_token_env = "TOKEN"
tls_client_certificate_file = "client.pem"
  [[sink.header]]
  name = "X-A"
  value = "a"
)");
    ASSERT_FALSE(r.value) << c.sink;
    ASSERT_EQ(r.problems.size(), 3u) << messages(r);
    const std::string all = messages(r);
    EXPECT_THAT(all, HasSubstr("sink[0].bearer_token_env: bearer_token_env applies only to webhook sinks"));
    EXPECT_THAT(all, HasSubstr("sink[0].tls_client_certificate_file: tls_client_certificate_file applies only"));
    EXPECT_THAT(all, HasSubstr("sink[0].header: header applies only to webhook sinks"));
    EXPECT_THAT(all, HasSubstr(c.why));
  }
}

}  // namespace
}  // namespace rootwatch::config
