// The Loki API's label, series and index endpoints against the real
// server, as Grafana's label browser and logcli call them.
#include <gtest/gtest.h>

#include "lode_process.h"

namespace lode::testing {
namespace {

// 2024-05-01T00:00:00Z.
constexpr int64_t kBase = 1714521600LL * 1'000'000'000;
constexpr int64_t kSec = 1'000'000'000;

class LabelsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<LodeServer>(dir_.path() + "/data");
    Push(R"({"app":"api","env":"prod"})", kBase + kSec, "a1");
    Push(R"({"app":"api","env":"dev"})", kBase + 2 * kSec, "a22");
    Push(R"({"app":"web","env":"prod","team":"x"})", kBase + 3 * kSec, "w333");
    // Far outside the windows below.
    Push(R"({"app":"old","env":"prod"})", kBase - 30 * 24 * 3600 * kSec, "o");
  }
  void Push(const std::string& labels, int64_t ts, const std::string& line,
            const std::string& tenant = "") {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!tenant.empty()) headers.emplace_back("X-Scope-OrgID", tenant);
    ASSERT_EQ(server_->PushJson(PushBody(labels, {{ts, line}}), headers).status, 204);
  }
  std::string Window() const {
    return "start=" + std::to_string(kBase) + "&end=" + std::to_string(kBase + 10 * kSec);
  }
  HttpResponse GetOk(const std::string& path_and_query,
                     const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    HttpResponse r = server_->Get(path_and_query, headers);
    EXPECT_EQ(r.status, 200) << path_and_query << ": " << r.body;
    return r;
  }

  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
};

TEST_F(LabelsApiTest, LabelNamesAndValuesInTheTimeRange) {
  EXPECT_EQ(GetOk("/loki/api/v1/labels?" + Window()).body,
            R"({"status":"success","data":["app","env","team"]})");
  EXPECT_EQ(GetOk("/loki/api/v1/label/app/values?" + Window()).body,
            R"({"status":"success","data":["api","web"]})");
  EXPECT_EQ(GetOk("/loki/api/v1/label/team/values?" + Window()).body,
            R"({"status":"success","data":["x"]})");
  // Narrowed by a selector.
  EXPECT_EQ(
      GetOk("/loki/api/v1/label/env/values?" + Window() + "&query=" + UrlEncode(R"({app="api"})"))
          .body,
      R"({"status":"success","data":["dev","prod"]})");
  EXPECT_EQ(GetOk("/loki/api/v1/labels?" + Window() + "&query=" + UrlEncode(R"({app="api"})")).body,
            R"({"status":"success","data":["app","env"]})");
  // Nothing in range is an empty list, not null.
  EXPECT_EQ(GetOk("/loki/api/v1/label/nope/values?" + Window()).body,
            R"({"status":"success","data":[]})");
}

