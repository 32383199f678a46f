#include "common/rng.hpp"

#include "common/strings.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

namespace rootwatch {
namespace {

class scripted_rng final : public rng {
 public:
  explicit scripted_rng(std::vector<std::uint64_t> values) : values_(std::move(values)) {}
  std::uint64_t next() override { return values_.at(next_++ % values_.size()); }

 private:
  std::vector<std::uint64_t> values_;
  std::size_t next_ = 0;
};

TEST(random_uuid, version_4_and_rfc_4122_variant) {
  const std::regex shape("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  seeded_rng r(42);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = random_uuid(r);
    EXPECT_TRUE(std::regex_match(id, shape)) << id;
    EXPECT_TRUE(is_guid(id)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(random_uuid, fixed_bits_override_the_random_ones) {
  scripted_rng zeros({0, 0});
  EXPECT_EQ(random_uuid(zeros), "00000000-0000-4000-8000-000000000000");
  scripted_rng ones({~std::uint64_t{0}, ~std::uint64_t{0}});
  EXPECT_EQ(random_uuid(ones), "ffffffff-ffff-4fff-bfff-ffffffffffff");
  scripted_rng known({0x0123456789abcdefULL, 0xfedcba9876543210ULL});
  EXPECT_EQ(random_uuid(known), "01234567-89ab-4def-bedc-ba9876543210");
}

TEST(seeded_rng, same_seed_same_sequence) {
  seeded_rng a(7);
  seeded_rng b(7);
  seeded_rng c(8);
  EXPECT_EQ(random_uuid(a), random_uuid(b));
  EXPECT_NE(random_uuid(a), random_uuid(c));
}

TEST(seeded_rng, uniform01_stays_in_the_half_open_unit_interval) {
  seeded_rng r(1);
  for (int i = 0; i < 10000; ++i) {
    const double x = r.uniform01();
    EXPECT_GE(x, 0.0);
    EXPECT_LT(x, 1.0);
  }
  scripted_rng top({~std::uint64_t{0}});
  EXPECT_LT(top.uniform01(), 1.0);
  scripted_rng bottom({0});
  EXPECT_EQ(bottom.uniform01(), 0.0);
}

}  // namespace
}  // namespace rootwatch
