// What the daemon shares with the rest of the machine: file descriptors, and the database's
// write lock. Neither an attacker's idle connections nor another process holding the lock may
// starve the watchdog, the health endpoint or delivery.

#include "e2e/harness.hpp"
#include "fake/test_client.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <sqlite3.h>

namespace rootwatch::e2e {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using std::chrono::steady_clock;

result<net::response> get(std::uint16_t port, const std::string& path, milliseconds timeout = milliseconds{5'000}) {
  return fake::fetch("", "GET", "http://127.0.0.1:" + std::to_string(port) + path, {}, {}, timeout);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) {
    ++n;
  }
  return n;
}

std::size_t open_descriptors(pid_t pid) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    ++n;
  }
  return n;
}

// The "Max open files" line of /proc/PID/limits: soft and hard.
std::pair<std::string, std::string> descriptor_limits(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Max open files", 0) == 0) {
      std::istringstream fields(line.substr(std::strlen("Max open files")));
      std::string soft;
      std::string hard;
      fields >> soft >> hard;
      return {soft, hard};
    }
  }
  return {};
}

// Sets an environment variable for the children started while it lives.
class scoped_env {
 public:
  scoped_env(const char* name, const std::string& value) : name_(name) { ::setenv(name, value.c_str(), 1); }
  ~scoped_env() { ::unsetenv(name_); }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

 private:
  const char* name_;
};

// The systemd side of sd_notify(3): a unix datagram socket that records when each WATCHDOG=1
// arrives.
class notify_socket {
 public:
  notify_socket() : path_(fs::temp_directory_path() / ("rw-notify-" + std::to_string(::getpid()) + ".sock")) {
    fs::remove(path_);
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0) << std::strerror(errno);
    timeval poll_period{0, 100'000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &poll_period, sizeof(poll_period));
    reader_ = std::thread([this] { read_loop(); });
  }
  ~notify_socket() {
    stop_ = true;
    reader_.join();
    ::close(fd_);
    fs::remove(path_);
  }
  notify_socket(const notify_socket&) = delete;
  notify_socket& operator=(const notify_socket&) = delete;

  const fs::path& path() const { return path_; }

  std::vector<steady_clock::time_point> watchdog_pings() const {
    const std::lock_guard lock(mutex_);
    return pings_;
  }
  bool ready() const {
    const std::lock_guard lock(mutex_);
    return ready_;
  }

 private:
  void read_loop() {
    std::array<char, 4096> buffer{};
    while (!stop_) {
      const auto n = ::recv(fd_, buffer.data(), buffer.size(), 0);
      if (n <= 0) {
        continue;  // the poll period passed
      }
      const std::string message(buffer.data(), static_cast<std::size_t>(n));
      const std::lock_guard lock(mutex_);
      if (message.find("WATCHDOG=1") != std::string::npos) {
        pings_.push_back(steady_clock::now());
      }
      if (message.find("READY=1") != std::string::npos) {
        ready_ = true;
      }
    }
  }

  fs::path path_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<steady_clock::time_point> pings_;
  bool ready_ = false;
  std::thread reader_;
};

milliseconds longest_gap(const std::vector<steady_clock::time_point>& pings, steady_clock::time_point from,
                         steady_clock::time_point to) {
  milliseconds longest{0};
  steady_clock::time_point previous = from;
  for (const auto& p : pings) {
    if (p < from) {
      continue;
    }
    longest = std::max(longest, std::chrono::duration_cast<milliseconds>(std::min(p, to) - previous));
    previous = p;
    if (p >= to) {
      return longest;
    }
  }
  return std::max(longest, std::chrono::duration_cast<milliseconds>(to - previous));
}

