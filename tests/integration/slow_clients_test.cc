// Slow and idle clients against the real server: a request header that
// never completes, a body that stalls, a kept-alive connection left idle
// are closed after their timeouts; a slow body that keeps coming is not;
// at the connection cap idle and slow connections make room for new ones;
// and with thousands of slow clients connected a well-behaved client's
// push and query are answered at once. Counted in /metrics.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/time.h"
#include "lode_process.h"
#include "transport/websocket_client.h"

namespace lode::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A client socket driven byte by byte, as slow clients drive theirs.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    connected_ = fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  bool Send(std::string_view bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }

  // Reads what arrives until the server closes the connection (true) or
  // `timeout` passes (false).
  bool WaitClosed(milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      int left = static_cast<int>(
          std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count());
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, std::max(left, 1)) <= 0) continue;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return true;  // EOF or reset
      received_.append(buf, n);
    }
    return false;
  }

  // Whether the server has closed the connection (without waiting).
  bool ClosedByServer() {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) return false;
    char byte;
    return recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
  }

  // One whole response (header and Content-Length body), or "" when none
  // came within `timeout`.
  std::string ReadResponse(milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      size_t end = received_.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t length = 0;
        size_t at = received_.find("Content-Length: ");
        if (at != std::string::npos && at < end) length = std::stoul(received_.substr(at + 16));
        if (received_.size() >= end + 4 + length) {
          std::string response = received_.substr(0, end + 4 + length);
          received_.erase(0, end + 4 + length);
          return response;
        }
      }
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return "";
      received_.append(buf, n);
    }
    return "";
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string received_;
};

constexpr std::string_view kHalfHeader = "GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Ag";
constexpr std::string_view kReadyRequest = "GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

class SlowClientsTest : public ::testing::Test {
 protected:
  void Start(const std::string& yaml) {
    server_ = std::make_unique<LodeServer>(dir_.path() + "/data", ConfigArgs(dir_.path(), yaml));
    const std::string& url = server_->base_url();
    port_ = static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  }

  // The value of one series in /metrics, e.g.
  // lode_http_timeouts_total{phase="header"}; -1 when absent.
  double Metric(const std::string& series) const {
    std::string text = server_->Get("/metrics").body;
    size_t at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 2));
  }

  // Metric(series) once it has reached `value`, or after 5 s what it is.
  // A timeout is counted by the handler that runs after the timer has
  // closed the socket, so a client can see the close a moment before the
  // count.
  double MetricReaching(const std::string& series, double value) const {
    double now = Metric(series);
    for (int i = 0; i < 100 && now != value; ++i) {
      std::this_thread::sleep_for(milliseconds(50));
      now = Metric(series);
    }
    return now;
  }

  // A kept-alive connection that has had one answered request and now
  // waits idle.
  std::unique_ptr<RawConnection> IdleConnection() {
    auto c = std::make_unique<RawConnection>(port_);
    EXPECT_TRUE(c->connected());
    EXPECT_TRUE(c->Send(kReadyRequest));
    EXPECT_NE(c->ReadResponse(seconds(5)).find("HTTP/1.1 200"), std::string::npos);
    return c;
  }

  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
  uint16_t port_ = 0;
};

TEST_F(SlowClientsTest, AHeaderThatNeverCompletesIsClosedAfterTheHeaderTimeout) {
  Start("http: {header_timeout: 1s}\n");
  RawConnection half(port_);
  RawConnection silent(port_);  // connects and sends nothing
  ASSERT_TRUE(half.connected() && silent.connected());
  ASSERT_TRUE(half.Send(kHalfHeader));
  auto start = Clock::now();
  ASSERT_TRUE(half.WaitClosed(seconds(10)));
  double open_for = SecondsSince(start);
  EXPECT_GE(open_for, 0.8);
  EXPECT_LT(open_for, 5.0);
  EXPECT_TRUE(silent.WaitClosed(seconds(5)));
  EXPECT_EQ(MetricReaching(R"(lode_http_timeouts_total{phase="header"})", 2), 2);
  // A complete request is still answered.
  EXPECT_EQ(server_->Get("/ready").status, 200);
}

