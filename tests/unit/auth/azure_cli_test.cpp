// The azure_cli credential against fake `az` programs: shell scripts in a temp dir that print
// what the real one prints, fail as it fails, hang, or flood their output. They also record
// the arguments and environment they were given.

#include "auth/azure_cli.hpp"
#include "common/clock.hpp"
#include "common/secret_scrub.hpp"
#include "support/run_coro.hpp"
#include "support/temp_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <boost/asio/io_context.hpp>

#include <fmt/format.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace rootwatch::auth {
namespace {

using testing::HasSubstr;
using testing::Not;
using testing_support::run_coro;
using namespace std::chrono_literals;

constexpr std::string_view tenant = "8d1f3a5c-7e42-4b19-9c60-2f5e8a7d3b14";
constexpr std::string_view arm = "https://management.azure.com/.default";
constexpr std::string_view token = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJhcm0ifQ.YXotY2xpLXRva2Vu";

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The process is gone, or (a grandchild handed to init) at least no longer running.
bool process_state(pid_t pid, char& state) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) {
    return false;
  }
  const auto close = line.rfind(')');
  state = close != std::string::npos && close + 2 < line.size() ? line[close + 2] : '?';
  return true;
}

bool wait_gone(pid_t pid, bool zombie_is_gone) {
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until) {
    char state = 0;
    if (!process_state(pid, state) || (zombie_is_gone && (state == 'Z' || state == 'X'))) {
      return true;
    }
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

pid_t pid_in(const std::string& file) {
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until) {
    const std::string text = read_all(file);
    if (!text.empty() && text.back() == '\n') {
      return static_cast<pid_t>(std::stol(text));
    }
    std::this_thread::sleep_for(20ms);
  }
  return 0;
}

class azure_cli_test : public ::testing::Test {
 protected:
  // An executable /bin/sh script named `name` in the temp dir.
  std::string fake_az(const std::string& body, const std::string& name = "az") {
    const std::string path = tmp_.file(name);
    std::ofstream(path, std::ios::trunc) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path.c_str(), 0755);
    return path;
  }

  // A script that prints `json` on stdout and exits 0.
  std::string printing(const std::string& json) {
    std::ofstream(tmp_.file("answer.json"), std::ios::trunc) << json;
    return fake_az("cat '" + tmp_.file("answer.json") + "'");
  }

  azure_cli_options options(const std::string& az, milliseconds timeout = 20s) {
    azure_cli_options o;
    o.tenant_id = std::string(tenant);
    o.az_path = az;
    o.search_path = "/usr/bin:/bin";
    o.environment = {"PATH=/usr/bin:/bin", "HOME=" + tmp_.path().string()};
    o.timeout = timeout;
    return o;
  }

  result<access_token> fetch(azure_cli_options o, std::string scope = std::string(arm)) {
    azure_cli_credential cred(std::move(o), wall_);
    return run_coro(io_, cred.fetch(std::move(scope)));
  }

  testing_support::temp_dir tmp_{"rootwatch-azcli"};
  boost::asio::io_context io_;
  manual_clock wall_{from_unix_seconds(1'900'000'000)};
};

TEST_F(azure_cli_test, a_token_with_expires_on_in_epoch_seconds) {
  const auto expiry = to_unix_seconds(wall_.now()) + 3599;
  const auto az = printing(fmt::format(R"({{"accessToken":"{}","expiresOn":"2000-01-01 00:00:00.000000",
    "expires_on":{},"subscription":"x","tenant":"{}","tokenType":"Bearer"}})",
                                       token, expiry, tenant));
  auto t = fetch(options(az));
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->value, token);
  EXPECT_EQ(t->expires_on, from_unix_seconds(expiry)) << "expires_on wins over expiresOn";
  EXPECT_EQ(t->issued_at, wall_.now());
  EXPECT_EQ(scrub_secrets(std::string("x ") + std::string(token)), "x [redacted]") << "the token is registered";
}

TEST_F(azure_cli_test, a_token_with_only_the_local_expires_on_of_older_clis) {
  const std::time_t in_two_hours = std::chrono::system_clock::to_time_t(wall_.now() + 2h);
  std::tm local{};
  ::localtime_r(&in_two_hours, &local);
  char text[64];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S.000000", &local);
  const auto az = printing(fmt::format(R"({{"accessToken":"{}","expiresOn":"{}","tokenType":"Bearer"}})", token, text));
  auto t = fetch(options(az));
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->expires_on, wall_.now() + 2h);
}

TEST_F(azure_cli_test, without_a_usable_expiry_the_token_is_kept_only_a_few_minutes) {
  for (const std::string extra : {"", R"(,"expiresOn":"soon")", R"(,"expires_on":"12ab")",
                                  R"(,"expires_on":99999999999999)", R"(,"expiresOn":"1999-01-01 00:00:00.000000")"}) {
    SCOPED_TRACE(extra);
    auto t = parse_az_token(fmt::format(R"({{"accessToken":"{}"{}}})", token, extra), wall_.now());
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->expires_on, wall_.now() + 5min);
  }
}

