#pragma once

// What the fuzz targets share: a check that survives any build type, and the fuzzed input
// as text.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

// An invariant of the code under test. A broken one aborts, so that libFuzzer keeps the input
// as a crash reproducer (assert() would vanish under NDEBUG, and a thrown exception could be
// mistaken for the product's own).
#define FUZZ_CHECK(condition, what)                                                                            \
  do {                                                                                                         \
    if (!(condition)) {                                                                                        \
      std::fprintf(stderr, "fuzz invariant broken: %s\n  check: %s\n  at %s:%d\n", what, #condition, __FILE__, \
                   __LINE__);                                                                                  \
      std::abort();                                                                                            \
    }                                                                                                          \
  } while (false)

namespace rootwatch::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace rootwatch::fuzz
