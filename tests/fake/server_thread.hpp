#pragma once

// An http_server on an io_context and thread of its own. The fakes are driven from the test
// thread while they serve, so each owns its loop; their state is behind their own mutex.

#include "common/error.hpp"
#include "net/http_server.hpp"

#include <cstdint>
#include <memory>

namespace rootwatch::fake {

class server_thread {
 public:
  static result<std::unique_ptr<server_thread>> start(net::server_options options, net::request_handler handler);
  ~server_thread();
  server_thread(const server_thread&) = delete;
  server_thread& operator=(const server_thread&) = delete;

  std::uint16_t port() const;
  std::uint64_t connections_accepted() const;

  // Stops accepting, lets exchanges in flight finish for a short grace period, then ends the
  // loop and joins the thread. Safe to call twice; never from the server's own thread.
  void stop();

 private:
  struct impl;
  explicit server_thread(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace rootwatch::fake