TEST_F(LabelsApiTest, SeriesByMatchGetAndPost) {
  EXPECT_EQ(
      GetOk("/loki/api/v1/series?" + Window() + "&match[]=" + UrlEncode(R"({env="prod"})")).body,
      R"({"status":"success","data":[{"app":"api","env":"prod"},{"app":"web","env":"prod","team":"x"}]})");
  // Several match[] are a union; a stream matched twice is listed once.
  HttpResponse r = server_->Post("/loki/api/v1/series",
                                 Window() + "&match[]=" + UrlEncode(R"({app="api"})") +
                                     "&match[]=" + UrlEncode(R"({env="dev"})"),
                                 {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(
      r.body,
      R"({"status":"success","data":[{"app":"api","env":"dev"},{"app":"api","env":"prod"}]})");
  r = server_->Get("/loki/api/v1/series?match[]=" + UrlEncode("{app="));
  EXPECT_EQ(r.status, 400) << r.body;
  // match and match[] together are their union.
  EXPECT_EQ(
      GetOk("/loki/api/v1/series?" + Window() + "&match=" + UrlEncode(R"({env="dev"})") +
            "&match[]=" + UrlEncode(R"({team="x"})"))
          .body,
      R"({"status":"success","data":[{"app":"api","env":"dev"},{"app":"web","env":"prod","team":"x"}]})");
  // {} (spaces allowed) selects every stream in the range.
  EXPECT_EQ(
      GetOk("/loki/api/v1/series?" + Window() + "&match[]=" + UrlEncode("{ }")).body,
      R"({"status":"success","data":[{"app":"api","env":"dev"},{"app":"api","env":"prod"},{"app":"web","env":"prod","team":"x"}]})");
}

TEST_F(LabelsApiTest, InstantQueryChecksLimitAndDirectionAsLokiDoes) {
  const std::string q =
      "/loki/api/v1/query?query=" + UrlEncode(R"(count_over_time({app="api"}[1m]))");
  EXPECT_EQ(server_->Get(q + "&limit=0").status, 400);
  EXPECT_EQ(server_->Get(q + "&limit=abc").status, 400);
  HttpResponse r = server_->Get(q + "&direction=sideways");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("invalid direction 'sideways'"), std::string::npos) << r.body;
  // Any case is a direction.
  EXPECT_EQ(server_->Get(q + "&direction=Forward&limit=5").status, 200);
  EXPECT_EQ(server_
                ->Get("/loki/api/v1/query_range?query=" + UrlEncode(R"({app="api"})") + "&" +
                      Window() + "&direction=Forward")
                .status,
            200);
}

TEST_F(LabelsApiTest, IndexStatsAndVolume) {
  EXPECT_EQ(
      GetOk("/loki/api/v1/index/stats?" + Window() + "&query=" + UrlEncode(R"({app="api"})")).body,
      R"({"streams":2,"chunks":2,"entries":2,"bytes":5})");
  HttpResponse r =
      GetOk("/loki/api/v1/index/volume?" + Window() + "&query=" + UrlEncode(R"({env=~".+"})"));
  // Summed by the selector's label (env), largest first.
  Metric m = ParseMetric(r.body);
  EXPECT_EQ(m.type, "vector");
  ASSERT_EQ(m.order.size(), 2u) << r.body;
  EXPECT_EQ(m.order[0], R"({env="prod"})");
  EXPECT_EQ(m.series[R"({env="prod"})"].at(0).second, "6");  // a1 + w333
  EXPECT_EQ(m.series[R"({env="dev"})"].at(0).second, "3");
  r = GetOk("/loki/api/v1/index/volume?" + Window() + "&query=" + UrlEncode(R"({env=~".+"})") +
            "&targetLabels=app");
  m = ParseMetric(r.body);
  EXPECT_EQ(m.series[R"({app="api"})"].at(0).second, "5");
  r = GetOk("/loki/api/v1/index/volume_range?" + Window() +
            "&step=10&query=" + UrlEncode(R"({app="api"})"));
  m = ParseMetric(r.body);
  EXPECT_EQ(m.type, "matrix");
  EXPECT_EQ(m.series[R"({app="api"})"].back().second, "5");
}

TEST_F(LabelsApiTest, TenantsAreSeparateAndCanBeQueriedTogether) {
  Push(R"({"app":"other"})", kBase + kSec, "t", "team-b");
  EXPECT_EQ(GetOk("/loki/api/v1/label/app/values?" + Window(), {{"X-Scope-OrgID", "team-b"}}).body,
            R"({"status":"success","data":["other"]})");
  EXPECT_EQ(
      GetOk("/loki/api/v1/label/app/values?" + Window(), {{"X-Scope-OrgID", "fake|team-b"}}).body,
      R"({"status":"success","data":["api","other","web"]})");
}

TEST_F(LabelsApiTest, QueriesOverSeveralTenantsNameTheTenant) {
  Push(R"({"app":"api","env":"prod"})", kBase + 4 * kSec, "from b", "team-b");
  HttpResponse r =
      server_->QueryRange(R"({app="api", env="prod"})", Window() + "&direction=forward",
                          {{"X-Scope-OrgID", "fake|team-b"}});
  ASSERT_EQ(r.status, 200) << r.body;
  ParsedStreams s = ParseStreams(r.body);
  ASSERT_EQ(s.entries.size(), 2u) << r.body;
  EXPECT_EQ(s.stream_labels,
            (std::vector<std::string>{R"({__tenant_id__="fake", app="api", env="prod"})",
                                      R"({__tenant_id__="team-b", app="api", env="prod"})"}));
  // A matcher on __tenant_id__ picks the tenants.
  r = server_->QueryRange(R"({app="api", __tenant_id__="team-b"})", Window(),
                          {{"X-Scope-OrgID", "fake|team-b"}});
  s = ParseStreams(r.body);
  ASSERT_EQ(s.entries.size(), 1u) << r.body;
  EXPECT_EQ(s.entries[0].second, "from b");
  r = server_->Get("/loki/api/v1/query?time=" + std::to_string(kBase + 5 * kSec) + "&query=" +
                       UrlEncode(R"(sum by (__tenant_id__) (count_over_time({env="prod"}[10s])))"),
                   {{"X-Scope-OrgID", "fake|team-b"}});
  Metric m = ParseMetric(r.body);
  EXPECT_EQ(m.series[R"({__tenant_id__="fake"})"].at(0).second, "2") << r.body;
  EXPECT_EQ(m.series[R"({__tenant_id__="team-b"})"].at(0).second, "1") << r.body;
}

TEST_F(LabelsApiTest, FormatQueryAndDetectedLabels) {
  EXPECT_EQ(GetOk("/loki/api/v1/format_query?query=" +
                  UrlEncode(R"q(sum by(a)(rate({app="x"}|json|b>1[5m])))q"))
                .body,
            R"q({"status":"success","data":"sum by (a) (rate({app=\"x\"} | json | b > 1[5m]))"})q");
  HttpResponse r = server_->Get("/loki/api/v1/format_query?query=" + UrlEncode("sum("));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(
      GetOk("/loki/api/v1/detected_labels?" + Window()).body,
      R"({"detectedLabels":[{"label":"app","cardinality":2},{"label":"env","cardinality":2},{"label":"team","cardinality":1}]})");
}

}  // namespace
}  // namespace lode::testing
