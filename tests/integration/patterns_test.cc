// GET /loki/api/v1/patterns on the real server: the shape Grafana's Logs
// Drilldown reads, patterns of generated lines with known templates, per
// step counts, and each pattern selecting its own lines through `|>`.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>

#include "base/time.h"
#include "lode_process.h"

namespace lode::testing {
namespace {

constexpr int64_t kSec = 1'000'000'000;
// 2024-05-01T00:00:00Z.
constexpr int64_t kBase = 1714521600LL * kSec;

struct Pattern {
  std::string text;
  std::string level;
  std::vector<std::pair<int64_t, int64_t>> samples;
  int64_t total = 0;
};

// The text of a LogQL double-quoted string.
std::string EscapeForLogql(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::vector<Pattern> ParsePatterns(const std::string& body) {
  std::vector<Pattern> out;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body).get(root)) return out;
  std::string_view status;
  if (root["status"].get(status) || status != "success") return out;
  simdjson::dom::array data;
  if (root["data"].get(data)) return out;
  for (simdjson::dom::element p : data) {
    Pattern pattern;
    std::string_view text;
    if (p["pattern"].get(text)) continue;
    pattern.text = text;
    std::string_view level;
    if (!p["level"].get(level)) pattern.level = level;
    simdjson::dom::array samples;
    if (p["samples"].get(samples)) continue;
    for (simdjson::dom::element s : samples) {
      int64_t t = 0, n = 0;
      if (s.at(0).get(t) || s.at(1).get(n)) continue;
      pattern.samples.emplace_back(t, n);
      pattern.total += n;
    }
    out.push_back(std::move(pattern));
  }
  return out;
}

class PatternsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<LodeServer>(dir_.path() + "/data");
    // Three kinds of line over 2 minutes, with numbers, ids, IPs, users
    // and durations that differ line by line.
    const char* users[] = {"alice", "bob", "carol", "dave", "erin", "frank"};
    std::vector<std::pair<int64_t, std::string>> api, auth;
    for (int i = 0; i < 120; ++i) {
      api.emplace_back(kBase + i * kSec, "level=info msg=\"request done\" path=/api/v1/users/" +
                                             std::to_string(1000 + i) +
                                             " status=200 duration=" + std::to_string(i % 17) +
                                             "ms trace_id=" + std::to_string(987654 + i * 31));
      if (i % 2 == 0) {
        auth.emplace_back(kBase + i * kSec + 1, "Accepted password for " +
                                                    std::string(users[(i / 2) % 6]) +
                                                    " from 10.1.0." + std::to_string(i) + " port " +
                                                    std::to_string(50000 + i) + " ssh2");
      }
      if (i % 3 == 0) {
        api.emplace_back(kBase + i * kSec + 2,
                         "level=error msg=\"upstream timeout\" upstream=10.2.3." +
                             std::to_string(i % 250) + ":8080 after " + std::to_string(i * 3) +
                             "ms");
      }
    }
    std::sort(api.begin(), api.end());
    ASSERT_EQ(server_->PushJson(PushBody(R"({"app":"api"})", api)).status, 204);
    ASSERT_EQ(server_->PushJson(PushBody(R"({"app":"auth"})", auth)).status, 204);
  }

  std::vector<Pattern> Patterns(const std::string& query, const std::string& step = "60s") {
    HttpResponse r = server_->Get("/loki/api/v1/patterns?query=" + UrlEncode(query) +
                                  "&start=" + std::to_string(kBase) +
                                  "&end=" + std::to_string(kBase + 180 * kSec) + "&step=" + step);
    EXPECT_EQ(r.status, 200) << r.body;
    return ParsePatterns(r.body);
  }

  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
};