TEST_F(SlowClientsTest, AnIdleKeptAliveConnectionIsClosedAfterTheIdleTimeout) {
  Start("http: {idle_timeout: 1s, header_timeout: 10s}\n");
  auto c = IdleConnection();
  // Within the idle timeout the connection serves another request.
  std::this_thread::sleep_for(milliseconds(300));
  ASSERT_TRUE(c->Send(kReadyRequest));
  EXPECT_NE(c->ReadResponse(seconds(5)).find("HTTP/1.1 200"), std::string::npos);
  auto start = Clock::now();
  ASSERT_TRUE(c->WaitClosed(seconds(10)));
  double open_for = SecondsSince(start);
  EXPECT_GE(open_for, 0.8);
  EXPECT_LT(open_for, 5.0);
  EXPECT_EQ(MetricReaching(R"(lode_http_timeouts_total{phase="idle"})", 1), 1);
  EXPECT_EQ(Metric(R"(lode_http_timeouts_total{phase="header"})"), 0);
}

TEST_F(SlowClientsTest, ASlowBodyThatKeepsComingIsNotCut) {
  Start("http: {header_timeout: 1s, body_timeout: 1s}\n");
  std::string body =
      PushBody(R"({"app":"slow"})", {{NowNanos(), "sent slowly, " + std::string(500, 'x')}});
  RawConnection c(port_);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send(
      "POST /loki/api/v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n"));
  // Ten pieces 400 ms apart: 4 s in all, more than either timeout.
  size_t piece = body.size() / 10 + 1;
  for (size_t at = 0; at < body.size(); at += piece) {
    std::this_thread::sleep_for(milliseconds(400));
    ASSERT_TRUE(c.Send(std::string_view(body).substr(at, piece)));
  }
  EXPECT_NE(c.ReadResponse(seconds(5)).find("HTTP/1.1 204"), std::string::npos);
  ParsedStreams got = ParseStreams(server_->QueryRange(R"({app="slow"})").body);
  ASSERT_TRUE(got.ok);
  ASSERT_EQ(got.entries.size(), 1u);
  EXPECT_TRUE(got.entries[0].second.starts_with("sent slowly, xxx"));
  EXPECT_EQ(Metric(R"(lode_http_timeouts_total{phase="body"})"), 0);
}

TEST_F(SlowClientsTest, AStalledBodyIsClosedAfterTheBodyTimeout) {
  Start("http: {body_timeout: 1s}\n");
  RawConnection c(port_);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(
      c.Send("POST /loki/api/v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
             "application/json\r\nContent-Length: 1000\r\n\r\n{\"streams\":["));
  auto start = Clock::now();
  ASSERT_TRUE(c.WaitClosed(seconds(10)));
  double open_for = SecondsSince(start);
  EXPECT_GE(open_for, 0.8);
  EXPECT_LT(open_for, 5.0);
  EXPECT_EQ(MetricReaching(R"(lode_http_timeouts_total{phase="body"})", 1), 1);
}

TEST_F(SlowClientsTest, AtTheCapTheOldestIdleConnectionMakesRoom) {
  Start("http: {max_connections: 3}\n");
  auto oldest = IdleConnection();
  auto middle = IdleConnection();
  auto newest = IdleConnection();
  // A fourth client is served at once; the connection idle longest is
  // closed for it.
  auto start = Clock::now();
  EXPECT_EQ(server_->Get("/ready").status, 200);
  EXPECT_LT(SecondsSince(start), 2.0);
  EXPECT_TRUE(oldest->WaitClosed(seconds(5)));
  EXPECT_FALSE(middle->ClosedByServer());
  EXPECT_FALSE(newest->ClosedByServer());
  // The others still serve requests.
  ASSERT_TRUE(newest->Send(kReadyRequest));
  EXPECT_NE(newest->ReadResponse(seconds(5)).find("HTTP/1.1 200"), std::string::npos);
  EXPECT_GE(Metric(R"(lode_http_connections_evicted_total{phase="idle"})"), 1);
  EXPECT_EQ(Metric("lode_http_connections_max"), 3);
}

TEST_F(SlowClientsTest, AtTheCapASlowHeaderMakesRoomAfterASecond) {
  Start("http: {max_connections: 5, header_timeout: 30s}\n");
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 5; ++i) {
    slow.push_back(std::make_unique<RawConnection>(port_));
    ASSERT_TRUE(slow.back()->connected());
    ASSERT_TRUE(slow.back()->Send(kHalfHeader));
  }
  // The new client waits in the backlog (it is not refused) until the
  // oldest slow header has had its second, then is served.
  auto start = Clock::now();
  HttpResponse r = server_->Get("/ready");
  double waited = SecondsSince(start);
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(waited, 0.5);
  EXPECT_LT(waited, 5.0);
  EXPECT_TRUE(slow[0]->WaitClosed(seconds(5)));
  for (size_t i = 1; i < slow.size(); ++i) EXPECT_FALSE(slow[i]->ClosedByServer()) << i;
  EXPECT_GE(Metric(R"(lode_http_connections_evicted_total{phase="header"})"), 1);
  EXPECT_GE(Metric("lode_http_accept_paused_total"), 1);
  EXPECT_EQ(Metric(R"(lode_http_timeouts_total{phase="header"})"), 0);
}

