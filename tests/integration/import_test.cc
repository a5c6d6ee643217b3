// `lode import` against the real server: plain, gzip and zstd files,
// times found in the lines, stack traces joined to their line.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

#include <fstream>

#include "base/time.h"
#include "lode_process.h"

namespace lode::testing {
namespace {

void Write(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

std::string Zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3));
  return out;
}

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Zone-less times in files are local: run `lode import` in UTC.
    setenv("TZ", "UTC", 1);
    server_ = std::make_unique<LodeServer>(dir_.path() + "/data");
  }

  std::vector<std::pair<int64_t, std::string>> Lines(const std::string& query) {
    ParsedStreams s =
        ParseStreams(server_
                         ->QueryRange(query, "start=0&end=" + std::to_string(NowNanos()) +
                                                 "&limit=5000&direction=forward")
                         .body);
    EXPECT_TRUE(s.ok);
    return s.entries;
  }

  CommandResult Import(std::vector<std::string> args) {
    std::vector<std::string> all = {"import", "--url", server_->base_url()};
    all.insert(all.end(), args.begin(), args.end());
    return RunLode(all);
  }

  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
};

TEST_F(ImportTest, JavaLogWithStackTracesKeepsTimesAndJoinsTraces) {
  std::string log;
  for (int i = 0; i < 300; ++i) {
    char ts[64];
    snprintf(ts, sizeof(ts), "2024-05-01 12:%02d:%02d,%03d", i / 60, i % 60, i);
    log += std::string(ts) + " INFO [main] request " + std::to_string(i) + " done\n";
    if (i % 100 == 50) {
      log += std::string(ts) + " ERROR [main] request failed\n";
      log += "java.lang.IllegalStateException: boom " + std::to_string(i) + "\n";
      log += "\tat com.example.Handler.run(Handler.java:42)\n";
      log += "Caused by: java.io.IOException: disk\n\t... 7 more\n";
    }
  }
  std::string path = dir_.path() + "/app.log";
  Write(path, log);
  CommandResult r = Import({"-l", "app=java", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("records=303"), std::string::npos) << r.err;
  auto all = Lines(R"({app="java"})");
  ASSERT_EQ(all.size(), 303u);
  // Each record at the time written in it (local time: the test runs in UTC).
  EXPECT_EQ(all[0].first, *ParseRfc3339("2024-05-01T12:00:00Z"));
  EXPECT_EQ(all.back().first, *ParseRfc3339("2024-05-01T12:04:59.299Z"));
  auto traces = Lines(R"({app="java", filename=~".*app.log"} |= "request failed")");
  ASSERT_EQ(traces.size(), 3u);
  EXPECT_EQ(traces[0].second,
            "2024-05-01 12:00:50,050 ERROR [main] request failed\n"
            "java.lang.IllegalStateException: boom 50\n"
            "\tat com.example.Handler.run(Handler.java:42)\n"
            "Caused by: java.io.IOException: disk\n\t... 7 more");
}

TEST_F(ImportTest, CompressedFilesAndOtherTimeFormats) {
  std::string access =
      "10.0.0.1 - - [17/May/2015:10:05:03 +0000] \"GET / HTTP/1.1\" 200 12\n"
      "10.0.0.2 - - [17/May/2015:10:05:43 +0000] \"GET /a HTTP/1.1\" 404 0\n";
  std::string syslog = "Nov 30 06:25:01 host CRON[1]: job\nNov 30 06:25:02 host CRON[1]: done\n";
  std::string epoch = "1714564800123 first\n1714564801123 second\n";
  Write(dir_.path() + "/access.log.gz", Gzip(access));
  Write(dir_.path() + "/syslog.zst", Zstd(syslog));
  Write(dir_.path() + "/epoch.log", epoch);
  CommandResult r = Import({"-l", "job=mixed", dir_.path() + "/access.log.gz",
                            dir_.path() + "/syslog.zst", dir_.path() + "/./epoch.log"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto a = Lines(R"({job="mixed", filename=~".*access.log.gz"})");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[1].first, *ParseRfc3339("2015-05-17T10:05:43Z"));
  EXPECT_EQ(a[1].second, "10.0.0.2 - - [17/May/2015:10:05:43 +0000] \"GET /a HTTP/1.1\" 404 0");
  auto s = Lines(R"({job="mixed", filename=~".*syslog.zst"})");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].second, "Nov 30 06:25:01 host CRON[1]: job");
  // The label is the file's normal absolute path, however it was named.
  EXPECT_EQ(Lines("{filename=\"" + dir_.path() + "/epoch.log\"}").size(), 2u);
  auto e = Lines(R"({job="mixed", filename=~".*epoch.log"})");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].first, 1714564800123000000);
}

