// What the container image relies on, against the real binary: `rootwatch probe` as its
// HEALTHCHECK, and ROOTWATCH_LOG_FORMAT=auto (set in the image) giving JSON logs when stderr is
// neither the journal nor a terminal.

#include "e2e/harness.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace rootwatch::e2e {
namespace {

// A loopback port that nothing listens on right now.
std::uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

// Sets an environment variable for the children this test starts.
class scoped_env {
 public:
  scoped_env(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~scoped_env() { ::unsetenv(name_); }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

 private:
  const char* name_;
};

TEST(container_defaults, probe_is_0_for_a_running_daemon_and_1_once_it_stopped) {
  environment env;
  const auto port = free_port();
  env.listen = "127.0.0.1:" + std::to_string(port);
  env.write_config("1s");
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  ASSERT_TRUE(wait_until([&] { return http_get_local(port, "/readyz").status == 200; })) << daemon.err();

  const auto by_config = env.run({"probe", "--config", env.config_path().string()});
  EXPECT_EQ(by_config.code, 0) << by_config.err;
  EXPECT_NE(by_config.out.find("healthy"), std::string::npos) << by_config.out;
  const auto by_url = env.run({"probe", "--url", "http://127.0.0.1:" + std::to_string(port) + "/healthz"});
  EXPECT_EQ(by_url.code, 0) << by_url.err;

  daemon.signal(SIGTERM);
  ASSERT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
  const auto stopped = env.run({"probe", "--config", env.config_path().string(), "--timeout", "2s"});
  EXPECT_EQ(stopped.code, 1) << stopped.err;
  EXPECT_NE(stopped.err.find("unhealthy"), std::string::npos) << stopped.err;
  EXPECT_EQ(stopped.err.find('\n'), stopped.err.size() - 1) << "one line: " << stopped.err;
}

TEST(container_defaults, probe_refuses_what_it_cannot_probe_with_2) {
  environment env;
  env.listen = "";
  env.write_config("1s");
  const auto off = env.run({"probe", "--config", env.config_path().string()});
  EXPECT_EQ(off.code, 2) << off.err;
  EXPECT_NE(off.err.find("turned off"), std::string::npos) << off.err;
  const auto tls = env.run({"probe", "--url", "https://127.0.0.1:9469/healthz"});
  EXPECT_EQ(tls.code, 2) << tls.err;
  const auto both = env.run({"probe", "--url", "http://127.0.0.1:1/", "--config", env.config_path().string()});
  EXPECT_EQ(both.code, 2) << both.err;
}

TEST(container_defaults, auto_log_format_from_the_environment_is_json_on_a_file) {
  environment env;
  env.write_config("1s");
  const scoped_env format("ROOTWATCH_LOG_FORMAT", "auto");
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  ASSERT_TRUE(wait_until([&] { return daemon.err().find("running") != std::string::npos; })) << daemon.err();
  daemon.signal(SIGTERM);
  ASSERT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
  std::istringstream lines(daemon.err());
  int count = 0;
  for (std::string line; std::getline(lines, line);) {
    const json parsed = json::parse(line, nullptr, false);
    EXPECT_TRUE(parsed.is_object() && parsed.contains("level") && parsed.contains("message")) << line;
    ++count;
  }
  EXPECT_GT(count, 0);
}

TEST(container_defaults, the_file_s_log_format_wins_over_the_environment) {
  environment env;
  env.write_config("1s");
  // write_config leaves log_format unset; the [daemon] table gets it here.
  {
    std::ifstream in(env.config_path());
    std::stringstream text;
    text << in.rdbuf();
    std::string config = text.str();
    const auto at = config.find("[daemon]\n");
    ASSERT_NE(at, std::string::npos) << config;
    config.insert(at + 9, "log_format = \"text\"\n");
    std::ofstream(env.config_path(), std::ios::trunc) << config;
  }
  const scoped_env format("ROOTWATCH_LOG_FORMAT", "json");
  const auto checked = env.run({"validate", "--config", env.config_path().string()});
  ASSERT_EQ(checked.code, 0) << checked.err;
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  ASSERT_TRUE(wait_until([&] { return daemon.err().find("running") != std::string::npos; })) << daemon.err();
  daemon.signal(SIGTERM);
  ASSERT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
  EXPECT_NE(daemon.err().front(), '{') << daemon.err();
}

TEST(container_defaults, an_unknown_log_format_in_the_environment_stops_start_up_with_2) {
  environment env;
  env.write_config("1s");
  const scoped_env format("ROOTWATCH_LOG_FORMAT", "yaml");
  const auto r = env.run({"run", "--config", env.config_path().string()});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("ROOTWATCH_LOG_FORMAT"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace rootwatch::e2e
