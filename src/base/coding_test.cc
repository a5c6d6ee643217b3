#include "base/coding.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace lode {
namespace {

constexpr uint64_t kMaxU64 = std::numeric_limits<uint64_t>::max();
constexpr int64_t kMinI64 = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxI64 = std::numeric_limits<int64_t>::max();

TEST(CodingTest, Fixed32IsLittleEndian) {
  std::string out;
  PutFixed32(out, 0x04030201u);
  EXPECT_EQ(out, std::string("\x01\x02\x03\x04", 4));
  EXPECT_EQ(DecodeFixed32(out.data()), 0x04030201u);
}

TEST(CodingTest, Fixed64IsLittleEndian) {
  std::string out;
  PutFixed64(out, 0x0807060504030201ull);
  EXPECT_EQ(out, std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(DecodeFixed64(out.data()), 0x0807060504030201ull);
}

TEST(CodingTest, FixedRoundTripEdgeValues) {
  for (uint32_t v : {0u, 1u, 0x7fu, 0x80u, 0xffu, 0x100u, 0x7fffffffu, 0x80000000u, 0xffffffffu}) {
    std::string out;
    PutFixed32(out, v);
    ASSERT_EQ(out.size(), 4u);
    Decoder d(out);
    EXPECT_EQ(d.Fixed32(), v);
    EXPECT_TRUE(d.ok());
    EXPECT_EQ(d.remaining(), 0u);
  }
  for (uint64_t v : std::vector<uint64_t>{0, 1, 0xff, 0xffffffffull, 0x100000000ull,
                                          0x8000000000000000ull, kMaxU64}) {
    std::string out;
    PutFixed64(out, v);
    ASSERT_EQ(out.size(), 8u);
    Decoder d(out);
    EXPECT_EQ(d.Fixed64(), v);
    EXPECT_TRUE(d.ok());
  }
}

TEST(CodingTest, VarintLengths) {
  struct Case {
    uint64_t value;
    size_t bytes;
  };
  for (const Case& c : std::vector<Case>{{0, 1},
                                         {0x7f, 1},
                                         {0x80, 2},
                                         {0x3fff, 2},
                                         {0x4000, 3},
                                         {(1ull << 63) - 1, 9},
                                         {1ull << 63, 10},
                                         {kMaxU64, 10}}) {
    std::string out;
    PutVarint64(out, c.value);
    EXPECT_EQ(out.size(), c.bytes) << c.value;
  }
  std::string out;
  PutVarint64(out, 300);
  EXPECT_EQ(out, "\xac\x02");
}

TEST(CodingTest, VarintRoundTrip) {
  std::vector<uint64_t> values = {0, 1, 127, 128, 255, 256, 16383, 16384, kMaxU64, kMaxU64 - 1};
  for (int shift = 0; shift < 64; ++shift) {
    values.push_back(1ull << shift);
    values.push_back((1ull << shift) - 1);
  }
  std::string out;
  for (uint64_t v : values) PutVarint64(out, v);
  Decoder d(out);
  for (uint64_t v : values) EXPECT_EQ(d.Varint64(), v);
  EXPECT_TRUE(d.ok());
  EXPECT_EQ(d.remaining(), 0u);
}

TEST(CodingTest, VarsintRoundTripAndZigZag) {
  std::vector<int64_t> values = {0, 1, -1, 63, -64, 64, -65, kMaxI64, kMinI64, kMinI64 + 1};
  std::string out;
  for (int64_t v : values) PutVarsint64(out, v);
  Decoder d(out);
  for (int64_t v : values) EXPECT_EQ(d.Varsint64(), v);
  EXPECT_TRUE(d.ok());

  // Small magnitudes stay one byte whatever the sign.
  std::string small;
  PutVarsint64(small, -64);
  EXPECT_EQ(small.size(), 1u);
  std::string minus_one;
  PutVarsint64(minus_one, -1);
  EXPECT_EQ(minus_one, "\x01");
}

TEST(CodingTest, LengthPrefixedRoundTrip) {
  std::string out;
  PutLengthPrefixed(out, "");
  PutLengthPrefixed(out, "hello");
  PutLengthPrefixed(out, std::string(300, 'x'));
  PutLengthPrefixed(out, std::string("a\0b", 3));
  Decoder d(out);
  EXPECT_EQ(d.LengthPrefixed(), "");
  EXPECT_EQ(d.LengthPrefixed(), "hello");
  EXPECT_EQ(d.LengthPrefixed(), std::string(300, 'x'));
  EXPECT_EQ(d.LengthPrefixed(), std::string("a\0b", 3));
  EXPECT_TRUE(d.ok());
  EXPECT_EQ(d.remaining(), 0u);
}

TEST(DecoderTest, TruncatedFixedIsStickyError) {
  std::string out;
  PutFixed32(out, 7);
  out.pop_back();
  Decoder d(out);
  EXPECT_EQ(d.Fixed32(), 0u);
  EXPECT_FALSE(d.ok());
  // Later reads return zero values even though bytes remain.
  EXPECT_EQ(d.remaining(), 3u);
  EXPECT_EQ(d.Varint64(), 0u);
  EXPECT_EQ(d.LengthPrefixed(), "");
  EXPECT_FALSE(d.ok());
}

TEST(DecoderTest, StickyAfterFailureEvenWhenLaterReadWouldFit) {
  std::string out;
  PutFixed32(out, 0x01020304u);  // 4 bytes: a Fixed64 does not fit, a Fixed32 would
  Decoder d(out);
  EXPECT_EQ(d.Fixed64(), 0u);
  EXPECT_FALSE(d.ok());
  EXPECT_EQ(d.Fixed32(), 0u);
  EXPECT_FALSE(d.ok());
  EXPECT_EQ(d.position(), 0u);
}

TEST(DecoderTest, TruncatedVarint) {
  std::string out;
  PutVarint64(out, 1ull << 40);
  out.pop_back();  // the last byte has no continuation bit; the rest all do
  Decoder d(out);
  EXPECT_EQ(d.Varint64(), 0u);
  EXPECT_FALSE(d.ok());
}

TEST(DecoderTest, EmptyInput) {
  Decoder d("");
  EXPECT_EQ(d.Varint64(), 0u);
  EXPECT_FALSE(d.ok());
}

TEST(DecoderTest, OverlongVarintIsError) {
  // Eleven bytes with the continuation bit: longer than any 64-bit varint.
  std::string bytes(10, '\x80');
  bytes.push_back('\x01');
  Decoder d(bytes);
  EXPECT_EQ(d.Varint64(), 0u);
  EXPECT_FALSE(d.ok());
}

// The tenth byte of a varint carries only bit 63; a larger tenth byte
// encodes a value that does not fit in 64 bits and must not be silently
// truncated.
TEST(DecoderTest, TenthVarintByteBeyondBit63IsError) {
  std::string bytes(9, '\xff');
  bytes.push_back('\x7f');
  Decoder d(bytes);
  d.Varint64();
  EXPECT_FALSE(d.ok());
}

TEST(DecoderTest, LengthPrefixedPastTheEnd) {
  std::string out;
  PutVarint64(out, 10);
  out += "short";
  Decoder d(out);
  EXPECT_EQ(d.LengthPrefixed(), "");
  EXPECT_FALSE(d.ok());
}

TEST(DecoderTest, LengthPrefixedHugeLengthDoesNotOverflow) {
  std::string out;
  PutVarint64(out, kMaxU64);
  out += "abc";
  Decoder d(out);
  EXPECT_EQ(d.LengthPrefixed(), "");
  EXPECT_FALSE(d.ok());
}

TEST(DecoderTest, PositionAndRemainingTrackReads) {
  std::string out;
  PutFixed32(out, 1);
  PutVarint64(out, 300);
  PutFixed64(out, 2);
  Decoder d(out);
  EXPECT_EQ(d.remaining(), 14u);
  d.Fixed32();
  EXPECT_EQ(d.position(), 4u);
  EXPECT_EQ(d.Varint64(), 300u);
  EXPECT_EQ(d.position(), 6u);
  EXPECT_EQ(d.Fixed64(), 2u);
  EXPECT_EQ(d.remaining(), 0u);
  EXPECT_TRUE(d.ok());
}

}  // namespace
}  // namespace lode
