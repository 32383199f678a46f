// server_options::max_connections: idle connections (nothing sent, a header trickled, a TLS
// handshake never begun) must not pin the listener or the process's descriptors; a real
// client still gets its answer and the open connections never exceed the cap.

#include "net/http_server.hpp"

#include "fake/test_ca.hpp"
#include "fake/test_client.hpp"
#include "net/tls.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <thread>
#include <vector>

namespace rootwatch::net {
namespace {

using boost::asio::ip::tcp;
using std::chrono::steady_clock;

constexpr std::size_t cap = 8;
constexpr auto wait_limit = std::chrono::seconds(20);

const fake::test_ca& ca() {
  static const auto instance = fake::test_ca::generate();
  return instance;
}

server_response text(int status, std::string body) {
  server_response r;
  r.status = status;
  r.headers.push_back({"Content-Type", "text/plain"});
  r.body = std::move(body);
  return r;
}

bool eventually(const std::function<bool()>& done) {
  const auto until = steady_clock::now() + wait_limit;
  while (!done()) {
    if (steady_clock::now() > until) {
      return false;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n;
}

// Lowers this process's soft RLIMIT_NOFILE for the length of a test: the defect shows only
// when descriptors run out, as they do at the usual soft limit of 1024 against thousands.
class descriptor_limit {
 public:
  explicit descriptor_limit(std::size_t soft) {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = static_cast<rlim_t>(soft);
    EXPECT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  }
  ~descriptor_limit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  descriptor_limit(const descriptor_limit&) = delete;
  descriptor_limit& operator=(const descriptor_limit&) = delete;

 private:
  rlimit saved_{};
};

// The server on a loop and thread of its own, so that the test can read its counters.
class capped_server {
 public:
  capped_server(server_options options, request_handler handler) {
    auto server = http_server::listen(ioc_.get_executor(), std::move(options), std::move(handler));
    if (!server) {
      ADD_FAILURE() << server.error().message;
      return;
    }
    server_ = std::move(*server);
    asio::co_spawn(ioc_, server_->run(), [](std::exception_ptr e) {
      if (e) {
        std::rethrow_exception(e);
      }
    });
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~capped_server() {
    if (!server_) {
      return;
    }
    server_->stop();
    auto finished = std::async(std::launch::async, [this] { thread_.join(); });
    if (finished.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
      ioc_.stop();
    }
    finished.wait();
  }
  http_server& operator*() { return *server_; }
  http_server* operator->() { return server_.get(); }
  explicit operator bool() const { return server_ != nullptr; }

 private:
  asio::io_context ioc_;  // first: the server's sockets must go before it
  std::unique_ptr<http_server> server_;
  std::thread thread_;
};

// Raw client sockets that send nothing, or only the start of a request header.
class idle_clients {
 public:
  void open(std::uint16_t port, std::size_t n, std::string_view first_bytes = {}) {
    for (std::size_t i = 0; i < n; ++i) {
      auto s = std::make_unique<tcp::socket>(ioc_);
      boost::system::error_code ec;
      s->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
      ASSERT_FALSE(ec) << ec.message();
      if (!first_bytes.empty()) {
        asio::write(*s, asio::buffer(first_bytes.data(), first_bytes.size()), ec);
        ASSERT_FALSE(ec) << ec.message();
      }
      s->non_blocking(true);
      sockets_.push_back(std::move(s));
    }
  }

  // Sockets the server has not closed: a read would block rather than see EOF or a reset.
  std::size_t still_open() {
    std::size_t n = 0;
    for (auto& s : sockets_) {
      std::array<char, 256> scratch{};
      boost::system::error_code ec;
      s->read_some(asio::buffer(scratch), ec);
      if (ec == asio::error::would_block) {
        ++n;
      }
    }
    return n;
  }

  std::size_t size() const { return sockets_.size(); }

 private:
  asio::io_context ioc_;
  std::vector<std::unique_ptr<tcp::socket>> sockets_;
};

class http_server_cap_test : public ::testing::TestWithParam<bool> {
 protected:
  bool tls() const { return GetParam(); }

  server_options options() const {
    server_options o;
    o.max_connections = cap;
    if (tls()) {
      const auto leaf = ca().issue("localhost");
      auto ctx = server_tls::from_pem(leaf.cert_pem, leaf.key_pem);
      EXPECT_TRUE(ctx) << ctx.error().message;
      o.tls = ctx ? *ctx : nullptr;
    }
    return o;
  }

  result<response> get(std::uint16_t port, const std::string& path) const {
    const std::string scheme = tls() ? "https" : "http";
    return fake::fetch(tls() ? ca().ca_pem() : "", "GET", scheme + "://127.0.0.1:" + std::to_string(port) + path, {},
                       {}, wait_limit);
  }
};

std::string transport_name(const ::testing::TestParamInfo<bool>& param) {
  return param.param ? "tls" : "plain";
}

INSTANTIATE_TEST_SUITE_P(plain_and_tls, http_server_cap_test, ::testing::Values(false, true), transport_name);

TEST_P(http_server_cap_test, many_idle_connections_cannot_keep_a_real_request_from_its_answer) {
  capped_server server(options(), [](const server_request&) { return text(200, "ok"); });
  ASSERT_TRUE(server);
  constexpr std::size_t idle_count = 6 * cap;
  // Room for the idle clients' own sockets, the cap, and a few for the real request; not for
  // a server that keeps a descriptor per idle connection as well.
  const descriptor_limit limit(open_descriptors() + idle_count + cap + 16);
  idle_clients idle;
  idle.open(server->port(), idle_count / 2);
  idle.open(server->port(), idle_count / 2, "GET /healthz HTTP/1.1\r\nHost: x\r\n");  // never finished
  ASSERT_TRUE(eventually([&] { return server->connections_accepted() == idle.size(); }))
      << server->connections_accepted() << " of " << idle.size() << " accepted";

  const auto r = get(server->port(), "/healthz");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
  // And once more: the cap keeps working, it is not a one-off.
  const auto again = get(server->port(), "/healthz");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->status, 200);
}

TEST_P(http_server_cap_test, open_connections_never_exceed_the_cap) {
  capped_server server(options(), [](const server_request&) { return text(200, "ok"); });
  ASSERT_TRUE(server);
  idle_clients idle;
  idle.open(server->port(), 10 * cap);
  ASSERT_TRUE(eventually([&] { return server->connections_accepted() == idle.size(); }));

  // Seen from the clients: the server closed all but `cap` of them.
  EXPECT_TRUE(eventually([&] { return idle.still_open() <= cap; })) << idle.still_open() << " still open";
  // Seen from the server: at no moment were more open (it closes the old one before serving
  // the new one).
  EXPECT_LE(server->connections_peak(), cap);
  EXPECT_LE(server->connections_open(), cap);
  EXPECT_GE(server->connections_shed(), 10 * cap - cap);
}

TEST_P(http_server_cap_test, at_the_cap_with_every_connection_busy_a_new_one_is_refused_not_queued) {
  std::atomic<std::size_t> entered{0};
  capped_server server(options(), [&](const server_request&) {
    ++entered;
    auto r = text(200, "slow");
    r.delay = std::chrono::seconds(3);  // keeps every connection mid-exchange while we look
    return r;
  });
  ASSERT_TRUE(server);
  std::vector<std::future<result<response>>> answers;
  for (std::size_t i = 0; i < cap; ++i) {
    answers.push_back(std::async(std::launch::async, [&] { return get(server->port(), "/slow"); }));
  }
  ASSERT_TRUE(eventually([&] { return entered == cap; }));

  const auto refused = get(server->port(), "/late");
  EXPECT_FALSE(refused);
  EXPECT_EQ(entered, cap);  // the handler never saw it
  EXPECT_LE(server->connections_peak(), cap);
  // The busy connections were not the ones sacrificed.
  for (auto& a : answers) {
    const auto r = a.get();
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->body, "slow");
  }
}

// Plain only: over TLS the trickled bytes are not a handshake and end the connection at once.
TEST(http_server_cap, a_trickled_header_is_cut_off_at_the_idle_timeout) {
  server_options o;
  o.max_connections = cap;
  o.idle_timeout = milliseconds(300);
  capped_server server(std::move(o), [](const server_request&) { return text(200, "ok"); });
  ASSERT_TRUE(server);
  asio::io_context ioc;
  tcp::socket s(ioc);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
  // One byte at a time, never a whole header: the deadline covers the header, not each byte.
  const std::string trickle = "GET / HTTP/1.1\r\nX-Slow: " + std::string(400, 'a');
  bool closed = false;
  const auto until = steady_clock::now() + wait_limit;
  for (std::size_t i = 0; !closed && steady_clock::now() < until; i = (i + 1) % trickle.size()) {
    boost::system::error_code ec;
    asio::write(s, asio::buffer(&trickle[i], 1), ec);
    closed = static_cast<bool>(ec);
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_TRUE(closed);
}

}  // namespace
}  // namespace rootwatch::net
