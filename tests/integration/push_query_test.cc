// The push and query API of the real server, over HTTP.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <re2/re2.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "base/time.h"
#include "lode_process.h"

namespace lode::testing {
namespace {

// A fixed base time (2024-05-01T00:00:00Z) so queries use explicit ranges.
constexpr int64_t kBase = 1714521600LL * 1'000'000'000;
constexpr int64_t kSec = 1'000'000'000;

std::string Range(int64_t start, int64_t end) {
  return "start=" + std::to_string(start) + "&end=" + std::to_string(end);
}

class PushQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<LodeServer>(dir_.path() + "/data");
    ASSERT_EQ(server_
                  ->PushJson(PushBody(R"({"app":"api","env":"prod"})",
                                      {{kBase + 1 * kSec, "GET /users 200 12ms"},
                                       {kBase + 3 * kSec, "GET /orders 500 timeout"},
                                       {kBase + 5 * kSec, "POST /users 201 8ms"}}))
                  .status,
              204);
    ASSERT_EQ(server_
                  ->PushJson(PushBody(R"({"app":"web","env":"prod"})",
                                      {{kBase + 2 * kSec, "render home 3ms"},
                                       {kBase + 4 * kSec, "render cart timeout"}}))
                  .status,
              204);
  }

  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
};

TEST_F(PushQueryTest, SelectorReturnsOnlyItsStreamInLokiEnvelope) {
  HttpResponse r = server_->QueryRange(R"({app="api"})", Range(kBase, kBase + 10 * kSec));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.content_type.find("application/json"), std::string::npos);
  ParsedStreams s = ParseStreams(r.body);
  ASSERT_TRUE(s.ok) << r.body;
  EXPECT_EQ(s.result_type, "streams");
  EXPECT_TRUE(s.has_stats);
  ASSERT_EQ(s.stream_labels.size(), 1u);
  EXPECT_EQ(s.stream_labels[0], R"({app="api", env="prod"})");
  // Default direction is backward: newest first.
  ASSERT_EQ(s.entries.size(), 3u);
  EXPECT_EQ(s.entries[0].second, "POST /users 201 8ms");
  EXPECT_EQ(s.entries[0].first, kBase + 5 * kSec);
  EXPECT_EQ(s.entries[2].second, "GET /users 200 12ms");
}

TEST_F(PushQueryTest, ContainsAndNotContainsFilters) {
  ParsedStreams s = ParseStreams(
      server_->QueryRange(R"({env="prod"} |= "timeout")", Range(kBase, kBase + 10 * kSec)).body);
  ASSERT_TRUE(s.ok);
  ASSERT_EQ(s.entries.size(), 2u);
  EXPECT_EQ(s.stream_labels.size(), 2u);

  s = ParseStreams(server_
                       ->QueryRange(R"({env="prod"} != "timeout" != "render")",
                                    Range(kBase, kBase + 10 * kSec) + "&direction=forward")
                       .body);
  ASSERT_TRUE(s.ok);
  ASSERT_EQ(s.entries.size(), 2u);
  EXPECT_EQ(s.entries[0].second, "GET /users 200 12ms");
  EXPECT_EQ(s.entries[1].second, "POST /users 201 8ms");

  s = ParseStreams(
      server_->QueryRange(R"({app=~"api|web"} |~ "[0-9]+ms")", Range(kBase, kBase + 10 * kSec))
          .body);
  ASSERT_TRUE(s.ok);
  EXPECT_EQ(s.entries.size(), 3u);
}

