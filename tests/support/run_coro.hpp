#pragma once

// Runs one coroutine to completion on a test's own io_context, with a deadline so that a
// hung operation fails the test instead of hanging it.

#include "common/asio.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>

namespace rootwatch::testing_support {

template <class T>
T run_coro(boost::asio::io_context& io, awaitable<T> task,
           std::chrono::milliseconds deadline = std::chrono::milliseconds{30'000}) {
  // Shared with the completion handler: after a deadline the coroutine may still finish
  // later on this io_context, and must not write into this returned-from frame.
  struct outcome {
    std::optional<T> value;
    std::exception_ptr failure;
  };
  auto done = std::make_shared<outcome>();
  boost::asio::co_spawn(io, std::move(task), [done](std::exception_ptr e, T value) {
    done->failure = e;
    if (!e) {
      done->value.emplace(std::move(value));
    }
  });
  io.restart();
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!done->value && !done->failure && std::chrono::steady_clock::now() < until) {
    io.run_one_for(std::chrono::milliseconds{50});
  }
  if (done->failure) {
    std::rethrow_exception(done->failure);
  }
  if (!done->value) {
    throw std::runtime_error("the coroutine did not finish before the test's deadline");
  }
  return std::move(*done->value);
}

}  // namespace rootwatch::testing_support
