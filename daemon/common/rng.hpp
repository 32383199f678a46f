#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace rootwatch {

// Randomness, passed in: jitter and request ids. Tests use a seeded or scripted source.
class rng {
 public:
  virtual ~rng() = default;
  virtual std::uint64_t next() = 0;

  // Uniform in [0, 1).
  double uniform01() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

class seeded_rng final : public rng {
 public:
  explicit seeded_rng(std::uint64_t seed) : engine_(seed) {}
  static seeded_rng from_entropy() {
    std::random_device rd;
    return seeded_rng((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
  }
  std::uint64_t next() override { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

// A random version-4 UUID in lower-case hyphenated form.
std::string random_uuid(rng& r);

}  // namespace rootwatch
