#include "storage/part/bit_packing.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace lode::part {
namespace {

TEST(BitPacking, EveryWidthRoundTripsAtEveryCount) {
  std::mt19937_64 rng(3);
  for (int width = 0; width <= 64; ++width) {
    for (size_t count : {0, 1, 2, 7, 8, 9, 63, 64, 65, 1000}) {
      const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
      const uint64_t base = rng();
      std::vector<uint64_t> values(count);
      for (size_t i = 0; i < count; ++i) {
        // The extremes of the range first, then anything in it.
        uint64_t offset = i == 0 ? mask : i == 1 ? 0 : rng() & mask;
        values[i] = base + offset;
      }
      std::string packed = "x";  // appended after what is there
      PackBits(values.data(), count, base, width, packed);
      ASSERT_EQ(packed.size(), 1 + PackedBytes(count, width)) << width << " " << count;
      std::vector<uint64_t> back(count);
      UnpackBits(std::string_view(packed).substr(1), count, width, base, back.data());
      ASSERT_EQ(back, values) << "width " << width << " count " << count;
    }
  }
}

TEST(BitPacking, WidthIsTheBitsOfTheValue) {
  EXPECT_EQ(BitWidth(0), 0);
  EXPECT_EQ(BitWidth(1), 1);
  EXPECT_EQ(BitWidth(255), 8);
  EXPECT_EQ(BitWidth(256), 9);
  EXPECT_EQ(BitWidth(~uint64_t{0}), 64);
}

}  // namespace
}  // namespace lode::part
