#include "ops/systemd_notify.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace rootwatch::ops {
namespace {

// A NOTIFY_SOCKET of our own, as systemd would give: what the notifier sent, datagram by datagram.
class notify_socket {
 public:
  notify_socket() {
    dir_ = std::filesystem::temp_directory_path() / ("rootwatch-notify-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "notify.sock").string();
    std::filesystem::remove(path_);
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }
  ~notify_socket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
    std::filesystem::remove_all(dir_);
  }
  bool bound() const { return bound_; }
  std::vector<std::string> received() {
    std::vector<std::string> out;
    char buf[4096];
    for (;;) {
      const auto n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) {
        return out;
      }
      out.emplace_back(buf, static_cast<std::size_t>(n));
    }
  }

 private:
  std::filesystem::path dir_;
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

TEST(systemd_notifier, a_status_is_sent_only_when_it_changes) {
  notify_socket sock;
  ASSERT_TRUE(sock.bound());
  systemd_notifier n;
  n.ready("1/1 tenants watched");
  EXPECT_FALSE(n.status("1/1 tenants watched"));
  EXPECT_TRUE(n.status("0/1 tenants watched, 1 failing"));
  EXPECT_FALSE(n.status("0/1 tenants watched, 1 failing"));
  EXPECT_TRUE(n.status("1/1 tenants watched"));
  EXPECT_EQ(sock.received(),
            (std::vector<std::string>{"READY=1\nSTATUS=1/1 tenants watched", "STATUS=0/1 tenants watched, 1 failing",
                                      "STATUS=1/1 tenants watched"}));
}

TEST(systemd_notifier, after_a_reload_or_stop_the_same_status_is_said_again) {
  notify_socket sock;
  ASSERT_TRUE(sock.bound());
  systemd_notifier n;
  EXPECT_TRUE(n.status("1/1 tenants watched"));
  n.reloading();
  EXPECT_TRUE(n.status("1/1 tenants watched"));
  n.stopping();
  EXPECT_TRUE(n.status("1/1 tenants watched"));
  const auto got = sock.received();
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[2], "STATUS=1/1 tenants watched");
  EXPECT_EQ(got[4], "STATUS=1/1 tenants watched");
}

}  // namespace
}  // namespace rootwatch::ops
