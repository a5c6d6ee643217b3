#include "storage/part/token_filter.h"

#include <gtest/gtest.h>

#include <random>

namespace lode::part {
namespace {

std::string RandomLine(std::mt19937_64& rng) {
  static const char* kWords[] = {"GET", "POST", "user", "id",     "timeout", "error",
                                 "ok",  "conn", "db",   "node-7", "a_b",     "x"};
  static const char* kSeps[] = {" ", "=", "-", "/", ":", ", ", "[", "]", ".", "\"", "\xc3\xa9"};
  std::string line;
  int n = 3 + static_cast<int>(rng() % 10);
  for (int i = 0; i < n; ++i) {
    if (rng() % 3 == 0) {
      char buf[32];
      snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(rng() % 100000000));
      line += buf;
    } else {
      line += kWords[rng() % 12];
    }
    line += kSeps[rng() % 11];
  }
  return line;
}

TEST(TokenFilter, EverySubstringOfAStoredLineIsNeverRuledOut) {
  std::mt19937_64 rng(7);
  for (int block = 0; block < 50; ++block) {
    std::vector<std::string> lines;
    std::vector<uint64_t> keys;
    for (int i = 0; i < 40; ++i) {
      lines.push_back(RandomLine(rng));
      AddLineKeys(lines.back(), keys);
    }
    std::string filter = BuildBloom(keys);
    for (const std::string& line : lines) {
      for (int k = 0; k < 30; ++k) {
        size_t a = rng() % line.size(), b = rng() % line.size();
        if (a > b) std::swap(a, b);
        std::string literal = line.substr(a, b - a + 1);
        for (uint64_t key : RequiredKeys(literal)) {
          ASSERT_TRUE(BloomMayContain(filter, key))
              << "literal [" << literal << "] of [" << line << "]";
        }
      }
    }
  }
}

TEST(TokenFilter, RequiredKeysFollowTheLiteralsBoundaries) {
  EXPECT_TRUE(RequiredKeys("abc123def").empty());       // may be inside any token
  EXPECT_TRUE(RequiredKeys("ab-cd").empty());           // both edges shorter than 4 bytes
  EXPECT_EQ(RequiredKeys("needle-7f3a9c").size(), 2u);  // suffix + prefix keys
  EXPECT_EQ(RequiredKeys("a needle b").size(), 1u);     // one whole token
  EXPECT_EQ(RequiredKeys(" needle ").size(), 1u);
  EXPECT_EQ(RequiredKeys("user=alice id=42 ").size(), 4u);  // suffix(user) + 3 whole
  EXPECT_TRUE(RequiredKeys("12345678-").empty());           // all-digit edges have no affix keys
  EXPECT_EQ(RequiredKeys("x-12345678-y").size(), 1u);       // whole numeric token
  EXPECT_TRUE(RequiredKeys("").empty());
  EXPECT_TRUE(RequiredKeys("--//--").empty());
}

TEST(TokenFilter, AbsentTokensAreRuledOutAtAboutOnePercent) {
  std::mt19937_64 rng(11);
  std::vector<uint64_t> keys;
  for (int i = 0; i < 2000; ++i) AddLineKeys(RandomLine(rng), keys);
  std::string filter = BuildBloom(keys);
  int false_positives = 0;
  const int kTrials = 5000;
  for (int i = 0; i < kTrials; ++i) {
    std::string literal = " zq" + std::to_string(i) + "needle ";
    auto required = RequiredKeys(literal);
    ASSERT_EQ(required.size(), 1u);
    false_positives += BloomMayContain(filter, required[0]);
  }
  EXPECT_LT(false_positives, kTrials * 3 / 100) << false_positives;
}

TEST(TokenFilter, EmptyOrDamagedFilterRulesNothingOut) {
  EXPECT_TRUE(BloomMayContain("", 123));
  EXPECT_TRUE(BloomMayContain("\x07", 123));
}

}  // namespace
}  // namespace lode::part
