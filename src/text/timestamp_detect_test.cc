#include "text/timestamp_detect.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "base/time.h"

namespace lode {
namespace {

// 2026-12-01T13:45:00Z
constexpr int64_t kNow = 1796132700LL * kNanosPerSecond;

class TimestampDetectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC", 1);
    tzset();
  }
  int64_t T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }
};

TEST_F(TimestampDetectTest, CommonFormatsAtTheStartOfALine) {
  struct Case {
    const char* line;
    const char* expect;
  };
  const Case cases[] = {
      {"2024-05-01T12:00:00Z GET /", "2024-05-01T12:00:00Z"},
      {"2024-05-01T12:00:00.123456789+02:00 x", "2024-05-01T10:00:00.123456789Z"},
      {"2024-05-01 12:00:00,123 INFO [main] started", "2024-05-01T12:00:00.123Z"},
      {"2024-05-01 12:00:00.5 +0200 msg", "2024-05-01T10:00:00.5Z"},
      {"2024-05-01 12:00:00 UTC msg", "2024-05-01T12:00:00Z"},
      {"[2024-05-01T12:00:00Z] [error] boom", "2024-05-01T12:00:00Z"},
      {"Nov 30 06:25:01 host CRON[1]: x", "2026-11-30T06:25:01Z"},
      {"Dec  1 13:00:00 host x", "2026-12-01T13:00:00Z"},
      {"127.0.0.1 - frank [10/Oct/2024:13:55:36 -0700] \"GET / HTTP/1.0\" 200",
       "2024-10-10T20:55:36Z"},
      {"[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok", "2005-12-04T04:47:44Z"},
      {"Wed May  1 12:00:00.5 2024 ctime", "2024-05-01T12:00:00.5Z"},
      {"1714564800 epoch seconds", "2024-05-01T12:00:00Z"},
      {"1714564800.25 with a fraction", "2024-05-01T12:00:00.25Z"},
      {"1714564800123 ms", "2024-05-01T12:00:00.123Z"},
      {"1714564800123456 us", "2024-05-01T12:00:00.123456Z"},
      {"1714564800123456789 ns", "2024-05-01T12:00:00.123456789Z"},
  };
  for (const Case& c : cases) {
    TimestampDetector detector(kNow);
    auto t = detector.Detect(c.line);
    ASSERT_TRUE(t.has_value()) << c.line;
    EXPECT_EQ(*t, T(c.expect)) << c.line;
  }
}

TEST_F(TimestampDetectTest, LinesWithoutATimeHaveNone) {
  for (const char* line :
       {"", "at java.lang.Thread.run(Thread.java:750)", "    continued", "12345 not a time",
        "2024-13-01T00:00:00Z bad month", "2024-05-01T12:00:001 runs on", "Caused by: x",
        "99999999999999999999"}) {
    TimestampDetector detector(kNow);
    EXPECT_FALSE(detector.Detect(line).has_value()) << line;
  }
}

TEST_F(TimestampDetectTest, JsonLinesUseTheirTimeField) {
  struct Case {
    const char* line;
    const char* expect;
  };
  const Case cases[] = {
      {R"({"level":"info","time":"2024-05-01T12:00:00.5Z","msg":"x"})", "2024-05-01T12:00:00.5Z"},
      {R"({"@timestamp": "2024-05-01 12:00:00,250", "message": "y"})", "2024-05-01T12:00:00.25Z"},
      {R"({"timestamp":1446249499322,"pid":1})", "2015-10-30T23:58:19.322Z"},
      {R"({"ts": 1714564800.125, "caller": "main.go:12"})", "2024-05-01T12:00:00.125Z"},
      // An array before the field is not read as a time.
      {R"({"ids":[1714564800,2],"time":"2024-05-02T00:00:00Z"})", "2024-05-02T00:00:00Z"},
  };
  for (const Case& c : cases) {
    TimestampDetector d(kNow);
    auto t = d.Detect(c.line);
    ASSERT_TRUE(t.has_value()) << c.line;
    EXPECT_EQ(*t, T(c.expect)) << c.line;
  }
  // A JSON line without a time field has none, and later lines keep using
  // the field once it was found.
  TimestampDetector d(kNow);
  EXPECT_FALSE(d.Detect(R"({"msg":"no time [1714564800]"})").has_value());
  EXPECT_EQ(*d.Detect(R"({"time":"2024-05-01T00:00:00Z"})"), T("2024-05-01T00:00:00Z"));
  EXPECT_EQ(*d.Detect(R"({"a":1,"time":"2024-05-01T00:00:01Z"})"), T("2024-05-01T00:00:01Z"));
}

TEST_F(TimestampDetectTest, ZonelessTimesAreLocal) {
  setenv("TZ", "Europe/Paris", 1);  // UTC+1 in winter
  tzset();
  TimestampDetector detector(kNow);
  EXPECT_EQ(*detector.Detect("2024-01-15 12:00:00,000 x"), T("2024-01-15T11:00:00Z"));
}

TEST_F(TimestampDetectTest, FormatOverride) {
  auto custom = TimestampDetector::WithFormat("%d.%m.%Y %H:%M:%S.%f", kNow);
  ASSERT_TRUE(custom.ok());
  EXPECT_EQ(*custom->Detect("01.05.2024 12:00:00.5 msg"), T("2024-05-01T12:00:00.5Z"));
  EXPECT_FALSE(custom->Detect("2024-05-01T12:00:00Z").has_value());
  auto hdfs = TimestampDetector::WithFormat("%y%m%d %H%M%S", kNow);
  ASSERT_TRUE(hdfs.ok());
  EXPECT_EQ(*hdfs->Detect("081109 203615 148 INFO dfs"), T("2008-11-09T20:36:15Z"));
  auto named = TimestampDetector::WithFormat("apache", kNow);
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(*named->Detect("h - - [01/May/2024:12:00:00 +0000] x"), T("2024-05-01T12:00:00Z"));
  auto zone = TimestampDetector::WithFormat("%b %d %H:%M:%S %z", kNow);
  ASSERT_TRUE(zone.ok());
  EXPECT_EQ(*zone->Detect("May 01 12:00:00 +01:00"), T("2026-05-01T11:00:00Z"));
  EXPECT_FALSE(TimestampDetector::WithFormat("%Q", kNow).ok());
  EXPECT_FALSE(TimestampDetector::WithFormat("whatever", kNow).ok());
}

TEST_F(TimestampDetectTest, KeepsTheFormatItFound) {
  TimestampDetector detector(kNow);
  ASSERT_TRUE(detector.Detect("h - - [01/May/2024:12:00:00 +0000] first").has_value());
  EXPECT_EQ(detector.format(), TimeFormat::kApache);
  EXPECT_EQ(*detector.Detect("h - - [01/May/2024:12:00:01 +0000] next"), T("2024-05-01T12:00:01Z"));
  // Another format later in the input is still found.
  EXPECT_EQ(*detector.Detect("2024-05-01T12:00:02Z other"), T("2024-05-01T12:00:02Z"));
}

}  // namespace
}  // namespace lode
