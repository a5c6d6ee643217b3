#include "query/stream_lookup.h"

#include <gtest/gtest.h>

#include "storage/test_store.h"

namespace lode {
namespace {

Matcher Eq(const std::string& name, const std::string& value) {
  return *Matcher::Create(MatchType::kEqual, name, value);
}

class StreamLookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_.Append("a", Labels({{"app", "api"}, {"env", "prod"}}), {{10, "one"}, {20, "three"}});
    store_.Append("a", Labels({{"app", "web"}, {"env", "prod"}}), {{15, "two"}});
    store_.Append("a", Labels({{"app", "web"}, {"env", "dev"}, {"pod", "p1"}}), {{30, "four!"}});
    store_.Append("b", Labels({{"app", "api"}, {"env", "prod"}}), {{12, "tenant b"}});
  }

  StreamLookup Lookup(std::vector<std::string> tenants,
                      std::vector<std::vector<Matcher>> selectors = {}) {
    StreamLookup l;
    l.tenants = std::move(tenants);
    l.start = 0;
    l.end = 100;
    l.selectors = std::move(selectors);
    return l;
  }

  TestStore store_;
};

TEST_F(StreamLookupTest, SeriesOfSeveralTenantsWithTheSameLabelsAreOne) {
  auto series = FindSeries(store_.storage(), Lookup({"a", "b"}, {{Eq("app", "api")}}));
  ASSERT_TRUE(series.ok()) << series.status().ToString();
  ASSERT_EQ(series->size(), 1u);
  EXPECT_EQ((*series)[0].labels.ToString(), R"({app="api", env="prod"})");
  EXPECT_EQ((*series)[0].entries, 3u);
  EXPECT_EQ((*series)[0].bytes, 3u + 5u + 8u);
}

TEST_F(StreamLookupTest, AStreamMatchedByTwoSelectorsCountsOnce) {
  auto series =
      FindSeries(store_.storage(), Lookup({"a"}, {{Eq("app", "api")}, {Eq("env", "prod")}}));
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 2u);
  uint64_t entries = 0;
  for (const SeriesInfo& s : *series) entries += s.entries;
  EXPECT_EQ(entries, 3u);
}

TEST_F(StreamLookupTest, TheTimeRangeLimitsTheStreams) {
  StreamLookup l = Lookup({"a"});
  l.start = 25;
  auto series = FindSeries(store_.storage(), l);
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 1u);
  EXPECT_EQ((*series)[0].labels.Get("pod"), "p1");
}

TEST_F(StreamLookupTest, LabelNamesAndValues) {
  auto names = LabelNames(store_.storage(), Lookup({"a"}));
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::set<std::string>{"app", "env", "pod"}));
  auto values = LabelValues(store_.storage(), Lookup({"a"}), "env");
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(*values, (std::set<std::string>{"dev", "prod"}));
  auto of_web = LabelValues(store_.storage(), Lookup({"a"}, {{Eq("app", "web")}}), "pod");
  ASSERT_TRUE(of_web.ok());
  EXPECT_EQ(*of_web, std::set<std::string>{"p1"});
  EXPECT_EQ(LabelValues(store_.storage(), Lookup({"a"}), "bad-name").status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(StreamLookupTest, IndexStatsSumTheStreams) {
  auto stats = ComputeIndexStats(store_.storage(), Lookup({"a"}, {{Eq("env", "prod")}}));
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->streams, 2u);
  EXPECT_EQ(stats->entries, 3u);
  EXPECT_EQ(stats->bytes, 3u + 5u + 3u);
}

TEST_F(StreamLookupTest, DetectedLabelsCountDistinctValues) {
  auto detected = DetectLabels(store_.storage(), Lookup({"a"}));
  ASSERT_TRUE(detected.ok());
  ASSERT_EQ(detected->size(), 3u);
  EXPECT_EQ((*detected)[0].label, "app");
  EXPECT_EQ((*detected)[0].cardinality, 2u);
  EXPECT_EQ((*detected)[1].label, "env");
  EXPECT_EQ((*detected)[1].cardinality, 2u);
  EXPECT_EQ((*detected)[2].label, "pod");
  EXPECT_EQ((*detected)[2].cardinality, 1u);
}

TEST_F(StreamLookupTest, VolumeGroupingIsTheTargetsOrTheSelectorsNames) {
  auto from_selector = VolumeGrouping({}, {Eq("env", "prod"), Eq("app", "api")});
  ASSERT_TRUE(from_selector.ok());
  EXPECT_EQ(*from_selector, (std::vector<std::string>{"app", "env"}));
  auto targets = VolumeGrouping({"pod", "app", "pod"}, {Eq("env", "prod")});
  ASSERT_TRUE(targets.ok());
  EXPECT_EQ(*targets, (std::vector<std::string>{"app", "pod"}));
  EXPECT_EQ(VolumeGrouping({"no-such"}, {}).status().message(), "invalid target label \"no-such\"");
}

TEST_F(StreamLookupTest, VolumesAreBytesPerGroupLargestFirst) {
  auto result = StreamVolumes(store_.storage(), Lookup({"a"}), {"env"}, 10);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->series.size(), 2u);
  EXPECT_EQ(result->series[0].labels.ToString(), R"({env="prod"})");
  EXPECT_EQ(result->series[0].samples.at(0).value, 11.0);
  EXPECT_EQ(result->series[0].samples.at(0).t, 99);
  EXPECT_EQ(result->series[1].labels.ToString(), R"({env="dev"})");
  EXPECT_EQ(result->series[1].samples.at(0).value, 5.0);
  auto top = StreamVolumes(store_.storage(), Lookup({"a"}), {"env"}, 1);
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(top->series.size(), 1u);
}

TEST_F(StreamLookupTest, VolumesOverARangeAreBytesPerStep) {
  MetricQueryParams params;
  params.tenants = {"a"};
  params.start = 1'000'000'000;
  params.end = 1'000'000'000;
  params.step_ns = 1'000'000'000;
  auto result = StreamVolumesOverRange(store_.storage(), R"({env="prod"})", {"app"}, params);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->series.size(), 2u);
  double total = 0;
  for (const MetricSeries& s : result->series) {
    for (const MetricSample& sample : s.samples) total += sample.value;
  }
  EXPECT_EQ(total, 11.0);
}

}  // namespace
}  // namespace lode
