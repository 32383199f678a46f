#include "ops/memory_trim.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <malloc.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

namespace rootwatch::ops {
namespace {

void spawn_run(asio::io_context& io, memory_trimmer& trimmer, bool& finished) {
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        co_await trimmer.run();
        finished = true;
      },
      asio::detached);
}

TEST(memory_trim, trim_now_gives_memory_back_at_once) {
  asio::io_context io;
  int trims = 0;
  memory_trimmer trimmer(io.get_executor(), milliseconds{60'000}, [&trims] { ++trims; });
  trimmer.trim_now();
  EXPECT_EQ(trims, 1);
}

TEST(memory_trim, run_trims_every_interval_until_stopped) {
  asio::io_context io;
  int trims = 0;
  bool finished = false;
  memory_trimmer* self = nullptr;
  memory_trimmer trimmer(io.get_executor(), milliseconds{1}, [&] {
    if (++trims == 3) {
      self->stop();
    }
  });
  self = &trimmer;
  spawn_run(io, trimmer, finished);
  // A functional deadline only: the loop ends by itself after the third trim.
  io.run_for(std::chrono::seconds{30});
  EXPECT_TRUE(finished);
  EXPECT_EQ(trims, 3);
}

TEST(memory_trim, stop_before_the_first_interval_ends_without_trimming) {
  asio::io_context io;
  int trims = 0;
  bool finished = false;
  memory_trimmer trimmer(io.get_executor(), milliseconds{3'600'000}, [&trims] { ++trims; });
  spawn_run(io, trimmer, finished);
  io.poll();
  trimmer.stop();
  io.run_for(std::chrono::seconds{30});
  EXPECT_TRUE(finished);
  EXPECT_EQ(trims, 0);
}

// Called through volatile pointers, so that the compiler cannot drop the pair.
void* (*volatile allocate)(std::size_t) = std::malloc;
void (*volatile release)(void*) = std::free;

TEST(memory_trim, an_answer_sized_block_comes_from_the_heap_and_its_free_top_is_kept) {
  tune_allocator();
  constexpr std::size_t page = 1 << 20;
  const auto before = mallinfo2();
  void* block = allocate(page);
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, page);
  const auto held = mallinfo2();
  // Past glibc's default 128 KiB it would be a mapping of its own, unmapped at free().
  EXPECT_EQ(held.hblkhd, before.hblkhd);
  EXPECT_GE(held.arena, before.arena);
  release(block);
  // The heap is not cut back at free(): the next cycle's answers find these pages in place.
  EXPECT_EQ(mallinfo2().arena, held.arena);
  release_free_memory();
}

TEST(memory_trim, the_real_trim_and_allocator_settings_are_harmless) {
  tune_allocator();
  release_free_memory();
  SUCCEED();
}

}  // namespace
}  // namespace rootwatch::ops
