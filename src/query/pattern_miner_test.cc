#include "query/pattern_miner.h"

#include <gtest/gtest.h>

namespace lode {
namespace {

TEST(PatternMinerTest, LinesOfGeneratedTemplatesFormOnePatternEach) {
  PatternMiner miner;
  for (int i = 0; i < 50; ++i) {
    miner.Add("level=info msg=request took " + std::to_string(i * 7) + "ms id=req-" +
              std::to_string(1000 + i));
    miner.Add("connection from 10.0.0." + std::to_string(i) + ":" + std::to_string(40000 + i) +
              " refused");
  }
  miner.Add("starting server");
  auto patterns = miner.Finish();
  ASSERT_EQ(patterns.size(), 3u);
  EXPECT_EQ(patterns[0].count, 50u);
  EXPECT_EQ(patterns[1].count, 50u);
  EXPECT_EQ(patterns[2].pattern, "starting server");
  EXPECT_EQ(patterns[2].count, 1u);
  std::vector<std::string> texts = {patterns[0].pattern, patterns[1].pattern};
  std::sort(texts.begin(), texts.end());
  EXPECT_EQ(texts[0], "connection from <_>:<_> refused");
  EXPECT_EQ(texts[1], "level=info msg=request took <_> id=<_>");
}

TEST(PatternMinerTest, WordsThatDifferAcrossLinesBecomeVariables) {
  PatternMiner miner;
  for (const char* user : {"alice", "bob", "carol", "dave", "erin", "frank", "grace"}) {
    miner.Add(std::string("session opened for user ") + user + " by uid 0 from sshd on host a");
  }
  auto patterns = miner.Finish();
  ASSERT_EQ(patterns.size(), 1u);
  EXPECT_EQ(patterns[0].pattern, "session opened for user <_> by uid <_> from sshd on host a");
  EXPECT_EQ(patterns[0].count, 7u);
}

TEST(PatternMinerTest, NamesEndingInOneDigitStayPartOfThePattern) {
  EXPECT_EQ(
      PatternShapes("proxy SOCKS5 ipv4 utf8 HTTP/1.1 x86_64 42 blk_-17"),
      (std::vector<std::string>{"proxy", "SOCKS5", "ipv4", "utf8", "<_>", "<_>", "<_>", "<_>"}));
  EXPECT_EQ(PatternShapes("user=bob size=12KB path=/var/log/x.log done."),
            (std::vector<std::string>{"user=bob", "size=<_>", "path=<_>", "done."}));
}

TEST(PatternMinerTest, CountsAreKeptPerTimeBucket) {
  PatternMinerOptions options;
  options.step_ns = 10;
  PatternMiner miner(options);
  for (int64_t t : {1, 5, 12, 13, 19, 31}) miner.Add("tick " + std::to_string(t), t);
  auto patterns = miner.Finish();
  ASSERT_EQ(patterns.size(), 1u);
  EXPECT_EQ(patterns[0].samples,
            (std::vector<std::pair<int64_t, uint64_t>>{{0, 2}, {10, 3}, {30, 1}}));
}

TEST(PatternMinerTest, LinesJoinTheirClusterAcrossMerges) {
  PatternMiner miner;
  const uint32_t a = miner.Add("disk 1 is 91% full on host alpha after the nightly job");
  const uint32_t b = miner.Add("disk 2 is 97% full on host beta after the nightly job");
  const uint32_t c = miner.Add("backup finished");
  auto patterns = miner.Finish();
  EXPECT_EQ(miner.PatternIndexOf(a), miner.PatternIndexOf(b));
  EXPECT_NE(miner.PatternIndexOf(a), miner.PatternIndexOf(c));
  EXPECT_EQ(patterns[miner.PatternIndexOf(a)].pattern,
            "disk <_> is <_> full on host <_> after the nightly job");
}

}  // namespace
}  // namespace lode
