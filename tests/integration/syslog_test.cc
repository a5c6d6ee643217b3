// Syslog listeners of the real server, fed by util-linux's logger(1): RFC
// 5424 and RFC 3164, over UDP and TCP with newline and octet-counting
// framing.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "base/time.h"
#include "lode_process.h"

namespace lode::testing {
namespace {

class SyslogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<LodeServer>(
        dir_.path() + "/data",
        std::vector<std::string>{"--syslog-tcp", "127.0.0.1:0", "--syslog-udp", "127.0.0.1:0"});
    std::string log = server_->Log();
    size_t at = log.find("msg=\"syslog is listening\"");
    ASSERT_NE(at, std::string::npos) << log;
    tcp_port_ = std::stoi(log.substr(log.find("tcp=", at) + 4));
    udp_port_ = std::stoi(log.substr(log.find("udp=", at) + 4));
  }

  CommandResult Logger(std::vector<std::string> args, const std::string& stdin_data = "") {
    std::vector<std::string> argv = {"logger", "-n", "127.0.0.1"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProgram(argv, stdin_data);
  }

  std::string Port(bool tcp) const { return std::to_string(tcp ? tcp_port_ : udp_port_); }

  // Polls until the query returns `count` lines (syslog has no
  // acknowledgement) or a few seconds pass.
  std::vector<std::pair<int64_t, std::string>> WaitForLines(const std::string& query,
                                                            size_t count) {
    std::vector<std::pair<int64_t, std::string>> entries;
    for (int i = 0; i < 100; ++i) {
      int64_t now = NowNanos();
      ParsedStreams s = ParseStreams(
          server_
              ->QueryRange(query, "start=" + std::to_string(now - 86400LL * kNanosPerSecond) +
                                      "&end=" + std::to_string(now + 60 * kNanosPerSecond) +
                                      "&limit=5000&direction=forward")
              .body);
      entries = s.entries;
      if (entries.size() >= count) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return entries;
  }

  std::string Categorized(const std::string& query) {
    int64_t now = NowNanos();
    return server_
        ->QueryRange(query,
                     "start=" + std::to_string(now - 86400LL * kNanosPerSecond) +
                         "&end=" + std::to_string(now + 60 * kNanosPerSecond),
                     {{"X-Loki-Response-Encoding-Flags", "categorize-labels"}})
        .body;
  }

  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
  int tcp_port_ = 0, udp_port_ = 0;
};

TEST_F(SyslogTest, Rfc5424OverTcpWithStructuredData) {
  CommandResult r =
      Logger({"-P", Port(true), "-T", "--rfc5424", "-t", "billing", "--id=4242", "-p", "local4.err",
              "--sd-id", "order@32473", "--sd-param", "id=\"A-17\"", "payment declined"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines =
      WaitForLines(R"({app_name="billing", facility="local4", severity="err", level="error"})", 1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].second, "payment declined");
  // The sender's time, which logger writes in microseconds.
  EXPECT_EQ(lines[0].first % 1000, 0);
  EXPECT_LT(std::abs(lines[0].first - NowNanos()), 60LL * kNanosPerSecond);
  std::string body = Categorized(R"({app_name="billing"})");
  EXPECT_NE(body.find(R"("procid":"4242")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("order_32473_id":"A-17")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("hostname":")"), std::string::npos) << body;
}

TEST_F(SyslogTest, Rfc3164OverUdp) {
  CommandResult r = Logger(
      {"-P", Port(false), "-d", "--rfc3164", "-t", "cron", "-p", "cron.warning", "job late"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines =
      WaitForLines(R"({app_name="cron", facility="cron", severity="warning", level="warn"})", 1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].second, "job late");
  // RFC 3164 has second precision, in local time, and no year.
  EXPECT_LT(std::abs(lines[0].first - NowNanos()), 120LL * kNanosPerSecond);
}

TEST_F(SyslogTest, ManyMessagesOnOneConnectionInBothFramings) {
  std::string input;
  for (int i = 0; i < 500; ++i) input += "line " + std::to_string(i) + " of many\n";
  CommandResult newline =
      Logger({"-P", Port(true), "-T", "--rfc5424", "-t", "nl", "-p", "user.info"}, input);
  ASSERT_EQ(newline.exit_code, 0) << newline.err;
  CommandResult octets = Logger(
      {"-P", Port(true), "-T", "--octet-count", "--rfc5424", "-t", "oc", "-p", "user.info"}, input);
  ASSERT_EQ(octets.exit_code, 0) << octets.err;
  for (const char* app : {"nl", "oc"}) {
    auto lines = WaitForLines("{app_name=\"" + std::string(app) + "\"}", 500);
    ASSERT_EQ(lines.size(), 500u) << app;
    EXPECT_EQ(lines[0].second, "line 0 of many");
    EXPECT_EQ(lines[499].second, "line 499 of many");
  }
}

TEST_F(SyslogTest, GarbageOnTheSocketLosesNothingElse) {
  // A raw client: a bad octet count closes its connection; other
  // connections and the UDP listener go on.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(tcp_port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::string bytes = "<13>1 - - raw - - - before garbage\n99999999999 <13>x";
  ASSERT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  char c;
  EXPECT_EQ(read(fd, &c, 1), 0);  // the server closed the connection
  close(fd);
  EXPECT_EQ(WaitForLines(R"({app_name="raw"})", 1).size(), 1u);
  ASSERT_EQ(Logger({"-P", Port(true), "-T", "--rfc5424", "-t", "after", "still fine"}).exit_code,
            0);
  EXPECT_EQ(WaitForLines(R"({app_name="after"})", 1).size(), 1u);
}

}  // namespace
}  // namespace lode::testing
