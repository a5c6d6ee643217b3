// LogQL metric queries against the real server, over HTTP, in the response
// shapes Grafana and logcli read (vector, matrix, scalar).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>

#include "lode_process.h"

namespace lode::testing {
namespace {

// 2024-05-01T00:00:00Z.
constexpr int64_t kBase = 1714521600LL * 1'000'000'000;
constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kBaseSec = 1714521600LL;

class MetricQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<LodeServer>(dir_.path() + "/data");
    // api/info: a line every 10 s over [0, 600) s; api/error: every 20 s;
    // web/info: 10 lines, every 10 s from 0.
    std::vector<std::pair<int64_t, std::string>> info, error, web;
    for (int i = 0; i < 60; ++i)
      info.emplace_back(kBase + i * 10 * kSec, "GET /a 200 " + std::to_string(i));
    for (int i = 0; i < 30; ++i) error.emplace_back(kBase + i * 20 * kSec, "boom timeout");
    for (int i = 0; i < 10; ++i) web.emplace_back(kBase + i * 10 * kSec, "render");
    ASSERT_EQ(server_->PushJson(PushBody(R"({"app":"api","level":"info"})", info)).status, 204);
    ASSERT_EQ(server_->PushJson(PushBody(R"({"app":"api","level":"error"})", error)).status, 204);
    ASSERT_EQ(server_->PushJson(PushBody(R"({"app":"web","level":"info"})", web)).status, 204);
  }

  // Instant query at `at_sec` seconds after kBase.
  HttpResponse Instant(const std::string& q, int64_t at_sec) {
    return server_->Get("/loki/api/v1/query?query=" + UrlEncode(q) +
                        "&time=" + std::to_string(kBase + at_sec * kSec));
  }
  Metric InstantOk(const std::string& q, int64_t at_sec) {
    HttpResponse r = Instant(q, at_sec);
    EXPECT_EQ(r.status, 200) << q << ": " << r.body;
    Metric m = ParseMetric(r.body);
    EXPECT_TRUE(m.ok) << r.body;
    return m;
  }
  Metric RangeOk(const std::string& q, int64_t start_sec, int64_t end_sec,
                 const std::string& step) {
    HttpResponse r = server_->QueryRange(q, "start=" + std::to_string(kBase + start_sec * kSec) +
                                                "&end=" + std::to_string(kBase + end_sec * kSec) +
                                                "&step=" + step);
    EXPECT_EQ(r.status, 200) << q << ": " << r.body;
    Metric m = ParseMetric(r.body);
    EXPECT_TRUE(m.ok) << r.body;
    return m;
  }

  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
};

TEST_F(MetricQueryTest, GrafanaHealthCheckVectorPlusVectorIsTwo) {
  HttpResponse r = server_->Get("/loki/api/v1/query?query=" + UrlEncode("vector(1)+vector(1)"));
  ASSERT_EQ(r.status, 200) << r.body;
  Metric m = ParseMetric(r.body);
  ASSERT_TRUE(m.ok) << r.body;
  EXPECT_EQ(m.type, "vector");
  ASSERT_EQ(m.series.size(), 1u);
  ASSERT_EQ(m.series["{}"].size(), 1u);
  EXPECT_EQ(m.series["{}"][0].second, "2");
}

TEST_F(MetricQueryTest, CountOverTimeWindowIsOpenOnTheLeftClosedOnTheRight) {
  // At 600 s a 10m window is (0, 600]: the lines at 0 s fall out.
  Metric m = InstantOk(R"(sum by (level) (count_over_time({app="api"}[10m])))", 600);
  EXPECT_EQ(m.type, "vector");
  EXPECT_EQ(m.series[R"({level="info"})"].at(0).second, "59");
  EXPECT_EQ(m.series[R"({level="error"})"].at(0).second, "29");
  EXPECT_DOUBLE_EQ(m.series[R"({level="info"})"].at(0).first, kBaseSec + 600);
  // At 590 s the window (-10, 590] holds the line at 0 and at 590.
  m = InstantOk(R"(count_over_time({app="api", level="info"}[10m]))", 590);
  EXPECT_EQ(m.series[R"({app="api", level="info"})"].at(0).second, "60");
}

