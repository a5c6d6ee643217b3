#include "base/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace lode {
namespace {

std::string Render(const MetricFamily& family) {
  std::string out;
  family.Render(out);
  return out;
}

TEST(CounterFamilyTest, UnlabelledCounterRendersZeroBeforeUse) {
  CounterFamily family("lode_requests_total", "Requests served.", {});
  EXPECT_EQ(Render(family),
            "# HELP lode_requests_total Requests served.\n"
            "# TYPE lode_requests_total counter\n"
            "lode_requests_total 0\n");
  family.With({}).Inc();
  family.With({}).Inc(4);
  EXPECT_EQ(Render(family),
            "# HELP lode_requests_total Requests served.\n"
            "# TYPE lode_requests_total counter\n"
            "lode_requests_total 5\n");
}

TEST(CounterFamilyTest, LabelledChildrenRenderSortedByLabelValues) {
  CounterFamily family("lode_push_total", "Pushes.", {"tenant", "code"});
  family.With({"team-b", "200"}).Inc(2);
  family.With({"team-a", "400"}).Inc();
  family.With({"team-a", "200"}).Inc(7);
  EXPECT_EQ(Render(family),
            "# HELP lode_push_total Pushes.\n"
            "# TYPE lode_push_total counter\n"
            "lode_push_total{tenant=\"team-a\",code=\"200\"} 7\n"
            "lode_push_total{tenant=\"team-a\",code=\"400\"} 1\n"
            "lode_push_total{tenant=\"team-b\",code=\"200\"} 2\n");
}

TEST(CounterFamilyTest, LabelledFamilyWithNoChildrenRendersOnlyHeader) {
  CounterFamily family("lode_x_total", "X.", {"kind"});
  EXPECT_EQ(Render(family), "# HELP lode_x_total X.\n# TYPE lode_x_total counter\n");
}

TEST(CounterFamilyTest, WithReturnsTheSameChildForTheSameValues) {
  CounterFamily family("c", "h", {"a"});
  Counter& first = family.With({"x"});
  Counter& again = family.With({"x"});
  Counter& other = family.With({"y"});
  EXPECT_EQ(&first, &again);
  EXPECT_NE(&first, &other);
  first.Inc(3);
  EXPECT_EQ(again.value(), 3u);
  EXPECT_EQ(other.value(), 0u);
}

TEST(CounterFamilyTest, LabelValuesAreEscaped) {
  CounterFamily family("c_total", "h", {"path"});
  family.With({"a\\b\"c\nd"}).Inc();
  EXPECT_EQ(Render(family),
            "# HELP c_total h\n"
            "# TYPE c_total counter\n"
            "c_total{path=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(CounterTest, ConcurrentIncrementsAreNotLost) {
  CounterFamily family("c_total", "h", {});
  Counter& counter = family.With({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) counter.Inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter.value(), 40000u);
}

TEST(HistogramTest, CumulativeCountsAndSum) {
  Histogram h({0.25, 0.5, 1});
  for (double v : {0.25, 0.5, 0.5, 4.0, 0.125}) h.Observe(v);
  // A value equal to a bound falls in that bound's bucket (le = "less or equal").
  EXPECT_EQ(h.CumulativeCounts(), (std::vector<uint64_t>{2, 4, 4, 5}));
  EXPECT_DOUBLE_EQ(h.sum(), 5.375);
}

TEST(HistogramFamilyTest, RendersPrometheusTextExactly) {
  HistogramFamily family("lode_query_seconds", "Query latency.", {}, {0.25, 0.5, 1});
  Histogram& h = family.With({});
  for (double v : {0.25, 0.5, 0.5, 4.0}) h.Observe(v);
  EXPECT_EQ(Render(family),
            "# HELP lode_query_seconds Query latency.\n"
            "# TYPE lode_query_seconds histogram\n"
            "lode_query_seconds_bucket{le=\"0.25\"} 1\n"
            "lode_query_seconds_bucket{le=\"0.5\"} 3\n"
            "lode_query_seconds_bucket{le=\"1\"} 3\n"
            "lode_query_seconds_bucket{le=\"+Inf\"} 4\n"
            "lode_query_seconds_sum 5.25\n"
            "lode_query_seconds_count 4\n");
}

TEST(HistogramFamilyTest, LabelledHistogramPutsLeLast) {
  HistogramFamily family("h_seconds", "H.", {"route"}, {1});
  family.With({"push"}).Observe(0.5);
  family.With({"query"}).Observe(2);
  EXPECT_EQ(Render(family),
            "# HELP h_seconds H.\n"
            "# TYPE h_seconds histogram\n"
            "h_seconds_bucket{route=\"push\",le=\"1\"} 1\n"
            "h_seconds_bucket{route=\"push\",le=\"+Inf\"} 1\n"
            "h_seconds_sum{route=\"push\"} 0.5\n"
            "h_seconds_count{route=\"push\"} 1\n"
            "h_seconds_bucket{route=\"query\",le=\"1\"} 0\n"
            "h_seconds_bucket{route=\"query\",le=\"+Inf\"} 1\n"
            "h_seconds_sum{route=\"query\"} 2\n"
            "h_seconds_count{route=\"query\"} 1\n");
}

TEST(HistogramTest, ConcurrentObservationsSumExactly) {
  Histogram h({1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) h.Observe(0.5);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.CumulativeCounts(), (std::vector<uint64_t>{20000, 20000}));
  EXPECT_EQ(h.sum(), 10000.0);  // halves add exactly
}

TEST(GaugeFuncTest, ReadsTheCallbackAtEachRender) {
  double value = 42.5;
  GaugeFunc gauge("lode_streams", "Active streams.", [&] { return value; });
  EXPECT_EQ(Render(gauge),
            "# HELP lode_streams Active streams.\n"
            "# TYPE lode_streams gauge\n"
            "lode_streams 42.5\n");
  value = 3;
  EXPECT_EQ(Render(gauge),
            "# HELP lode_streams Active streams.\n"
            "# TYPE lode_streams gauge\n"
            "lode_streams 3\n");
}

TEST(GaugeFuncTest, NonFiniteValuesUsePrometheusSpelling) {
  double value = std::numeric_limits<double>::infinity();
  GaugeFunc gauge("g", "h", [&] { return value; });
  EXPECT_EQ(Render(gauge), "# HELP g h\n# TYPE g gauge\ng +Inf\n");
  value = -value;
  EXPECT_EQ(Render(gauge), "# HELP g h\n# TYPE g gauge\ng -Inf\n");
  value = std::nan("");
  EXPECT_EQ(Render(gauge), "# HELP g h\n# TYPE g gauge\ng NaN\n");
}

TEST(MetricsRegistryTest, RendersFamiliesInRegistrationOrder) {
  MetricsRegistry registry;
  CounterFamily& counter = registry.AddCounter("b_total", "B.");
  registry.AddGauge("a_gauge", "A.", [] { return 1.0; });
  HistogramFamily& hist = registry.AddHistogram("c_seconds", "C.", {}, {1});
  counter.With({}).Inc(2);
  hist.With({}).Observe(1);
  EXPECT_EQ(registry.Render(),
            "# HELP b_total B.\n"
            "# TYPE b_total counter\n"
            "b_total 2\n"
            "# HELP a_gauge A.\n"
            "# TYPE a_gauge gauge\n"
            "a_gauge 1\n"
            "# HELP c_seconds C.\n"
            "# TYPE c_seconds histogram\n"
            "c_seconds_bucket{le=\"1\"} 1\n"
            "c_seconds_bucket{le=\"+Inf\"} 1\n"
            "c_seconds_sum 1\n"
            "c_seconds_count 1\n");
}

TEST(LatencyBucketsTest, StrictlyIncreasing) {
  std::vector<double> b = LatencyBuckets();
  ASSERT_FALSE(b.empty());
  EXPECT_DOUBLE_EQ(b.front(), 0.001);
  for (size_t i = 1; i < b.size(); ++i) EXPECT_LT(b[i - 1], b[i]);
}

}  // namespace
}  // namespace lode
