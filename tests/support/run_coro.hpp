#pragma once

// Runs one coroutine to completion on a test's own io_context, with a deadline so that a
// hung operation fails the test instead of hanging it.

#include "common/asio.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>

namespace rootwatch::testing_support {

template <class T>
T run_coro(boost::asio::io_context& io, awaitable<T> task,
           std::chrono::milliseconds deadline = std::chrono::milliseconds{30'000}) {
  std::optional<T> out;
  std::exception_ptr failure;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) {
      out.emplace(std::move(value));
    }
  });
  io.restart();
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!out && !failure && std::chrono::steady_clock::now() < until) {
    io.run_one_for(std::chrono::milliseconds{50});
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
  if (!out) {
    throw std::runtime_error("the coroutine did not finish before the test's deadline");
  }
  return std::move(*out);
}

}  // namespace rootwatch::testing_support