// Regexes answer the same from parts (token filters, template columns
// and block filtering, all fed the literals a regex requires) as from
// memory, and the same as RE2 on each line.
TEST(RegexQueryTest, PartsAndMemoryAgreeWithRe2OnEveryLine) {
  TempDir dir;
  std::vector<std::pair<int64_t, std::string>> values;
  const std::vector<std::string> users = {"alice", "bob", "carol", "dave"};
  for (int i = 0; i < 3000; ++i) {
    std::string line;
    switch (i % 4) {
      case 0:
        line = "GET /api/v" + std::to_string(1 + i % 3) + "/users/" +
               std::to_string(i * 7919 % 10007) +
               " status=" + std::to_string(i % 7 == 0 ? 503 : 200) +
               " took=" + std::to_string(i % 997) + "ms";
        break;
      case 1:
        line = "session opened for user " + users[i / 4 % users.size()] + " from 10.0." +
               std::to_string(i % 256) + "." + std::to_string(i % 13);
        break;
      case 2:
        line = "WARN cache miss key=k" + std::to_string(i) + "x" +
               (i % 11 == 0 ? " TimeoutException after 30s" : "");
        break;
      default:
        line = "job-" + std::to_string(i % 50) + " done in " + std::to_string(i % 1000) + " ms";
    }
    values.emplace_back(kBase + i * 1'000'000LL, line);
  }
  const std::vector<std::string> regexes = {
      "status=5[0-9]+ took",  "session opened for user (alice|carol) from",
      "WARN.*Exception",      "/api/v[23]/users/1[0-9]* ",
      "job-4[0-9] done in 9", "[0-9]{3}ms$",
      "(?i)timeoutexception", "cache miss|done in 99 ",
      "took=1?[0-9]ms",       "no such line [0-9]+"};
  auto expected = [&](const std::string& pattern) {
    RE2 re(pattern);
    std::vector<std::string> lines;
    for (const auto& [ts, line] : values) {
      if (RE2::PartialMatch(line, re)) lines.push_back(line);
    }
    return lines;
  };
  auto query = [&](LodeServer& server, const std::string& pattern) {
    HttpResponse r =
        server.QueryRange("{app=\"re\"} |~ `" + pattern + "`",
                          Range(kBase, kBase + 10 * kSec) + "&limit=5000&direction=forward");
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> lines;
    for (const auto& e : ParseStreams(r.body).entries) lines.push_back(e.second);
    return lines;
  };
  {
    LodeServer server(dir.path() + "/data");
    ASSERT_EQ(server.PushJson(PushBody(R"({"app":"re"})", values)).status, 204);
    for (const std::string& pattern : regexes) {
      if (pattern.starts_with("no such")) continue;
      EXPECT_FALSE(expected(pattern).empty()) << pattern;  // the test means something
    }
    for (const std::string& pattern : regexes) {
      EXPECT_EQ(query(server, pattern), expected(pattern)) << "in memory: " << pattern;
    }
    ASSERT_EQ(server.Terminate(), 0);  // flushes everything into parts
  }
  LodeServer server(dir.path() + "/data");
  for (const std::string& pattern : regexes) {
    EXPECT_EQ(query(server, pattern), expected(pattern)) << "from parts: " << pattern;
  }
}

// Hex ids (UUIDs, GUIDs, trace ids, instance ids) are stored as packed
// digits in parts: a literal anywhere inside one, or spanning an id and
// the text around it, finds exactly the lines that hold it, from memory
// and from parts.
TEST(HexIdQueryTest, LiteralsInsideIdsFindExactlyTheLinesHoldingThem) {
  TempDir dir;
  uint64_t state = 20261207;
  auto hex = [&](int n, bool upper = false) {
    std::string s;
    for (int i = 0; i < n; ++i) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      s.push_back((upper ? "0123456789ABCDEF" : "0123456789abcdef")[state >> 60]);
    }
    return s;
  };
  auto uuid = [&](bool upper = false) {
    return hex(8, upper) + "-" + hex(4, upper) + "-" + hex(4, upper) + "-" + hex(4, upper) + "-" +
           hex(12, upper);
  };
  std::vector<std::pair<int64_t, std::string>> values;
  for (int i = 0; i < 3000; ++i) {
    std::string line;
    switch (i % 4) {
      case 0:
        line = "request " + uuid() + " done in " + std::to_string(i % 900) + "ms";
        break;
      case 1:
        line = R"({"eventID":")" + uuid() + R"(","instance":"i-)" + hex(17) + R"(","n":)" +
               std::to_string(i) + "}";
        break;
      case 2:
        line = "ProcessGuid: {" + uuid(true) + "} trace_id=" + hex(32);
        break;
      default:
        line = "span " + hex(16) + " parent " + (i % 8 == 3 ? hex(16) : "0000000000000000");
    }
    values.emplace_back(kBase + i * 1'000'000LL, line);
  }
  std::vector<std::string> literals;
  for (int i : {5, 406, 1207, 2511, 2999}) {
    const std::string& line = values[i].second;
    const size_t at = line.find_first_of("0123456789abcdefABCDEF", line.find_first_of(" :{"));
    literals.push_back(line.substr(at, 36));                   // a whole id (or more)
    literals.push_back(line.substr(at + 3, 9));                // inside one
    literals.push_back(line.substr(at + 7, 6));                // across a dash
    literals.push_back(line.substr(at > 4 ? at - 4 : 0, 12));  // the text before it, and it
  }
  literals.push_back("0000000000000000");  // a repeated id
  literals.push_back("i-0");
  literals.push_back("deadbeefdeadbeef");  // in no line
  auto expected = [&](const std::string& literal) {
    std::vector<std::string> lines;
    for (const auto& [ts, line] : values) {
      if (line.find(literal) != std::string::npos) lines.push_back(line);
    }
    return lines;
  };
  auto query = [&](LodeServer& server, const std::string& literal) {
    HttpResponse r =
        server.QueryRange("{app=\"ids\"} |= `" + literal + "`",
                          Range(kBase, kBase + 10 * kSec) + "&limit=5000&direction=forward");
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> lines;
    for (const auto& e : ParseStreams(r.body).entries) lines.push_back(e.second);
    return lines;
  };
  size_t found = 0;
  for (const std::string& literal : literals) found += !expected(literal).empty();
  EXPECT_GE(found, literals.size() - 1);  // all but the one in no line: the test means something
  {
    LodeServer server(dir.path() + "/data");
    ASSERT_EQ(server.PushJson(PushBody(R"({"app":"ids"})", values)).status, 204);
    for (const std::string& literal : literals) {
      EXPECT_EQ(query(server, literal), expected(literal)) << "in memory: " << literal;
    }
    ASSERT_EQ(server.Terminate(), 0);  // flushes everything into parts
  }
  LodeServer server(dir.path() + "/data");
  for (const std::string& literal : literals) {
    EXPECT_EQ(query(server, literal), expected(literal)) << "from parts: " << literal;
  }
}

