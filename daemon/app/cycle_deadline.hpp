#pragma once

// One deadline for the whole gathering step of a cycle (design invariant 9), and the guard
// that turns an exception escaping it into an error value (invariant 10). Boost 1.81 has no
// cancel_after, so the work is raced against a timer with awaitable_operators `||`: whichever
// finishes first cancels the other, and the race ends when both have.

#include "common/asio.hpp"
#include "common/error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <exception>
#include <string>
#include <type_traits>
#include <variant>

#include <fmt/format.h>

namespace rootwatch::app {

// An exception caught at a coroutine's edge, as the error value it becomes: cancellation
// (thrown by Asio at a co_await once a coroutine was cancelled) stays cancellation; anything
// else is a bug or a library that threw on outside input, and says where it happened.
inline error error_from_exception(const std::exception& x, std::string_view where) {
  if (const auto* se = dynamic_cast<const boost::system::system_error*>(&x);
      se && se->code() == boost::asio::error::operation_aborted) {
    return make_error(error_kind::cancelled, fmt::format("{}: cancelled", where));
  }
  return make_error(error_kind::internal, fmt::format("{}: unexpected error: {}", where, x.what()));
}

namespace detail {

// The work side of the race, run as a coroutine of its own by `||`.
template <class T>
awaitable<result<T>> settled(awaitable<result<T>> work, std::string where) {
  // Cancellation has to come back from the I/O calls as error values ("cancelled during
  // connect"), not as an exception at the next co_await: the code in between then still runs,
  // such as the token cache clearing its refresh-in-flight flag. This coroutine is the bottom
  // of its own stack (spawned by `||`), so the setting stays inside the race.
  co_await asio::this_coro::throw_if_cancelled(false);
  try {
    co_return co_await std::move(work);
  } catch (const std::exception& x) {
    // Caught here, not by `||`: it waits for *success*, so a throw would otherwise look like
    // a timeout once the timer fired.
    co_return error_from_exception(x, where);
  }
}

// The timer side: true when the deadline passed, false when the wait was cancelled (the work
// finished first, or shutdown).
inline awaitable<bool> expired(std::chrono::steady_clock::time_point deadline) {
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

}  // namespace detail

// `work`'s result if it finishes before `deadline`; otherwise `on_timeout` (an error, or what
// a callable returns: it is then made only when the deadline passed, not every cycle), after
// `work` was cancelled and has unwound. An exception from `work` comes back as an error naming
// `where`.
template <class T, class OnTimeout>
awaitable<result<T>> within_deadline(awaitable<result<T>> work, std::chrono::steady_clock::time_point deadline,
                                     OnTimeout on_timeout, std::string where) {
  using namespace boost::asio::experimental::awaitable_operators;
  auto outcome = co_await (detail::settled(std::move(work), where) || detail::expired(deadline));
  if (outcome.index() == 0) {
    co_return std::move(std::get<0>(outcome));
  }
  if (std::get<1>(outcome)) {
    if constexpr (std::is_invocable_r_v<error, OnTimeout&>) {
      co_return on_timeout();
    } else {
      co_return error(std::move(on_timeout));
    }
  }
  co_return make_error(error_kind::cancelled, fmt::format("{}: cancelled", where));
}

}  // namespace rootwatch::app
