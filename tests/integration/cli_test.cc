// `lode forward` and `lode query` against a real server.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>
#include <thread>

#include "lode_process.h"

namespace lode::testing {
namespace {

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) out.push_back(line);
  return out;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override { server_ = std::make_unique<LodeServer>(dir_.path() + "/data"); }
  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
};

TEST_F(CliTest, HelpListsTheCommands) {
  CommandResult r = RunLode({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"serve", "forward", "query", "labels", "series"}) {
    EXPECT_NE(r.out.find(std::string("  ") + cmd + " "), std::string::npos) << r.out;
  }
}

TEST_F(CliTest, ForwardThenQueryReturnsEveryLineInOrder) {
  std::string input;
  std::vector<std::string> expected;
  for (int i = 0; i < 2500; ++i) {
    expected.push_back("request " + std::to_string(i) + " took " + std::to_string(i % 97) + "ms");
    input += expected.back() + "\n";
  }
  // Small batches so the run needs many pushes.
  CommandResult fwd = RunLode({"forward", "--url", server_->base_url(), "--label", "app=fwd",
                               "--label", "env=test", "--batch-bytes", "4096"},
                              input);
  ASSERT_EQ(fwd.exit_code, 0) << fwd.err;
  EXPECT_NE(fwd.err.find("sent=2500"), std::string::npos) << fwd.err;

  CommandResult q = RunLode({"query", "--url", server_->base_url(), "--limit", "5000", "--output",
                             "raw", "{app=\"fwd\"}"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(SplitLines(q.out), expected);

  // Labels arrive as given; a filter narrows the result.
  q = RunLode({"query", "--url", server_->base_url(), "{env=\"test\"} |= \"request 1234 \""});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  auto lines = SplitLines(q.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("{app=\"fwd\", env=\"test\"} request 1234 took"), std::string::npos)
      << lines[0];
}

TEST_F(CliTest, QueryLimitShowsTheMostRecentLinesOldestFirst) {
  std::string input;
  for (int i = 0; i < 10; ++i) input += "line " + std::to_string(i) + "\n";
  ASSERT_EQ(RunLode({"forward", "--url", server_->base_url(), "-l", "app=lim"}, input).exit_code,
            0);
  CommandResult q = RunLode(
      {"query", "--url", server_->base_url(), "--limit", "3", "-o", "raw", "{app=\"lim\"}"});
  ASSERT_EQ(q.exit_code, 0);
  EXPECT_EQ(SplitLines(q.out), (std::vector<std::string>{"line 7", "line 8", "line 9"}));
  q = RunLode({"query", "--url", server_->base_url(), "--limit", "3", "--forward", "-o", "raw",
               "{app=\"lim\"}"});
  EXPECT_EQ(SplitLines(q.out), (std::vector<std::string>{"line 0", "line 1", "line 2"}));
}

TEST_F(CliTest, QueryOutputFormats) {
  ASSERT_EQ(
      RunLode({"forward", "--url", server_->base_url(), "-l", "app=fmt"}, "one \"quoted\"\ntwo\n")
          .exit_code,
      0);
  CommandResult jsonl =
      RunLode({"query", "--url", server_->base_url(), "-o", "jsonl", "{app=\"fmt\"}"});
  ASSERT_EQ(jsonl.exit_code, 0);
  auto lines = SplitLines(jsonl.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(R"("labels":{"app":"fmt"},"line":"one \"quoted\"")"), std::string::npos)
      << lines[0];
  EXPECT_EQ(lines[0].rfind(R"({"timestamp":")", 0), 0u);
  CommandResult json =
      RunLode({"query", "--url", server_->base_url(), "-o", "json", "{app=\"fmt\"}"});
  ASSERT_EQ(json.exit_code, 0);
  EXPECT_EQ(json.out.front(), '[');
  EXPECT_NE(json.out.find(R"("line":"two"})"), std::string::npos);
  CommandResult bad =
      RunLode({"query", "--url", server_->base_url(), "-o", "yaml", "{app=\"fmt\"}"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("--output"), std::string::npos);
}

TEST_F(CliTest, QueryTimeRangeFlags) {
  std::string body = PushBody(R"({"app":"time"})", {{1714521600LL * 1'000'000'000, "old line"}});
  ASSERT_EQ(server_->PushJson(body).status, 204);
  CommandResult recent = RunLode({"query", "--url", server_->base_url(), "{app=\"time\"}"});
  ASSERT_EQ(recent.exit_code, 0);
  EXPECT_EQ(recent.out, "");  // default --since 1h does not reach 2024
  CommandResult range =
      RunLode({"query", "--url", server_->base_url(), "--from", "2024-05-01T00:00:00Z", "--to",
               "2024-05-01T00:00:01Z", "-o", "raw", "{app=\"time\"}"});
  ASSERT_EQ(range.exit_code, 0) << range.err;
  EXPECT_EQ(range.out, "old line\n");
  CommandResult since = RunLode(
      {"query", "--url", server_->base_url(), "--since", "100000h", "-o", "raw", "{app=\"time\"}"});
  EXPECT_EQ(since.out, "old line\n");
}

TEST_F(CliTest, QueryErrorsAreClearAndNonZero) {
  CommandResult bad = RunLode({"query", "--url", server_->base_url(), "{app=\"x\"} | json |"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("parse error at line 1, col"), std::string::npos) << bad.err;
  // The query is shown with a caret under the column.
  EXPECT_NE(bad.err.find("\n  {app=\"x\"} | json |\n"), std::string::npos) << bad.err;

  CommandResult down = RunLode({"query", "--url", "http://127.0.0.1:1", "{app=\"x\"}"});
  EXPECT_NE(down.exit_code, 0);
  EXPECT_NE(down.err.find("cannot reach"), std::string::npos) << down.err;

  CommandResult since =
      RunLode({"query", "--url", server_->base_url(), "--since", "forever", "{a=\"b\"}"});
  EXPECT_NE(since.exit_code, 0);
  EXPECT_NE(since.err.find("--since"), std::string::npos);
}

TEST_F(CliTest, ForwardRejectedBatchExitsNonZero) {
  // An invalid tenant ID is a permanent 400: the batch is dropped and
  // reported, not retried forever.
  CommandResult r =
      RunLode({"forward", "--url", server_->base_url(), "--tenant", "bad/tenant", "-l", "app=x"},
              "a line\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("1 lines dropped"), std::string::npos) << r.err;
}

TEST_F(CliTest, ForwardRetriesUntilTheServerComesBack) {
  // Point forward at a port where a server starts only later; it must
  // retry with backoff and deliver everything.
  TempDir other;
  // Find a free port by starting and stopping a server.
  std::string url;
  {
    LodeServer probe(other.path() + "/probe");
    url = probe.base_url();
    probe.Terminate();
  }
  std::string port = url.substr(url.rfind(':') + 1);
  std::string input = "late 1\nlate 2\n";
  pid_t child = fork();
  if (child == 0) {
    CommandResult r =
        RunLode({"forward", "--url", url, "-l", "app=late", "--batch-wait", "10ms"}, input);
    _exit(r.exit_code);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  LodeServer fixed(other.path() + "/fixed", {}, "127.0.0.1:" + port);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  CommandResult q = RunLode({"query", "--url", fixed.base_url(), "-o", "raw", "{app=\"late\"}"});
  EXPECT_EQ(q.out, "late 1\nlate 2\n");
}

TEST_F(CliTest, MetricQueriesPrintATableOrJson) {
  ASSERT_EQ(RunLode({"forward", "--url", server_->base_url(), "-l", "app=m"},
                    "level=error a=1\nlevel=info a=2\nlevel=error a=3\n")
                .exit_code,
            0);
  CommandResult t = RunLode({"query", "--url", server_->base_url(), "--instant",
                             "sum by (level) (count_over_time({app=\"m\"} | logfmt [1h]))"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  std::vector<std::string> rows = SplitLines(t.out);
  ASSERT_EQ(rows.size(), 3u) << t.out;
  EXPECT_EQ(rows[0], "SERIES           VALUE");
  EXPECT_EQ(rows[1], "{level=\"error\"}  2");
  EXPECT_EQ(rows[2], "{level=\"info\"}   1");
  CommandResult j = RunLode({"query", "--url", server_->base_url(), "--instant", "-o", "json",
                             "sum(count_over_time({app=\"m\"}[1h]))"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_NE(j.out.find(R"("metric":{})"), std::string::npos) << j.out;
  EXPECT_NE(j.out.find(R"("3"])"), std::string::npos) << j.out;
  // A range query: a column per series, a row per step.
  CommandResult r = RunLode({"query", "--url", server_->base_url(), "--since", "10m", "--step",
                             "5m", "sum(count_over_time({app=\"m\"}[10m]))"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("TIME ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("  3\n"), std::string::npos) << r.out;
}

TEST_F(CliTest, LabelsAndSeriesListWhatIsStored) {
  ASSERT_EQ(
      RunLode({"forward", "--url", server_->base_url(), "-l", "app=one", "-l", "env=prod"}, "x\n")
          .exit_code,
      0);
  ASSERT_EQ(RunLode({"forward", "--url", server_->base_url(), "-l", "app=two"}, "y\n").exit_code,
            0);
  CommandResult names = RunLode({"labels", "--url", server_->base_url()});
  ASSERT_EQ(names.exit_code, 0) << names.err;
  EXPECT_EQ(names.out, "app\nenv\n");
  CommandResult values = RunLode({"labels", "app", "--url", server_->base_url()});
  EXPECT_EQ(values.out, "one\ntwo\n");
  CommandResult narrowed =
      RunLode({"labels", "app", "--url", server_->base_url(), "--query", "{env=\"prod\"}"});
  EXPECT_EQ(narrowed.out, "one\n");
  CommandResult series = RunLode({"series", "--url", server_->base_url(), "{app=~\".+\"}"});
  ASSERT_EQ(series.exit_code, 0) << series.err;
  EXPECT_EQ(series.out, "{app=\"one\", env=\"prod\"}\n{app=\"two\"}\n");
}

TEST_F(CliTest, FollowPrintsLinesAsTheyArrive) {
  ASSERT_EQ(RunLode({"forward", "--url", server_->base_url(), "-l", "app=f"}, "before\n").exit_code,
            0);
  LodeChild follow(
      {"query", "--url", server_->base_url(), "--follow", "-o", "raw", "{app=\"f\"} != \"skip\""});
  ASSERT_TRUE(follow.WaitForStdout("before\n", 5000)) << follow.Stdout() << follow.Stderr();
  ASSERT_EQ(RunLode({"forward", "--url", server_->base_url(), "-l", "app=f"}, "skip me\nafter\n")
                .exit_code,
            0);
  ASSERT_TRUE(follow.WaitForStdout("after\n", 5000)) << follow.Stdout() << follow.Stderr();
  EXPECT_EQ(follow.Stdout(), "before\nafter\n");
}

}  // namespace
}  // namespace lode::testing
