#include "text/inflater.h"

#include <gtest/gtest.h>

#include <string>

#include "text/deflate_for_tests.h"

namespace lode {
namespace {

std::string Deflate(const std::string& text, int window_bits) {
  return DeflateForTests(text, window_bits == 31   ? DeflateWrapper::kGzip
                               : window_bits == 15 ? DeflateWrapper::kZlib
                                                   : DeflateWrapper::kRaw);
}

// Everything `inflater` makes of `in`, fed `chunk` bytes at a time into
// an output of `out_size` bytes.
std::string InflateAll(Inflater& inflater, std::string_view in, size_t chunk, size_t out_size,
                       bool* ended) {
  std::string result;
  std::string out(out_size, '\0');
  *ended = false;
  size_t offset = 0;
  while (!*ended) {
    std::string_view piece = in.substr(offset, chunk);
    auto step = inflater.Inflate(piece, out.data(), out.size());
    EXPECT_TRUE(step.ok()) << step.status().ToString();
    if (!step.ok()) break;
    offset += step->consumed;
    result.append(out.data(), step->produced);
    *ended = step->stream_end;
    if (step->consumed == 0 && step->produced == 0 && offset >= in.size()) break;
  }
  return result;
}

TEST(InflaterTest, EachFormatInSmallPieces) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "line " + std::to_string(i) + "\n";
  struct Case {
    Inflater::Format format;
    int window_bits;
  } cases[] = {{Inflater::Format::kGzipOrZlib, 31},
               {Inflater::Format::kGzipOrZlib, 15},
               {Inflater::Format::kZlib, 15},
               {Inflater::Format::kRawDeflate, -15}};
  for (const Case& c : cases) {
    Inflater inflater(c.format);
    bool ended = false;
    EXPECT_EQ(InflateAll(inflater, Deflate(text, c.window_bits), 7, 100, &ended), text);
    EXPECT_TRUE(ended);
  }
}

TEST(InflaterTest, TruncatedInputNeverEnds) {
  std::string packed = Deflate("some text that is long enough to matter", 31);
  Inflater inflater(Inflater::Format::kGzipOrZlib);
  bool ended = true;
  InflateAll(inflater, std::string_view(packed).substr(0, packed.size() - 4), 1024, 1024, &ended);
  EXPECT_FALSE(ended);
}

TEST(InflaterTest, CorruptDataIsInvalidArgumentWithZlibsWords) {
  Inflater inflater(Inflater::Format::kGzipOrZlib);
  std::string out(64, '\0');
  auto step = inflater.Inflate("\x1f\x8b\x09garbage", out.data(), out.size());
  ASSERT_FALSE(step.ok());
  EXPECT_EQ(step.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(step.status().message(), "unknown compression method");
}

TEST(InflaterTest, ResetReadsTheNextGzipMember) {
  std::string both = Deflate("first\n", 31) + Deflate("second\n", 31);
  Inflater inflater(Inflater::Format::kGzipOrZlib);
  bool ended = false;
  std::string out(64, '\0');
  auto one = inflater.Inflate(both, out.data(), out.size());
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(one->stream_end);
  EXPECT_EQ(std::string(out.data(), one->produced), "first\n");
  inflater.Reset();
  EXPECT_EQ(InflateAll(inflater, std::string_view(both).substr(one->consumed), 100, 64, &ended),
            "second\n");
  EXPECT_TRUE(ended);
}

}  // namespace
}  // namespace lode
