// The calls Grafana's "show context" makes for a log line (its Loki data
// source's LogContextProvider): the same stream, before the line
// (direction=backward, end = the line's time, exclusive) and after it
// (direction=forward, start = the line's time, inclusive), within two
// hours, `limit` lines each. Answered exactly, at the edges of the stream
// and with other lines at the same nanosecond.
#include <gtest/gtest.h>

#include "lode_process.h"

namespace lode::testing {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kBase = 1714521600LL * kSec;  // 2024-05-01T00:00:00Z
constexpr int64_t kTwoHours = 7200 * kSec;

class ShowContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<LodeServer>(dir_.path() + "/data");
    std::vector<std::pair<int64_t, std::string>> api, web;
    for (int i = 1; i <= 10; ++i) api.emplace_back(kBase + i * kSec, "api " + std::to_string(i));
    // Two more lines at the same nanosecond as "api 5".
    api.emplace_back(kBase + 5 * kSec, "api 5b");
    api.emplace_back(kBase + 5 * kSec, "api 5c");
    std::sort(api.begin(), api.end());
    for (int i = 1; i <= 10; ++i) web.emplace_back(kBase + i * kSec, "web " + std::to_string(i));
    ASSERT_EQ(server_->PushJson(PushBody(R"({"app":"api","env":"prod"})", api)).status, 204);
    ASSERT_EQ(server_->PushJson(PushBody(R"({"app":"web","env":"prod"})", web)).status, 204);
  }

  std::vector<std::string> Context(int64_t at, bool before, int limit) {
    const int64_t start = before ? at - kTwoHours : at;
    const int64_t end = before ? at : at + kTwoHours;
    HttpResponse r = server_->QueryRange(
        R"({app="api",env="prod"})",
        "start=" + std::to_string(start) + "&end=" + std::to_string(end) +
            "&limit=" + std::to_string(limit) + "&direction=" + (before ? "backward" : "forward"));
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> lines;
    for (const auto& e : ParseStreams(r.body).entries) lines.push_back(e.second);
    return lines;
  }

  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
};

TEST_F(ShowContextTest, BeforeIsTheNewestLinesStrictlyEarlierNewestFirst) {
  EXPECT_EQ(Context(kBase + 8 * kSec, true, 3),
            (std::vector<std::string>{"api 7", "api 6", "api 5c"}));
  // At the stream's start there is nothing before.
  EXPECT_TRUE(Context(kBase + 1 * kSec, true, 3).empty());
}

TEST_F(ShowContextTest, AfterStartsAtTheLineItselfOldestFirstWithItsSameTimeNeighbours) {
  EXPECT_EQ(Context(kBase + 5 * kSec, false, 4),
            (std::vector<std::string>{"api 5", "api 5b", "api 5c", "api 6"}));
  // At the stream's end only the line itself.
  EXPECT_EQ(Context(kBase + 10 * kSec, false, 4), (std::vector<std::string>{"api 10"}));
}

}  // namespace
}  // namespace lode::testing