TEST_F(PatternsTest, EachKindOfLineIsOnePatternWithItsCountsPerStep) {
  std::vector<Pattern> patterns = Patterns(R"({app=~"api|auth"})");
  std::map<std::string, Pattern> by_text;
  for (const Pattern& p : patterns) by_text[p.text] = p;
  ASSERT_EQ(by_text.size(), 3u) << [&] {
    std::string all;
    for (const Pattern& p : patterns) all += p.text + "\n";
    return all;
  }();
  const std::string request =
      "level=info msg=\"request done\" path=<_> status=<_> duration=<_> trace_id=<_>";
  const std::string timeout = "level=error msg=\"upstream timeout\" upstream=<_>:<_> after <_>";
  const std::string accepted = "Accepted password for <_> from <_> port <_> ssh2";
  ASSERT_TRUE(by_text.contains(request));
  ASSERT_TRUE(by_text.contains(timeout));
  ASSERT_TRUE(by_text.contains(accepted));
  EXPECT_EQ(by_text[request].total, 120);
  EXPECT_EQ(by_text[timeout].total, 40);
  EXPECT_EQ(by_text[accepted].total, 60);
  // The level Logs Drilldown filters on: its lines' detected level.
  EXPECT_EQ(by_text[request].level, "info");
  EXPECT_EQ(by_text[timeout].level, "error");
  EXPECT_EQ(by_text[accepted].level, "unknown");
  // Most lines first; samples per 60 s step, in seconds, in time order.
  EXPECT_EQ(patterns[0].text, request);
  EXPECT_EQ(by_text[request].samples, (std::vector<std::pair<int64_t, int64_t>>{
                                          {kBase / kSec, 60}, {kBase / kSec + 60, 60}}));
}

TEST_F(PatternsTest, EveryPatternSelectsItsLinesThroughThePatternFilter) {
  for (const Pattern& p : Patterns(R"({app=~"api|auth"})")) {
    HttpResponse r = server_->Get("/loki/api/v1/query?query=" +
                                  UrlEncode("sum(count_over_time({app=~\"api|auth\"} |> \"" +
                                            EscapeForLogql(p.text) + "\" [10m]))") +
                                  "&time=" + std::to_string(kBase + 300 * kSec));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("\"" + std::to_string(p.total) + "\"]"), std::string::npos)
        << p.text << " selects other than its " << p.total << " lines: " << r.body;
  }
}

TEST_F(PatternsTest, AQueryNarrowsThePatternsAndBadQueriesAre400) {
  std::vector<Pattern> patterns = Patterns(R"({app="api"} |= "timeout")");
  ASSERT_EQ(patterns.size(), 1u);
  EXPECT_EQ(patterns[0].total, 40);
  EXPECT_EQ(server_->Get("/loki/api/v1/patterns").status, 400);
  EXPECT_EQ(server_->Get("/loki/api/v1/patterns?query=" + UrlEncode("{app=")).status, 400);
  EXPECT_EQ(
      server_->Get("/loki/api/v1/patterns?query=" + UrlEncode("count_over_time({app=\"api\"}[1m])"))
          .status,
      400);
  // A range without lines has no patterns.
  HttpResponse r = server_->Get("/loki/api/v1/patterns?query=" + UrlEncode(R"({app="api"})") +
                                "&start=" + std::to_string(kBase - 3600 * kSec) +
                                "&end=" + std::to_string(kBase - 1800 * kSec));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"success","data":[]})");
}

TEST_F(PatternsTest, TheCliListsPatternsByCountAndWhatIsNewSinceAPoint) {
  const std::vector<std::string> range = {"--url",  server_->base_url(),
                                          "--from", std::to_string(kBase),
                                          "--to",   std::to_string(kBase + 180 * kSec)};
  std::vector<std::string> args = {"patterns", R"({app=~"api|auth"})"};
  args.insert(args.end(), range.begin(), range.end());
  CommandResult r = RunLode(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "120  level=info msg=\"request done\" path=<_> status=<_> duration=<_> trace_id=<_>\n"
            " 60  Accepted password for <_> from <_> port <_> ssh2\n"
            " 40  level=error msg=\"upstream timeout\" upstream=<_>:<_> after <_>\n");

  // Push a new kind of line late in the range: only it is new since then.
  ASSERT_EQ(server_
                ->PushJson(PushBody(R"({"app":"api"})",
                                    {{kBase + 170 * kSec, "panic: nil map write in handler 7"},
                                     {kBase + 171 * kSec, "panic: nil map write in handler 9"}}))
                .status,
            204);
  args.push_back("--new-since");
  args.push_back("30s");
  r = RunLode(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "2  panic: nil map write in handler <_>\n");

  args.push_back("-o");
  args.push_back("jsonl");
  r = RunLode(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "{\"pattern\":\"panic: nil map write in handler <_>\",\"count\":2,\"samples\":[[" +
                std::to_string(kBase / kSec + 170) + ",2]]}\n");
}

}  // namespace
}  // namespace lode::testing