TEST_F(PushQueryTest, LimitAndDirectionPickTheRightEnd) {
  ParsedStreams fwd =
      ParseStreams(server_
                       ->QueryRange(R"({env="prod"})",
                                    Range(kBase, kBase + 10 * kSec) + "&limit=2&direction=forward")
                       .body);
  ASSERT_TRUE(fwd.ok);
  ASSERT_EQ(fwd.entries.size(), 2u);
  EXPECT_EQ(fwd.entries[0].first, kBase + 1 * kSec);

  ParsedStreams back = ParseStreams(
      server_->QueryRange(R"({env="prod"})", Range(kBase, kBase + 10 * kSec) + "&limit=2").body);
  ASSERT_TRUE(back.ok);
  ASSERT_EQ(back.entries.size(), 2u);
  int64_t newest = std::max(back.entries[0].first, back.entries[1].first);
  int64_t oldest = std::min(back.entries[0].first, back.entries[1].first);
  EXPECT_EQ(newest, kBase + 5 * kSec);
  EXPECT_EQ(oldest, kBase + 4 * kSec);
}

TEST_F(PushQueryTest, IntervalKeepsOneLinePerIntervalAcrossStreams) {
  // {env="prod"} has lines at 1s..5s over two streams; interval=2 (float
  // seconds, as Loki reads it) keeps 1s, 3s and 5s in either direction.
  for (const char* interval : {"2", "2s", "2000ms"}) {
    ParsedStreams fwd = ParseStreams(
        server_
            ->QueryRange(R"({env="prod"})", Range(kBase, kBase + 10 * kSec) +
                                                "&direction=forward&interval=" + interval)
            .body);
    ASSERT_TRUE(fwd.ok) << interval;
    std::vector<int64_t> times;
    for (const auto& e : fwd.entries) times.push_back(e.first);
    std::sort(times.begin(), times.end());
    EXPECT_EQ(times, (std::vector<int64_t>{kBase + 1 * kSec, kBase + 3 * kSec, kBase + 5 * kSec}))
        << interval;
  }
  ParsedStreams back = ParseStreams(
      server_
          ->QueryRange(R"({env="prod"})", Range(kBase, kBase + 10 * kSec) + "&interval=2s&limit=2")
          .body);
  ASSERT_TRUE(back.ok);
  std::vector<int64_t> times;
  for (const auto& e : back.entries) times.push_back(e.first);
  std::sort(times.begin(), times.end());
  EXPECT_EQ(times, (std::vector<int64_t>{kBase + 3 * kSec, kBase + 5 * kSec}));

  HttpResponse negative = server_->QueryRange(R"({env="prod"})", "interval=-1");
  EXPECT_EQ(negative.status, 400);
  EXPECT_NE(negative.body.find("interval must be >= 0"), std::string::npos) << negative.body;
  HttpResponse garbage = server_->QueryRange(R"({env="prod"})", "interval=x");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_NE(garbage.body.find("cannot parse \"x\" to a valid duration"), std::string::npos)
      << garbage.body;
}

