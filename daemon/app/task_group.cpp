#include "app/task_group.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>

namespace rootwatch::app {

task_group::task_group(asio::any_io_executor ex) : ex_(ex), finished_(ex) {}

void task_group::spawn(std::string name, awaitable<void> task, std::function<void(const std::string&)> on_crash) {
  auto& e = tasks_.emplace_back();
  e.name = std::move(name);
  asio::co_spawn(ex_, std::move(task),
                 asio::bind_cancellation_slot(e.signal.slot(), [this, &e, on_crash](std::exception_ptr p) {
                   e.done = true;
                   finished_.cancel();
                   if (!p) {
                     return;
                   }
                   std::string what = "unknown exception";
                   try {
                     std::rethrow_exception(p);
                   } catch (const std::exception& x) {
                     what = x.what();
                   } catch (...) {
                     // Not derived from std::exception: the generic text above says so.
                   }
                   spdlog::critical("{} stopped on an unexpected error: {}", e.name, what);
                   if (on_crash) {
                     on_crash(e.name + ": " + what);
                   }
                 }));
}

std::size_t task_group::running() const {
  return static_cast<std::size_t>(std::count_if(tasks_.begin(), tasks_.end(), [](const entry& e) { return !e.done; }));
}

awaitable<bool> task_group::join(std::chrono::steady_clock::duration within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (running() > 0 && std::chrono::steady_clock::now() < deadline) {
    finished_.expires_at(deadline);
    co_await finished_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return running() == 0;
}

void task_group::cancel() {
  for (auto& e : tasks_) {
    if (!e.done) {
      e.signal.emit(asio::cancellation_type::terminal);
    }
  }
}

}  // namespace rootwatch::app