// Counts over records in parts, where blocks lying inside every window
// they touch are counted from their summaries unread, equal counts that
// read every line (a `!=` filter turns that path off).
TEST_F(MetricQueryTest, CountsOverPartsEqualCountsThatReadEveryLine) {
  const std::string data = dir_.path() + "/parts-data";
  // Four runs of 30 minutes each, stopped cleanly in between: four parts
  // of one day (merged or not by the time the queries run).
  for (int run = 0; run < 4; ++run) {
    LodeServer server(data);
    std::vector<std::pair<int64_t, std::string>> api, worker;
    for (int i = 0; i < 900; ++i) {
      const int64_t t = kBase + (run * 1800 + i * 2) * kSec;
      api.emplace_back(t, std::string(i % 3 == 0 ? "INFO" : "WARN") + " request " +
                              std::to_string(i) + " took " + std::to_string(i % 97) + "ms");
      worker.emplace_back(t + kSec, "worker-" + std::to_string(i % 5) + " user=b2b" +
                                        std::to_string(i % 7) + " INFO idle");
    }
    ASSERT_EQ(server.PushJson(PushBody(R"({"app":"api"})", api)).status, 204);
    ASSERT_EQ(server.PushJson(PushBody(R"({"app":"worker"})", worker)).status, 204);
    // A stream with structured metadata: never counted from summaries.
    std::string meta = R"({"streams":[{"stream":{"app":"meta"},"values":[)";
    for (int i = 0; i < 300; ++i) {
      if (i > 0) meta += ",";
      meta += "[\"" + std::to_string(kBase + (run * 1800 + i * 6) * kSec) +
              "\",\"INFO traced\",{\"trace_id\":\"t" + std::to_string(i % 4) + "\"}]";
    }
    ASSERT_EQ(server.PushJson(meta + "]}]}").status, 204);
    ASSERT_EQ(server.Terminate(), 0);
  }
  LodeServer server(data);
  auto range = [&](const std::string& q, int64_t start_sec, int64_t end_sec,
                   const std::string& step) {
    HttpResponse r = server.QueryRange(q, "start=" + std::to_string(kBase + start_sec * kSec) +
                                              "&end=" + std::to_string(kBase + end_sec * kSec) +
                                              "&step=" + step);
    EXPECT_EQ(r.status, 200) << q << ": " << r.body;
    Metric m = ParseMetric(r.body);
    EXPECT_TRUE(m.ok) << r.body;
    return m.series;
  };
  size_t points = 0;
  for (const std::string& filter : {std::string(), std::string(R"(|= "INFO")"),
                                    std::string(R"(|= "b2b")"), std::string(R"(|= "idle")")}) {
    for (const std::string& by : {std::string("sum by (app)"), std::string("sum by (trace_id)")}) {
      for (std::string window :
           {"[1m]", "[10m]", "[2h]", "[7s]", "[10m] offset 5m", "[30m] offset 1h"}) {
        for (std::string step : {"1", "60", "600", "3600", "97"}) {
          const std::string fast =
              by + " (count_over_time({app=~\".+\"} " + filter + " " + window + "))";
          const std::string slow =
              by + " (count_over_time({app=~\".+\"} " + filter + R"( != "qqqzzz" )" + window + "))";
          const auto want = range(slow, 0, 7300, step);
          EXPECT_EQ(range(fast, 0, 7300, step), want) << fast << " step " << step;
          for (const auto& [labels, samples] : want) points += samples.size();
        }
      }
    }
  }
  EXPECT_GT(points, 1000u);
}

TEST_F(MetricQueryTest, RangeQueryHasASamplePerStepWithLogsInItsWindow) {
  Metric m = RangeOk(R"(sum by (app) (count_over_time({level="info"}[1m])))", 60, 180, "60");
  EXPECT_EQ(m.type, "matrix");
  // web's lines stop at 90 s: its window at 180 s, (120, 180], is empty,
  // so that step has no sample (Loki writes no zeros).
  std::vector<std::pair<double, std::string>> web = {{kBaseSec + 60, "6"}, {kBaseSec + 120, "3"}};
  EXPECT_EQ(m.series[R"({app="web"})"], web);
  std::vector<std::pair<double, std::string>> api = {
      {kBaseSec + 60, "6"}, {kBaseSec + 120, "6"}, {kBaseSec + 180, "6"}};
  EXPECT_EQ(m.series[R"({app="api"})"], api);
}

