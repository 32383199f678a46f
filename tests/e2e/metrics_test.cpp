// /metrics as an SRE reads it (issue 8): the real daemon, after a cycle with an elevation
// delivered, a throttled listing, a failing delivery and a reload, passes `promtool check
// metrics` with no lint problem, and every family issue 8 added has samples.

#include "e2e/harness.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>

extern char** environ;

namespace rootwatch::e2e {
namespace {

// promtool from PATH; "" when it is not installed.
std::string find_promtool() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / "promtool";
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate.string();
    }
  }
  return {};
}

// `promtool check metrics < input`: its exit code and everything it wrote.
std::pair<int, std::string> promtool_check(const std::string& promtool, const fs::path& input, const fs::path& output) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, input.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<std::string> args{promtool, "check", "metrics"};
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, promtool.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return {-1, "cannot start " + promtool};
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), read_text(output)};
}

double sample_or_zero(std::uint16_t port, const std::string& series) {
  return metric_sample(port, series).value_or(0);
}

TEST(sre_metrics, promtool_finds_no_problem_and_every_new_family_has_samples) {
  const std::string promtool = find_promtool();
  if (promtool.empty()) {
    GTEST_SKIP() << "promtool is not installed (Debian package `prometheus`; ./quickstart installs it with the test "
                    "tools): /metrics is not checked here";
  }
  environment env;
  // Every source, so that every family a source feeds is in what promtool reads.
  write_config_with_sources(env, R"("arm", "resource_graph", "activity_log", "entra_audit")");
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const auto port = health_port_in_log(daemon);
  ASSERT_NE(port, 0) << daemon.err();
  // The first cycle is the baseline, which the detection latency leaves out: elevate after it.
  ASSERT_TRUE(wait_until([&] {
    return sample_or_zero(port, R"(rootwatch_cycles_total{tenant="contoso",result="ok"})") >= 1;
  })) << daemon.err();

  // One listing answered 429 (waited out, then read), one delivery refused with a 503 (retried).
  fake::fault throttled;
  throttled.route = fake::azure_route::role_assignments;
  throttled.status = 429;
  throttled.retry_after_seconds = 1;
  env.azure().inject_fault(throttled);
  env.receiver().fail_next(1, 503);
  env.elevate();
  // And an elevateAccess the Activity Log records, half a minute old when it is read.
  const auto now = std::chrono::time_point_cast<timestamp::duration>(std::chrono::system_clock::now());
  for (const auto* name : {"BeginRequest", "EndRequest"}) {
    fake::activity_event e;
    e.event_name = name;
    e.status = std::string(name) == "BeginRequest" ? "Started" : "Succeeded";
    e.event_timestamp = now - std::chrono::seconds{30};
    e.caller_object_id = "a11ce000-0000-4000-8000-000000000001";
    e.correlation_id = "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901";
    env.azure().add_activity_event(e);
  }
  ASSERT_TRUE(wait_accepted(env, "assignment.created")) << daemon.err();
  ASSERT_TRUE(wait_accepted(env, "elevation.event")) << daemon.err();

  daemon.signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return daemon.err().find("configuration reloaded") != std::string::npos; }))
      << daemon.err();
  // A cycle of the new generation, so that its series are there as well.
  const double cycles = sample_or_zero(port, R"(rootwatch_cycles_total{tenant="contoso",result="ok"})");
  ASSERT_TRUE(wait_until([&] {
    return sample_or_zero(port, R"(rootwatch_cycles_total{tenant="contoso",result="ok"})") > cycles;
  })) << daemon.err();

  const std::string text = http_get_local(port, "/metrics").body;
  const auto input = env.dir() / "metrics.txt";
  { std::ofstream(input) << text; }
  const auto [code, said] = promtool_check(promtool, input, env.dir() / "promtool.out");
  EXPECT_EQ(code, 0) << said << "\n" << text;
  EXPECT_EQ(said, "") << text;

  EXPECT_GT(sample_or_zero(port, R"(rootwatch_api_requests_total{source="arm",code="2xx"})"), 0) << text;
  EXPECT_GT(sample_or_zero(port, R"(rootwatch_api_requests_total{source="arm",code="4xx"})"), 0) << text;
  EXPECT_GE(sample_or_zero(port, R"(rootwatch_throttle_waits_total{source="arm"})"), 1) << text;
  EXPECT_GT(sample_or_zero(port, R"(rootwatch_throttle_wait_seconds_total{source="arm"})"), 0) << text;
  EXPECT_GE(sample_or_zero(port, R"(rootwatch_token_refreshes_total{credential="client_secret"})"), 1) << text;
  EXPECT_EQ(metric_sample(port, R"(rootwatch_token_refresh_failures_total{credential="client_secret"})"), 0.0) << text;
  EXPECT_GT(sample_or_zero(port, R"(rootwatch_source_cycle_duration_seconds_count{source="arm"})"), 0) << text;
  EXPECT_GE(sample_or_zero(port, R"(rootwatch_detection_latency_seconds_count{kind="assignment.created"})"), 1) << text;
  EXPECT_GE(sample_or_zero(port, R"(rootwatch_detection_latency_seconds_count{kind="elevation.event"})"), 1) << text;
  for (const std::string source : {"resource_graph", "activity_log", "entra_audit"}) {
    EXPECT_GT(sample_or_zero(port, R"(rootwatch_api_requests_total{source=")" + source + R"(",code="2xx"})"), 0)
        << source << "\n"
        << text;
    EXPECT_GT(sample_or_zero(port, R"(rootwatch_source_cycle_duration_seconds_count{source=")" + source + R"("})"), 0)
        << source << "\n"
        << text;
  }
  EXPECT_GE(sample_or_zero(port, R"(rootwatch_delivery_latency_seconds_count{sink="soc"})"), 1) << text;
  EXPECT_GE(sample_or_zero(port, R"(rootwatch_deliveries_total{sink="soc",result="failed"})"), 1) << text;
  EXPECT_EQ(metric_sample(port, R"(rootwatch_outbox_oldest_pending_age_seconds{sink="soc"})"), 0.0) << text;
  EXPECT_EQ(metric_sample(port, "rootwatch_config_last_reload_successful"), 1.0) << text;
  EXPECT_GT(sample_or_zero(port, "rootwatch_config_reload_timestamp_seconds"), 1.7e9) << text;

  // A receiver that keeps failing: the oldest pending alert's age grows between scrapes, with
  // no delivery in between to update it.
  env.receiver().fail_next(1'000'000, 503);
  env.elevate("b0b00000-0000-4000-8000-000000000001");
  const std::string age = R"(rootwatch_outbox_oldest_pending_age_seconds{sink="soc"})";
  ASSERT_TRUE(wait_until([&] { return sample_or_zero(port, age) > 0; })) << http_get_local(port, "/metrics").body;
  const double seen = sample_or_zero(port, age);
  EXPECT_TRUE(wait_until([&] { return sample_or_zero(port, age) > seen; })) << http_get_local(port, "/metrics").body;

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

}  // namespace
}  // namespace rootwatch::e2e
