#include "storage/part/token_filter.h"

#include <gtest/gtest.h>

#include <algorithm>
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
    if (rng() % 5 == 0) {
      // A long number, alone or glued to a word: an id of 6 to 20 digits.
      static const char* kGlue[] = {"", "blk_", "blk_-", "id", "-", "x7_"};
      line += kGlue[rng() % 6];
      const int digits = 6 + static_cast<int>(rng() % 15);
      for (int d = 0; d < digits; ++d) line += static_cast<char>('0' + rng() % 10);
      if (rng() % 3 == 0) line += rng() % 2 ? "ms" : "_7";
    } else if (rng() % 6 == 0) {
      // Numbers joined by dots: an IP address, a version, a decimal.
      const int parts = 2 + static_cast<int>(rng() % 5);
      for (int k = 0; k < parts; ++k) {
        if (k > 0) line += rng() % 8 ? "." : "-";
        line += std::to_string(rng() % (rng() % 2 ? 256 : 100000));
      }
    } else if (rng() % 3 == 0) {
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

bool MayContainAll(std::string_view filter, const std::vector<KeyGroup>& groups) {
  for (const KeyGroup& g : groups) {
    if (!BloomMayContainAny(filter, g)) return false;
  }
  return true;
}

class TokenFilterSchemes : public ::testing::TestWithParam<KeyScheme> {};

TEST_P(TokenFilterSchemes, EverySubstringOfAStoredLineIsNeverRuledOut) {
  std::mt19937_64 rng(7);
  for (int block = 0; block < 50; ++block) {
    std::vector<std::string> lines;
    std::vector<uint64_t> keys;
    for (int i = 0; i < 40; ++i) {
      lines.push_back(RandomLine(rng));
      AddLineKeys(lines.back(), keys, GetParam());
    }
    std::string filter = BuildBloom(keys);
    for (const std::string& line : lines) {
      for (int k = 0; k < 30; ++k) {
        size_t a = rng() % line.size(), b = rng() % line.size();
        if (a > b) std::swap(a, b);
        std::string literal = line.substr(a, b - a + 1);
        for (const KeyGroup& group : RequiredKeys(literal, GetParam())) {
          ASSERT_TRUE(BloomMayContainAny(filter, group))
              << "literal [" << literal << "] of [" << line << "]";
        }
      }
    }
  }
}

// A line token of exactly four bytes keeps only its own key under
// kAffixes: a literal ending or starting with it must still find it.
TEST_P(TokenFilterSchemes, FourByteTokensAreFoundFromEitherSide) {
  std::vector<uint64_t> keys;
  AddLineKeys("x=abcd y", keys, GetParam());
  std::string filter = BuildBloom(keys);
  for (const char* literal : {"abcd y", "=abcd", "x=abcd", " abcd ", "bcd y", "=abc"}) {
    EXPECT_TRUE(MayContainAll(filter, RequiredKeys(literal, GetParam()))) << literal;
  }
  EXPECT_FALSE(MayContainAll(filter, RequiredKeys("=abce", GetParam())));
}

INSTANTIATE_TEST_SUITE_P(EveryScheme, TokenFilterSchemes,
                         ::testing::Values(KeyScheme::kTokenAndAffixes, KeyScheme::kAffixes,
                                           KeyScheme::kDigitRuns, KeyScheme::kDottedPairs));

TEST(TokenFilter, RequiredKeysFollowTheLiteralsBoundaries) {
  const KeyScheme v1 = KeyScheme::kTokenAndAffixes;
  EXPECT_TRUE(RequiredKeys("abc123def", v1).empty());       // may be inside any token
  EXPECT_TRUE(RequiredKeys("ab-cd", v1).empty());           // both edges shorter than 4 bytes
  EXPECT_EQ(RequiredKeys("needle-7f3a9c", v1).size(), 2u);  // suffix + prefix keys
  EXPECT_EQ(RequiredKeys("a needle b", v1).size(), 1u);     // one whole token
  EXPECT_EQ(RequiredKeys(" needle ", v1).size(), 1u);
  EXPECT_EQ(RequiredKeys("user=alice id=42 ", v1).size(), 4u);  // suffix(user) + 3 whole
  EXPECT_TRUE(RequiredKeys("12345678-", v1).empty());      // all-digit edges have no affix keys
  EXPECT_EQ(RequiredKeys("x-12345678-y", v1).size(), 1u);  // whole numeric token
  EXPECT_TRUE(RequiredKeys("", v1).empty());
  EXPECT_TRUE(RequiredKeys("--//--", v1).empty());

  // kAffixes: a whole token of more than four bytes is its prefix and
  // suffix; a token of four is itself, also when it ends the literal.
  const KeyScheme v2 = KeyScheme::kAffixes;
  EXPECT_TRUE(RequiredKeys("abc123def", v2).empty());
  EXPECT_EQ(RequiredKeys("needle-7f3a9c", v2).size(), 2u);
  EXPECT_EQ(RequiredKeys(" needle ", v2).size(), 2u);
  EXPECT_EQ(RequiredKeys("user=alice id=42 ", v2).size(), 5u);   // user, alice x2, id, 42
  EXPECT_EQ(RequiredKeys("user=alice id=42 ", v2)[0].size, 2u);  // suffix(user) or user
  EXPECT_EQ(RequiredKeys("x-12345678-y", v2).size(), 1u);        // digits: whole key
  EXPECT_EQ(RequiredKeys(" abcd ", v2).size(), 1u);
  EXPECT_TRUE(RequiredKeys("blk_9002007674013284910", v2).empty());

  // kDigitRuns: a run of eight digits or more with a byte before it in
  // the literal gives the key of its first eight digits.
  const KeyScheme v3 = KeyScheme::kDigitRuns;
  EXPECT_EQ(RequiredKeys("blk_9002007674013284910", v3).size(), 1u);   // one token, yet a key
  EXPECT_EQ(RequiredKeys("blk_-1028633407939568217", v3).size(), 2u);  // suffix(blk_), digits
  EXPECT_TRUE(RequiredKeys("1150973576", v3).empty());                 // may be inside a longer run
  EXPECT_TRUE(RequiredKeys("blk_1234567", v3).empty());                // seven digits: no run key
  EXPECT_TRUE(RequiredKeys("12345678-", v3).empty());                  // may end a longer run
  EXPECT_EQ(RequiredKeys(" 1150973576 ", v3).size(), 1u);              // its first eight
  EXPECT_EQ(RequiredKeys("x-12345678-y", v3).size(), 1u);
  EXPECT_EQ(RequiredKeys("=123456789012", v3).size(), 1u);
  EXPECT_EQ(RequiredKeys("58266326_24680632", v3).size(), 1u);  // the second run
  EXPECT_EQ(RequiredKeys("user=alice id=42 ", v3).size(), 5u);  // as kAffixes
  EXPECT_EQ(RequiredKeys("10.196.181.231", v3).size(), 2u);     // 196 and 181

  // kDottedPairs: two numbers with dots around both give their pair key.
  const KeyScheme v4 = KeyScheme::kDottedPairs;
  EXPECT_EQ(RequiredKeys("10.196.181.231", v4).size(), 3u);    // 196, 181, "196.181"
  EXPECT_EQ(RequiredKeys(" 10.196.181.231 ", v4).size(), 5u);  // 4 numbers, 1 pair
  EXPECT_EQ(RequiredKeys("196.181.231", v4).size(), 1u);       // 181 alone: no dot before 196
  EXPECT_EQ(RequiredKeys(".196.181.", v4).size(), 3u);
  EXPECT_EQ(RequiredKeys(".196.181x.", v4).size(), 2u);         // 181x is no number
  EXPECT_EQ(RequiredKeys(".196..181.", v4).size(), 2u);         // two dots between
  EXPECT_EQ(RequiredKeys("1.2.3", v4).size(), 1u);              // 2
  EXPECT_EQ(RequiredKeys("user=alice id=42 ", v4).size(), 5u);  // as kAffixes
  EXPECT_EQ(RequiredKeys("=123456789012", v4).size(), 1u);      // as kDigitRuns
}

// What the pair keys are for: each number of an IPv4 address is in
// nearly every block of a log that holds addresses, so none of them
// rules a block out; its middle two, as a pair, do.
TEST(TokenFilter, IpAddressesRuleBlocksOutByTheirMiddleNumbers) {
  std::mt19937_64 rng(11);
  auto ip = [&] {
    return std::to_string(rng() % 256) + "." + std::to_string(rng() % 256) + "." +
           std::to_string(rng() % 256) + "." + std::to_string(rng() % 256);
  };
  std::vector<std::string> stored;
  std::vector<uint64_t> keys, keys_v3;
  for (int i = 0; i < 500; ++i) {
    stored.push_back(ip());
    const std::string line = "Accepted password for root from " + stored.back() + " port " +
                             std::to_string(1024 + rng() % 60000) + " ssh2 via /" + ip() + ".";
    AddLineKeys(line, keys, KeyScheme::kDottedPairs);
    AddLineKeys(line, keys_v3, KeyScheme::kDigitRuns);
  }
  const std::string filter = BuildBloom(keys), filter_v3 = BuildBloom(keys_v3);
  for (const std::string& address : stored) {
    for (const std::string& literal :
         {address, "from " + address + " port", address.substr(1), "/" + address}) {
      EXPECT_TRUE(MayContainAll(filter, RequiredKeys(literal, KeyScheme::kDottedPairs))) << literal;
    }
  }
  int ruled_out = 0, ruled_out_v3 = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    const std::string absent = ip();
    if (std::find(stored.begin(), stored.end(), absent) != stored.end()) continue;
    ruled_out += !MayContainAll(filter, RequiredKeys(absent, KeyScheme::kDottedPairs));
    ruled_out_v3 += !MayContainAll(filter_v3, RequiredKeys(absent, KeyScheme::kDigitRuns));
  }
  // 1,000 addresses' pairs among 65,536: about 1.5% of absent addresses
  // share a stored pair, and about 3% of keys are false positives.
  EXPECT_GE(ruled_out, 1800);
  // Without pairs, the numbers alone (256 values, all in the block).
  EXPECT_LE(ruled_out_v3, 20);
}

