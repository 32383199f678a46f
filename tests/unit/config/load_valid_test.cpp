// Configurations that must load, and the values they must load as.

#include "config/clouds.hpp"
#include "config/load.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace rootwatch::config {
namespace {

using namespace std::chrono_literals;

settings load_ok(std::string_view text) {
  const auto result = load_string(text, "test.toml");
  for (const auto& p : result.problems) {
    ADD_FAILURE() << p.to_string();
  }
  if (!result.value) {
    throw std::runtime_error("the configuration did not load");
  }
  return *result.value;
}

constexpr std::string_view full_config = R"([daemon]
state_dir = "/srv/rootwatch"
listen = "[::1]:9470"
log_level = "debug"
log_format = "json"
shutdown_grace = "20s"

[tls]
ca_file = "/etc/rootwatch/proxy-ca.pem"

[[tenant]]
name = "contoso"
tenant_id = "AAAAAAAA-0000-0000-0000-00000000000A"
cloud = "AzureUSGovernment"
poll_interval = "1m30s"
sources = ["resource_graph", "arm", "activity_log", "entra_audit"]
baseline = "silent"
remind_every = "0s"
request_timeout = "15s"

  [tenant.credential]
  kind = "client_secret"
  client_id = "11111111-1111-1111-1111-11111111111B"
  client_secret_env = "CONTOSO_SECRET"

  [tenant.endpoints]
  authority = "https://login.example.net/"
  resource_manager = "https://arm.example.net//"
  graph = "https://graph.example.net"
  arm_scope = "https://arm-audience.example.net//.default"

[[tenant]]
name = "fabrikam.prod_2"
tenant_id = "22222222-2222-2222-2222-222222222222"
  [tenant.credential]
  kind = "managed_identity"

[[rule]]
name = "uaa-at-root"
scopes = ["/"]
roles = ["User Access Administrator", "18D7D88D-D35E-4FB5-A5C3-7773C20A72D9"]
severity = "high"
allow = [
  { principal_id = "33333333-3333-3333-3333-33333333333C", reason = "break-glass" },
  { principal_id = "44444444-4444-4444-4444-444444444444", reason = "setup pipeline" },
]

[[rule]]
name = "anything-below-mg"
scopes = ["/providers/Microsoft.Management/managementGroups/corp/*"]
roles = ["*"]

[[sink]]
name = "soc"
kind = "webhook"
url = "https://hooks.example.net/rootwatch?token=abc"
format = "cloudevents"
signing_secret_file = "soc-key"
timeout = "5s"
retry_initial_backoff = "2s"
retry_max_backoff = "10m"
give_up_after = "24h"

[[sink]]
name = "pager"
kind = "pagerduty"
url_env = "PAGERDUTY_URL"
routing_key_env = "PAGER_KEY"

[[sink]]
name = "chat"
kind = "slack"
url_file = "/etc/rootwatch/slack-url"
)";

TEST(ConfigLoad, FullConfigLoadsEveryKey) {
  const settings s = load_ok(full_config);
  EXPECT_EQ(s.path, "test.toml");
  EXPECT_EQ(s.daemon.state_dir, "/srv/rootwatch");
  EXPECT_EQ(s.daemon.listen, "[::1]:9470");
  EXPECT_EQ(s.daemon.log_level, "debug");
  EXPECT_EQ(s.daemon.format, log_format::json);
  EXPECT_EQ(s.daemon.shutdown_grace, 20s);
  EXPECT_EQ(s.tls.ca_file, "/etc/rootwatch/proxy-ca.pem");
  ASSERT_EQ(s.tenants.size(), 2u);
  ASSERT_EQ(s.rules.size(), 2u);
  ASSERT_EQ(s.sinks.size(), 3u);
}

