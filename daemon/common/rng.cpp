#include "common/rng.hpp"

#include <fmt/format.h>

namespace rootwatch {

std::string random_uuid(rng& r) {
  std::uint64_t hi = r.next();
  std::uint64_t lo = r.next();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
                     lo & 0xffffffffffffULL);
}

}  // namespace rootwatch
