// LogQL pipelines (parsers, label filters, formatting, unwrap) against the
// real server over HTTP: the lines and labels of log queries, and the
// values of metric queries over extracted labels.
#include <gtest/gtest.h>

#include "lode_process.h"

namespace lode::testing {
namespace {

// 2024-05-01T00:00:00Z.
constexpr int64_t kBase = 1714521600LL * 1'000'000'000;
constexpr int64_t kSec = 1'000'000'000;

class PipelineQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<LodeServer>(dir_.path() + "/data");
    // 30 JSON lines, one every 10 s from kBase: line i has
    // method POST when i % 3 == 0 (else GET), path /a for even i (else
    // /b), status 503 when i % 5 == 0 (else 200), latency_ms i, took
    // "<i>ms", size "<i>KB".
    std::vector<std::pair<int64_t, std::string>> json, logfmt;
    for (int i = 0; i < 30; ++i) {
      std::string method = i % 3 == 0 ? "POST" : "GET";
      std::string path = i % 2 == 0 ? "/a" : "/b";
      std::string status = i % 5 == 0 ? "503" : "200";
      std::string n = std::to_string(i);
      json.emplace_back(kBase + i * 10 * kSec, R"({"method":")" + method + R"(","path":")" + path +
                                                   R"(","status":)" + status + R"(,"latency_ms":)" +
                                                   n + R"(,"took":")" + n + R"(ms","size":")" + n +
                                                   R"(KB","user":{"id":)" + n + "}}");
      logfmt.emplace_back(kBase + i * 10 * kSec,
                          "level=" + std::string(i % 4 == 0 ? "warn" : "info") + " msg=\"request " +
                              n + "\" path=" + path);
    }
    ASSERT_EQ(server_->PushJson(PushBody(R"({"app":"svc"})", json)).status, 204);
    ASSERT_EQ(server_->PushJson(PushBody(R"({"app":"fmt"})", logfmt)).status, 204);
  }

  HttpResponse Instant(const std::string& q,
                       const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    // At kBase + 300 s a 10m window holds all 30 lines.
    return server_->Get(
        "/loki/api/v1/query?query=" + UrlEncode(q) + "&time=" + std::to_string(kBase + 300 * kSec),
        headers);
  }
  Metric InstantOk(const std::string& q) {
    HttpResponse r = Instant(q);
    EXPECT_EQ(r.status, 200) << q << ": " << r.body;
    Metric m = ParseMetric(r.body);
    EXPECT_TRUE(m.ok) << r.body;
    return m;
  }
  ParsedStreams Logs(const std::string& q) {
    HttpResponse r = server_->QueryRange(q, "start=" + std::to_string(kBase) +
                                                "&end=" + std::to_string(kBase + 400 * kSec) +
                                                "&direction=forward&limit=1000");
    EXPECT_EQ(r.status, 200) << q << ": " << r.body;
    return ParseStreams(r.body);
  }

  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
};

TEST_F(PipelineQueryTest, JsonFilterAndLineFormat) {
  ParsedStreams s = Logs(
      R"({app="svc"} | json | status >= 500 | line_format "{{.method}} {{.path}} {{.status}}")");
  std::vector<std::string> lines;
  for (const auto& e : s.entries) lines.push_back(e.second);
  EXPECT_EQ(lines, (std::vector<std::string>{"POST /a 503", "GET /b 503", "GET /a 503",
                                             "POST /b 503", "GET /a 503", "GET /b 503"}));
  // Each entry's stream carries the parsed labels.
  ASSERT_FALSE(s.stream_labels.empty());
  EXPECT_NE(s.stream_labels[0].find(R"(user_id="0")"), std::string::npos) << s.stream_labels[0];
  EXPECT_NE(s.stream_labels[0].find(R"(status="503")"), std::string::npos) << s.stream_labels[0];
}

TEST_F(PipelineQueryTest, LogfmtLabelFormatAndKeep) {
  ParsedStreams s = Logs(
      R"({app="fmt"} | logfmt | level="warn" | label_format severity=level | keep severity, path)");
  ASSERT_EQ(s.entries.size(), 8u);  // i = 0, 4, ..., 28
  EXPECT_EQ(s.entries[0].second, "level=warn msg=\"request 0\" path=/a");
  for (const std::string& l : s.stream_labels) {
    EXPECT_TRUE(l == R"({path="/a", severity="warn"})") << l;  // i % 4 == 0 is even: /a
  }
}

TEST_F(PipelineQueryTest, CategorizedLabelsSplitMetadataAndParsed) {
  std::string body = R"({"streams":[{"stream":{"app":"meta"},"values":[[")" +
                     std::to_string(kBase + kSec) + R"(","{\"k\":\"v\"}",{"trace_id":"abc"}]]}]})";
  ASSERT_EQ(server_->PushJson(body).status, 204);
  HttpResponse r = server_->QueryRange(
      R"({app="meta"} | json)",
      "start=" + std::to_string(kBase) + "&end=" + std::to_string(kBase + 10 * kSec),
      {{"X-Loki-Response-Encoding-Flags", "categorize-labels"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("encodingFlags":["categorize-labels"])"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("stream":{"app":"meta"})"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"({"structuredMetadata":{"trace_id":"abc"},"parsed":{"k":"v"}})"),
            std::string::npos)
      << r.body;
  // Without the flag, everything is in the stream labels.
  r = server_->QueryRange(R"({app="meta"} | json)", "start=" + std::to_string(kBase) + "&end=" +
                                                        std::to_string(kBase + 10 * kSec));
  EXPECT_NE(r.body.find(R"("stream":{"app":"meta","k":"v","trace_id":"abc"})"), std::string::npos)
      << r.body;
}

