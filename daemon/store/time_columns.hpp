#pragma once

// Times in the outbox's INTEGER columns: milliseconds since the Unix epoch.

#include "common/time.hpp"

#include <cstdint>

namespace rootwatch::store {

inline std::int64_t to_ms(timestamp t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

inline timestamp from_ms(std::int64_t ms) {
  return timestamp{std::chrono::duration_cast<timestamp::duration>(milliseconds{ms})};
}

}  // namespace rootwatch::store
