// /loki/api/v1/tail against the real server: a WebSocket client (Beast's)
// connects as Grafana's live view does, and sees the history and then the
// lines pushed after it started, filtered by the query.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <string>

#include "base/time.h"
#include "lode_process.h"

namespace lode::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

// A WebSocket client for one connection; reads with a deadline.
class TailClient {
 public:
  TailClient(const std::string& base_url, const std::string& target) : ws_(ioc_) {
    // base_url is http://127.0.0.1:PORT
    std::string hostport = base_url.substr(7);
    std::string host = hostport.substr(0, hostport.find(':'));
    std::string port = hostport.substr(hostport.find(':') + 1);
    asio::ip::tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(host, port);
    beast::get_lowest_layer(ws_).connect(*results.begin());
    beast::error_code ec;
    ws_.handshake(hostport, target, ec);
    ok_ = !ec;
    error_ = ec.message();
  }

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }

  // The next message, or "" when none came within `timeout`. One read is
  // kept outstanding across calls: cancelling a WebSocket read would
  // break the stream.
  std::string Read(std::chrono::milliseconds timeout) {
    if (!reading_) {
      reading_ = true;
      done_ = false;
      buffer_.clear();
      ws_.async_read(buffer_, [this](beast::error_code ec, size_t) {
        done_ = true;
        result_ = ec;
      });
    }
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!done_) return "";
    reading_ = false;
    if (result_) return "";
    return beast::buffers_to_string(buffer_.data());
  }

  // Reads until `pred(all messages so far)` holds or `timeout` passes.
  template <typename Pred>
  std::string ReadUntil(Pred pred, std::chrono::milliseconds timeout) {
    std::string all;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred(all) && std::chrono::steady_clock::now() < deadline) {
      all += Read(std::chrono::milliseconds(500));
    }
    return all;
  }

 private:
  asio::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  bool reading_ = false, done_ = false;
  beast::error_code result_;
  bool ok_ = false;
  std::string error_;
};

class TailTest : public ::testing::Test {
 protected:
  void SetUp() override { server_ = std::make_unique<LodeServer>(dir_.path() + "/data"); }

  void Push(const std::string& line) {
    ASSERT_EQ(server_->PushJson(PushBody(R"({"app":"tail"})", {{NowNanos(), line}})).status, 204);
  }

  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
};

TEST_F(TailTest, SendsHistoryThenNewMatchingLines) {
  Push("hello before");
  Push("other before");
  TailClient client(server_->base_url(), "/loki/api/v1/tail?query=" +
                                             UrlEncode(R"({app="tail"} |= "hello")") + "&limit=10");
  ASSERT_TRUE(client.ok()) << client.error();
  std::string history = client.ReadUntil(
      [](const std::string& s) { return s.find("hello before") != std::string::npos; },
      std::chrono::seconds(5));
  EXPECT_NE(history.find(R"({"streams":[{"stream":{"app":"tail"},"values":[[")"), std::string::npos)
      << history;
  EXPECT_NE(history.find("hello before"), std::string::npos) << history;

  Push("hello after");
  Push("other after");
  std::string live = client.ReadUntil(
      [](const std::string& s) { return s.find("hello after") != std::string::npos; },
      std::chrono::seconds(5));
  EXPECT_NE(live.find("hello after"), std::string::npos) << live;
  EXPECT_EQ(live.find("other"), std::string::npos) << live;
  EXPECT_EQ(live.find("hello before"), std::string::npos) << "sent once: " << live;
}

TEST_F(TailTest, RegexpAndSinceParameters) {
  // An hour and a half ago: outside the default history, inside since=2h.
  ASSERT_EQ(server_
                ->PushJson(PushBody(R"({"app":"tail"})",
                                    {{NowNanos() - 5400 * kNanosPerSecond, "hello old"}}))
                .status,
            204);
  Push("hello recent");
  Push("bye recent");
  TailClient client(server_->base_url(), "/loki/api/v1/tail?query=" + UrlEncode(R"({app="tail"})") +
                                             "&regexp=" + UrlEncode("hel+o") + "&since=2h");
  ASSERT_TRUE(client.ok()) << client.error();
  std::string history = client.ReadUntil(
      [](const std::string& s) {
        return s.find("hello old") != std::string::npos &&
               s.find("hello recent") != std::string::npos;
      },
      std::chrono::seconds(5));
  EXPECT_NE(history.find("hello old"), std::string::npos) << history;
  EXPECT_NE(history.find("hello recent"), std::string::npos) << history;
  EXPECT_EQ(history.find("bye"), std::string::npos) << history;

  TailClient bad(server_->base_url(), "/loki/api/v1/tail?query=" + UrlEncode(R"({app="tail"})") +
                                          "&regexp=" + UrlEncode("("));
  EXPECT_FALSE(bad.ok());
}

TEST_F(TailTest, BadQueryRefusesTheUpgradeWith400) {
  TailClient client(server_->base_url(), "/loki/api/v1/tail?query=" + UrlEncode("{app="));
  EXPECT_FALSE(client.ok());
  // The HTTP answer is still there for plain clients.
  HttpResponse r = server_->Get("/loki/api/v1/tail?query=" + UrlEncode("sum(rate({a=\"b\"}[1m]))"),
                                {{"Connection", "Upgrade"},
                                 {"Upgrade", "websocket"},
                                 {"Sec-WebSocket-Version", "13"},
                                 {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("tail needs a log query"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace lode::testing
