#include "base/base64.h"

#include <gtest/gtest.h>

namespace lode {
namespace {

TEST(Base64Test, RoundTripsEveryLengthAndBothAlphabets) {
  std::string bytes;
  for (int n = 0; n < 40; ++n) {
    std::string encoded;
    AppendBase64(bytes, encoded);
    EXPECT_EQ(encoded.size() % 4, 0u);
    EXPECT_EQ(DecodeBase64(encoded), bytes) << n;
    bytes += static_cast<char>(n * 37 + 250);
  }
  std::string hi;
  AppendBase64("hi", hi);
  EXPECT_EQ(hi, "aGk=");
  EXPECT_EQ(DecodeBase64("dXNlcjpwYXNz"), "user:pass");
  EXPECT_EQ(DecodeBase64("-_-_"), DecodeBase64("+/+/"));
  EXPECT_FALSE(DecodeBase64("not base64!").has_value());
}

// DecodeStdBase64 reads Go's StdEncoding (what sprig's b64dec decodes),
// with missing padding supplied.
TEST(Base64Test, StdDecodingTakesPaddedUnpaddedAndBrokenLines) {
  EXPECT_EQ(DecodeStdBase64("").value(), "");
  EXPECT_EQ(DecodeStdBase64("YQ==").value(), "a");
  EXPECT_EQ(DecodeStdBase64("YWI=").value(), "ab");
  EXPECT_EQ(DecodeStdBase64("YWJj").value(), "abc");
  EXPECT_EQ(DecodeStdBase64("YQ").value(), "a");
  EXPECT_EQ(DecodeStdBase64("YWI").value(), "ab");
  EXPECT_EQ(DecodeStdBase64("Zm9vYmE").value(), "fooba");
  EXPECT_EQ(DecodeStdBase64("Zm9vYmFyYg").value(), "foobarb");
  // Line breaks are skipped anywhere, in the padding too.
  EXPECT_EQ(DecodeStdBase64("Zm9v\r\nYmFy").value(), "foobar");
  EXPECT_EQ(DecodeStdBase64("YQ=\n=").value(), "a");
  EXPECT_EQ(DecodeStdBase64("\n").value(), "");
  // Bits past the last whole byte are not checked.
  EXPECT_EQ(DecodeStdBase64("YR==").value(), "a");
  EXPECT_EQ(DecodeStdBase64("////").value(), "\xff\xff\xff");
  EXPECT_EQ(DecodeStdBase64("AAAA").value(), std::string(3, '\0'));
  EXPECT_EQ(DecodeStdBase64("====").value(), "");
}

TEST(Base64Test, StdDecodingNamesTheByteAtFault) {
  auto error = [](std::string_view text) {
    auto r = DecodeStdBase64(text);
    return r.ok() ? "decoded: " + *r : r.status().message();
  };
  // A character outside the standard alphabet: its offset.
  EXPECT_EQ(error("-_-_"), "illegal base64 data at input byte 0");
  EXPECT_EQ(error("Zm9v YmFy"), "illegal base64 data at input byte 4");
  EXPECT_EQ(error(std::string_view("YQ\0", 3)), "illegal base64 data at input byte 2");
  EXPECT_EQ(error("\xc3\xa9"), "illegal base64 data at input byte 0");
  // Something other than '=' after the padding: its offset.
  EXPECT_EQ(error("aGVsbG8=x"), "illegal base64 data at input byte 8");
  EXPECT_EQ(error("YQ==YQ=="), "illegal base64 data at input byte 4");
  EXPECT_EQ(error("YQ=\xc3\xa9"), "illegal base64 data at input byte 3");
  // A length that no padding completes: the last byte.
  EXPECT_EQ(error("Y"), "illegal base64 data at input byte 0");
  EXPECT_EQ(error("Zm9vY"), "illegal base64 data at input byte 4");
  EXPECT_EQ(error("="), "illegal base64 data at input byte 0");
  EXPECT_EQ(error("=="), "illegal base64 data at input byte 1");
  EXPECT_EQ(error("YQ="), "illegal base64 data at input byte 2");
  EXPECT_EQ(error("YQ==="), "illegal base64 data at input byte 4");
  EXPECT_EQ(error("Y==="), "illegal base64 data at input byte 3");
  EXPECT_EQ(error("YWI=="), "illegal base64 data at input byte 4");
}

TEST(Base64Test, StdDecodingReadsWhatAppendBase64Writes) {
  std::string bytes;
  for (int n = 0; n < 40; ++n) {
    std::string encoded;
    AppendBase64(bytes, encoded);
    EXPECT_EQ(DecodeStdBase64(encoded).value(), bytes) << n;
    // And without its padding.
    while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
    EXPECT_EQ(DecodeStdBase64(encoded).value(), bytes) << n;
    bytes += static_cast<char>(n * 37 + 250);
  }
}

}  // namespace
}  // namespace lode
