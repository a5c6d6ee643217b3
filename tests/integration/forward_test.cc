// `lode forward` against the real server: the spool across crashes of
// both, failover between targets, best-effort input held up no longer
// than --max-block by a server that does not answer, and waiting rather
// than dropping for one that does.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "base/time.h"
#include "lode_process.h"

namespace lode::testing {
namespace {

std::string Lines(int from, int to) {
  std::string out;
  for (int i = from; i < to; ++i) out += "record " + std::to_string(i) + "\n";
  return out;
}

size_t CountLines(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

// The lines stored under `query` in the last hour, with their counts.
std::map<std::string, int> Stored(LodeServer& server, const std::string& query) {
  std::map<std::string, int> out;
  int64_t now = NowNanos();
  ParsedStreams s = ParseStreams(
      server
          .QueryRange(query, "start=" + std::to_string(now - 3600LL * kNanosPerSecond) + "&end=" +
                                 std::to_string(now + 60 * kNanosPerSecond) + "&limit=5000")
          .body);
  EXPECT_TRUE(s.ok);
  for (const auto& [ts, line] : s.entries) ++out[line];
  return out;
}

// Connections the server has accepted (each scrape adds its own).
int64_t AcceptedConnections(const LodeServer& server) {
  const std::string name = "lode_http_connections_accepted_total";
  std::string metrics = server.Get("/metrics").body;
  size_t at = metrics.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(metrics.substr(at + name.size() + 2));
}

uint16_t PortOf(const LodeServer& server) {
  return static_cast<uint16_t>(
      std::stoi(server.base_url().substr(server.base_url().rfind(':') + 1)));
}

TEST(ForwardTest, SpooledLinesSurviveTheForwarderDyingWhileTheServerIsDown) {
  TempDir dir;
  std::string input = dir.path() + "/input";
  std::ofstream(input) << Lines(0, 500);
  // A port nothing listens on yet.
  uint16_t port;
  {
    LodeServer probe(dir.path() + "/probe");
    port = PortOf(probe);
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  {
    LodeChild forward({"forward", "--url", url, "--spool", dir.path() + "/spool", "--tee", "-l",
                       "app=spooled", "--batch-wait", "100ms"},
                      input);
    // Every line is passed on once it is in the spool; then the forwarder dies.
    ASSERT_TRUE(forward.WaitForStdout("record 499\n", 10000)) << forward.Stderr();
    forward.Kill9();
  }
  LodeServer server(dir.path() + "/data", {}, "127.0.0.1:" + std::to_string(port));
  // The next run sends what the last one left, then its own input (none).
  LodeChild again({"forward", "--url", url, "--spool", dir.path() + "/spool", "-l", "app=spooled"});
  ASSERT_EQ(again.Wait(30000), 0) << again.Stderr();
  EXPECT_NE(again.Stderr().find("replayed_batches="), std::string::npos);
  auto stored = Stored(server, R"({app="spooled"})");
  EXPECT_EQ(stored.size(), 500u);
  for (const auto& [line, count] : stored) EXPECT_EQ(count, 1) << line;
  // The spool is empty once everything is accepted.
  size_t left = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() + "/spool")) {
    left += e.path().extension() == ".batch";
  }
  EXPECT_EQ(left, 0u);
}

TEST(ForwardTest, FailsOverToTheNextTargetAndSaysSo) {
  TempDir dir;
  LodeServer server(dir.path() + "/data");
  uint16_t dead;
  {
    LodeServer probe(dir.path() + "/probe");
    dead = PortOf(probe);
  }
  CommandResult r = RunLode({"forward", "--url", "http://127.0.0.1:" + std::to_string(dead),
                             "--url", server.base_url(), "-l", "app=failover"},
                            Lines(0, 20));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("failovers=1"), std::string::npos) << r.err;
  EXPECT_EQ(Stored(server, R"({app="failover"})").size(), 20u);
}

TEST(ForwardTest, BestEffortReadsEverythingWhileTheServerIsDownAndCountsDrops) {
  TempDir dir;
  std::string input = dir.path() + "/input";
  std::ofstream(input) << Lines(0, 20000);
  LodeChild forward({"forward", "--url", "http://127.0.0.1:1", "--tee", "--buffer-batches", "2",
                     "--batch-bytes", "10000", "--max-retries", "0", "-l", "app=x"},
                    input);
  // The producer is never held up: the whole input comes through at once.
  ASSERT_TRUE(forward.WaitForStdout("record 19999\n", 10000));
  EXPECT_EQ(CountLines(forward.Stdout()), 20000u);
  int code = forward.Wait(30000);
  EXPECT_EQ(code, 1);  // lines were dropped, and it says so
  EXPECT_NE(forward.Stderr().find("dropped_overflow="), std::string::npos) << forward.Stderr();
}

TEST(ForwardTest, BestEffortIsNotHeldUpByAServerThatStopsAnswering) {
  TempDir dir;
  LodeServer server(dir.path() + "/data");
  // SIGSTOP: the server's socket still accepts connections, but nothing
  // is answered: the slowest a server can be.
  ASSERT_EQ(kill(server.pid(), SIGSTOP), 0);
  std::string input = dir.path() + "/input";
  std::ofstream(input) << Lines(0, 20000);
  LodeChild forward({"forward", "--url", server.base_url(), "--tee", "--buffer-batches", "2",
                     "--batch-bytes", "10000", "--max-block", "500ms", "-l", "app=slow"},
                    input);
  // Every line is read (and passed on by --tee) while no push is answered:
  // reading waits --max-block for an answer, then drops instead.
  const bool read_all = forward.WaitForStdout("record 19999\n", 10000);
  ASSERT_EQ(kill(server.pid(), SIGCONT), 0);
  ASSERT_TRUE(read_all) << forward.Stderr();
  EXPECT_EQ(CountLines(forward.Stdout()), 20000u);
  // Once the server answers again the buffered batches, the newest, go
  // through; the oldest that did not fit were dropped and counted.
  EXPECT_EQ(forward.Wait(60000), 1) << forward.Stderr();
  const std::string err = forward.Stderr();
  EXPECT_NE(err.find("oldest while the buffer was full and no server accepted a batch for 500ms"),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("dropped_overflow=0 "), std::string::npos) << err;
  // Reading waited about --max-block in all (bounds generous for a busy
  // machine), not once per batch.
  const size_t at = err.find("read_wait=");
  ASSERT_NE(at, std::string::npos) << err;
  const int waited_ms = std::stoi(err.substr(at + 10));
  EXPECT_GE(waited_ms, 400) << err;
  EXPECT_LE(waited_ms, 5000) << err;
  auto stored = Stored(server, R"({app="slow"})");
  EXPECT_EQ(stored.count("record 19999"), 1u);
  EXPECT_LT(stored.size(), 20000u);
  for (const auto& [line, n] : stored) EXPECT_EQ(n, 1) << line;
}

// A reader far faster than one connection, into a server that stops for a
// moment: reading waits for room while the server accepts, and nothing is
// dropped.
TEST(ForwardTest, AFastReaderIntoAMomentarilyStoppedServerDropsNothing) {
  TempDir dir;
  LodeServer server(dir.path() + "/data");
  std::string input = dir.path() + "/input";
  std::ofstream(input) << Lines(0, 100000);
  ASSERT_EQ(kill(server.pid(), SIGSTOP), 0);
  LodeChild forward({"forward", "--url", server.base_url(), "--buffer-batches", "2",
                     "--batch-bytes", "4000", "--max-block", "10s", "-l", "app=fast"},
                    input);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  ASSERT_EQ(kill(server.pid(), SIGCONT), 0);
  ASSERT_EQ(forward.Wait(120000), 0) << forward.Stderr();
  EXPECT_NE(forward.Stderr().find("sent=100000 "), std::string::npos) << forward.Stderr();
  EXPECT_NE(forward.Stderr().find("dropped=0 "), std::string::npos) << forward.Stderr();
  CommandResult count = RunLode({"query", "--url", server.base_url(), "--instant", "-o", "json",
                                 "sum(count_over_time({app=\"fast\"}[1h]))"});
  ASSERT_EQ(count.exit_code, 0) << count.err;
  EXPECT_NE(count.out.find(R"("100000"])"), std::string::npos) << count.out;
}

// Batches sent over several connections arrive in any order; the store
// orders lines by their stamps, which follow the order they were read in.
TEST(ForwardTest, SeveralConnectionsStoreEveryLineOnceInTheOrderRead) {
  TempDir dir;
  LodeServer server(dir.path() + "/data");
  const int64_t accepted_before = AcceptedConnections(server);
  CommandResult r = RunLode({"forward", "--url", server.base_url(), "--concurrency", "4",
                             "--batch-bytes", "500", "-l", "app=parallel"},
                            Lines(0, 4000));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("sent=4000 "), std::string::npos) << r.err;
  // Over a hundred batches, over at most one kept-open connection per
  // sender (and this scrape's).
  EXPECT_LE(AcceptedConnections(server) - accepted_before, 4 + 1);
  int64_t now = NowNanos();
  ParsedStreams s =
      ParseStreams(server
                       .QueryRange(R"({app="parallel"})",
                                   "start=" + std::to_string(now - 3600LL * kNanosPerSecond) +
                                       "&end=" + std::to_string(now + 60 * kNanosPerSecond) +
                                       "&limit=5000&direction=forward")
                       .body);
  ASSERT_TRUE(s.ok);
  ASSERT_EQ(s.entries.size(), 4000u);
  for (size_t i = 0; i < s.entries.size(); ++i) {
    ASSERT_EQ(s.entries[i].second, "record " + std::to_string(i));
    if (i > 0) {
      ASSERT_LT(s.entries[i - 1].first, s.entries[i].first) << "at " << i;
    }
  }
}

