// Configurations that must not load, and what the operator is told about each.

#include "config/load.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace rootwatch::config {
namespace {

using testing::HasSubstr;
using testing::Not;

// Seven lines: a tenant that is valid on its own, for tests about other tables.
constexpr std::string_view good_tenant = R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
  [tenant.credential]
  kind = "client_secret"
  client_id = "11111111-1111-1111-1111-111111111111"
  client_secret_file = "contoso"
)";

std::vector<problem> problems_of(std::string_view text) {
  const auto result = load_string(text, "bad.toml");
  EXPECT_FALSE(result.value) << "the configuration loaded although it is wrong";
  EXPECT_FALSE(result.problems.empty());
  return result.problems;
}

std::vector<problem> problems_with_tenant(std::string_view text) {
  return problems_of(std::string(good_tenant) + std::string(text));
}

std::string all_messages(const std::vector<problem>& problems) {
  std::string out;
  for (const auto& p : problems) {
    out += p.to_string() + "\n";
  }
  return out;
}

// The one problem, checked for its key, line and message.
problem only(const std::vector<problem>& problems) {
  EXPECT_EQ(problems.size(), 1u) << all_messages(problems);
  return problems.empty() ? problem{} : problems.front();
}

TEST(ConfigErrors, UnknownKeyWithSuggestion) {
  const problem p = only(problems_of(R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
pol_interval = "30s"
credential.kind = "azure_cli"
)"));
  EXPECT_EQ(p.file, "bad.toml");
  EXPECT_EQ(p.line, 4);
  EXPECT_EQ(p.column, 1);
  EXPECT_EQ(p.key, "tenant[0].pol_interval");
  EXPECT_EQ(p.message, "unknown key 'pol_interval' in [[tenant]]; did you mean 'poll_interval'?");
  EXPECT_EQ(p.to_string(),
            "bad.toml:4:1: tenant[0].pol_interval: unknown key 'pol_interval' in [[tenant]]; did you mean "
            "'poll_interval'?");
}

TEST(ConfigErrors, UnknownKeyWithoutNearMiss) {
  const problem p = only(problems_with_tenant("[daemon]\ncolour = \"blue\"\n"));
  EXPECT_EQ(p.key, "daemon.colour");
  EXPECT_EQ(p.line, 9);
  EXPECT_EQ(p.message, "unknown key 'colour' in [daemon]");
}

TEST(ConfigErrors, UnknownTableAtTopLevel) {
  const problem p = only(problems_with_tenant("[deamon]\nlisten = \"\"\n"));
  EXPECT_EQ(p.key, "deamon");
  EXPECT_EQ(p.line, 8);
  EXPECT_EQ(p.message, "unknown top-level key 'deamon'; did you mean 'daemon'?");
}

TEST(ConfigErrors, UnknownKeyInsideAnAllowEntry) {
  const problem p = only(problems_with_tenant(R"([[rule]]
name = "r"
scopes = ["/"]
roles = ["*"]
allow = [{ principal_id = "33333333-3333-3333-3333-333333333333", reason = "x", expires = "2026-01-01" }]
)"));
  EXPECT_EQ(p.key, "rule[0].allow[0].expires");
  EXPECT_EQ(p.line, 12);
  EXPECT_THAT(p.message, HasSubstr("unknown key 'expires' in an allow entry of [[rule]]"));
}

TEST(ConfigErrors, WrongTypes) {
  const auto problems = problems_of(R"([[tenant]]
name = 5
tenant_id = "00000000-0000-0000-0000-000000000000"
poll_interval = 60
sources = "arm"
credential = "managed_identity"
)");
  ASSERT_EQ(problems.size(), 4u) << all_messages(problems);
  EXPECT_EQ(problems[0].key, "tenant[0].name");
  EXPECT_EQ(problems[0].line, 2);
  EXPECT_EQ(problems[0].column, 8);
  EXPECT_EQ(problems[0].message, "expected a string, found an integer");
  EXPECT_EQ(problems[1].key, "tenant[0].poll_interval");
  EXPECT_EQ(problems[1].message, "expected a duration string, found an integer; write \"60s\" for seconds");
  EXPECT_EQ(problems[2].key, "tenant[0].sources");
  EXPECT_EQ(problems[2].message, "expected an array of strings, found a string");
  EXPECT_EQ(problems[3].key, "tenant[0].credential");
  EXPECT_EQ(problems[3].message, "expected a table, found a string");
}

TEST(ConfigErrors, WrongTypeOfArrayElement) {
  const problem p = only(problems_of(R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
sources = ["arm", 2]
credential.kind = "azure_cli"
)"));
  EXPECT_EQ(p.key, "tenant[0].sources[1]");
  EXPECT_EQ(p.line, 4);
  EXPECT_EQ(p.column, 19);
  EXPECT_EQ(p.message, "expected a string, found an integer");
}

TEST(ConfigErrors, BadGuid) {
  const problem p = only(problems_of(R"([[tenant]]
name = "contoso"
tenant_id = "contoso.onmicrosoft.com"
credential.kind = "azure_cli"
)"));
  EXPECT_EQ(p.key, "tenant[0].tenant_id");
  EXPECT_EQ(p.line, 3);
  EXPECT_EQ(p.message, "is not a GUID: expected the form 00000000-0000-0000-0000-000000000000");
}

TEST(ConfigErrors, BadDuration) {
  const problem p = only(problems_with_tenant("[daemon]\nshutdown_grace = \"5 minutes\"\n"));
  EXPECT_EQ(p.key, "daemon.shutdown_grace");
  EXPECT_EQ(p.line, 9);
  EXPECT_EQ(p.column, 18);
  EXPECT_THAT(p.message, HasSubstr("invalid duration '5 minutes'"));
  EXPECT_THAT(p.message, HasSubstr("\"500ms\", \"30s\", \"5m\", \"6h\", \"1h30m\""));
}

TEST(ConfigErrors, PollIntervalTooSmall) {
  const problem p = only(problems_of(R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
credential.kind = "azure_cli"
poll_interval = "500ms"
)"));
  EXPECT_EQ(p.key, "tenant[0].poll_interval");
  EXPECT_EQ(p.line, 5);
  EXPECT_EQ(p.message, "must be at least 1s, not 500ms");
}

TEST(ConfigErrors, RequestTimeoutTooSmall) {
  const problem p = only(problems_of(R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
credential.kind = "azure_cli"
request_timeout = "0s"
)"));
  EXPECT_EQ(p.key, "tenant[0].request_timeout");
  EXPECT_EQ(p.message, "must be at least 1s, not 0s");
}

TEST(ConfigErrors, DuplicateTenantNames) {
  const problem p = only(problems_of(std::string(good_tenant) + std::string(good_tenant)));
  EXPECT_EQ(p.key, "tenant[1].name");
  EXPECT_EQ(p.line, 9);
  EXPECT_EQ(p.message, "tenant name 'contoso' is already used by tenant[0] at line 2");
}

TEST(ConfigErrors, DuplicateRuleAndSinkNames) {
  const auto problems = problems_with_tenant(R"([[rule]]
name = "r"
scopes = ["/"]
roles = ["*"]
[[rule]]
name = "r"
scopes = ["/"]
roles = ["*"]
[[sink]]
name = "s"
kind = "slack"
url_env = "A"
[[sink]]
name = "s"
kind = "teams"
url_env = "B"
)");
  ASSERT_EQ(problems.size(), 2u) << all_messages(problems);
  EXPECT_EQ(problems[0].key, "rule[1].name");
  EXPECT_EQ(problems[0].line, 13);
  EXPECT_EQ(problems[0].message, "rule name 'r' is already used by rule[0] at line 9");
  EXPECT_EQ(problems[1].key, "sink[1].name");
  EXPECT_EQ(problems[1].message, "sink name 's' is already used by sink[0] at line 17");
}

TEST(ConfigErrors, MissingTenant) {
  const problem p = only(problems_of("[daemon]\nlog_level = \"info\"\n"));
  EXPECT_EQ(p.key, "tenant");
  EXPECT_EQ(p.line, 0);
  EXPECT_EQ(p.message, "no [[tenant]] is configured: at least one tenant is required");
  EXPECT_EQ(p.to_string(), "bad.toml: tenant: no [[tenant]] is configured: at least one tenant is required");
}

TEST(ConfigErrors, SingleBracketTenant) {
  const problem p = only(problems_of("[tenant]\nname = \"contoso\"\n"));
  EXPECT_EQ(p.key, "tenant");
  EXPECT_EQ(p.line, 1);
  EXPECT_EQ(p.message, "expected [[tenant]] tables (note the double brackets), found a table");
}

TEST(ConfigErrors, MissingRequiredKeys) {
  const auto problems = problems_of("[[tenant]]\ncloud = \"AzureCloud\"\n");
  ASSERT_EQ(problems.size(), 3u) << all_messages(problems);
  for (const auto& p : problems) {
    EXPECT_EQ(p.line, 1);
  }
  EXPECT_EQ(problems[0].key, "tenant[0].name");
  EXPECT_EQ(problems[0].message, "missing required key 'name' in [[tenant]]");
  EXPECT_EQ(problems[1].key, "tenant[0].tenant_id");
  EXPECT_EQ(problems[2].key, "tenant[0].credential");
  EXPECT_EQ(problems[2].message, "missing required table [tenant.credential] in [[tenant]]");
}

TEST(ConfigErrors, MissingCredentialKind) {
  const problem p = only(problems_of(R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
  [tenant.credential]
  client_id = "11111111-1111-1111-1111-111111111111"
)"));
  EXPECT_EQ(p.key, "tenant[0].credential.kind");
  EXPECT_EQ(p.line, 4);
  EXPECT_EQ(p.message, "missing required key 'kind' in [tenant.credential]");
}

TEST(ConfigErrors, InlineClientSecretIsRefused) {
  const auto problems = problems_of(R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
  [tenant.credential]
  kind = "client_secret"
  client_id = "11111111-1111-1111-1111-111111111111"
  client_secret = "s3cr3t-value~"
)");
  const problem p = only(problems);
  EXPECT_EQ(p.key, "tenant[0].credential.client_secret");
  EXPECT_EQ(p.line, 7);
  EXPECT_THAT(p.message, HasSubstr("inline secrets are not accepted"));
  EXPECT_THAT(p.message, HasSubstr("client_secret_file"));
  EXPECT_THAT(p.message, HasSubstr("client_secret_env"));
  EXPECT_THAT(all_messages(problems), Not(HasSubstr("s3cr3t")));
}

TEST(ConfigErrors, BothSecretSources) {
  const problem p = only(problems_of(R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
  [tenant.credential]
  kind = "client_secret"
  client_id = "11111111-1111-1111-1111-111111111111"
  client_secret_file = "contoso"
  client_secret_env = "CONTOSO_SECRET"
)"));
  EXPECT_EQ(p.key, "tenant[0].credential.client_secret_env");
  EXPECT_EQ(p.line, 8);
  EXPECT_EQ(p.message, "set only one of client_secret_file and client_secret_env");
}

TEST(ConfigErrors, NeitherSecretSourceNorClientId) {
  const auto problems = problems_of(R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
  [tenant.credential]
  kind = "client_secret"
)");
  ASSERT_EQ(problems.size(), 2u) << all_messages(problems);
  EXPECT_EQ(problems[0].key, "tenant[0].credential.client_id");
  EXPECT_EQ(problems[0].line, 4);
  EXPECT_THAT(problems[0].message, HasSubstr("client_id"));
  EXPECT_EQ(problems[1].key, "tenant[0].credential");
  EXPECT_EQ(problems[1].message,
            "a client_secret credential needs exactly one of client_secret_file and client_secret_env");
}

TEST(ConfigErrors, SecretEnvMustBeAName) {
  const auto problems = problems_of(R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
  [tenant.credential]
  kind = "client_secret"
  client_id = "11111111-1111-1111-1111-111111111111"
  client_secret_env = "Xy8Q~pasted.secret"
)");
  const problem p = only(problems);
  EXPECT_EQ(p.key, "tenant[0].credential.client_secret_env");
  EXPECT_THAT(p.message, HasSubstr("not its value"));
  EXPECT_THAT(all_messages(problems), Not(HasSubstr("pasted")));
}

TEST(ConfigErrors, HttpSinkUrlIsRefusedAndNotQuoted) {
  const auto problems = problems_with_tenant(R"([[sink]]
name = "soc"
kind = "webhook"
url = "http://hooks.example.net/T000/B000/tokenvalue"
)");
  const problem p = only(problems);
  EXPECT_EQ(p.key, "sink[0].url");
  EXPECT_EQ(p.line, 11);
  EXPECT_EQ(p.message, "only https:// URLs are allowed: http:// is refused because TLS is always on");
  EXPECT_THAT(all_messages(problems), Not(HasSubstr("tokenvalue")));
}

TEST(ConfigErrors, HttpEndpointIsRefused) {
  const problem p = only(problems_of(R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
credential.kind = "azure_cli"
  [tenant.endpoints]
  graph = "http://graph.example.net"
)"));
  EXPECT_EQ(p.key, "tenant[0].endpoints.graph");
  EXPECT_EQ(p.line, 6);
  EXPECT_THAT(p.message, HasSubstr("http:// is refused"));
}

TEST(ConfigErrors, FormatOnANonWebhookSink) {
  const problem p = only(problems_with_tenant(R"([[sink]]
name = "chat"
kind = "slack"
url_env = "SLACK_URL"
format = "rootwatch"
)"));
  EXPECT_EQ(p.key, "sink[0].format");
  EXPECT_EQ(p.line, 12);
  EXPECT_EQ(p.message, "format applies only to webhook sinks; a slack sink always sends its receiver's own format");
}

TEST(ConfigErrors, SinkDestinationCount) {
  const auto problems = problems_with_tenant(R"([[sink]]
name = "a"
kind = "teams"
[[sink]]
name = "b"
kind = "teams"
url = "https://example.net/x"
url_env = "B_URL"
)");
  ASSERT_EQ(problems.size(), 2u) << all_messages(problems);
  EXPECT_EQ(problems[0].key, "sink[0]");
  EXPECT_EQ(problems[0].line, 8);
  EXPECT_EQ(problems[0].message, "missing the destination: set exactly one of url, url_file and url_env");
  EXPECT_EQ(problems[1].key, "sink[1].url_env");
  EXPECT_EQ(problems[1].line, 15);
  EXPECT_EQ(problems[1].message, "set only one of url, url_file and url_env");
}

TEST(ConfigErrors, SinkDurationsAndSigning) {
  const auto problems = problems_with_tenant(R"([[sink]]
name = "a"
kind = "webhook"
url_file = "a-url"
signing_secret_file = "a-key"
signing_secret_env = "A_KEY"
give_up_after = "0s"
retry_initial_backoff = "10m"
)");
  ASSERT_EQ(problems.size(), 3u) << all_messages(problems);
  EXPECT_EQ(problems[0].key, "sink[0].signing_secret_env");
  EXPECT_EQ(problems[0].message, "set at most one of signing_secret_file and signing_secret_env");
  EXPECT_EQ(problems[1].key, "sink[0].give_up_after");
  EXPECT_EQ(problems[1].message, "must be more than 0s, not 0s");
  EXPECT_EQ(problems[2].key, "sink[0].retry_initial_backoff");
  EXPECT_EQ(problems[2].message, "retry_max_backoff (5m) must not be shorter than retry_initial_backoff (10m)");
}

TEST(ConfigErrors, BadSeverity) {
  const problem p = only(problems_with_tenant(R"([[rule]]
name = "r"
scopes = ["/"]
roles = ["*"]
severity = "crit"
)"));
  EXPECT_EQ(p.key, "rule[0].severity");
  EXPECT_EQ(p.line, 12);
  EXPECT_EQ(p.message, "'crit' is not one of critical, high, medium, low, info; did you mean 'critical'?");
}

TEST(ConfigErrors, AllowEntryWithoutReason) {
  const problem p = only(problems_with_tenant(R"([[rule]]
name = "r"
scopes = ["/"]
roles = ["*"]
allow = [
  { principal_id = "33333333-3333-3333-3333-333333333333" },
]
)"));
  EXPECT_EQ(p.key, "rule[0].allow[0].reason");
  EXPECT_EQ(p.line, 13);
  EXPECT_EQ(p.message, "missing required key 'reason' in an allow entry of [[rule]]");
}

TEST(ConfigErrors, RuleScopesAndRoles) {
  const auto problems = problems_with_tenant(R"([[rule]]
name = "r"
scopes = ["providers/Microsoft.Management/managementGroups/x"]
roles = []
)");
  ASSERT_EQ(problems.size(), 2u) << all_messages(problems);
  EXPECT_EQ(problems[0].key, "rule[0].scopes[0]");
  EXPECT_THAT(problems[0].message, HasSubstr("scopes start with '/'"));
  EXPECT_EQ(problems[1].key, "rule[0].roles");
  EXPECT_THAT(problems[1].message, HasSubstr("at least one role"));
}

TEST(ConfigErrors, SourcesUnknownAndRepeated) {
  const auto problems = problems_of(R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
sources = ["arm", "activitylog", "arm"]
credential.kind = "azure_cli"
)");
  ASSERT_EQ(problems.size(), 2u) << all_messages(problems);
  EXPECT_EQ(problems[0].key, "tenant[0].sources[1]");
  EXPECT_EQ(problems[0].message,
            "'activitylog' is not one of arm, resource_graph, activity_log, entra_audit; did you mean "
            "'activity_log'?");
  EXPECT_EQ(problems[1].key, "tenant[0].sources[2]");
  EXPECT_EQ(problems[1].message, "'arm' is listed more than once");
}

TEST(ConfigErrors, LogsAloneAreNotEnough) {
  const auto problems = problems_of(R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
sources = ["activity_log", "entra_audit"]
credential.kind = "azure_cli"
)");
  ASSERT_EQ(problems.size(), 1u) << all_messages(problems);
  EXPECT_EQ(problems[0].key, "tenant[0].sources");
  EXPECT_EQ(problems[0].line, 4);
  EXPECT_THAT(problems[0].message, HasSubstr("must include arm or resource_graph"));
}

TEST(ConfigErrors, EventWindows) {
  const auto problems = problems_of(R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
initial_lookback = "100d"
event_overlap = "5m"
credential.kind = "azure_cli"
)");
  ASSERT_EQ(problems.size(), 2u) << all_messages(problems);
  EXPECT_EQ(problems[0].key, "tenant[0].initial_lookback");
  EXPECT_EQ(problems[1].key, "tenant[0].event_overlap");
}

TEST(ConfigErrors, DaemonValues) {
  const auto problems = problems_with_tenant(R"([daemon]
state_dir = ""
listen = "::1:9469"
log_level = "warning"
log_format = "Json"
)");
  ASSERT_EQ(problems.size(), 4u) << all_messages(problems);
  EXPECT_EQ(problems[0].key, "daemon.state_dir");
  EXPECT_EQ(problems[0].message, "must not be empty");
  EXPECT_EQ(problems[1].key, "daemon.listen");
  EXPECT_EQ(problems[1].message, "'::1:9469' has an IPv6 address without brackets: write it as [::1]:9469");
  EXPECT_THAT(problems[2].message, HasSubstr("did you mean 'warn'?"));
  EXPECT_THAT(problems[3].message, HasSubstr("did you mean 'json'?"));
}

TEST(ConfigErrors, UnknownCloud) {
  const problem p = only(problems_of(R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
cloud = "AzureUSGov"
credential.kind = "azure_cli"
)"));
  EXPECT_EQ(p.key, "tenant[0].cloud");
  EXPECT_THAT(p.message, HasSubstr("'AzureUSGov' is not one of AzureCloud, AzureUSGovernment, AzureChinaCloud"));
}

TEST(ConfigErrors, SyntaxErrorHasItsPosition) {
  const problem p = only(problems_of("[daemon]\nlog_level = \"info\"\nlisten = = \"x\"\n"));
  EXPECT_EQ(p.line, 3);
  EXPECT_EQ(p.column, 10);
  EXPECT_EQ(p.key, "");
  EXPECT_FALSE(p.message.empty());
  EXPECT_THAT(p.to_string(), testing::StartsWith("bad.toml:3:10: "));
}

TEST(ConfigErrors, SeveralProblemsAtOnceInFileOrder) {
  const auto problems = problems_of(R"([daemon]
log_level = "loud"

[[tenant]]
name = "contoso!"
tenant_id = "00000000-0000-0000-0000-000000000000"
poll_interval = "0s"
  [tenant.credential]
  kind = "client_secret"
  client_id = "not-a-guid"
  client_secret_env = "X"

[[sink]]
name = "soc"
kind = "email"
url = "ftp://example.net"
)");
  std::vector<std::string> keys;
  std::vector<int> lines;
  for (const auto& p : problems) {
    keys.push_back(p.key);
    lines.push_back(p.line);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"daemon.log_level", "tenant[0].name", "tenant[0].poll_interval",
                                            "tenant[0].credential.client_id", "sink[0].kind", "sink[0].url"}))
      << all_messages(problems);
  EXPECT_TRUE(std::is_sorted(lines.begin(), lines.end()));
}

TEST(ConfigErrors, LoadFileOnAMissingFile) {
  const auto result = load_file("/nonexistent/rootwatch.toml");
  EXPECT_FALSE(result.value);
  const problem p = only(result.problems);
  EXPECT_EQ(p.file, "/nonexistent/rootwatch.toml");
  EXPECT_EQ(p.line, 0);
  EXPECT_EQ(p.key, "");
  EXPECT_EQ(p.to_string(),
            "/nonexistent/rootwatch.toml: cannot open the configuration file: No such file or directory");
}

TEST(ConfigErrors, LoadFileOnADirectory) {
  const auto result = load_file("/");
  EXPECT_FALSE(result.value);
  const problem p = only(result.problems);
  EXPECT_EQ(p.line, 0);
  EXPECT_THAT(p.message, HasSubstr("Is a directory"));
}

TEST(ConfigErrors, DurationsAboveTheirMaximum) {
  const auto problems = problems_of(R"([[tenant]]
name = "contoso"
tenant_id = "00000000-0000-0000-0000-000000000000"
poll_interval = "200000d"
request_timeout = "1h"
degraded_after = 0
  [tenant.credential]
  kind = "client_secret"
  client_id = "11111111-1111-1111-1111-111111111111"
  client_secret_file = "contoso"
)");
  const std::string text = all_messages(problems);
  EXPECT_THAT(text, HasSubstr("bad.toml:4:17: tenant[0].poll_interval: must be at most 24h"));
  EXPECT_THAT(text, HasSubstr("bad.toml:5:19: tenant[0].request_timeout: must be at most 10m"));
  EXPECT_THAT(text, HasSubstr("bad.toml:6:18: tenant[0].degraded_after: must be between 1 and 1000, not 0"));
}

TEST(ConfigErrors, DegradedAfterMustBeAnInteger) {
  const auto problems =
      problems_of(std::string(good_tenant)
                      .insert(std::string(good_tenant).find("  [tenant.credential]"), "degraded_after = \"3\"\n"));
  EXPECT_THAT(all_messages(problems), HasSubstr("tenant[0].degraded_after"));
  EXPECT_THAT(all_messages(problems), HasSubstr("integer"));
}

}  // namespace
}  // namespace rootwatch::config