TEST_F(MetricQueryTest, RateBytesAndLineFilters) {
  Metric m = InstantOk(R"(rate({app="api", level="error"}[1m]))", 300);
  EXPECT_EQ(m.series[R"({app="api", level="error"})"].at(0).second, "0.05");  // 3 lines / 60 s
  m = InstantOk(R"(sum(bytes_over_time({app="web"}[10m])))", 100);
  EXPECT_EQ(m.series["{}"].at(0).second, "60");  // 10 x "render"
  m = InstantOk(R"(sum(count_over_time({app="api"} |= "timeout" [10m])))", 600);
  EXPECT_EQ(m.series["{}"].at(0).second, "29");
  m = InstantOk(R"(sum(count_over_time({app="api"} |~ "200 [0-9]$" [10m])))", 600);
  EXPECT_EQ(m.series["{}"].at(0).second, "9");  // lines 1..9 (0 is outside the window)
  m = InstantOk(R"(sum(bytes_rate({app="web"}[100s])))", 100);
  EXPECT_EQ(m.series["{}"].at(0).second, "0.54");  // 9 lines of 6 bytes in (0, 100]
}

TEST_F(MetricQueryTest, BinaryOperatorsAndVectorMatching) {
  // Each app's share of all lines.
  Metric m = InstantOk(
      R"(sum by (app) (count_over_time({level=~".+"}[1h])) / on() group_left sum(count_over_time({level=~".+"}[1h])))",
      600);
  EXPECT_EQ(m.series[R"({app="api"})"].at(0).second, "0.9");
  EXPECT_EQ(m.series[R"({app="web"})"].at(0).second, "0.1");
  // A comparison filters; with bool it gives 0 or 1.
  m = InstantOk(R"(sum by (app) (count_over_time({level=~".+"}[1h])) > 50)", 600);
  EXPECT_EQ(m.series.size(), 1u);
  EXPECT_EQ(m.series[R"({app="api"})"].at(0).second, "90");
  m = InstantOk(R"(sum by (app) (count_over_time({level=~".+"}[1h])) > bool 50)", 600);
  EXPECT_EQ(m.series[R"({app="web"})"].at(0).second, "0");
  // One-to-one matching on all labels.
  m = InstantOk(
      R"(sum by (app) (count_over_time({level="info"}[1h])) - sum by (app) (count_over_time({level="error"}[1h])))",
      600);
  EXPECT_EQ(m.series.size(), 1u);
  EXPECT_EQ(m.series[R"({app="api"})"].at(0).second, "30");
  // Set operators.
  m = InstantOk(
      R"(sum by (app) (count_over_time({level="info"}[1h])) unless sum by (app) (count_over_time({level="error"}[1h])))",
      600);
  EXPECT_EQ(m.series.size(), 1u);
  EXPECT_EQ(m.series.count(R"({app="web"})"), 1u);
}

TEST_F(MetricQueryTest, VectorAggregationsAndLabelReplace) {
  Metric m = InstantOk(R"(topk(1, sum by (app) (count_over_time({level=~".+"}[1h]))))", 600);
  ASSERT_EQ(m.series.size(), 1u);
  EXPECT_EQ(m.series.count(R"({app="api"})"), 1u);
  m = InstantOk(R"(count(count_over_time({level=~".+"}[1h])))", 600);
  EXPECT_EQ(m.series["{}"].at(0).second, "3");
  m = InstantOk(R"(max without (level) (count_over_time({app="api"}[1h])))", 600);
  EXPECT_EQ(m.series[R"({app="api"})"].at(0).second, "60");
  m = InstantOk(R"(sort_desc(sum by (app) (count_over_time({level=~".+"}[1h]))))", 600);
  EXPECT_EQ(m.order, (std::vector<std::string>{R"({app="api"})", R"({app="web"})"}));
  m = InstantOk(R"(sort(sum by (app) (count_over_time({level=~".+"}[1h]))))", 600);
  EXPECT_EQ(m.order, (std::vector<std::string>{R"({app="web"})", R"({app="api"})"}));
  m = InstantOk(
      R"q(label_replace(sum by (app) (count_over_time({level="info"}[1h])), "team", "t-$1", "app", "(a.*)"))q",
      600);
  EXPECT_EQ(m.series.count(R"({app="api", team="t-api"})"), 1u);
  EXPECT_EQ(m.series.count(R"({app="web"})"), 1u);
}

