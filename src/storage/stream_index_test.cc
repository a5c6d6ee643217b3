#include "storage/stream_index.h"

#include <gtest/gtest.h>

namespace lode {
namespace {

Matcher M(MatchType type, const std::string& name, const std::string& value) {
  return Matcher::Create(type, name, value).value();
}

std::vector<uint32_t> Ids(const std::vector<bool>& bits) {
  std::vector<uint32_t> ids;
  for (uint32_t i = 0; i < bits.size(); ++i) {
    if (bits[i]) ids.push_back(i);
  }
  return ids;
}

class StreamIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // 0..3
    index_.Intern(Labels({{"app", "api"}, {"env", "prod"}}));
    index_.Intern(Labels({{"app", "api"}, {"env", "stage"}}));
    index_.Intern(Labels({{"app", "web"}, {"env", "prod"}, {"team", "a"}}));
    index_.Intern(Labels({{"app", "db"}}));
  }
  StreamIndex index_;
};

TEST_F(StreamIndexTest, InternGivesOneIdPerLabelSet) {
  EXPECT_EQ(index_.size(), 4u);
  EXPECT_EQ(index_.Intern(Labels({{"env", "stage"}, {"app", "api"}})), 1u);
  EXPECT_EQ(index_.Intern(Labels({{"app", "new"}})), 4u);
  EXPECT_EQ(index_.InternAll({Labels({{"app", "db"}}), Labels({{"app", "x"}})}),
            (std::vector<uint32_t>{3, 5}));
}

TEST_F(StreamIndexTest, EqualityAndRegexSelectors) {
  EXPECT_EQ(Ids(index_.Match({M(MatchType::kEqual, "app", "api")})), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(Ids(index_.Match({M(MatchType::kEqual, "app", "api"),
                              M(MatchType::kRegexMatch, "env", "prod|stage")})),
            (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(Ids(index_.Match({M(MatchType::kRegexMatch, "env", "prod|stage"),
                              M(MatchType::kNotEqual, "app", "api")})),
            (std::vector<uint32_t>{2}));
  EXPECT_EQ(Ids(index_.Match({M(MatchType::kRegexMatch, "app", "a.*|d.*")})),
            (std::vector<uint32_t>{0, 1, 3}));
  EXPECT_TRUE(Ids(index_.Match({M(MatchType::kEqual, "app", "nope")})).empty());
  EXPECT_TRUE(Ids(index_.Match({M(MatchType::kEqual, "missing", "x")})).empty());
}

TEST_F(StreamIndexTest, MatchersOnAbsentLabelsFollowPrometheus) {
  // A missing label is the empty string: team!="a" keeps streams without it.
  EXPECT_EQ(Ids(index_.Match(
                {M(MatchType::kRegexMatch, "app", ".+"), M(MatchType::kNotEqual, "team", "a")})),
            (std::vector<uint32_t>{0, 1, 3}));
  // env="" selects streams without env.
  EXPECT_EQ(
      Ids(index_.Match({M(MatchType::kRegexMatch, "app", ".+"), M(MatchType::kEqual, "env", "")})),
      (std::vector<uint32_t>{3}));
  // Only matchers that match the empty string: every stream is checked.
  EXPECT_EQ(Ids(index_.Match({M(MatchType::kRegexMatch, "team", "a|")})),
            (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(Ids(index_.Match({M(MatchType::kRegexNoMatch, "app", "api|web")})),
            (std::vector<uint32_t>{3}));
}

TEST_F(StreamIndexTest, ManyStreamsSelectByValue) {
  StreamIndex big;
  for (int i = 0; i < 5000; ++i) {
    big.Intern(Labels({{"pod", "pod-" + std::to_string(i)}, {"ns", i % 10 == 0 ? "kube" : "app"}}));
  }
  auto ids = Ids(
      big.Match({M(MatchType::kEqual, "ns", "kube"), M(MatchType::kRegexMatch, "pod", "pod-1.*")}));
  // pod-10, pod-100..pod-190 step 10, pod-1000..pod-1990 step 10.
  EXPECT_EQ(ids.size(), 1u + 10u + 100u);
  for (uint32_t id : ids) EXPECT_EQ(id % 10, 0u);
}

}  // namespace
}  // namespace lode