TEST(ForwardTest, Kill9OfServerAndForwarderLosesNoAcknowledgedLineAndStoresEachOnce) {
  TempDir dir;
  const std::string spool = dir.path() + "/spool";
  std::string config = dir.path() + "/lode.yaml";
  std::ofstream(config) << "head_max_bytes: 20000\nflush_interval: 50ms\n";
  auto server = std::make_unique<LodeServer>(dir.path() + "/data",
                                             std::vector<std::string>{"--config", config});
  const uint16_t port = PortOf(*server);
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  std::mt19937 rng(42);
  std::set<std::string> acknowledged;  // passed on by --tee: in the spool
  std::set<std::string> offered;
  int next = 0;
  for (int round = 0; round < 12; ++round) {
    // Each run of the forwarder gets fresh lines; what a killed run had
    // read but not yet spooled was never acknowledged.
    std::string input = dir.path() + "/input-" + std::to_string(round);
    std::ofstream(input) << Lines(next, next + 400);
    for (int i = next; i < next + 400; ++i) offered.insert("record " + std::to_string(i));
    next += 400;
    // A small spool and a slow send rate keep the run reading, spooling
    // and sending when the kills come.
    LodeChild forward({"forward", "--url", url, "--spool", spool, "--durable", "--tee",
                       "--spool-max", "4KB", "--rate-limit", "20KB", "--batch-bytes", "2000",
                       "--batch-wait", "50ms", "-l", "app=crash"},
                      input);
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 400));
    if (rng() % 2 == 0) {
      server->Kill9();
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 200));
      server = std::make_unique<LodeServer>(dir.path() + "/data",
                                            std::vector<std::string>{"--config", config},
                                            "127.0.0.1:" + std::to_string(port));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 200));
    forward.Kill9();
    std::istringstream tee(forward.Stdout());
    std::string line;
    while (std::getline(tee, line)) {
      if (tee.eof()) break;  // a line cut by the kill is not whole
      acknowledged.insert(line);
    }
  }
  // A last run with no input sends whatever the spool still holds.
  LodeChild last({"forward", "--url", url, "--spool", spool, "--durable", "-l", "app=crash"});
  ASSERT_EQ(last.Wait(60000), 0) << last.Stderr();
  auto stored = Stored(*server, R"({app="crash"})");
  ASSERT_GT(acknowledged.size(), 0u);
  for (const std::string& line : acknowledged) {
    auto it = stored.find(line);
    ASSERT_NE(it, stored.end()) << "acknowledged line lost: " << line;
  }
  for (const auto& [line, count] : stored) {
    EXPECT_EQ(count, 1) << "stored twice: " << line;
    EXPECT_TRUE(offered.count(line)) << line;
  }
  std::cerr << "acknowledged " << acknowledged.size() << " of " << offered.size()
            << " lines; stored " << stored.size() << "\n";
}

}  // namespace
}  // namespace lode::testing
