#include "wire/query_response.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace lode {
namespace {

LogQueryResult TwoStreams() {
  LogQueryResult result;
  result.streams.push_back(
      StreamResult{Labels{{"app", "api"}, {"env", "prod"}},
                   {LogEntry{1714521602000000000, "newest of api", {}, {}},
                    LogEntry{1714521600123456789, "say \"hi\"\n\\ \xc3\xa9", {}, {}}}});
  result.streams.push_back(
      StreamResult{Labels{{"app", "web"}}, {LogEntry{1714521601000000000, "", {}, {}}}});
  result.stats.lines_scanned = 3;
  return result;
}

// What a client reads back: every line with its stream's labels, oldest
// first.
std::vector<LogLine> Expected() {
  const Labels api{{"app", "api"}, {"env", "prod"}}, web{{"app", "web"}};
  return {LogLine{1714521600123456789, api, "say \"hi\"\n\\ \xc3\xa9", api},
          LogLine{1714521601000000000, web, "", web},
          LogLine{1714521602000000000, api, "newest of api", api}};
}

void ExpectLines(const std::vector<LogLine>& got, const std::vector<LogLine>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].timestamp, want[i].timestamp) << i;
    EXPECT_EQ(got[i].labels.ToString(), want[i].labels.ToString()) << i;
    EXPECT_EQ(got[i].line, want[i].line) << i;
    EXPECT_EQ(got[i].stream.ToString(), want[i].stream.ToString()) << i;
  }
}

TEST(QueryResponseTest, StreamsRoundTrip) {
  auto lines = ParseLogLines(EncodeStreamsResponse(TwoStreams()), false);
  ASSERT_TRUE(lines.ok()) << lines.status().ToString();
  ExpectLines(*lines, Expected());
}

TEST(QueryResponseTest, CategorizedStreamsRoundTripTheirLines) {
  LogQueryResult result = TwoStreams();
  result.streams[0].entries[0].metadata = Labels{{"trace_id", "abc"}};
  result.streams[0].entries[0].parsed = Labels{{"level", "info"}};
  auto lines = ParseLogLines(EncodeStreamsResponse(result, /*categorized=*/true), false);
  ASSERT_TRUE(lines.ok()) << lines.status().ToString();
  // That entry (its stream's newest, so last once sorted) has all its
  // labels, as without categories; its stream's own are kept apart.
  std::vector<LogLine> want = Expected();
  want[2].labels = Labels{{"app", "api"}, {"env", "prod"}, {"level", "info"}, {"trace_id", "abc"}};
  ExpectLines(*lines, want);
}

TEST(QueryResponseTest, TailMessageRoundTrip) {
  auto lines = ParseLogLines(EncodeTailMessage(TwoStreams().streams), true);
  ASSERT_TRUE(lines.ok()) << lines.status().ToString();
  ExpectLines(*lines, Expected());
}

TEST(QueryResponseTest, MatrixRoundTrip) {
  MetricQueryResult result;
  result.type = MetricQueryResult::Type::kMatrix;
  result.series.push_back(
      MetricSeries{Labels{{"level", "error"}},
                   {MetricSample{1714521600000000000, 1.5}, MetricSample{1714521600250000000, 2}}});
  result.series.push_back(
      MetricSeries{Labels{{"level", "info"}},
                   {MetricSample{-1500000000, NAN}, MetricSample{1714521601000000000, INFINITY}}});
  auto parsed = ParseMetricResult(EncodeMetricResponse(result));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->type, "matrix");
  ASSERT_EQ(parsed->series.size(), 2u);
  EXPECT_EQ(parsed->series[0].labels, (Labels{{"level", "error"}}));
  using Samples = std::vector<std::pair<double, std::string>>;
  EXPECT_EQ(parsed->series[0].samples, (Samples{{1714521600.0, "1.5"}, {1714521600.25, "2"}}));
  EXPECT_EQ(parsed->series[1].labels, (Labels{{"level", "info"}}));
  EXPECT_EQ(parsed->series[1].samples, (Samples{{-1.5, "NaN"}, {1714521601.0, "+Inf"}}));
  EXPECT_EQ(parsed->result_json.front(), '[');
}

TEST(QueryResponseTest, VectorAndScalarRoundTrip) {
  MetricQueryResult vector;
  vector.type = MetricQueryResult::Type::kVector;
  vector.series.push_back(
      MetricSeries{Labels{{"app", "api"}}, {MetricSample{1714521600001000000, -0.125}}});
  auto parsed = ParseMetricResult(EncodeMetricResponse(vector));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->type, "vector");
  ASSERT_EQ(parsed->series.size(), 1u);
  EXPECT_EQ(parsed->series[0].labels, (Labels{{"app", "api"}}));
  ASSERT_EQ(parsed->series[0].samples.size(), 1u);
  EXPECT_EQ(parsed->series[0].samples[0].first, 1714521600.001);
  EXPECT_EQ(parsed->series[0].samples[0].second, "-0.125");

  MetricQueryResult scalar;
  scalar.type = MetricQueryResult::Type::kScalar;
  scalar.series.push_back(MetricSeries{Labels(), {MetricSample{1714521600000000000, 3}}});
  parsed = ParseMetricResult(EncodeMetricResponse(scalar));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->type, "scalar");
  ASSERT_EQ(parsed->series.size(), 1u);
  EXPECT_EQ(parsed->series[0].samples[0], (std::pair<double, std::string>{1714521600.0, "3"}));
  EXPECT_EQ(parsed->result_json, "[1714521600,\"3\"]");
}

TEST(QueryResponseTest, ParseRefusesWhatIsNotTheExpectedAnswer) {
  EXPECT_FALSE(ParseLogLines("not json", false).ok());
  EXPECT_FALSE(ParseLogLines("{}", true).ok());
  MetricQueryResult scalar;
  scalar.type = MetricQueryResult::Type::kScalar;
  scalar.series.push_back(MetricSeries{Labels(), {MetricSample{0, 1}}});
  auto lines = ParseLogLines(EncodeMetricResponse(scalar), false);
  ASSERT_FALSE(lines.ok());
  EXPECT_NE(lines.status().message().find("expected streams"), std::string::npos);
  EXPECT_FALSE(ParseMetricResult(EncodeTailMessage({})).ok());
}

}  // namespace
}  // namespace lode