// What the digit-run keys are for: a block id (HDFS's
// "blk_-1028633407939568217") is one token whose digits are a variable;
// without them no key of it is certain, and every block is read.
TEST(TokenFilter, LongNumbersInsideTokensRuleBlocksOut) {
  std::mt19937_64 rng(5);
  auto id = [&] {
    std::string digits = std::to_string(1 + rng() % 9);
    while (digits.size() < 19) digits += static_cast<char>('0' + rng() % 10);
    return digits;
  };
  std::vector<std::string> stored;
  std::vector<uint64_t> keys;
  for (int i = 0; i < 500; ++i) {
    stored.push_back(id());
    const std::string line =
        "081109 203615 148 INFO dfs.DataNode$PacketResponder: Received block "
        "blk_" +
        std::string(i % 2 ? "-" : "") + stored.back() + " of size 67108864 from /10.250.10.6";
    AddLineKeys(line, keys, KeyScheme::kDigitRuns);
  }
  const std::string filter = BuildBloom(keys);
  for (int i = 0; i < 500; ++i) {
    const std::string& s = stored[i];
    const std::string sign = i % 2 ? "-" : "";
    for (const std::string& literal :
         {"blk_" + sign + s, "lk_" + sign + s.substr(0, 12), sign + s + " of", s.substr(3) + " of",
          "blk_" + sign + s + " of size 67108864"}) {
      EXPECT_TRUE(MayContainAll(filter, RequiredKeys(literal, KeyScheme::kDigitRuns))) << literal;
    }
  }
  // An absent id is ruled out by its run key (near 3% false positives).
  int kept = 0, kept_whole = 0;
  const int kTrials = 2000;
  for (int i = 0; i < kTrials; ++i) {
    const std::string absent = id();
    auto required = RequiredKeys("blk_" + absent, KeyScheme::kDigitRuns);
    ASSERT_EQ(required.size(), 1u);
    kept += MayContainAll(filter, required);
    kept_whole += MayContainAll(filter, RequiredKeys(" " + absent + " ", KeyScheme::kDigitRuns));
  }
  EXPECT_LT(kept, kTrials * 6 / 100) << kept;
  EXPECT_LT(kept_whole, kTrials * 6 / 100) << kept_whole;
}