TEST_F(ImportTest, LatinOneBytesArriveAsTheyWereAndAreShownEscaped) {
  // A file from a system that logs in Latin-1: é is the single byte 0xe9.
  Write(dir_.path() + "/latin1.log", "2024-05-01 12:00:00,000 caf\xe9 ouvert\n");
  CommandResult r = Import({"-l", "job=latin", dir_.path() + "/latin1.log"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Sent as protobuf bytes, so the byte is stored, not a replacement.
  auto lines = Lines("{job=\"latin\"} |= \"caf\\xe9\"");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].second, "2024-05-01 12:00:00,000 caf\\xe9 ouvert");
}

TEST_F(ImportTest, LinesTheServerRefusesAreCountedAndTheRestStored) {
  // The middle line's time is centuries ahead: too new to store.
  Write(dir_.path() + "/mixed.log",
        "2024-05-01T12:00:00Z first\n4324283771 from the future\n2024-05-01T12:00:02Z last\n");
  CommandResult r = Import({"-l", "job=partial", dir_.path() + "/mixed.log"});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // something was dropped, and it says so
  EXPECT_NE(r.err.find("1 lines dropped (rejected: HTTP 400: entry for stream"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("sent=2 "), std::string::npos) << r.err;
  auto lines = Lines(R"({job="partial"})");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].second, "2024-05-01T12:00:02Z last");
}

TEST_F(ImportTest, SeveralConnectionsStoreEveryRecordOnceInTimeOrder) {
  std::string log;
  for (int i = 0; i < 3000; ++i) {
    char ts[64];
    snprintf(ts, sizeof(ts), "2024-05-01T12:%02d:%02d.%03dZ", i / 600, i / 10 % 60, i % 10 * 100);
    log += std::string(ts) + " event " + std::to_string(i) + "\n";
  }
  Write(dir_.path() + "/events.log", log);
  CommandResult r = Import({"--concurrency", "4", "--batch-bytes", "1000", "-l", "app=parallel",
                            dir_.path() + "/events.log"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("sent=3000 "), std::string::npos) << r.err;
  auto lines = Lines(R"({app="parallel"})");
  ASSERT_EQ(lines.size(), 3000u);
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_NE(lines[i].second.find(" event " + std::to_string(i)), std::string::npos)
        << lines[i].second;
  }
}

TEST_F(ImportTest, TimestampFormatOverrideStdinAndProgress) {
  std::string hdfs = "081109 203615 148 INFO dfs.DataNode: one\n081109 203807 222 INFO two\n";
  Write(dir_.path() + "/hdfs.log", hdfs);
  CommandResult r = Import({"--timestamp-format", "%y%m%d %H%M%S", "--progress", "always", "-l",
                            "system=hdfs", dir_.path() + "/hdfs.log"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("lines/s"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("100%"), std::string::npos) << r.err;
  auto lines = Lines(R"({system="hdfs"})");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].first, *ParseRfc3339("2008-11-09T20:36:15Z"));
  // From stdin, lines without times are stamped in order.
  CommandResult piped = RunLode(
      {"import", "--url", server_->base_url(), "-l", "src=pipe", "--multiline", "none", "-"},
      "no time here\nnor here\n");
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  auto p = Lines(R"({src="pipe"})");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].second, "no time here");
  EXPECT_LT(p[0].first, p[1].first);
  // Bad flags are clear errors.
  CommandResult bad = Import({"--timestamp-format", "%Q", dir_.path() + "/hdfs.log"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown directive"), std::string::npos) << bad.err;
  CommandResult missing = Import({dir_.path() + "/nope.log"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nope.log"), std::string::npos);
}

}  // namespace
}  // namespace lode::testing
