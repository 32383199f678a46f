#include "ops/memory_trim.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <malloc.h>

#include <utility>

namespace rootwatch::ops {

void release_free_memory() {
  (void)malloc_trim(0);
}

void tune_allocator() {
  // One arena for every thread: the daemon's work is on one I/O thread, the others allocate
  // little (name resolution), and their own arenas would keep what they freed.
  (void)mallopt(M_ARENA_MAX, 1);
}

memory_trimmer::memory_trimmer(asio::any_io_executor ex, milliseconds every, std::function<void()> trim)
    : timer_(std::move(ex)), every_(every), trim_(std::move(trim)) {}

void memory_trimmer::trim_now() {
  if (trim_) {
    trim_();
  }
}

awaitable<void> memory_trimmer::run() {
  while (!stopping_) {
    timer_.expires_after(every_);
    auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
    if (stopping_) {
      break;
    }
    trim_now();
  }
}

void memory_trimmer::stop() {
  stopping_ = true;
  timer_.cancel();
}

}  // namespace rootwatch::ops