TEST_F(azure_cli_test, answers_that_are_not_a_bearer_token_are_refused_without_showing_them) {
  for (const std::string& out :
       {std::string("not json ") + std::string(token), std::string(R"({"expiresOn":"x"})"),
        std::string(R"({"accessToken":""})"), std::string(R"({"accessToken":42})"),
        std::string(R"({"accessToken":"abcdefgh12345678","tokenType":"pop"})"), std::string("[1,2]")}) {
    SCOPED_TRACE(out);
    auto t = parse_az_token(out, wall_.now());
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().kind, error_kind::parse);
    EXPECT_THAT(t.error().message, Not(HasSubstr("eyJ")));
  }
}

TEST_F(azure_cli_test, non_json_on_stdout_is_named_not_shown) {
  const auto az = fake_az(std::string("echo 'Token: ") + std::string(token) + "'");
  auto t = fetch(options(az));
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().kind, error_kind::parse);
  EXPECT_THAT(t.error().message, HasSubstr("not a JSON object"));
  EXPECT_THAT(t.error().message, Not(HasSubstr("Token:")));
}

// No shell anywhere: whatever a tenant id or a scope holds reaches az as one argument each.
TEST_F(azure_cli_test, each_argument_arrives_as_one_without_a_shell) {
  const std::string args = tmp_.file("args");
  const std::string pwned = tmp_.file("pwned");
  const auto az = fake_az("printf '%s\\n' \"$@\" > '" + args + "'\nprintf '{\"accessToken\":\"abcdefgh12345678\"}'");
  auto o = options(az);
  o.tenant_id = "evil tenant; touch " + pwned + " $(touch " + pwned + ") `touch " + pwned + "`";
  auto t = fetch(o, "https://management.core.usgovcloudapi.net//.default");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(read_all(args),
            "account\nget-access-token\n--resource\nhttps://management.core.usgovcloudapi.net/\n"
            "--tenant\n" +
                o.tenant_id + "\n--output\njson\n");
  EXPECT_FALSE(std::filesystem::exists(pwned));
}

TEST_F(azure_cli_test, az_gets_only_the_environment_it_is_given_and_no_stdin) {
  ::setenv("ROOTWATCH_TEST_SECRET", "must-not-leak", 1);
  const std::string env = tmp_.file("env");
  const auto az = fake_az("env > '" + env + "'\nread line; echo \"stdin:$line\" >> '" + env +
                          "'\nprintf '{\"accessToken\":\"abcdefgh12345678\"}'");
  auto o = options(az);
  o.environment.push_back("AZURE_CONFIG_DIR=/srv/az");
  auto t = fetch(o);
  ::unsetenv("ROOTWATCH_TEST_SECRET");
  ASSERT_TRUE(t) << t.error().message;
  const std::string seen = read_all(env);
  EXPECT_THAT(seen, HasSubstr("AZURE_CONFIG_DIR=/srv/az\n"));
  EXPECT_THAT(seen, HasSubstr("HOME=" + tmp_.path().string() + "\n"));
  EXPECT_THAT(seen, Not(HasSubstr("ROOTWATCH_TEST_SECRET")));
  EXPECT_THAT(seen, HasSubstr("stdin:\n"));
}

TEST_F(azure_cli_test, not_logged_in_says_to_run_az_login_for_the_tenant) {
  const auto az = fake_az(
      "echo 'WARNING: A new version of Azure CLI is available.' >&2\n"
      "echo \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1");
  auto t = fetch(options(az));
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().kind, error_kind::auth);
  EXPECT_THAT(t.error().message, HasSubstr(fmt::format("run `az login --tenant {}`", tenant)));
  EXPECT_THAT(t.error().message, HasSubstr("ERROR: Please run 'az login' to setup account."));
  EXPECT_THAT(t.error().message, Not(HasSubstr("new version")));
}

TEST_F(azure_cli_test, an_aadsts_code_from_az_is_named_with_the_fix) {
  const auto az = fake_az(
      "echo 'ERROR: AADSTS70043: The refresh token has expired or is invalid due to sign-in frequency checks.' >&2\n"
      "echo 'To re-authenticate, please run:' >&2\necho 'az login --scope "
      "https://management.core.windows.net//.default' "
      ">&2\nexit 1");
  auto t = fetch(options(az));
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().kind, error_kind::auth);
  EXPECT_THAT(t.error().message, HasSubstr("AADSTS70043: The refresh token has expired"));
  EXPECT_THAT(t.error().message, HasSubstr(fmt::format("`az login --tenant {}`", tenant)));

  const auto unknown = az_failure(1, "ERROR: AADSTS90002: Tenant 'x' not found.\n", tenant);
  EXPECT_THAT(unknown.message, HasSubstr("AADSTS90002"));
  EXPECT_THAT(unknown.message, HasSubstr("tenant_id"));
}

