#pragma once

// Gives memory the process freed back to the system. glibc's malloc keeps freed chunks for
// reuse and only returns the top of the heap past M_TRIM_THRESHOLD: the buffers of a burst of
// cycles (every tenant's first cycle at start or after a reload, answers of slow pages) stay
// resident long after they are freed, scattered between the long-lived per-tenant objects. At
// 1,000 tenants that was about a quarter of the RSS. malloc_trim(0) also releases whole free
// pages inside the heap (madvise), which nothing else does.

#include "common/asio.hpp"
#include "common/time.hpp"

#include <boost/asio/steady_timer.hpp>

#include <functional>

namespace rootwatch::ops {

// malloc_trim(0): a walk over the heap, about a millisecond per 50 MB; cheap at once a minute.
void release_free_memory();

// Set once at start, before the first allocation that matters: a second thread (Asio's
// resolver runs getaddrinfo on one) would otherwise get an arena of its own, whose free pages
// no trim of the main arena reaches.
void tune_allocator();

// Trims after a generation is started (its first cycles are the burst) and then every
// `every`, until stop().
class memory_trimmer {
 public:
  memory_trimmer(asio::any_io_executor ex, milliseconds every, std::function<void()> trim = release_free_memory);

  void trim_now();
  awaitable<void> run();
  void stop();

 private:
  asio::steady_timer timer_;
  milliseconds every_;
  std::function<void()> trim_;
  bool stopping_ = false;
};

}  // namespace rootwatch::ops
