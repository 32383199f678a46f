#pragma once

// `rootwatch run`: everything on one io_context until asked to stop. main owns the signals
// and calls request_stop() / request_reload().

#include "app/options.hpp"
#include "common/asio.hpp"
#include "common/error.hpp"
#include "common/listen_address.hpp"
#include "config/load.hpp"

#include <cstdint>
#include <functional>
#include <memory>

namespace rootwatch::app {

class daemon {
 public:
  // Opens the store, binds the health listener and reads every secret: what can fail at
  // start-up fails here, before anything reports ready.
  static result<std::unique_ptr<daemon>> create(asio::any_io_executor ex, options opts,
                                                std::function<config::load_result()> reload_source);
  ~daemon();

  // Until stopped; the exit code (0 after a clean stop).
  awaitable<int> run();
  void request_stop();
  void request_reload();
  bool stop_requested() const;
  std::uint16_t health_port() const;

 private:
  struct impl;
  explicit daemon(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

// The parse `validate` checks [daemon] listen with: what it accepts, run binds.
using rootwatch::listen_address;
using rootwatch::parse_listen;

}  // namespace rootwatch::app
