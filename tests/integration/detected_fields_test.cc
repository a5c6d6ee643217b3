// GET /loki/api/v1/detected_fields and /detected_field/{name}/values on
// the real server: the fields Logs Drilldown offers, with Loki's types,
// cardinalities and parsers, and Loki's bare JSON.
#include <gtest/gtest.h>

#include "base/time.h"
#include "lode_process.h"

namespace lode::testing {
namespace {

class DetectedFieldsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<LodeServer>(dir_.path() + "/data");
    const int64_t now = NowNanos();
    std::string values;
    for (int i = 0; i < 5; ++i) {
      values += "[\"" + std::to_string(now - (10 - i) * 1000) +
                "\",\"level=info duration=256ms bytes=10MB count=" + std::to_string(i) +
                " even=" + (i % 2 ? "true" : "false") + " percent=10.5 msg=\\\"line " +
                std::to_string(i) + "\\\"\",{\"trace_id\":\"t" + std::to_string(i % 2) + "\"}],";
    }
    values +=
        "[\"" + std::to_string(now - 1000) +
        R"(","{\"level\":\"error\",\"nested\":{\"method\":\"GET\"},\"count\":7,\"app\":\"x\"}"])";
    HttpResponse r =
        server_->PushJson(R"({"streams":[{"stream":{"app":"api"},"values":[)" + values + "]}]}");
    ASSERT_EQ(r.status, 204) << r.body;
  }
  HttpResponse Get(const std::string& path, const std::string& query,
                   const std::string& extra = "") {
    return server_->Get(path + "?query=" + UrlEncode(query) + extra);
  }
  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
};

TEST_F(DetectedFieldsTest, FieldsHaveLokisTypesCardinalitiesAndParsers) {
  HttpResponse r = Get("/loki/api/v1/detected_fields", R"({app="api"})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(
      r.body,
      R"({"fields":[)"
      R"({"label":"app_extracted","type":"string","cardinality":1,"parsers":["json"],"jsonPath":["app"]},)"
      R"({"label":"bytes","type":"bytes","cardinality":1,"parsers":["logfmt"]},)"
      R"({"label":"count","type":"int","cardinality":6,"parsers":["json","logfmt"],"jsonPath":["count"]},)"
      R"({"label":"duration","type":"duration","cardinality":1,"parsers":["logfmt"]},)"
      R"({"label":"even","type":"boolean","cardinality":2,"parsers":["logfmt"]},)"
      R"({"label":"level","type":"string","cardinality":2,"parsers":["json","logfmt"],"jsonPath":["level"]},)"
      R"({"label":"msg","type":"string","cardinality":5,"parsers":["logfmt"]},)"
      R"({"label":"nested_method","type":"string","cardinality":1,"parsers":["json"],"jsonPath":["nested","method"]},)"
      R"({"label":"percent","type":"float","cardinality":1,"parsers":["logfmt"]},)"
      R"({"label":"trace_id","type":"string","cardinality":2,"parsers":null}],"limit":1000})");
}

TEST_F(DetectedFieldsTest, LimitsValuesAndEmptyAnswersAsLoki) {
  // line_limit reads only the newest lines: the JSON one.
  HttpResponse r = Get("/loki/api/v1/detected_fields", R"({app="api"})", "&line_limit=1&limit=2");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(
      r.body,
      R"({"fields":[{"label":"app_extracted","type":"string","cardinality":1,"parsers":["json"],)"
      R"("jsonPath":["app"]},{"label":"count","type":"int","cardinality":1,"parsers":["json"],)"
      R"("jsonPath":["count"]}],"limit":2})");
  r = Get("/loki/api/v1/detected_field/trace_id/values", R"({app="api"})");
  EXPECT_EQ(r.body, R"({"values":["t0","t1"],"limit":1000})");
  EXPECT_EQ(Get("/loki/api/v1/detected_fields", R"({app="none"})").body, "{}");
  EXPECT_EQ(Get("/loki/api/v1/detected_fields", R"({app="api"})", "&line_limit=0").status, 400);
  EXPECT_EQ(Get("/loki/api/v1/detected_fields", "sum(rate({app=\"api\"}[1m]))").status, 400);
  EXPECT_EQ(server_->Get("/loki/api/v1/detected_fields").status, 400);
}

}  // namespace
}  // namespace lode::testing
