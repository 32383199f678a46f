// The keys of the action_group and azure_monitor_logs sinks: which each takes and requires, the
// tenant whose credential gets the token (named, or the only one), the token scope, and the
// Logs Ingestion URL built from endpoint, dcr_immutable_id and stream.

#include "config/load.hpp"
#include "support/config_text.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rootwatch::config {
namespace {

using testing::HasSubstr;

std::string tenant_table(const std::string& name, const std::string& cloud = "AzureCloud") {
  return "[[tenant]]\nname = \"" + name + "\"\ntenant_id = \"00000000-0000-0000-0000-000000000000\"\ncloud = \"" +
         cloud +
         "\"\n  [tenant.credential]\n  kind = \"client_secret\"\n  client_id = "
         "\"11111111-1111-1111-1111-111111111111\"\n  client_secret_file = \"secret\"\n";
}

load_result load(const std::string& tenants, std::string_view sinks) {
  return load_string(tenants + std::string(sinks), "azure.toml");
}

std::string messages(const load_result& r) {
  return testing_support::problem_lines(r);
}

constexpr std::string_view action_group = R"([[sink]]
name = "ag"
kind = "action_group"
url_file = "ag-url"
audience = "api://rootwatch-receiver"
)";

constexpr std::string_view logs = R"([[sink]]
name = "law"
kind = "azure_monitor_logs"
endpoint = "https://rootwatch-dce.eastus-2.ingest.monitor.azure.com/"
dcr_immutable_id = "dcr-0123456789abcdef0123456789abcdef"
)";

TEST(azure_sink_keys, both_kinds_load_with_the_only_tenant_and_their_scopes) {
  const auto r = load(tenant_table("contoso"), std::string(action_group) + std::string(logs));
  ASSERT_TRUE(r.value) << messages(r);
  const auto& s = r.value->sinks;
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].kind, sink_kind::action_group);
  EXPECT_EQ(s[0].tenant, "contoso");
  EXPECT_EQ(s[0].url_file, "ag-url");
  EXPECT_EQ(s[0].token_scope, "api://rootwatch-receiver/.default");
  EXPECT_EQ(s[1].kind, sink_kind::azure_monitor_logs);
  EXPECT_EQ(s[1].tenant, "contoso");
  EXPECT_EQ(s[1].stream, "Custom-Rootwatch_CL");
  EXPECT_EQ(s[1].token_scope, "https://monitor.azure.com//.default");
  EXPECT_EQ(s[1].url,
            "https://rootwatch-dce.eastus-2.ingest.monitor.azure.com/dataCollectionRules/"
            "dcr-0123456789abcdef0123456789abcdef/streams/Custom-Rootwatch_CL?api-version=2023-01-01");
}

TEST(azure_sink_keys, the_logs_scope_follows_the_tenant_cloud_and_a_client_id_is_an_audience) {
  const auto r = load(tenant_table("gov", "AzureUSGovernment") + tenant_table("cn", "AzureChinaCloud"),
                      R"([[sink]]
name = "law-gov"
kind = "azure_monitor_logs"
tenant = "gov"
endpoint = "https://dce.usgovvirginia-1.ingest.monitor.azure.us"
dcr_immutable_id = "dcr-00000000000000000000000000000001"
stream = "Custom-Elevations_CL"
[[sink]]
name = "law-cn"
kind = "azure_monitor_logs"
tenant = "cn"
endpoint = "https://dce.chinaeast2-1.ingest.monitor.azure.cn"
dcr_immutable_id = "dcr-00000000000000000000000000000002"
[[sink]]
name = "ag"
kind = "action_group"
tenant = "cn"
url = "https://receiver.example.cn/hook"
audience = "22222222-2222-2222-2222-222222222222"
)");
  ASSERT_TRUE(r.value) << messages(r);
  const auto& s = r.value->sinks;
  EXPECT_EQ(s[0].token_scope, "https://monitor.azure.us//.default");
  EXPECT_THAT(s[0].url, HasSubstr("/streams/Custom-Elevations_CL?"));
  EXPECT_EQ(s[1].token_scope, "https://monitor.azure.cn//.default");
  EXPECT_EQ(s[2].tenant, "cn");
  EXPECT_EQ(s[2].token_scope, "22222222-2222-2222-2222-222222222222/.default");
}