TEST(TokenFilter, AbsentTokensAreRuledOutMostOfTheTime) {
  std::mt19937_64 rng(11);
  std::vector<uint64_t> keys;
  for (int i = 0; i < 2000; ++i) AddLineKeys(RandomLine(rng), keys);
  std::string filter = BuildBloom(keys);
  int false_positives = 0, single_key_false_positives = 0;
  const int kTrials = 5000;
  for (int i = 0; i < kTrials; ++i) {
    char token[32];
    snprintf(token, sizeof token, "q%08llxz", static_cast<unsigned long long>(rng() >> 32));
    // A whole token: its prefix and its suffix must both be there.
    // (Under kDigitRuns, eight hex digits that are all decimal add a key.)
    auto required = RequiredKeys(std::string(" ") + token + " ");
    ASSERT_GE(required.size(), 2u);
    false_positives += MayContainAll(filter, required);
    // The end of a token: one key, near 3% false positives.
    auto suffix = RequiredKeys(token + std::string(" "));
    ASSERT_GE(suffix.size(), 1u);
    single_key_false_positives += BloomMayContainAny(filter, suffix[0]);
  }
  EXPECT_LT(false_positives, kTrials / 100) << false_positives;
  EXPECT_LT(single_key_false_positives, kTrials * 6 / 100) << single_key_false_positives;
}