TEST(ConfigLoad, FullConfigTenant) {
  const tenant_settings t = load_ok(full_config).tenants.at(0);
  EXPECT_EQ(t.name, "contoso");
  EXPECT_EQ(t.tenant_id, "aaaaaaaa-0000-0000-0000-00000000000a");
  EXPECT_EQ(t.cloud, "AzureUSGovernment");
  EXPECT_EQ(t.poll_interval, 90s);
  EXPECT_EQ(t.sources, (std::vector<source_kind>{source_kind::resource_graph, source_kind::arm,
                                                 source_kind::activity_log, source_kind::entra_audit}));
  EXPECT_EQ(t.baseline, engine::baseline_mode::silent);
  EXPECT_EQ(t.remind_every, 0s);
  EXPECT_EQ(t.request_timeout, 15s);
  EXPECT_EQ(t.credential.kind, credential_kind::client_secret);
  EXPECT_EQ(t.credential.client_id, "11111111-1111-1111-1111-11111111111b");
  EXPECT_EQ(t.credential.client_secret_file, "");
  EXPECT_EQ(t.credential.client_secret_env, "CONTOSO_SECRET");
  EXPECT_EQ(t.endpoints.authority, "https://login.example.net");
  EXPECT_EQ(t.endpoints.resource_manager, "https://arm.example.net");
  EXPECT_EQ(t.endpoints.graph, "https://graph.example.net");
  EXPECT_EQ(t.endpoints.arm_scope, "https://arm-audience.example.net//.default");
}

TEST(ConfigLoad, FullConfigSecondTenantTakesDefaults) {
  const tenant_settings t = load_ok(full_config).tenants.at(1);
  EXPECT_EQ(t.name, "fabrikam.prod_2");
  EXPECT_EQ(t.credential.kind, credential_kind::managed_identity);
  EXPECT_EQ(t.credential.client_id, "");
  EXPECT_EQ(t.endpoints.resource_manager, "https://management.azure.com");
}

