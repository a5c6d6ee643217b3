// A server that dies of a fatal signal says so in its log, with the
// stack's addresses, and still ends by that signal (core files and
// supervisors see the real cause).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "lode_process.h"

namespace lode::testing {
namespace {

std::string WaitForEnd(LodeServer& server) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string ended = server.HowItEnded();
    if (!ended.empty()) return ended;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return server.HowItEnded();
}

TEST(CrashReport, AFatalSignalLeavesItsNameAndTheStackInTheLog) {
  for (int sig : {SIGSEGV, SIGBUS, SIGABRT}) {
    TempDir dir;
    LodeServer server(dir.path() + "/data");
    ASSERT_EQ(server.Get("/ready").status, 200);
    ASSERT_EQ(kill(server.pid(), sig), 0);
    EXPECT_EQ(WaitForEnd(server),
              "killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")");
    std::string log = server.Log();
    EXPECT_NE(log.find(std::string("lode crashed: SIG") + sigabbrev_np(sig)), std::string::npos)
        << log;
    // backtrace_symbols_fd gives each return address after the binary.
    size_t report = log.find("lode crashed:");
    ASSERT_NE(report, std::string::npos);
    EXPECT_NE(log.find("lode[0x", report), std::string::npos) << log.substr(report);
  }
}

TEST(CrashReport, AStopBySigtermIsNoCrash) {
  TempDir dir;
  LodeServer server(dir.path() + "/data");
  ASSERT_EQ(server.Get("/ready").status, 200);
  EXPECT_EQ(server.Terminate(), 0);
  EXPECT_EQ(server.Log().find("lode crashed"), std::string::npos) << server.Log();
}

}  // namespace
}  // namespace lode::testing