TEST_F(MetricQueryTest, GrafanaLogVolumeQueryWithDrop) {
  Metric m = RangeOk(
      R"(sum by (level, detected_level) (count_over_time({app="api"} | drop __error__ [5m])))", 300,
      600, "300");
  EXPECT_EQ(m.type, "matrix");
  EXPECT_EQ(m.series[R"({level="info"})"].size(), 2u);
  EXPECT_EQ(m.series[R"({level="info"})"].at(1).second, "29");  // 310 .. 590 s
}

TEST_F(MetricQueryTest, ScalarsAbsentAndEmptyResults) {
  Metric m = InstantOk("1 + 2 * 3", 0);
  EXPECT_EQ(m.type, "scalar");
  EXPECT_EQ(m.series[""].at(0).second, "7");
  m = InstantOk(R"(absent_over_time({app="nope"}[5m]))", 600);
  EXPECT_EQ(m.series[R"({app="nope"})"].at(0).second, "1");
  m = InstantOk(R"(absent_over_time({app="api"}[5m]))", 600);
  EXPECT_TRUE(m.series.empty());
  HttpResponse r = Instant(R"(count_over_time({app="nope"}[5m]))", 600);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"result\":[]"), std::string::npos) << r.body;
}

TEST_F(MetricQueryTest, LimitsAndPipelineErrorsAreClear400s) {
  HttpResponse r = server_->QueryRange(R"(count_over_time({app="api"}[1m]))",
                                       "start=" + std::to_string(kBase) + "&end=" +
                                           std::to_string(kBase + 20000 * kSec) + "&step=1");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("11,000 points"), std::string::npos) << r.body;
  // Exactly 11,000 steps pass, one more does not; log queries are held
  // to the same, as Loki holds them.
  r = server_->QueryRange(R"(count_over_time({app="api"}[1m]))",
                          "start=" + std::to_string(kBase) +
                              "&end=" + std::to_string(kBase + 11000 * kSec) + "&step=1");
  EXPECT_EQ(r.status, 200) << r.body;
  r = server_->QueryRange(R"({app="api"})", "start=" + std::to_string(kBase) + "&end=" +
                                                std::to_string(kBase + 11001 * kSec) + "&step=1");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("11,000 points"), std::string::npos) << r.body;
  r = Instant(R"(count_over_time({app="api"} | json [1m]))", 600);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.rfind("pipeline error: 'JSONParserErr'", 0), 0u) << r.body;
  // Under a plain sum no parsed label survives, so the parser does not run.
  Metric m = InstantOk(R"(sum(count_over_time({app="api"} | json [1m])))", 600);
  EXPECT_EQ(m.series["{}"].at(0).second, "7");
  // A record without the unwrapped label gives no sample.
  m = InstantOk(R"(sum_over_time({app="api"} | unwrap x [1m]))", 600);
  EXPECT_TRUE(m.series.empty());
  r = Instant(R"(sum_over_time({app="api"}[1m]))", 600);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.rfind("parse error", 0), 0u) << r.body;
}

TEST_F(MetricQueryTest, TooManySeriesIsA400NotAnOutOfMemory) {
  std::string body = R"({"streams":[)";
  for (int i = 0; i < 501; ++i) {
    if (i > 0) body += ',';
    body += R"({"stream":{"app":"many","n":")" + std::to_string(i) + R"("},"values":[[")" +
            std::to_string(kBase + kSec) + R"(","x"]]})";
  }
  body += "]}";
  ASSERT_EQ(server_->PushJson(body).status, 204);
  HttpResponse r = Instant(R"(count_over_time({app="many"}[1h]))", 600);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("maximum of series (500)"), std::string::npos) << r.body;
  Metric m = InstantOk(R"(sum(count_over_time({app="many"}[1h])))", 600);
  EXPECT_EQ(m.series["{}"].at(0).second, "501");
}

}  // namespace
}  // namespace lode::testing
