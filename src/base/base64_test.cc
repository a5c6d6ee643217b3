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

}  // namespace
}  // namespace lode