TEST_F(PushQueryTest, StartInclusiveEndExclusiveInEveryTimeFormat) {
  // Nanoseconds.
  ParsedStreams s = ParseStreams(
      server_->QueryRange(R"({app="api"})", Range(kBase + 1 * kSec, kBase + 5 * kSec)).body);
  ASSERT_TRUE(s.ok);
  EXPECT_EQ(s.entries.size(), 2u);
  // Seconds.
  s = ParseStreams(
      server_
          ->QueryRange(R"({app="api"})", "start=" + std::to_string(kBase / kSec + 1) +
                                             "&end=" + std::to_string(kBase / kSec + 5))
          .body);
  ASSERT_TRUE(s.ok);
  EXPECT_EQ(s.entries.size(), 2u);
  // RFC 3339 and float seconds.
  s = ParseStreams(
      server_->QueryRange(R"({app="api"})", "start=2024-05-01T00:00:01Z&end=1714521605.5").body);
  ASSERT_TRUE(s.ok);
  EXPECT_EQ(s.entries.size(), 3u);
  // Garbage is a 400 naming the parameter.
  HttpResponse bad = server_->QueryRange(R"({app="api"})", "start=yesterday");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("start"), std::string::npos);
}

TEST_F(PushQueryTest, UnparsableQueryIsParseError400) {
  for (std::string q : {R"({app="api"} | json |)", R"(count_over_time({app="api"}))",
                        R"({app="api")", R"({app=~".*"})", "hello", R"(sum({app="api"}))"}) {
    HttpResponse r = server_->QueryRange(q, Range(kBase, kBase + 10 * kSec));
    EXPECT_EQ(r.status, 400) << q;
    EXPECT_EQ(r.body.rfind("parse error", 0), 0u) << q << " -> " << r.body;
  }
  EXPECT_EQ(server_->QueryRange(R"({app="api"})", "limit=abc").status, 400);
  EXPECT_EQ(server_->QueryRange(R"({app="api"})", "direction=sideways").status, 400);
  EXPECT_EQ(server_->Get("/loki/api/v1/query_range").status, 400);
}

// Parsed but not executed yet: a clear 400, never an answer that ignores
// part of the query.
TEST_F(PushQueryTest, PipelineErrorsShowInLogQueriesAndFailMetricQueries) {
  // The lines are not JSON: a log query returns them marked with the
  // error; a metric query over them fails until the error is filtered.
  HttpResponse r = server_->QueryRange(R"({app="api"} | json)", Range(kBase, kBase + 10 * kSec));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("__error__":"JSONParserErr")"), std::string::npos) << r.body;
  r = server_->QueryRange(R"(count_over_time({app="api"} | json [5m]))",
                          Range(kBase, kBase + 10 * kSec));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.rfind("pipeline error: 'JSONParserErr' for series: '{__error__=", 0), 0u)
      << r.body;
  r = server_->QueryRange(R"(count_over_time({app="api"} | json | __error__="" [5m]))",
                          Range(kBase, kBase + 10 * kSec));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(PushQueryTest, EmptyResultIsEmptyArrayNotNull) {
  HttpResponse r = server_->QueryRange(R"({app="nope"})", Range(kBase, kBase + 10 * kSec));
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"result\":[]"), std::string::npos) << r.body;
}

TEST_F(PushQueryTest, GzipBodyIsAccepted) {
  std::string body = PushBody(R"({"app":"gz"})", {{kBase + 7 * kSec, "compressed line"}});
  HttpResponse r = server_->PushJson(Gzip(body), {{"Content-Encoding", "gzip"}});
  ASSERT_EQ(r.status, 204) << r.body;
  ParsedStreams s =
      ParseStreams(server_->QueryRange(R"({app="gz"})", Range(kBase, kBase + 10 * kSec)).body);
  ASSERT_EQ(s.entries.size(), 1u);
  EXPECT_EQ(s.entries[0].second, "compressed line");
}

