#include "common/rng.hpp"

namespace rootwatch {
namespace {

// Writes the `digits` lowest nibbles of `v` as lower-case hex at `out`, most significant first.
void put_hex(char* out, std::uint64_t v, int digits) {
  constexpr char hex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = hex[v & 0xf];
    v >>= 4;
  }
}

}  // namespace

// Written digit by digit into one string: every Azure request carries a fresh id, and a
// format call cost more than the rest of building the request.
std::string random_uuid(rng& r) {
  std::uint64_t hi = r.next();
  std::uint64_t lo = r.next();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  std::string out(36, '-');
  put_hex(out.data(), hi >> 32, 8);
  put_hex(out.data() + 9, hi >> 16, 4);
  put_hex(out.data() + 14, hi, 4);
  put_hex(out.data() + 19, lo >> 48, 4);
  put_hex(out.data() + 24, lo, 12);
  return out;
}

}  // namespace rootwatch