TEST(TokenFilter, EmptyOrDamagedFilterRulesNothingOut) {
  EXPECT_TRUE(BloomMayContain("", 123));
  EXPECT_TRUE(BloomMayContain("\x07", 123));
}

TEST(StringFilter, HoldsTheThreeLetterRunsOfStringVariables) {
  std::vector<uint64_t> keys;
  AddStringKeys("zq7needle9x", keys);
  AddStringKeys("a1b2c3", keys);  // no run of three letters
  AddStringKeys("req-ab12", keys);
  std::string filter = BuildBloom(keys);
  EXPECT_TRUE(StringsMayContain(filter, StringKeys("needle")));
  EXPECT_TRUE(StringsMayContain(filter, StringKeys("7needle9")));
  EXPECT_TRUE(StringsMayContain(filter, StringKeys("eed")));
  EXPECT_TRUE(StringsMayContain(filter, StringKeys("req-a")));
  EXPECT_FALSE(StringsMayContain(filter, StringKeys("needles")));
  EXPECT_FALSE(StringsMayContain(filter, StringKeys("INFO")));
  // Without a run of three letters nothing is ruled out.
  EXPECT_TRUE(StringKeys("a1b2").empty());
  EXPECT_TRUE(StringsMayContain(filter, StringKeys("zz9")));
  // An empty filter: no variable has three letters in a row.
  EXPECT_FALSE(StringsMayContain("", StringKeys("abc")));
  EXPECT_TRUE(StringsMayContain("", StringKeys("ab")));
  // Unknown or malformed: nothing ruled out.
  EXPECT_TRUE(StringsMayContain(kUnknownStringFilter, StringKeys("abc")));
  EXPECT_EQ(StringKeys("abcd").size(), 2u);  // abc, bcd
  EXPECT_EQ(StringKeys("aaaa").size(), 1u);  // aaa, once
}

}  // namespace
}  // namespace lode::part
