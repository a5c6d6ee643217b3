// Syslog listeners of the real server, fed by util-linux's logger(1) and by
// rsyslogd: RFC 5424 and RFC 3164, over UDP and TCP with newline and
// octet-counting framing.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "base/time.h"
#include "lode_process.h"

namespace lode::testing {
namespace {

class SyslogTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(""); }

  void Start(const std::string& yaml) {
    std::vector<std::string> args = {"--syslog-tcp", "127.0.0.1:0", "--syslog-udp", "127.0.0.1:0"};
    if (!yaml.empty()) {
      for (std::string& arg : ConfigArgs(dir_.path(), yaml)) args.push_back(std::move(arg));
    }
    server_ = std::make_unique<LodeServer>(dir_.path() + "/data", args);
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

// A burst over TCP far larger than the store's head memory: the
// connection is not read while the store is full (TCP slows the sender),
// and every line arrives; the store's refusals show in /metrics.
TEST_F(SyslogTest, ABurstOverTcpIsSlowedNotDropped) {
  server_.reset();
  Start("heads_max_bytes: 20000\nhead_max_bytes: 10000\n");
  std::string input;
  for (int i = 0; i < 3000; ++i) {
    input += "burst line " + std::to_string(i) + " " + std::string(150, 'x') + "\n";
  }
  CommandResult sent =
      Logger({"-P", Port(true), "-T", "--rfc5424", "-t", "burst", "-p", "user.info"}, input);
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  auto lines = WaitForLines("{app_name=\"burst\"}", 3000);
  ASSERT_EQ(lines.size(), 3000u);
  EXPECT_EQ(lines[0].second.substr(0, 13), "burst line 0 ");
  EXPECT_EQ(lines[2999].second.substr(0, 16), "burst line 2999 ");
  std::string metrics = server_->Get("/metrics").body;
  EXPECT_NE(metrics.find("lode_push_refused_total{tenant=\"fake\",reason=\"overloaded\"}"),
            std::string::npos)
      << "the store was never full: the test did not overload it";
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

// rsyslogd started as a daemon with its own config; stopped on destruction.
class Rsyslogd {
 public:
  Rsyslogd(const std::string& dir, const std::string& config) : pid_file_(dir + "/rsyslogd.pid") {
    std::string path = dir + "/rsyslog.conf";
    std::ofstream(path) << config;
    const char* binary =
        access("/usr/sbin/rsyslogd", X_OK) == 0 ? "/usr/sbin/rsyslogd" : "rsyslogd";
    started_ = RunProgram({binary, "-f", path, "-i", pid_file_});
  }
  ~Rsyslogd() {
    std::ifstream in(pid_file_);
    pid_t pid = 0;
    if (!(in >> pid) || pid <= 0 || kill(pid, SIGTERM) != 0) return;
    // Not our child once it has daemonized: wait for it to be gone.
    for (int i = 0; i < 100 && kill(pid, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  const CommandResult& started() const { return started_; }

 private:
  std::string pid_file_;
  CommandResult started_;
};

TEST_F(SyslogTest, RsyslogForwardsFilesOverTcpAndUdp) {
  // rsyslog reads two files and forwards one as RFC 5424 over TCP with
  // octet counting, the other in the traditional (RFC 3164) form over UDP.
  std::string payments, backups;
  for (int i = 1; i <= 200; ++i) payments += "payment " + std::to_string(i) + " settled\n";
  for (int i = 1; i <= 20; ++i) backups += "backup step " + std::to_string(i) + "\n";
  const std::string d = dir_.path();
  std::ofstream(d + "/payments.log") << payments;
  std::ofstream(d + "/backup.log") << backups;
  std::filesystem::create_directories(d + "/rsyslog-work");
  Rsyslogd rsyslogd(
      d, "global(workDirectory=\"" + d +
             "/rsyslog-work\")\n"
             "module(load=\"imfile\")\n"
             "input(type=\"imfile\" file=\"" +
             d +
             "/payments.log\" tag=\"payments\" "
             "facility=\"local3\" severity=\"notice\" ruleset=\"tcp\")\n"
             "input(type=\"imfile\" file=\"" +
             d +
             "/backup.log\" tag=\"backup:\" "
             "facility=\"cron\" severity=\"warning\" ruleset=\"udp\")\n"
             "ruleset(name=\"tcp\") { action(type=\"omfwd\" target=\"127.0.0.1\" port=\"" +
             Port(true) +
             "\" protocol=\"tcp\" TCP_Framing=\"octet-counted\" "
             "template=\"RSYSLOG_SyslogProtocol23Format\") }\n"
             "ruleset(name=\"udp\") { action(type=\"omfwd\" target=\"127.0.0.1\" port=\"" +
             Port(false) +
             "\" protocol=\"udp\" "
             "template=\"RSYSLOG_TraditionalForwardFormat\") }\n");
  ASSERT_EQ(rsyslogd.started().exit_code, 0)
      << rsyslogd.started().err << " (rsyslog is installed by make deps)";
  auto tcp = WaitForLines(R"({app_name="payments", facility="local3", severity="notice"})", 200);
  ASSERT_EQ(tcp.size(), 200u);
  EXPECT_EQ(tcp[0].second, "payment 1 settled");
  EXPECT_EQ(tcp[199].second, "payment 200 settled");
  EXPECT_LT(std::abs(tcp[0].first - NowNanos()), 60LL * kNanosPerSecond);
  auto udp = WaitForLines(R"({app_name="backup", facility="cron", level="warn"})", 20);
  ASSERT_EQ(udp.size(), 20u);
  EXPECT_EQ(udp[19].second, "backup step 20");
  // Both carry the sender's host name.
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  std::string short_host(host);
  short_host = short_host.substr(0, short_host.find('.'));
  EXPECT_EQ(
      WaitForLines("{app_name=~\"payments|backup\", hostname=\"" + short_host + "\"}", 220).size(),
      220u);
}

}  // namespace
}  // namespace lode::testing