TEST(ConfigLoad, FullConfigRules) {
  const auto rules = load_ok(full_config).rules;
  EXPECT_EQ(rules[0].name, "uaa-at-root");
  EXPECT_EQ(rules[0].scopes, std::vector<std::string>{"/"});
  EXPECT_EQ(rules[0].roles,
            (std::vector<std::string>{"User Access Administrator", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"}));
  EXPECT_EQ(rules[0].level, engine::severity::high);
  EXPECT_EQ(rules[0].allow, (std::vector<engine::allow_entry>{
                                {"33333333-3333-3333-3333-33333333333c", "break-glass"},
                                {"44444444-4444-4444-4444-444444444444", "setup pipeline"},
                            }));
  EXPECT_EQ(rules[1].name, "anything-below-mg");
  EXPECT_EQ(rules[1].level, engine::severity::critical);
  EXPECT_TRUE(rules[1].allow.empty());
}

TEST(ConfigLoad, FullConfigSinks) {
  const auto sinks = load_ok(full_config).sinks;
  EXPECT_EQ(sinks[0].name, "soc");
  EXPECT_EQ(sinks[0].kind, sink_kind::webhook);
  EXPECT_EQ(sinks[0].url, "https://hooks.example.net/rootwatch?token=abc");
  EXPECT_EQ(sinks[0].format, webhook_format::cloudevents);
  EXPECT_EQ(sinks[0].signing_secret_file, "soc-key");
  EXPECT_EQ(sinks[0].timeout, 5s);
  EXPECT_EQ(sinks[0].retry_initial_backoff, 2s);
  EXPECT_EQ(sinks[0].retry_max_backoff, 10min);
  EXPECT_EQ(sinks[0].give_up_after, 24h);
  EXPECT_EQ(sinks[1].kind, sink_kind::pagerduty);
  EXPECT_EQ(sinks[1].url_env, "PAGERDUTY_URL");
  EXPECT_EQ(sinks[1].routing_key_env, "PAGER_KEY");
  EXPECT_EQ(sinks[1].signing_secret_env, "");
  EXPECT_EQ(sinks[1].format, webhook_format::rootwatch);
  EXPECT_EQ(sinks[2].kind, sink_kind::slack);
  EXPECT_EQ(sinks[2].url_file, "/etc/rootwatch/slack-url");
}

TEST(ConfigLoad, LinesOfTenantAndSinkKeys) {
  const settings s = load_ok(full_config);
  const auto& lines = s.tenants[0].lines;
  EXPECT_EQ(lines.at(""), 11);
  EXPECT_EQ(lines.at("name"), 12);
  EXPECT_EQ(lines.at("poll_interval"), 15);
  EXPECT_EQ(lines.at("credential"), 21);
  EXPECT_EQ(lines.at("credential.client_secret_env"), 24);
  EXPECT_EQ(lines.at("endpoints.arm_scope"), 30);
  EXPECT_EQ(s.tenants[1].lines.at(""), 32);
  EXPECT_EQ(s.sinks[0].lines.at(""), 53);
  EXPECT_EQ(s.sinks[0].lines.at("url"), 56);
  EXPECT_EQ(s.sinks[2].lines.at("url_file"), 73);
}

constexpr std::string_view minimal_config = R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
  [tenant.credential]
  kind = "client_secret"
  client_id = "11111111-1111-1111-1111-111111111111"
  client_secret_file = "contoso"
)";

TEST(ConfigLoad, DefaultsApply) {
  const settings s = load_ok(minimal_config);
  EXPECT_EQ(s.daemon.state_dir, "/var/lib/rootwatch");
  EXPECT_EQ(s.daemon.listen, "127.0.0.1:9469");
  EXPECT_EQ(s.daemon.log_level, "info");
  EXPECT_EQ(s.daemon.format, std::nullopt);  // text, unless $ROOTWATCH_LOG_FORMAT says otherwise
  EXPECT_EQ(s.daemon.shutdown_grace, 10s);
  EXPECT_EQ(s.tls.ca_file, "");
  const tenant_settings& t = s.tenants.at(0);
  EXPECT_EQ(t.cloud, "AzureCloud");
  EXPECT_EQ(t.poll_interval, 60s);
  EXPECT_EQ(t.sources,
            (std::vector<source_kind>{source_kind::arm, source_kind::resource_graph, source_kind::activity_log}))
      << "what Reader at / and at /providers/Microsoft.Insights cover; entra_audit is opt-in";
  EXPECT_EQ(t.initial_lookback, 24h);
  EXPECT_EQ(t.event_overlap, 15min);
  EXPECT_EQ(t.baseline, engine::baseline_mode::alert);
  EXPECT_EQ(t.remind_every, 6h);
  EXPECT_EQ(t.request_timeout, 30s);
  EXPECT_EQ(t.credential.client_secret_file, "contoso");
  EXPECT_TRUE(s.sinks.empty());
}

TEST(ConfigLoad, DefaultRuleWhenThereIsNone) {
  const settings s = load_ok(minimal_config);
  ASSERT_EQ(s.rules.size(), 1u);
  EXPECT_EQ(s.rules[0], (engine::rule{.name = "anything-at-root",
                                      .scopes = {"/"},
                                      .roles = {"*"},
                                      .level = engine::severity::critical,
                                      .allow = {},
                                      .escalate_after = std::nullopt,
                                      .escalate_to = engine::severity::critical}));
}

TEST(ConfigLoad, AnEmptyRuleListMeansTheDefaultRule) {
  // Watching nothing would be a silent failure; the default rule is the safe reading.
  const settings s = load_ok("rule = []\n" + std::string(minimal_config));
  ASSERT_EQ(s.rules.size(), 1u);
  EXPECT_EQ(s.rules[0].name, "anything-at-root");
}

TEST(ConfigLoad, SinkDefaults) {
  const settings s = load_ok(std::string(minimal_config) + R"(
[[sink]]
name = "soc"
kind = "webhook"
url = "https://hooks.example.net/x"
)");
  const sink_settings& k = s.sinks.at(0);
  EXPECT_EQ(k.format, webhook_format::rootwatch);
  EXPECT_EQ(k.signing_secret_file, "");
  EXPECT_EQ(k.signing_secret_env, "");
  EXPECT_EQ(k.timeout, 10s);
  EXPECT_EQ(k.retry_initial_backoff, 1s);
  EXPECT_EQ(k.retry_max_backoff, 5min);
  EXPECT_EQ(k.give_up_after, 72h);
}

TEST(ConfigLoad, ListenMayBeTurnedOff) {
  const settings s = load_ok(std::string("[daemon]\nlisten = \"\"\n") + std::string(minimal_config));
  EXPECT_EQ(s.daemon.listen, "");
}

// client_certificate needs its own keys instead: tests/unit/config/client_certificate_keys_test.cpp.
TEST(ConfigLoad, OtherCredentialKindsNeedNoClientSecret) {
  for (const char* kind : {"workload_identity", "managed_identity", "azure_cli"}) {
    const settings s = load_ok(std::string(R"([[tenant]]
name = "t"
tenant_id = "00000000-0000-0000-0000-000000000000"
credential.kind = ")") + kind + "\"\n");
    EXPECT_EQ(to_string(s.tenants[0].credential.kind), kind);
  }
}

struct cloud_case {
  const char* cloud;
  const char* authority;
  const char* resource_manager;
  const char* graph;
  const char* arm_scope;
};

class ConfigClouds : public testing::TestWithParam<cloud_case> {};

TEST_P(ConfigClouds, EndpointsComeFromTheCloud) {
  const cloud_case c = GetParam();
  const settings s = load_ok(std::string(R"([[tenant]]
name = "t"
tenant_id = "00000000-0000-0000-0000-000000000000"
cloud = ")") + c.cloud + R"("
credential.kind = "managed_identity"
)");
  const endpoint_settings& e = s.tenants.at(0).endpoints;
  EXPECT_EQ(e.authority, c.authority);
  EXPECT_EQ(e.resource_manager, c.resource_manager);
  EXPECT_EQ(e.graph, c.graph);
  EXPECT_EQ(e.arm_scope, c.arm_scope);
  EXPECT_EQ(cloud_endpoints(c.cloud)->arm_scope, c.arm_scope);
}

INSTANTIATE_TEST_SUITE_P(
    AllClouds, ConfigClouds,
    testing::Values(cloud_case{"AzureCloud", "https://login.microsoftonline.com", "https://management.azure.com",
                               "https://graph.microsoft.com", "https://management.azure.com/.default"},
                    cloud_case{"AzureUSGovernment", "https://login.microsoftonline.us",
                               "https://management.usgovcloudapi.net", "https://graph.microsoft.us",
                               "https://management.core.usgovcloudapi.net//.default"},
                    cloud_case{"AzureChinaCloud", "https://login.chinacloudapi.cn",
                               "https://management.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn",
                               "https://management.core.chinacloudapi.cn//.default"}));

TEST(ConfigClouds, UnknownCloudHasNoEndpoints) {
  EXPECT_FALSE(cloud_endpoints("AzureGermanCloud"));
  EXPECT_FALSE(cloud_endpoints("azurecloud"));
}

TEST(ConfigClouds, ResourceManagerOverrideDerivesTheScope) {
  const settings s = load_ok(R"([[tenant]]
name = "t"
tenant_id = "00000000-0000-0000-0000-000000000000"
cloud = "AzureChinaCloud"
credential.kind = "azure_cli"
endpoints.resource_manager = "https://arm.proxy.example/"
)");
  const endpoint_settings& e = s.tenants.at(0).endpoints;
  EXPECT_EQ(e.resource_manager, "https://arm.proxy.example");
  EXPECT_EQ(e.arm_scope, "https://arm.proxy.example/.default");
  EXPECT_EQ(e.authority, "https://login.chinacloudapi.cn");
  EXPECT_EQ(e.graph, "https://microsoftgraph.chinacloudapi.cn");
}

std::filesystem::path example_path() {
  return std::filesystem::path(__FILE__).parent_path() / "../../../config/rootwatch.example.toml";
}

TEST(ConfigExample, ExampleFileLoadsWithoutProblems) {
  const auto result = load_file(example_path().string());
  for (const auto& p : result.problems) {
    ADD_FAILURE() << p.to_string();
  }
  ASSERT_TRUE(result.value);
  const settings& s = *result.value;
  ASSERT_EQ(s.tenants.size(), 1u);
  EXPECT_EQ(s.tenants[0].sources.size(), 4u);
  EXPECT_EQ(s.tenants[0].credential.client_secret_file, "contoso-client-secret");
  ASSERT_EQ(s.rules.size(), 1u);
  EXPECT_EQ(s.rules[0].allow.size(), 1u);
  ASSERT_EQ(s.sinks.size(), 1u);
  EXPECT_EQ(s.sinks[0].signing_secret_file, "soc-signing-key");
}

TEST(ConfigExample, LoadFileReadsARealFile) {
  const auto path = std::filesystem::temp_directory_path() / ("rootwatch-config-test-" + std::to_string(::getpid()));
  {
    std::ofstream out(path);
    out << minimal_config;
  }
  const auto result = load_file(path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(result.value);
  EXPECT_EQ(result.value->path, path.string());
}

}  // namespace
}  // namespace rootwatch::config
