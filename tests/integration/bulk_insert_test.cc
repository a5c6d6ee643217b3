// /insert/jsonl and /insert/plain on the real server.
#include <gtest/gtest.h>

#include "base/time.h"
#include "lode_process.h"

namespace lode::testing {
namespace {

class BulkInsertTest : public ::testing::Test {
 protected:
  void SetUp() override { server_ = std::make_unique<LodeServer>(dir_.path() + "/data"); }
  std::vector<std::pair<int64_t, std::string>> Lines(const std::string& query) {
    ParsedStreams s = ParseStreams(
        server_
            ->QueryRange(query, "start=0&end=" + std::to_string(NowNanos() + 60 * kNanosPerSecond) +
                                    "&limit=1000&direction=forward")
            .body);
    EXPECT_TRUE(s.ok);
    return s.entries;
  }
  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
};

TEST_F(BulkInsertTest, JsonLinesWithStreamFieldsTimeAndWholeObjectLines) {
  std::string body =
      R"({"_time":"2024-05-01T12:00:00Z","app":"shop","level":"info","msg":"paid","user":{"id":7}})"
      "\n"
      R"({"_time":1714564801,"app":"shop","level":"error","msg":"declined"})"
      "\n\n"
      "not json\n"
      R"({"_time":"1714564802500","app":"cart","level":"info","msg":"added"})";
  HttpResponse r = server_->Post("/insert/jsonl?_stream_fields=app,level&env=prod", body, {});
  // The bad line is named; the others are stored.
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("line 4: not a JSON object"), std::string::npos) << r.body;
  auto shop = Lines(R"({app="shop", env="prod"})");
  ASSERT_EQ(shop.size(), 2u);
  EXPECT_EQ(shop[0].first, *ParseRfc3339("2024-05-01T12:00:00Z"));
  EXPECT_EQ(
      shop[0].second,
      R"({"_time":"2024-05-01T12:00:00Z","app":"shop","level":"info","msg":"paid","user":{"id":7}})");
  EXPECT_EQ(shop[1].first, 1714564801LL * kNanosPerSecond);
  auto cart = Lines(R"({app="cart", level="info"})");
  ASSERT_EQ(cart.size(), 1u);
  EXPECT_EQ(cart[0].first, 1714564802500LL * 1'000'000);
  // The whole-object lines parse with `| json`.
  EXPECT_EQ(Lines(R"({app="shop"} | json | user_id="7")").size(), 1u);
}

TEST_F(BulkInsertTest, JsonLinesWithMessageFieldPutTheRestInMetadata) {
  std::string body =
      R"({"ts":"2024-05-01T12:00:00Z","service":"api","message":"GET /x","status":500,"http":{"method":"GET"}})";
  HttpResponse r = server_->Post(
      "/insert/jsonl?_stream_fields=service&_time_field=ts&_msg_field=message", body, {});
  ASSERT_EQ(r.status, 204) << r.body;
  auto lines = Lines(R"({service="api"} | status="500" | http_method="GET")");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].second, "GET /x");
  EXPECT_EQ(lines[0].first, *ParseRfc3339("2024-05-01T12:00:00Z"));
}

// Without _stream_fields every line is of the one stream the query
// string names, in the order sent.
TEST_F(BulkInsertTest, JsonLinesWithoutStreamFieldsAreOneStream) {
  std::string body;
  for (int i = 0; i < 50; ++i) {
    body += R"({"ts":)" + std::to_string(1714564800 + i) + R"(,"app":"a)" + std::to_string(i % 3) +
            R"(","n":)" + std::to_string(i) + "}\n";
    if (i == 20) body += "{broken\n";
  }
  HttpResponse r = server_->Post("/insert/jsonl?app=web&env=prod", body, {});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("line 22: not a JSON object"), std::string::npos) << r.body;
  auto lines = Lines(R"({app="web", env="prod"})");
  ASSERT_EQ(lines.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(lines[i].first, (1714564800LL + i) * kNanosPerSecond);
    EXPECT_NE(lines[i].second.find(R"("n":)" + std::to_string(i) + "}"), std::string::npos);
  }
  // The fields named no stream: there is only the one.
  EXPECT_TRUE(Lines(R"({app="a0"})").empty());
  EXPECT_EQ(server_->Post("/insert/jsonl?app=web", "", {}).status, 204);
}

// curl --data-binary sends Content-Type application/x-www-form-urlencoded
// unless told otherwise: the body is still lines, not form fields.
TEST_F(BulkInsertTest, ABodyLabelledAsAFormIsStillLines) {
  const std::vector<std::pair<std::string, std::string>> form = {
      {"Content-Type", "application/x-www-form-urlencoded"}};
  HttpResponse r = server_->Post("/insert/jsonl?_stream_fields=app&env=prod",
                                 R"({"app":"curl","msg":"a=1&_time_field=x","ts":1714564800})"
                                 "\n"
                                 R"({"app":"curl","msg":"second"})"
                                 "\n",
                                 form);
  ASSERT_EQ(r.status, 204) << r.body;
  auto lines = Lines(R"({app="curl", env="prod"})");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].second.find("a=1&_time_field=x"), std::string::npos);
  r = server_->Post("/insert/plain?app=curlplain", "no equals sign here\nk=v&x=y\n", form);
  ASSERT_EQ(r.status, 204) << r.body;
  lines = Lines(R"({app="curlplain"})");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].second, "k=v&x=y");
}

TEST_F(BulkInsertTest, PlainLinesWithLabelsFromTheQueryString) {
  HttpResponse r = server_->Post("/insert/plain?app=batch&host=h1", "first\nsecond\r\nthird", {});
  ASSERT_EQ(r.status, 204) << r.body;
  auto lines = Lines(R"({app="batch", host="h1"})");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].second, "second");
  EXPECT_LT(lines[0].first, lines[1].first);
  // Times found in the lines.
  r = server_->Post("/insert/plain?app=timed&_time_format=auto",
                    "2024-05-01T12:00:00Z one\n2024-05-01T12:00:01Z two\n", {});
  ASSERT_EQ(r.status, 204) << r.body;
  auto timed = Lines(R"({app="timed"})");
  ASSERT_EQ(timed.size(), 2u);
  EXPECT_EQ(timed[1].first, *ParseRfc3339("2024-05-01T12:00:01Z"));
  // Labels must be label names; a bad format is named.
  EXPECT_EQ(server_->Post("/insert/plain?bad-name=x", "l", {}).status, 400);
  HttpResponse bad = server_->Post("/insert/plain?app=x&_time_format=%Q", "l", {});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("unknown directive"), std::string::npos);
  // No labels at all: refused, as every stream needs one.
  EXPECT_EQ(server_->Post("/insert/plain", "orphan", {}).status, 400);
}

}  // namespace
}  // namespace lode::testing
