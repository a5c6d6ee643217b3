// lode query --context N against the real server: each match with the
// lines around it in its own stream, as grep -C prints them, at the edges
// of a stream and of the queried range, with overlapping blocks merged.
#include <gtest/gtest.h>

#include "lode_process.h"

namespace lode::testing {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kBase = 1714521600LL * kSec;  // 2024-05-01T00:00:00Z

class ContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<LodeServer>(dir_.path() + "/data");
    std::vector<std::pair<int64_t, std::string>> api, web;
    for (int i = 1; i <= 20; ++i) {
      const bool error = i == 1 || i == 5 || i == 8 || i == 15 || i == 20;
      api.emplace_back(kBase + i * kSec, "line " + std::to_string(i) + (error ? " error" : " ok"));
      web.emplace_back(kBase + i * kSec + 1, "web " + std::to_string(i));
    }
    ASSERT_EQ(server_->PushJson(PushBody(R"({"app":"api"})", api)).status, 204);
    ASSERT_EQ(server_->PushJson(PushBody(R"({"app":"web"})", web)).status, 204);
  }
  std::string Run(const std::string& query, int context, int64_t from_sec, int64_t to_sec) {
    CommandResult r = RunLode({"query", query, "--url", server_->base_url(), "--from",
                               std::to_string(kBase + from_sec * kSec), "--to",
                               std::to_string(kBase + to_sec * kSec), "--forward", "-o", "raw",
                               "--context", std::to_string(context)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
};

TEST_F(ContextTest, EachMatchComesWithItsStreamsNeighboursAsGrepC) {
  EXPECT_EQ(Run(R"({app=~"api|web"} |= "error")", 2, 0, 30),
            // The first line has nothing before it; blocks that overlap or
            // touch are one (1 to 10, 13 to 20); the web stream's lines are
            // never context for api's.
            "line 1 error\nline 2 ok\nline 3 ok\nline 4 ok\nline 5 error\nline 6 ok\nline 7 ok\n"
            "line 8 error\nline 9 ok\nline 10 ok\n"
            "--\n"
            "line 13 ok\nline 14 ok\nline 15 error\nline 16 ok\nline 17 ok\nline 18 ok\n"
            "line 19 ok\nline 20 error\n");
}

TEST_F(ContextTest, ContextStaysInsideTheQueriedRange) {
  // From second 4 to 9 (exclusive): line 5's context cannot reach line 3,
  // nor line 8's reach line 9.
  EXPECT_EQ(Run(R"({app="api"} |= "error")", 2, 4, 9),
            "line 4 ok\nline 5 error\nline 6 ok\nline 7 ok\nline 8 error\n");
}

}  // namespace
}  // namespace lode::testing