// What another process does when it holds the write lock: `rootwatch check` committing, a
// backup, an operator in the sqlite3 shell.
class write_lock {
 public:
  explicit write_lock(const fs::path& db_path) {
    EXPECT_EQ(sqlite3_open(db_path.c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 10'000);  // the daemon may be mid-commit: wait for it
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db_);
  }
  ~write_lock() { release(); }
  write_lock(const write_lock&) = delete;
  write_lock& operator=(const write_lock&) = delete;

  void release() {
    if (db_ != nullptr) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      sqlite3_close(db_);
      db_ = nullptr;
    }
  }

 private:
  sqlite3* db_ = nullptr;
};

constexpr auto watchdog_usec = std::chrono::microseconds{2'000'000};
constexpr auto lock_held_for = std::chrono::seconds{7};

TEST(resources, the_watchdog_health_and_delivery_go_on_while_another_process_holds_the_database_lock) {
  environment env;
  env.listen = "127.0.0.1:0";
  env.write_config("1s");
  notify_socket notify;
  std::optional<child> started;
  {
    const scoped_env socket_var("NOTIFY_SOCKET", notify.path().string());
    const scoped_env watchdog_var("WATCHDOG_USEC", std::to_string(watchdog_usec.count()));
    started.emplace(env.start({"run", "--config", env.config_path().string()}));
  }
  auto& daemon = *started;
  const auto port = health_port_in_log(daemon);
  ASSERT_NE(port, 0) << daemon.err();
  ASSERT_TRUE(wait_until([&] { return notify.ready(); })) << daemon.err();

  // A first alert goes through normally; the next one is stuck at a failing receiver, so it
  // sits in the outbox when the lock is taken.
  env.elevate("a11ce000-0000-4000-8000-000000000001");
  ASSERT_TRUE(
      env.receiver().wait_for([](const auto& d) { return accepted(d, "assignment.created").size() == 1; }, wait_long))
      << daemon.err();
  env.receiver().fail_next(1'000, 503);
  env.elevate("a11ce000-0000-4000-8000-000000000002");
  ASSERT_TRUE(env.receiver().wait_for([](const auto& d) { return d.size() >= 2; }, wait_long)) << daemon.err();

  const auto locked_at = steady_clock::now();
  write_lock lock(env.dir() / "state" / "rootwatch.db");
  // While it is held: the pending alert can be delivered (but not marked), and a new
  // assignment is seen (but its cycle cannot commit).
  env.receiver().fail_next(0, 200);
  env.elevate("a11ce000-0000-4000-8000-000000000003");
  std::size_t health_answers = 0;
  std::size_t health_asked = 0;
  while (steady_clock::now() < locked_at + lock_held_for) {
    ++health_asked;
    const auto r = get(port, "/healthz", milliseconds{1'500});
    if (r && (r->status == 200 || r->status == 503) && !r->body.empty()) {
      ++health_answers;
    }
    std::this_thread::sleep_for(milliseconds{250});
  }
  const auto released_at = steady_clock::now();
  lock.release();
  // The lock was really in the way: cycles and delivery marks ran into it.
  EXPECT_GE(count(daemon.err(), "write lock"), 2u) << daemon.err();
  EXPECT_EQ(health_answers, health_asked);

  // Afterwards every alert arrives: none lost to the failed commits and marks.
  const auto principals_alerted = [](const std::vector<fake::delivery>& d) {
    std::set<std::string> seen;
    for (const auto& a : accepted(d, "assignment.created")) {
      const auto& body = *a.body_json;
      if (body.contains("assignment") && body["assignment"].contains("principal")) {
        seen.insert(body["assignment"]["principal"].value("id", ""));
      }
    }
    return seen;
  };
  EXPECT_TRUE(env.receiver().wait_for([&](const auto& d) { return principals_alerted(d).size() == 3; }, wait_long))
      << daemon.err();
  EXPECT_TRUE(wait_until([&] {
    const auto m = get(port, "/metrics");
    return m && m->body.find("rootwatch_outbox_pending{sink=\"soc\"} 0") != std::string::npos;
  })) << daemon.err();
  std::this_thread::sleep_for(milliseconds{1'000});  // one more ping after the release

  // systemd kills the service when WATCHDOG_USEC passes without a ping. The daemon pings every
  // half of it; the other half is the most any stall on the event loop may take.
  const auto gap = longest_gap(notify.watchdog_pings(), locked_at, released_at + milliseconds{1'000});
  std::printf("lock held %lld ms; longest watchdog gap %lld ms; %zu lock errors logged; %zu health answers\n",
              static_cast<long long>(std::chrono::duration_cast<milliseconds>(released_at - locked_at).count()),
              static_cast<long long>(gap.count()), count(daemon.err(), "write lock"), health_answers);
  EXPECT_LT(gap, std::chrono::duration_cast<milliseconds>(watchdog_usec))
      << "the watchdog went " << gap.count() << " ms without a ping\n"
      << daemon.err();

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

TEST(resources, idle_connections_to_the_health_listener_cannot_take_the_daemons_descriptors) {
  environment env;
  env.listen = "127.0.0.1:0";
  env.write_config("1s");
  auto daemon = env.start({"run", "--config", env.config_path().string()});
  const auto port = health_port_in_log(daemon);
  ASSERT_NE(port, 0) << daemon.err();
  ASSERT_TRUE(wait_until([&] {
    const auto r = get(port, "/readyz");
    return r && r->status == 200;
  })) << daemon.err();
  const auto before = open_descriptors(daemon.pid());
  rlimit own{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &own), 0);
  if (own.rlim_cur < 2'000) {
    own.rlim_cur = std::min<rlim_t>(own.rlim_max, 2'000);
    ::setrlimit(RLIMIT_NOFILE, &own);
  }
  if (own.rlim_cur < 2'000) {
    GTEST_SKIP() << "this test needs 2,000 descriptors of its own";
  }

  // An attacker's 1,500 connections that never send a request (the defect took 2,000 against a
  // soft limit of 1,024).
  asio::io_context ioc;
  std::vector<tcp::socket> idle;
  for (int i = 0; i < 1'500; ++i) {
    tcp::socket s(ioc);
    boost::system::error_code ec;
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    ASSERT_FALSE(ec) << "connection " << i << ": " << ec.message();
    idle.push_back(std::move(s));
  }
  // Accepted in order: once this answers, every idle connection has been through accept.
  const auto health = get(port, "/healthz");
  ASSERT_TRUE(health) << health.error().message;
  EXPECT_EQ(health->status, 200);
  // The cap of 64, and not a descriptor per idle connection.
  EXPECT_LE(open_descriptors(daemon.pid()), before + 64 + 8);

  // And the daemon still reaches Azure and the receiver.
  env.elevate();
  EXPECT_TRUE(
      env.receiver().wait_for([](const auto& d) { return !accepted(d, "assignment.created").empty(); }, wait_long))
      << daemon.err();

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

TEST(resources, the_soft_descriptor_limit_is_raised_to_the_hard_limit) {
  environment env;
  env.write_config("1s");
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  if (saved.rlim_max <= 256) {
    GTEST_SKIP() << "the hard limit is too low to start below it";
  }
  std::optional<child> started;
  {
    // The daemon inherits this soft limit, the usual 1024 or lower.
    rlimit lowered = saved;
    lowered.rlim_cur = 256;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
    started.emplace(env.start({"run", "--config", env.config_path().string()}));
    ::setrlimit(RLIMIT_NOFILE, &saved);
  }
  auto& daemon = *started;
  ASSERT_TRUE(wait_until([&] { return daemon.err().find("running") != std::string::npos; })) << daemon.err();
  const auto [soft, hard] = descriptor_limits(daemon.pid());
  EXPECT_EQ(soft, hard);
  EXPECT_NE(soft, "256");
  EXPECT_NE(daemon.err().find("descriptor limit raised from 256"), std::string::npos) << daemon.err();

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(milliseconds{15'000}).value_or(-1), 0) << daemon.err();
}

}  // namespace
}  // namespace rootwatch::e2e
