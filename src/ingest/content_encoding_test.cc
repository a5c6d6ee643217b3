#include "ingest/content_encoding.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "text/deflate_for_tests.h"

namespace lode {
namespace {

constexpr size_t kMiB = 1u << 20;

using Wrapper = DeflateWrapper;

std::string Compress(std::string_view data, Wrapper wrapper) {
  return DeflateForTests(data, wrapper);
}

// Text that compresses but is not trivial, larger than one 64 KiB output
// chunk of the decoder.
std::string SampleText() {
  std::mt19937 rng(1);
  std::string s;
  while (s.size() < 300'000) {
    s += "level=info msg=\"request\" id=" + std::to_string(rng()) + "\n";
  }
  return s;
}

std::string MustDecode(std::string_view encoding, std::string_view body, size_t max = 64 * kMiB) {
  auto out = DecodeContentEncoding(encoding, body, max);
  EXPECT_TRUE(out.ok()) << encoding << ": " << out.status().ToString();
  return out.ok() ? std::move(out).value() : std::string();
}

TEST(ContentEncodingTest, IdentityAndEmptyPassThrough) {
  const std::string body = "not compressed \xff\x00";
  EXPECT_EQ(MustDecode("", body), body);
  EXPECT_EQ(MustDecode("identity", body), body);
}

TEST(ContentEncodingTest, GzipRoundTrip) {
  const std::string text = SampleText();
  EXPECT_EQ(MustDecode("gzip", Compress(text, Wrapper::kGzip)), text);
  EXPECT_EQ(MustDecode("x-gzip", Compress(text, Wrapper::kGzip)), text);
}

TEST(ContentEncodingTest, ZlibDeflateRoundTrip) {
  const std::string text = SampleText();
  EXPECT_EQ(MustDecode("deflate", Compress(text, Wrapper::kZlib)), text);
}

TEST(ContentEncodingTest, RawDeflateRoundTrip) {
  const std::string text = SampleText();
  EXPECT_EQ(MustDecode("deflate", Compress(text, Wrapper::kRaw)), text);
}

TEST(ContentEncodingTest, EmptyPayloadRoundTrips) {
  EXPECT_EQ(MustDecode("gzip", Compress("", Wrapper::kGzip)), "");
  EXPECT_EQ(MustDecode("deflate", Compress("", Wrapper::kZlib)), "");
}

TEST(ContentEncodingTest, UnknownEncodingIsInvalidArgument) {
  for (std::string_view encoding : {"br", "zstd", "compress", "GZIP2", "gzip, br"}) {
    auto out = DecodeContentEncoding(encoding, "x", kMiB);
    ASSERT_FALSE(out.ok()) << encoding;
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(out.status().message().find(std::string(encoding)), std::string::npos)
        << out.status().message();
  }
}

TEST(ContentEncodingTest, TruncatedGzipIsInvalidArgument) {
  std::string gz = Compress(SampleText(), Wrapper::kGzip);
  for (size_t keep : {size_t{0}, size_t{5}, gz.size() / 2, gz.size() - 1}) {
    auto out = DecodeContentEncoding("gzip", gz.substr(0, keep), 64 * kMiB);
    ASSERT_FALSE(out.ok()) << "kept " << keep << " of " << gz.size();
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument) << out.status().ToString();
  }
}

TEST(ContentEncodingTest, TruncatedDeflateIsInvalidArgument) {
  std::string z = Compress(SampleText(), Wrapper::kZlib);
  auto out = DecodeContentEncoding("deflate", z.substr(0, z.size() / 2), 64 * kMiB);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
}

TEST(ContentEncodingTest, GarbageIsInvalidArgument) {
  for (std::string_view encoding : {"gzip", "deflate"}) {
    auto out = DecodeContentEncoding(encoding, "this is not compressed at all", kMiB);
    ASSERT_FALSE(out.ok()) << encoding;
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument) << out.status().ToString();
  }
}

TEST(ContentEncodingTest, CorruptGzipChecksumIsRejected) {
  std::string gz = Compress("hello hello hello", Wrapper::kGzip);
  gz[gz.size() - 8] = static_cast<char>(gz[gz.size() - 8] ^ 0x01);  // CRC32 trailer
  auto out = DecodeContentEncoding("gzip", gz, kMiB);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
}

TEST(ContentEncodingTest, DecompressionBombIsResourceExhausted) {
  const std::string zeros(50 * kMiB, '\0');
  for (Wrapper wrapper : {Wrapper::kGzip, Wrapper::kZlib, Wrapper::kRaw}) {
    std::string bomb = Compress(zeros, wrapper);
    ASSERT_LT(bomb.size(), kMiB);  // small on the wire
    auto out = DecodeContentEncoding(wrapper == Wrapper::kGzip ? "gzip" : "deflate", bomb, kMiB);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted) << out.status().ToString();
  }
}

TEST(ContentEncodingTest, OutputExactlyAtTheLimitIsAllowed) {
  const std::string text = SampleText();
  EXPECT_EQ(MustDecode("gzip", Compress(text, Wrapper::kGzip), text.size()), text);
  auto over = DecodeContentEncoding("gzip", Compress(text, Wrapper::kGzip), text.size() - 1);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace lode