TEST(azure_sink_keys, required_keys_missing_are_named_with_their_line) {
  const auto r = load(tenant_table("contoso"), R"([[sink]]
name = "ag"
kind = "action_group"
url = "https://receiver.example.net/hook"
[[sink]]
name = "law"
kind = "azure_monitor_logs"
)");
  ASSERT_FALSE(r.value);
  const auto text = messages(r);
  EXPECT_THAT(text, HasSubstr("azure.toml:9:1: sink[0].audience: missing required key"));
  EXPECT_THAT(text, HasSubstr("azure.toml:13:1: sink[1].endpoint: missing required key"));
  EXPECT_THAT(text, HasSubstr("azure.toml:13:1: sink[1].dcr_immutable_id: missing required key"));
}

TEST(azure_sink_keys, an_unknown_tenant_is_named_with_the_configured_ones) {
  const auto r = load(tenant_table("contoso") + tenant_table("fabrikam"), R"([[sink]]
name = "ag"
kind = "action_group"
tenant = "northwind"
url = "https://receiver.example.net/hook"
audience = "api://receiver"
)");
  ASSERT_FALSE(r.value);
  EXPECT_THAT(messages(r), HasSubstr("azure.toml:20:10: sink[0].tenant: no [[tenant]] is named 'northwind'; "
                                     "configured: 'contoso', 'fabrikam'"));
}

TEST(azure_sink_keys, with_several_tenants_the_tenant_must_be_named) {
  const auto r = load(tenant_table("contoso") + tenant_table("fabrikam"), logs);
  ASSERT_FALSE(r.value);
  EXPECT_THAT(messages(r), HasSubstr("sink[0].tenant: missing required key 'tenant'"));
}

TEST(azure_sink_keys, the_endpoint_must_be_https_and_ids_must_be_path_safe) {
  const auto r = load(tenant_table("contoso"), R"([[sink]]
name = "law"
kind = "azure_monitor_logs"
endpoint = "http://dce.eastus-2.ingest.monitor.azure.com"
dcr_immutable_id = "dcr-../../x"
stream = "Rootwatch_CL"
)");
  ASSERT_FALSE(r.value);
  const auto text = messages(r);
  EXPECT_THAT(text, HasSubstr("sink[0].endpoint: "));
  EXPECT_THAT(text, HasSubstr("https"));
  EXPECT_THAT(text, HasSubstr("sink[0].dcr_immutable_id: the data collection rule's immutable id"));
  EXPECT_THAT(text, HasSubstr("sink[0].stream: a stream declared in the DCR"));
}

TEST(azure_sink_keys, keys_of_other_kinds_are_refused) {
  const auto r = load(tenant_table("contoso"), R"([[sink]]
name = "law"
kind = "azure_monitor_logs"
url = "https://receiver.example.net/hook"
audience = "api://x"
signing_secret_file = "key"
endpoint = "https://dce.example.net"
dcr_immutable_id = "dcr-00000000000000000000000000000001"
[[sink]]
name = "hook"
kind = "webhook"
url = "https://receiver.example.net/hook"
tenant = "contoso"
stream = "Custom-X_CL"
[[sink]]
name = "ag"
kind = "action_group"
url = "https://receiver.example.net/hook"
audience = "api://x/.default"
format = "rootwatch"
)");
  ASSERT_FALSE(r.value);
  const auto text = messages(r);
  EXPECT_THAT(text, HasSubstr("sink[0].url: an azure_monitor_logs sink posts to its endpoint"));
  EXPECT_THAT(text, HasSubstr("sink[0].audience: audience applies only to action_group sinks"));
  EXPECT_THAT(text, HasSubstr("sink[0].signing_secret_file: a azure_monitor_logs sink is not signed"));
  EXPECT_THAT(text, HasSubstr("sink[1].tenant: tenant applies only to action_group and azure_monitor_logs sinks"));
  EXPECT_THAT(text, HasSubstr("sink[1].stream: stream applies only to azure_monitor_logs sinks"));
  EXPECT_THAT(text, HasSubstr("sink[2].audience: the audience, without \"/.default\""));
  EXPECT_THAT(text, HasSubstr("sink[2].format: format applies only to webhook sinks"));
}

}  // namespace
}  // namespace rootwatch::config