TEST_F(azure_cli_test, another_failure_shows_the_exit_code_and_its_line_scrubbed) {
  const auto az = fake_az(std::string("printf 'ERROR: proxy said no to Bearer ") + std::string(token) +
                          "\\033[31m red\\nmore\\n' >&2\nexit 3");
  auto t = fetch(options(az));
  ASSERT_FALSE(t);
  EXPECT_THAT(t.error().message, HasSubstr("exit code 3: ERROR: proxy said no to"));
  EXPECT_THAT(t.error().message, Not(HasSubstr("eyJ")));
  EXPECT_THAT(t.error().message, Not(HasSubstr("\033")));
  EXPECT_THAT(t.error().message, Not(HasSubstr("more")));
  EXPECT_THAT(az_failure(1, "", tenant).message, HasSubstr("nothing on stderr"));
  EXPECT_LE(az_failure(1, std::string(5000, 'x'), tenant).message.size(), 500u);
}

TEST_F(azure_cli_test, a_hanging_az_is_killed_with_its_children_and_reaped) {
  const std::string pid_file = tmp_.file("pid");
  const std::string child_file = tmp_.file("child");
  const auto az = fake_az("echo $$ > '" + pid_file + "'\nsleep 1000 &\necho $! > '" + child_file + "'\nwait");
  auto t = fetch(options(az, 300ms));
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().kind, error_kind::timeout);
  EXPECT_THAT(t.error().message, HasSubstr("did not finish within 300ms"));
  const pid_t script = pid_in(pid_file);
  const pid_t sleeper = pid_in(child_file);
  ASSERT_GT(script, 0);
  ASSERT_GT(sleeper, 0);
  // Ours is reaped: no /proc entry at all, not even a zombie. Its own child, handed to init,
  // is at least no longer running.
  EXPECT_TRUE(wait_gone(script, false));
  EXPECT_TRUE(wait_gone(sleeper, true));
}

TEST_F(azure_cli_test, a_flood_of_output_is_cut_off_and_the_child_killed) {
  const std::string pid_file = tmp_.file("pid");
  const auto az =
      fake_az("echo $$ > '" + pid_file + "'\nwhile :; do echo 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'; done");
  auto o = options(az);
  o.output_limit = 64 * 1024;
  auto t = fetch(o);
  ASSERT_FALSE(t);
  EXPECT_THAT(t.error().message, HasSubstr("more than 65536 bytes to stdout"));
  const pid_t script = pid_in(pid_file);
  ASSERT_GT(script, 0);
  EXPECT_TRUE(wait_gone(script, false));

  const auto noisy = fake_az("head -c 3000000 /dev/zero >&2; exit 1", "noisy-az");
  auto n = fetch(options(noisy));
  ASSERT_FALSE(n);
  EXPECT_THAT(n.error().message, HasSubstr("to stderr"));
}

TEST_F(azure_cli_test, az_not_found_says_to_install_it_or_set_az_path) {
  auto o = options("az-not-installed");
  o.search_path = tmp_.path().string() + ":relative/dir:/nonexistent";
  auto t = fetch(o);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().kind, error_kind::config);
  EXPECT_THAT(t.error().message, HasSubstr("install the Azure CLI"));
  EXPECT_THAT(t.error().message, HasSubstr("az_path"));
  EXPECT_THAT(t.error().message, Not(HasSubstr("/nonexistent"))) << "PATH is not shown";

  auto missing = fetch(options(tmp_.file("no-such-az")));
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message, HasSubstr(tmp_.file("no-such-az")));
  EXPECT_THAT(missing.error().message, HasSubstr("No such file"));

  const std::string not_executable = tmp_.file("plain");
  std::ofstream(not_executable) << "#!/bin/sh\n";
  auto plain = fetch(options(not_executable));
  ASSERT_FALSE(plain);
  EXPECT_THAT(plain.error().message, HasSubstr("not executable"));
}

TEST_F(azure_cli_test, az_is_found_on_path_but_never_in_a_relative_directory) {
  fake_az("printf '{\"accessToken\":\"abcdefgh12345678\"}'", "my-az");
  auto o = options("my-az");
  o.search_path = "/nonexistent::" + tmp_.path().string();
  EXPECT_EQ(find_az(o).value(), tmp_.file("my-az"));
  EXPECT_TRUE(fetch(o));

  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(tmp_.path().parent_path());
  o.search_path = tmp_.path().filename().string();
  EXPECT_FALSE(find_az(o));
  std::filesystem::current_path(cwd);
}

}  // namespace
}  // namespace rootwatch::auth