TEST_F(SlowClientsTest, ATailOutlivesTheIdleTimeoutAndIsNeverEvicted) {
  Start("http: {idle_timeout: 1s, header_timeout: 1s, max_connections: 2}\n");
  std::mutex mu;
  std::string messages;
  std::thread tail([&] {
    (void)ReadWebSocket(
        server_->base_url() + "/loki/api/v1/tail?query=" + UrlEncode(R"({app="tail"})"), {},
        [&](const std::string& message) {
          std::lock_guard lock(mu);
          messages += message;
          return true;
        });
  });
  // Longer than both timeouts, with nothing sent by the tail's client.
  std::this_thread::sleep_for(seconds(3));
  // The cap is full with the tail and an idle connection: the push takes
  // the idle one's place, never the tail's.
  auto idle = IdleConnection();
  ASSERT_EQ(
      server_->PushJson(PushBody(R"({"app":"tail"})", {{NowNanos(), "after the idle timeout"}}))
          .status,
      204);
  EXPECT_TRUE(idle->WaitClosed(seconds(5)));
  bool received = false;
  for (auto deadline = Clock::now() + seconds(10); !received && Clock::now() < deadline;) {
    std::this_thread::sleep_for(milliseconds(100));
    std::lock_guard lock(mu);
    received = messages.find("after the idle timeout") != std::string::npos;
  }
  EXPECT_TRUE(received) << messages;
  server_->Kill9();  // ends the tail's connection
  tail.join();
}

// Thousands of clients each send half a header and then nothing. A
// well-behaved client's push and query are answered at once, and the slow
// ones are closed after the header timeout.
TEST_F(SlowClientsTest, ThousandsOfSlowClientsDoNotStarveAWellBehavedOne) {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  const size_t count = std::min<size_t>(2500, limit.rlim_cur > 300 ? limit.rlim_cur - 300 : 0);
  if (count < 1000) GTEST_SKIP() << "open file limit too low: " << limit.rlim_cur;

  Start("http: {header_timeout: 3s}\n");
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (size_t i = 0; i < count; ++i) {
    slow.push_back(std::make_unique<RawConnection>(port_));
    ASSERT_TRUE(slow.back()->connected()) << i;
    ASSERT_TRUE(slow.back()->Send(kHalfHeader)) << i;
  }
  EXPECT_GE(Metric("lode_http_connections_open"), count * 0.9);

  int64_t t = NowNanos();
  auto start = Clock::now();
  ASSERT_EQ(server_->PushJson(PushBody(R"({"app":"good"})", {{t, "a good client's line"}})).status,
            204);
  double push_seconds = SecondsSince(start);
  start = Clock::now();
  HttpResponse r = server_->QueryRange(
      R"({app="good"})", "start=" + std::to_string(t - 1) + "&end=" + std::to_string(t + 1));
  double query_seconds = SecondsSince(start);
  EXPECT_LT(push_seconds, 3.0);
  EXPECT_LT(query_seconds, 3.0);
  ASSERT_EQ(r.status, 200) << r.body;
  ParsedStreams got = ParseStreams(r.body);
  ASSERT_TRUE(got.ok);
  ASSERT_EQ(got.entries.size(), 1u);
  EXPECT_EQ(got.entries[0], std::make_pair(t, std::string("a good client's line")));

  // Every slow client is closed by the header timeout.
  auto deadline = Clock::now() + seconds(30);
  size_t closed = 0;
  for (auto& c : slow) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (c->WaitClosed(std::max(left, milliseconds(1)))) ++closed;
  }
  EXPECT_EQ(closed, count);
  // The stream closes its socket when its timer fires; the session counts
  // the timeout as its read completes, a moment after the client saw it.
  double timeouts = 0;
  for (int i = 0; i < 100; ++i) {
    timeouts = Metric(R"(lode_http_timeouts_total{phase="header"})");
    if (timeouts >= count) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_GE(timeouts, count);
}

}  // namespace
}  // namespace lode::testing
