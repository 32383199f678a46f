#include "fake/server_thread.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <future>
#include <thread>

namespace rootwatch::fake {
namespace {

// Long enough for any exchange of a well-behaved test, short enough not to stall teardown.
constexpr auto stop_grace = std::chrono::seconds(2);

}  // namespace

struct server_thread::impl {
  asio::io_context ioc;  // declared first: the server's sockets must go before it
  std::unique_ptr<net::http_server> server;
  std::promise<void> finished;
  std::thread thread;
  bool stopped = false;
};

server_thread::server_thread(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

server_thread::~server_thread() {
  stop();
}

result<std::unique_ptr<server_thread>> server_thread::start(net::server_options options, net::request_handler handler) {
  auto p = std::make_unique<impl>();
  auto server = net::http_server::listen(p->ioc.get_executor(), std::move(options), std::move(handler));
  if (!server) {
    return server.error();
  }
  p->server = std::move(*server);
  // run() returns when stop() closes the acceptor; anything it throws is a bug in the server
  // and must fail the test run loudly, hence the rethrow out of io_context::run().
  asio::co_spawn(p->ioc, p->server->run(), [](std::exception_ptr e) {
    if (e) {
      std::rethrow_exception(e);
    }
  });
  p->thread = std::thread([raw = p.get()] {
    raw->ioc.run();
    raw->finished.set_value();
  });
  return std::unique_ptr<server_thread>(new server_thread(std::move(p)));
}

std::uint16_t server_thread::port() const {
  return impl_->server->port();
}

std::uint64_t server_thread::connections_accepted() const {
  return impl_->server->connections_accepted();
}

void server_thread::stop() {
  if (impl_->stopped) {
    return;
  }
  impl_->stopped = true;
  impl_->server->stop();
  if (impl_->finished.get_future().wait_for(stop_grace) != std::future_status::ready) {
    // A client holding an exchange open past the grace period: end the loop regardless.
    impl_->ioc.stop();
  }
  impl_->thread.join();
}

}  // namespace rootwatch::fake
