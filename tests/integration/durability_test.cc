// What survives kill -9, SIGTERM and a damaged write-ahead log.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "base/time.h"
#include "lode_process.h"

namespace lode::testing {
namespace {

constexpr int64_t kBase = 1714521600LL * 1'000'000'000;

std::string AllRange() {
  return "start=0&end=" + std::to_string(NowNanos() + 1'000'000'000LL) + "&limit=5000";
}

size_t CountLines(const LodeServer& server, const std::string& query) {
  ParsedStreams s = ParseStreams(server.QueryRange(query, AllRange()).body);
  EXPECT_TRUE(s.ok);
  return s.entries.size();
}

std::string WriteConfig(const std::string& dir, const std::string& yaml) {
  std::string path = dir + "/lode.yaml";
  std::ofstream(path) << yaml;
  return path;
}

TEST(Durability, AcknowledgedDurablePushSurvivesKill9) {
  TempDir dir;
  std::string data = dir.path() + "/data";
  // A flush interval of an hour: only the durable path can put these on disk.
  std::string config = WriteConfig(dir.path(), "flush_interval: 1h\n");
  {
    LodeServer server(data, {"--config", config});
    for (int batch = 0; batch < 20; ++batch) {
      std::vector<std::pair<int64_t, std::string>> values;
      for (int i = 0; i < 50; ++i) {
        values.emplace_back(kBase + batch * 1000 + i, "audit " + std::to_string(batch * 50 + i));
      }
      HttpResponse r = server.PushJson(PushBody(R"({"app":"bank"})", values),
                                       {{"X-Lode-Durability", "durable"}});
      ASSERT_EQ(r.status, 204) << r.body;
    }
    server.Kill9();
  }
  LodeServer restarted(data, {"--config", config});
  EXPECT_EQ(CountLines(restarted, R"({app="bank"})"), 1000u);
  EXPECT_EQ(CountLines(restarted, R"({app="bank"} |= "audit 999")"), 1u);
}

TEST(Durability, BestEffortIsOnDiskAfterTheFlushInterval) {
  TempDir dir;
  std::string data = dir.path() + "/data";
  std::string config = WriteConfig(dir.path(), "flush_interval: 50ms\n");
  {
    LodeServer server(data, {"--config", config});
    ASSERT_EQ(server.PushJson(PushBody(R"({"app":"debug"})", {{kBase, "debug line"}})).status, 204);
    // Wait for the WAL file to grow rather than for a fixed time.
    std::string wal = data + "/tenants/fake/wal";
    bool flushed = false;
    for (int i = 0; i < 500 && !flushed; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      for (const auto& e : std::filesystem::directory_iterator(wal)) {
        if (e.file_size() > 0) flushed = true;
      }
    }
    ASSERT_TRUE(flushed);
    server.Kill9();
  }
  LodeServer restarted(data);
  EXPECT_EQ(CountLines(restarted, R"({app="debug"})"), 1u);
}

TEST(Durability, SigtermFlushesBufferedRecordsAndExitsCleanly) {
  TempDir dir;
  std::string data = dir.path() + "/data";
  std::string config = WriteConfig(dir.path(), "flush_interval: 1h\n");
  {
    LodeServer server(data, {"--config", config});
    ASSERT_EQ(
        server.PushJson(PushBody(R"({"app":"buffered"})", {{kBase, "a"}, {kBase + 1, "b"}})).status,
        204);
    EXPECT_EQ(server.Terminate(), 0);
    EXPECT_NE(server.Log().find("stopped cleanly"), std::string::npos) << server.Log();
  }
  LodeServer restarted(data);
  EXPECT_EQ(CountLines(restarted, R"({app="buffered"})"), 2u);
  // A clean shutdown flushed the head into a part: nothing to replay.
  std::string metrics = restarted.Get("/metrics").body;
  EXPECT_NE(metrics.find("\nlode_parts 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nlode_head_records 0\n"), std::string::npos);
}

TEST(Durability, CorruptPartBlockIsReportedSkippedAndTheRestServed) {
  TempDir dir;
  std::string data = dir.path() + "/data";
  {
    LodeServer server(data);
    ASSERT_EQ(server.PushJson(PushBody(R"({"app":"a"})", {{kBase, "in block one"}})).status, 204);
    ASSERT_EQ(server.PushJson(PushBody(R"({"app":"b"})", {{kBase + 1, "in block two"}})).status,
              204);
    ASSERT_EQ(server.Terminate(), 0);
  }
  std::string part;
  for (const auto& e : std::filesystem::recursive_directory_iterator(data)) {
    if (e.path().extension() == ".part") part = e.path().string();
  }
  ASSERT_FALSE(part.empty());
  {
    // Streams are sorted, so app="a"'s block comes first, after the 12-byte header.
    std::fstream f(part, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(16);
    f.put('\x55');
  }
  LodeServer restarted(data);
  EXPECT_EQ(CountLines(restarted, R"({app="b"})"), 1u);
  EXPECT_EQ(CountLines(restarted, R"({app=~"a|b"})"), 1u);
  std::string metrics = restarted.Get("/metrics").body;
  EXPECT_NE(metrics.find("\nlode_corrupt_blocks_total 1\n"), std::string::npos) << metrics;
  std::string log = restarted.Log();
  EXPECT_NE(log.find("skipping corrupt block"), std::string::npos) << log;
  EXPECT_NE(log.find(part), std::string::npos);
  EXPECT_NE(log.find("at offset 12"), std::string::npos);
  EXPECT_EQ(restarted.Get("/ready").status, 200);
}

TEST(Durability, RetentionDeletesDataOlderThanThePeriod) {
  TempDir dir;
  std::string data = dir.path() + "/data";
  std::string config = WriteConfig(dir.path(), "retention_period: 24h\nflush_interval: 50ms\n");
  const int64_t now = NowNanos();
  const int64_t day = 86400LL * 1'000'000'000;
  {
    LodeServer server(data, {"--config", config});
    ASSERT_EQ(
        server.PushJson(PushBody(R"({"app":"r"})", {{now - 3 * day, "three days old"}})).status,
        204);
    ASSERT_EQ(server.PushJson(PushBody(R"({"app":"r"})", {{now - 1000, "fresh"}})).status, 204);
    ASSERT_EQ(server.Terminate(), 0);  // flushes both days into parts
  }
  LodeServer restarted(data, {"--config", config});
  std::string metrics;
  for (int i = 0; i < 200; ++i) {
    metrics = restarted.Get("/metrics").body;
    if (metrics.find("\nlode_retention_removed_parts_total 1\n") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_NE(metrics.find("\nlode_retention_removed_parts_total 1\n"), std::string::npos) << metrics;
  ParsedStreams s = ParseStreams(restarted.QueryRange(R"({app="r"})", AllRange()).body);
  ASSERT_EQ(s.entries.size(), 1u);
  EXPECT_EQ(s.entries[0].second, "fresh");
}

// A tenant listed under `tenants:` keeps its own retention; the others
// follow the top-level setting.
TEST(Durability, RetentionCanDifferPerTenant) {
  TempDir dir;
  std::string data = dir.path() + "/data";
  std::string config = WriteConfig(dir.path(),
                                   "retention_period: 24h\nflush_interval: 50ms\n"
                                   "tenants:\n  audit:\n    retention_period: 30d\n");
  const int64_t now = NowNanos();
  const int64_t day = 86400LL * 1'000'000'000;
  for (const char* tenant : {"audit", "debug"}) {
    LodeServer server(data, {"--config", config});
    ASSERT_EQ(server
                  .PushJson(PushBody(R"({"app":"r"})", {{now - 3 * day, "three days old"}}),
                            {{"X-Scope-OrgID", tenant}})
                  .status,
              204);
    ASSERT_EQ(server.Terminate(), 0);
  }
  LodeServer restarted(data, {"--config", config});
  std::string metrics;
  for (int i = 0; i < 200; ++i) {
    metrics = restarted.Get("/metrics").body;
    if (metrics.find("\nlode_retention_removed_parts_total 1\n") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_NE(metrics.find("\nlode_retention_removed_parts_total 1\n"), std::string::npos) << metrics;
  auto count = [&](const char* tenant) {
    return ParseStreams(
               restarted.QueryRange(R"({app="r"})", AllRange(), {{"X-Scope-OrgID", tenant}}).body)
        .entries.size();
  };
  EXPECT_EQ(count("audit"), 1u);
  EXPECT_EQ(count("debug"), 0u);
}

TEST(Durability, TornWalTailIsTruncatedAndTheServerStarts) {
  TempDir dir;
  std::string data = dir.path() + "/data";
  {
    LodeServer server(data);
    ASSERT_EQ(server
                  .PushJson(PushBody(R"({"app":"x"})", {{kBase, "kept"}}),
                            {{"X-Lode-Durability", "durable"}})
                  .status,
              204);
    server.Kill9();
  }
  // Append half a frame to the newest segment, as a crash mid-write would.
  std::string wal = data + "/tenants/fake/wal";
  std::string newest;
  for (const auto& e : std::filesystem::directory_iterator(wal)) {
    if (e.path().extension() == ".wal" && e.file_size() > 0) newest = e.path().string();
  }
  ASSERT_FALSE(newest.empty());
  std::ofstream(newest, std::ios::app | std::ios::binary)
      << std::string("\x01\x02\x03\x04\xff\x00", 6);
  LodeServer restarted(data);
  EXPECT_EQ(CountLines(restarted, R"({app="x"})"), 1u);
  EXPECT_NE(restarted.Log().find("torn or corrupt tail"), std::string::npos) << restarted.Log();
  // And it keeps accepting writes.
  EXPECT_EQ(restarted.PushJson(PushBody(R"({"app":"x"})", {{kBase + 1, "after"}})).status, 204);
  EXPECT_EQ(CountLines(restarted, R"({app="x"})"), 2u);
}

TEST(Durability, ConfigFileAndFlagsFlagsWin) {
  TempDir dir;
  std::string config =
      WriteConfig(dir.path(), "data: " + dir.path() + "/from-config\nlisten: 127.0.0.1:0\n");
  {
    LodeServer server(dir.path() + "/from-flag", {"--config", config});
    ASSERT_EQ(server.PushJson(PushBody(R"({"app":"x"})", {{kBase, "l"}})).status, 204);
    EXPECT_EQ(server.Terminate(), 0);
  }
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/from-flag/tenants/fake"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/from-config"));

  std::string bad = WriteConfig(dir.path(), "dta: /tmp/x\n");
  CommandResult r = RunLode({"serve", "--config", bad, "--listen", "127.0.0.1:0"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("unknown config key \\\"dta\\\""), std::string::npos) << r.err;
}

TEST(Durability, BusyPortIsAClearError) {
  TempDir dir;
  LodeServer server(dir.path() + "/a");
  std::string addr = server.base_url().substr(7);
  CommandResult r = RunLode({"serve", "--data", dir.path() + "/b", "--listen", addr});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("cannot listen on"), std::string::npos) << r.err;
}

// Two servers on one data directory would interleave their WAL writes:
// the second refuses to start and says why; the first goes on, and once
// it has stopped the directory opens again.
TEST(Durability, ASecondServerOnTheSameDataDirectoryRefusesToStart) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  {
    LodeServer server(data);
    ASSERT_EQ(server.PushJson(PushBody(R"({"app":"x"})", {{kBase, "first"}})).status, 204);
    CommandResult r = RunLode({"serve", "--data", data, "--listen", "127.0.0.1:0"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("is in use by another lode process"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("store closed"), std::string::npos) << r.err;  // it never opened
    ASSERT_EQ(server.PushJson(PushBody(R"({"app":"x"})", {{kBase + 1, "second"}})).status, 204);
    EXPECT_EQ(server.Terminate(), 0);
  }
  LodeServer again(data);
  ParsedStreams got = ParseStreams(again.QueryRange(R"({app="x"})", AllRange()).body);
  ASSERT_EQ(got.entries.size(), 2u);
}

}  // namespace
}  // namespace lode::testing
