#pragma once

// The long-lived coroutines of a running rootwatch (watchers, dispatchers, the health
// listener, the watchdog), so that shutdown can wait for them with a deadline and then cut
// off whatever is still running.

#include "common/asio.hpp"

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <list>
#include <optional>
#include <string>

namespace rootwatch::app {

class task_group {
 public:
  explicit task_group(asio::any_io_executor ex);

  // `on_crash` is told when a task ends with an exception: that is a bug, and the daemon
  // stops rather than run on without one of its parts.
  void spawn(std::string name, awaitable<void> task, std::function<void(const std::string&)> on_crash);

  // Waits until every task has finished or `within` has passed; true when all finished.
  awaitable<bool> join(std::chrono::steady_clock::duration within);

  // Terminal cancellation for every task still running.
  void cancel();

  std::size_t running() const;

 private:
  struct entry {
    std::string name;
    asio::cancellation_signal signal;
    bool done = false;
  };
  asio::any_io_executor ex_;
  std::list<entry> tasks_;  // a list: entries must not move while their task runs
  asio::steady_timer finished_;
};

}  // namespace rootwatch::app
