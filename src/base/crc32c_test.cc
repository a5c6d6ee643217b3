#include "base/crc32c.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace lode {
namespace {

// The definition of CRC-32C, one bit at a time: reflected polynomial
// 0x82F63B78, initial value and final xor all ones. Independent of the
// table and of the SSE4.2 instruction the code under test uses.
uint32_t BitwiseCrc32c(uint32_t crc, const std::string& data) {
  crc = ~crc;
  for (unsigned char byte : data) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
  }
  return ~crc;
}

std::string RandomBytes(std::mt19937& rng, size_t n) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(byte(rng));
  return s;
}

TEST(Crc32cTest, StandardCheckValue) { EXPECT_EQ(crc32c::Value("123456789"), 0xE3069283u); }

TEST(Crc32cTest, ThirtyTwoZeroBytes) {
  // RFC 3720 (iSCSI) B.4 test vector.
  EXPECT_EQ(crc32c::Value(std::string(32, '\0')), 0x8A9136AAu);
}

TEST(Crc32cTest, ThirtyTwoOnesBytes) {
  // RFC 3720 B.4: 32 bytes of 0xff.
  EXPECT_EQ(crc32c::Value(std::string(32, '\xff')), 0x62A8AB43u);
}

TEST(Crc32cTest, EmptyIsZero) {
  EXPECT_EQ(crc32c::Value(""), 0u);
  EXPECT_EQ(crc32c::Extend(0x12345678u, nullptr, 0), 0x12345678u);
}

TEST(Crc32cTest, ExtendInPiecesEqualsOneCall) {
  std::mt19937 rng(7);
  const std::string data = RandomBytes(rng, 1000);
  const uint32_t whole = crc32c::Value(data);
  for (size_t split = 0; split <= data.size(); split += 37) {
    uint32_t crc = crc32c::Extend(0, data.data(), split);
    crc = crc32c::Extend(crc, data.data() + split, data.size() - split);
    EXPECT_EQ(crc, whole) << "split at " << split;
  }
  // Byte by byte.
  uint32_t crc = 0;
  for (char c : data) crc = crc32c::Extend(crc, &c, 1);
  EXPECT_EQ(crc, whole);
}

// Covers both the 8-byte and the tail loop of the hardware path, at every
// alignment, against the bitwise definition.
TEST(Crc32cTest, AgreesWithBitwiseReferenceOnRandomData) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<size_t> length(0, 300);
  const std::string buffer = RandomBytes(rng, 4096);
  for (int i = 0; i < 2000; ++i) {
    size_t offset = i % 16;
    size_t n = length(rng);
    std::string piece = buffer.substr(offset, n);
    uint32_t seed = i % 3 == 0 ? 0 : static_cast<uint32_t>(rng());
    ASSERT_EQ(crc32c::Extend(seed, buffer.data() + offset, n), BitwiseCrc32c(seed, piece))
        << "offset " << offset << " length " << n << " seed " << seed;
  }
}

TEST(Crc32cTest, DetectsASingleFlippedBit) {
  std::mt19937 rng(3);
  std::string data = RandomBytes(rng, 64);
  const uint32_t before = crc32c::Value(data);
  for (size_t bit = 0; bit < data.size() * 8; ++bit) {
    std::string flipped = data;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_NE(crc32c::Value(flipped), before) << "bit " << bit;
  }
}

}  // namespace
}  // namespace lode
