#pragma once

// A small HTTP/1.1 server: the health and metrics listener, and the HTTPS fakes of the tests.
// One coroutine per connection on the caller's executor; header and body limits; an idle
// deadline per request; keep-alive; an optional cap on open connections.

#include "common/asio.hpp"
#include "common/error.hpp"
#include "net/http_types.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace rootwatch::net {

class server_tls;

using request_handler = std::function<server_response(const server_request&)>;

struct server_options {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;           // 0 picks a free port; see http_server::port()
  std::shared_ptr<server_tls> tls;  // null: plain HTTP
  std::size_t body_limit = 1024 * 1024;
  // Covers the wait for a request, the whole header, the body and the write: a peer that
  // trickles its header (slowloris) is cut off as promptly as one that sends nothing.
  milliseconds idle_timeout{30'000};
  // Open connections at most; 0 means no cap (the fakes). At the cap a new connection
  // closes the oldest idle one (waiting for a request, or still in its TLS handshake), so
  // that idle connections cannot pin the listener, or the process's descriptors, while a
  // real client still gets its answer. With nothing idle to close, the new one is refused.
  std::size_t max_connections = 0;
  // Told what the server survives but an operator may want to know: a handler that threw
  // (answered 500), a failing accept. Runs on the server's executor; may be empty.
  std::function<void(std::string_view)> on_error;
};

// The executor must not run handlers concurrently (one io_context on one thread, or a strand):
// connection bookkeeping is not locked. stop() and the destructor may be called from any thread.
class http_server {
 public:
  // Binds and listens; fails (as a value) when the address is taken or invalid.
  static result<std::unique_ptr<http_server>> listen(asio::any_io_executor ex, server_options options,
                                                     request_handler handler);
  ~http_server();

  std::uint16_t port() const;

  // Connections accepted so far; tests use it to see keep-alive at work.
  std::uint64_t connections_accepted() const;
  // Connections open now, and the most ever open at once: what max_connections bounds.
  std::size_t connections_open() const;
  std::size_t connections_peak() const;
  // Connections closed or refused to stay within max_connections.
  std::uint64_t connections_shed() const;

  // Accepts until stop(); returns when the acceptor is closed. Open connections finish their
  // current exchange and are then closed.
  awaitable<void> run();
  void stop();

 private:
  struct impl;
  explicit http_server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace rootwatch::net
