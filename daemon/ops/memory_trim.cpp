#include "ops/memory_trim.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <malloc.h>

#include <utility>

namespace rootwatch::ops {

void release_free_memory() {
  (void)malloc_trim(0);
}

namespace {

constexpr int heap_top_kept = 4 << 20;
constexpr int mmap_from = 2 << 20;

}  // namespace

void tune_allocator() {
  // One arena for every thread: the daemon's work is on one I/O thread, the others allocate
  // little (name resolution), and their own arenas would keep what they freed.
  (void)mallopt(M_ARENA_MAX, 1);
  // The answers of a cycle are freed at its end, at the top of the heap. Past the default
  // 128 KiB, free() gave that top back (brk) and the next cycle took it again, every byte of
  // its answers copied into pages the kernel had to fault in and zero: at 100 tenants with 200
  // assignments at "/" that was 6 to 19 faults per cycle, in the copy into the body. The heap now
  // keeps up to heap_top_kept free at its top; release_free_memory() still gives it all back
  // once a minute. A fixed trim threshold stops glibc moving the mmap threshold, so that is
  // fixed too, at 2 MiB: an answer page is a few hundred KB at most (a Resource Graph page holds
  // up to 1,000 rows), so pages come from the heap and bigger blocks are mapped as before.
  (void)mallopt(M_TRIM_THRESHOLD, heap_top_kept);
  (void)mallopt(M_MMAP_THRESHOLD, mmap_from);
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