TEST_F(PushQueryTest, MalformedBodiesGet400AndLoseNothing) {
  struct Case {
    std::string body;
    std::string encoding;
    std::string expect;  // a fragment of the error message
  };
  std::vector<Case> cases = {
      {"not json at all", "", "invalid JSON"},
      {R"({"streams":[{"stream":{"app":"x"},"values":[[1714521600000000000,"numeric ts"]]}]})", "",
       "timestamp"},
      {R"({"streams":[{"stream":{"app":"x"},"values":[["12x","bad ts"]]}]})", "", "timestamp"},
      {R"({"nostreams":[]})", "", "streams"},
      {R"({"streams":[{"stream":{"bad-name":"x"},"values":[["1","l"]]}]})", "", "label name"},
      {R"({"streams":[{"stream":{},"values":[["1","l"]]}]})", "", "at least one label"},
      {R"({"streams":[{"stream":{"app":"x"},"values":[["1","l",{},"extra"]]}]})", "", "elements"},
      {R"({"streams":[{"stream":{"app":"x"},"values":[["1",42]]}]})", "", "line"},
      {R"({"streams":[{"stream":{"app":"x"},"values":[["1","l"]]}]})", "br", "Content-Encoding"},
      {Gzip("{\"streams\":[]}").substr(0, 10), "gzip", "gzip"},
      {R"({"streams":[{"stream":{"app":"x"},"values":[["1","line)", "", "invalid JSON"},
  };
  for (const Case& c : cases) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!c.encoding.empty()) headers.emplace_back("Content-Encoding", c.encoding);
    HttpResponse r = server_->PushJson(c.body, headers);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_NE(r.body.find(c.expect), std::string::npos) << c.body << " -> " << r.body;
  }
  // Nothing from the bad bodies was stored, and the earlier data is intact.
  ParsedStreams s = ParseStreams(
      server_
          ->QueryRange(R"({app=~".+"})",
                       "start=0&end=" + std::to_string(NowNanos() + kSec) + "&limit=100")
          .body);
  ASSERT_TRUE(s.ok);
  EXPECT_EQ(s.entries.size(), 5u);
  // And the server still takes good pushes.
  EXPECT_EQ(server_->PushJson(PushBody(R"({"app":"after"})", {{kBase, "ok"}})).status, 204);
}

TEST_F(PushQueryTest, LongLinesAfterShortOnesComeBackWhole) {
  // Lines longer than the memory chunk the short ones started (a joined
  // stack trace, a large JSON document) are stored and returned whole.
  std::string long_a(200 * 1024, 'a'), long_b(250 * 1024, 'b');
  long_a.back() = 'A';
  long_b.back() = 'B';
  ASSERT_EQ(server_
                ->PushJson(PushBody(R"({"app":"long"})", {{kBase + 1 * kSec, "short"},
                                                          {kBase + 2 * kSec, long_a},
                                                          {kBase + 3 * kSec, long_b}}))
                .status,
            204);
  ParsedStreams s = ParseStreams(
      server_->QueryRange(R"({app="long"})", Range(kBase, kBase + 10 * kSec) + "&direction=forward")
          .body);
  ASSERT_TRUE(s.ok);
  ASSERT_EQ(s.entries.size(), 3u);
  EXPECT_EQ(s.entries[0].second, "short");
  EXPECT_EQ(s.entries[1].second, long_a);
  EXPECT_EQ(s.entries[2].second, long_b);
}

TEST_F(PushQueryTest, StructuredMetadataIsStoredAndReturned) {
  std::string body =
      R"({"streams":[{"stream":{"app":"meta"},"values":[["1714521609000000000","with meta",{"trace_id":"abc123"}]]}]})";
  ASSERT_EQ(server_->PushJson(body).status, 204);
  ParsedStreams s =
      ParseStreams(server_->QueryRange(R"({app="meta"})", Range(kBase, kBase + 10 * kSec)).body);
  ASSERT_EQ(s.entries.size(), 1u);
  EXPECT_EQ(s.stream_labels[0], R"({app="meta", trace_id="abc123"})");
}