TEST_F(PipelineQueryTest, CountsByExtractedLabels) {
  Metric m = InstantOk(R"(sum by (path) (count_over_time({app="svc"} | json [10m])))");
  EXPECT_EQ(m.series[R"({path="/a"})"].at(0).second, "15");
  EXPECT_EQ(m.series[R"({path="/b"})"].at(0).second, "15");
  m = InstantOk(R"(sum(count_over_time({app="svc"} | json | status >= 500 [10m])))");
  EXPECT_EQ(m.series["{}"].at(0).second, "6");
  m = InstantOk(R"(topk(1, sum by (method) (rate({app="svc"} | json [10m]))))");
  ASSERT_EQ(m.series.size(), 1u);
  EXPECT_EQ(m.series[R"({method="GET"})"].at(0).second, "0.03333333333333333");  // 20 / 600 s
}

TEST_F(PipelineQueryTest, UnwrapAggregations) {
  // Latencies 0..29: /a has the even ones, /b the odd ones.
  Metric m = InstantOk(
      R"(quantile_over_time(0.5, {app="svc"} | json | unwrap latency_ms [10m]) by (path))");
  EXPECT_EQ(m.series[R"({path="/a"})"].at(0).second, "14");
  EXPECT_EQ(m.series[R"({path="/b"})"].at(0).second, "15");
  m = InstantOk(R"(avg_over_time({app="svc"} | json | unwrap duration(took) [10m]) by (path))");
  // The running mean LogQL computes may differ from 0.014 in the last bit.
  EXPECT_NEAR(std::stod(m.series[R"({path="/a"})"].at(0).second), 0.014, 1e-15);
  m = InstantOk(R"(sum(sum_over_time({app="svc"} | json | unwrap bytes(size) [10m])))");
  EXPECT_EQ(m.series["{}"].at(0).second, "435000");  // (0 + ... + 29) kB
  m = InstantOk(R"(max_over_time({app="svc"} | json | unwrap latency_ms [10m]) by (method))");
  EXPECT_EQ(m.series[R"({method="POST"})"].at(0).second, "27");
  EXPECT_EQ(m.series[R"({method="GET"})"].at(0).second, "29");
  m = InstantOk(R"(first_over_time({app="svc"} | json | unwrap latency_ms [10m]) by (app))");
  EXPECT_EQ(m.series[R"({app="svc"})"].at(0).second, "0");
  m = InstantOk(R"(last_over_time({app="svc"} | json | unwrap latency_ms [10m]) by (app))");
  EXPECT_EQ(m.series[R"({app="svc"})"].at(0).second, "29");
  m = InstantOk(R"(stdvar_over_time({app="svc"} | json | unwrap latency_ms [10m]) by (app))");
  EXPECT_EQ(m.series[R"({app="svc"})"].at(0).second, "74.91666666666667");  // (30^2 - 1) / 12
  m = InstantOk(R"(sum(rate({app="svc"} | json | unwrap latency_ms [10m])))");
  EXPECT_EQ(m.series["{}"].at(0).second, "0.725");  // 435 / 600 s
  // Without a grouping, each series is named by all labels but the unwrapped one.
  m = InstantOk(
      R"(max_over_time({app="svc"} | json | path="/a" | keep app, latency_ms | unwrap latency_ms [10m]))");
  EXPECT_EQ(m.series[R"({app="svc"})"].at(0).second, "28");
}

TEST_F(PipelineQueryTest, ConversionErrorsFailUntilFiltered) {
  std::vector<std::pair<int64_t, std::string>> bad{{kBase + kSec, R"({"v":"abc"})"},
                                                   {kBase + 2 * kSec, R"({"v":5})"}};
  ASSERT_EQ(server_->PushJson(PushBody(R"({"app":"bad"})", bad)).status, 204);
  HttpResponse r = Instant(R"(sum(sum_over_time({app="bad"} | json | unwrap v [10m])))");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.rfind("pipeline error: 'SampleExtractionErr'", 0), 0u) << r.body;
  Metric m = InstantOk(R"(sum(sum_over_time({app="bad"} | json | unwrap v | __error__="" [10m])))");
  EXPECT_EQ(m.series["{}"].at(0).second, "5");
}

TEST_F(PipelineQueryTest, InvalidPipelinesAre400s) {
  for (const char* q :
       {R"({app="svc"} | line_format "{{ nope }}")", R"({app="svc"} | json x="a..b")",
        R"({app="svc"} | label_format x="{{ .a ")"}) {
    HttpResponse r = server_->QueryRange(q, "start=" + std::to_string(kBase));
    EXPECT_EQ(r.status, 400) << q << ": " << r.body;
  }
}

}  // namespace
}  // namespace lode::testing
