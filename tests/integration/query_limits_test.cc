// Query limits against the real server: a query past its time budget or
// its byte budget stops with a clear error, and a query whose client
// hangs up is abandoned, while the server keeps answering.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "lode_process.h"

namespace lode::testing {
namespace {

constexpr int64_t kBase = 1714521600LL * 1'000'000'000;
constexpr int64_t kSec = 1'000'000'000;

class QueryLimitsTest : public ::testing::Test {
 protected:
  void Start(const std::string& yaml) {
    server_ = std::make_unique<LodeServer>(dir_.path() + "/data", ConfigArgs(dir_.path(), yaml));
    // 100,000 lines of 60 bytes, in pushes of 10,000.
    for (int batch = 0; batch < 10; ++batch) {
      std::vector<std::pair<int64_t, std::string>> values;
      for (int i = 0; i < 10000; ++i) {
        int n = batch * 10000 + i;
        values.emplace_back(
            kBase + n * 1000000LL,
            "a=" + std::to_string(n) + " msg=\"some line of text here padded\" x=y");
      }
      ASSERT_EQ(server_->PushJson(PushBody(R"({"app":"big"})", values)).status, 204);
    }
  }
  std::string Range() const {
    return "start=" + std::to_string(kBase) + "&end=" + std::to_string(kBase + 200 * kSec);
  }

  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
};

TEST_F(QueryLimitsTest, ReadingTooManyBytesIsA400) {
  Start("max_query_bytes: 100000\n");
  // Every line is read to look for the regex: 6 MB.
  HttpResponse r = server_->QueryRange(R"({app="big"} |~ "[0-9]{20}")", Range());
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("the query would read too many bytes"), std::string::npos) << r.body;
  r = server_->QueryRange(R"(sum(count_over_time({app="big"} |~ "[0-9]{20}" [1h])))",
                          Range() + "&step=60");
  EXPECT_EQ(r.status, 400) << r.body;
  // A query that reads little passes: one second holds 1,000 lines (60 kB).
  r = server_->QueryRange(
      R"({app="big"} |~ "[0-9]{20}")",
      "start=" + std::to_string(kBase) + "&end=" + std::to_string(kBase + kSec));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(QueryLimitsTest, RunningPastTheTimeoutIsA504) {
  Start("query_timeout: 1ms\n");
  // Templates on every line take well over a millisecond for 100k lines.
  HttpResponse r = server_->QueryRange(
      R"(sum(count_over_time({app="big"} | logfmt | line_format "{{ repeat 50 .msg }}" [1h])))",
      Range() + "&step=60");
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_NE(r.body.find("query timed out"), std::string::npos) << r.body;
}

TEST_F(QueryLimitsTest, AClientThatHangsUpCancelsItsQuery) {
  Start("query_timeout: 5m\n");
  // A slow query, sent on a raw connection that is closed at once.
  std::string port = server_->base_url().substr(server_->base_url().rfind(':') + 1);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(port)));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::string q = UrlEncode(
      R"(sum(count_over_time({app="big"} | logfmt | line_format "{{ repeat 20000 .msg }}" [1h])))");
  std::string req = "GET /loki/api/v1/query_range?query=" + q + "&" + Range() +
                    "&step=60 HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(write(fd, req.data(), req.size()), static_cast<ssize_t>(req.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  close(fd);
  // The query stops soon (it would run for many seconds), recorded as 499.
  bool cancelled = false;
  for (int i = 0; i < 100 && !cancelled; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    HttpResponse m = server_->Get("/metrics");
    cancelled = m.body.find(R"(route="/loki/api/v1/query_range",method="GET",code="499")") !=
                std::string::npos;
  }
  EXPECT_TRUE(cancelled) << server_->Get("/metrics").body;
  EXPECT_EQ(server_->Get("/ready").status, 200);
}

}  // namespace
}  // namespace lode::testing