TEST_F(PushQueryTest, TenantsAreIsolated) {
  ASSERT_EQ(server_
                ->PushJson(PushBody(R"({"app":"api"})", {{kBase + 6 * kSec, "tenant a line"}}),
                           {{"X-Scope-OrgID", "team-a"}})
                .status,
            204);
  auto count = [&](const std::string& tenant) {
    return ParseStreams(server_
                            ->QueryRange(R"({app="api"})", Range(kBase, kBase + 10 * kSec),
                                         {{"X-Scope-OrgID", tenant}})
                            .body)
        .entries.size();
  };
  EXPECT_EQ(count("team-a"), 1u);
  EXPECT_EQ(count("team-b"), 0u);
  EXPECT_EQ(count("fake"), 3u);
  EXPECT_EQ(count("team-a|fake"), 4u);
  HttpResponse bad =
      server_->PushJson(PushBody(R"({"app":"x"})", {{kBase, "x"}}), {{"X-Scope-OrgID", "../etc"}});
  EXPECT_EQ(bad.status, 400);
}

TEST_F(PushQueryTest, ExpectContinueGetsInterimResponseBeforeTheBody) {
  // As curl does for large bodies: headers first, body only after "100 Continue".
  std::string url = server_->base_url();
  int port = std::stoi(url.substr(url.rfind(':') + 1));
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::string body = PushBody(R"({"app":"expect"})", {{kBase + 8 * kSec, "after continue"}});
  std::string head =
      "POST /loki/api/v1/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Expect: 100-continue\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  ASSERT_EQ(write(fd, head.data(), head.size()), static_cast<ssize_t>(head.size()));
  char buf[512];
  ssize_t n = read(fd, buf, sizeof(buf));
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, n).rfind("HTTP/1.1 100 Continue", 0), 0u) << std::string(buf, n);
  ASSERT_EQ(write(fd, body.data(), body.size()), static_cast<ssize_t>(body.size()));
  n = read(fd, buf, sizeof(buf));
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, n).rfind("HTTP/1.1 204", 0), 0u) << std::string(buf, n);
  close(fd);
  ParsedStreams s =
      ParseStreams(server_->QueryRange(R"({app="expect"})", Range(kBase, kBase + 10 * kSec)).body);
  ASSERT_EQ(s.entries.size(), 1u);
}

TEST_F(PushQueryTest, RetriedBatchWithTheSameIdIsStoredOnce) {
  std::string body = PushBody(R"({"app":"dedup"})", {{kBase + 9 * kSec, "only once"}});
  for (int i = 0; i < 3; ++i) {
    HttpResponse r = server_->PushJson(
        body, {{"X-Lode-Batch-Id", "3f2a-retry-1"}, {"X-Lode-Durability", "durable"}});
    ASSERT_EQ(r.status, 204) << r.body;
  }
  ASSERT_EQ(server_->PushJson(body, {{"X-Lode-Batch-Id", "3f2a-retry-2"}}).status, 204);
  ParsedStreams s =
      ParseStreams(server_->QueryRange(R"({app="dedup"})", Range(kBase, kBase + 10 * kSec)).body);
  EXPECT_EQ(s.entries.size(), 2u);
  HttpResponse bad = server_->PushJson(body, {{"X-Lode-Batch-Id", "has space"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("X-Lode-Batch-Id"), std::string::npos);
}

TEST_F(PushQueryTest, ReadyAndMetrics) {
  HttpResponse ready = server_->Get("/ready");
  EXPECT_EQ(ready.status, 200);
  (void)server_->QueryRange(R"({app="api"})", Range(kBase, kBase + 10 * kSec));
  (void)server_->PushJson("garbage");
  HttpResponse m = server_->Get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("lode_ingested_records_total{tenant=\"fake\"} 5"), std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("lode_ingested_bytes_total{tenant=\"fake\"}"), std::string::npos);
  EXPECT_NE(
      m.body.find(
          "lode_http_requests_total{route=\"/loki/api/v1/push\",method=\"POST\",code=\"204\"} 2"),
      std::string::npos)
      << m.body;
  EXPECT_NE(
      m.body.find(
          "lode_http_requests_total{route=\"/loki/api/v1/push\",method=\"POST\",code=\"400\"} 1"),
      std::string::npos);
  EXPECT_NE(m.body.find("lode_http_request_duration_seconds_bucket{route=\"/loki/api/v1/"
                        "query_range\",le=\"+Inf\"} 1"),
            std::string::npos);
  EXPECT_NE(m.body.find("# TYPE lode_http_request_duration_seconds histogram"), std::string::npos);
}

}  // namespace
}  // namespace lode::testing
