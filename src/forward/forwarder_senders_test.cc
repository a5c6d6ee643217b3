// The forwarder's senders against receivers that are slow, stuck, busy or
// rate limited (when best-effort waits and when it drops), and several
// senders at once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "forward/forwarder.h"
#include "forward/forwarder_test_util.h"

namespace lode {
namespace {

using std::chrono::milliseconds;
using Kind = SendOutcome::Kind;

TEST(ForwarderTest, BestEffortDropsTheOldestBatchesWhileTheSenderIsStuck) {
  ScriptedTransport transport;
  transport.SetOpen(false);
  ForwarderOptions options = FastOptions();
  options.batch_max_lines = 2;
  options.max_queued_batches = 2;
  options.drop_oldest = true;
  options.max_block = milliseconds(20);
  Forwarder forwarder(transport, options);
  OpenOnExit reopen(transport);
  forwarder.AddLine("line-0");
  forwarder.AddLine("line-1");
  ASSERT_TRUE(transport.WaitForBlockedSend());  // the sender holds line-0, line-1
  // Waits max_block once, then no more: 10 more lines make 5 batches, of
  // which the 2 newest stay.
  for (int i = 2; i < 12; ++i) forwarder.AddLine("line-" + std::to_string(i));
  transport.SetOpen(true);
  Status status = forwarder.Finish();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("6 lines dropped (6 oldest while the buffer was full"),
            std::string::npos)
      << status.message();
  EXPECT_EQ(AcceptedLines(transport), (std::vector<std::string>{"line-0", "line-1", "line-8",
                                                                "line-9", "line-10", "line-11"}));
  EXPECT_EQ(forwarder.stats().lines_dropped_overflow, 6u);
}

// The lines "line-<i>" of `bodies`, each with its timestamp, indexed by
// i; an empty line where i was not sent, "dup" where it was sent twice.
std::vector<Value> ByLineNumber(const std::vector<std::string>& bodies, size_t n) {
  std::vector<Value> out(n, Value{0, ""});
  for (const std::string& body : bodies) {
    for (Value& v : ValuesOf(body)) {
      size_t i = std::stoul(v.line.substr(v.line.find('-') + 1));
      if (i >= n) continue;
      out[i] = out[i].line.empty() ? std::move(v) : Value{0, "dup"};
    }
  }
  return out;
}

// A healthy but slow receiver: best-effort makes the reader wait for room
// instead of dropping, as long as batches are being accepted.
TEST(ForwarderTest, BestEffortWaitsForASlowReceiverThatKeepsAcceptingAndDropsNothing) {
  ConcurrentTransport transport(milliseconds(5));
  ForwarderOptions options = FastOptions();
  options.batch_max_lines = 10;
  options.max_queued_batches = 2;
  options.drop_oldest = true;
  options.max_block = milliseconds(2000);  // far more than one send takes
  Forwarder forwarder(transport, options);
  const std::vector<std::string> lines = Numbered(1000);
  for (const std::string& line : lines) forwarder.AddLine(line);
  ASSERT_TRUE(forwarder.Finish().ok());
  ForwarderStats stats = forwarder.stats();
  EXPECT_EQ(stats.lines_dropped, 0u);
  EXPECT_EQ(stats.lines_sent, 1000u);
  // 100 sends of 5 ms each: the reader, much faster, was held back.
  EXPECT_GT(stats.read_wait_ms, 0u);
  std::vector<std::string> sent;
  for (const std::string& body : transport.bodies()) {
    for (std::string& l : LinesOf(body)) sent.push_back(std::move(l));
  }
  EXPECT_EQ(sent, lines);
}

// A receiver that stopped answering: the reader waits max_block for an
// answer, then drops the oldest batches and is not held up again.
TEST(ForwarderTest, BestEffortDropsOnceNothingIsAnsweredForMaxBlock) {
  ScriptedTransport transport;
  transport.SetOpen(false);
  ManualClock clock;
  ForwarderOptions options = FastOptions();
  options.clock = &clock;
  options.concurrency = 2;
  options.batch_max_lines = 2;
  options.max_queued_batches = 2;
  options.drop_oldest = true;
  options.max_block = milliseconds(300);
  Forwarder forwarder(transport, options);
  OpenOnExit reopen(transport);
  for (int i = 0; i < 4; ++i) forwarder.AddLine("line-" + std::to_string(i));
  // Both senders hold a batch (line-0..3), neither answered.
  ASSERT_TRUE(transport.WaitForBlockedSend(2));
  std::atomic<bool> read_all{false};
  std::thread reader([&] {
    for (int i = 4; i < 40; ++i) forwarder.AddLine("line-" + std::to_string(i));
    read_all = true;
  });
  // The reader has queued two batches (line-4..7) and waits for room.
  const auto patience = std::chrono::steady_clock::now() + kPatience;
  while (forwarder.stats().lines_read < 8 && std::chrono::steady_clock::now() < patience) {
    std::this_thread::yield();
  }
  EXPECT_EQ(forwarder.stats().lines_read, 8u);
  // Short of max_block on the forwarder's clock, it waits however long
  // real time runs.
  clock.Advance(milliseconds(299));
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_FALSE(read_all.load()) << "the reader went on before max_block had passed";
  // Past it, the oldest batches make room and the reader goes on.
  clock.Advance(milliseconds(1));
  reader.join();
  EXPECT_TRUE(read_all.load());
  ForwarderStats stats = forwarder.stats();
  EXPECT_EQ(stats.lines_read, 40u);
  // On the forwarder's clock the reader waited at most max_block (less
  // when its thread began waiting after the clock had moved).
  EXPECT_LE(stats.read_wait_ms, 300u);
  // The 2 batches in flight and the 2 newest queued are kept.
  EXPECT_EQ(stats.lines_dropped_overflow, 32u);
  transport.SetOpen(true);
  Status status = forwarder.Finish();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("32 lines dropped (32 oldest while the buffer was full and no "
                                  "server accepted a batch for 300ms"),
            std::string::npos)
      << status.message();
  std::vector<std::string> accepted = AcceptedLines(transport);
  std::sort(accepted.begin(), accepted.end());
  EXPECT_EQ(accepted, (std::vector<std::string>{"line-0", "line-1", "line-2", "line-3", "line-36",
                                                "line-37", "line-38", "line-39"}));
}

// Answers of a receiver busy flushing its memory (429).
std::vector<SendOutcome> Busy(size_t n) {
  SendOutcome busy{Kind::kRetryable, "HTTP 429: heads are full; retry later"};
  busy.throttled = true;
  return std::vector<SendOutcome>(n, busy);
}

// Best-effort, one line a batch and one batch queued, retrying forever.
ForwarderOptions BestEffortOneAtATime(milliseconds max_block) {
  ForwarderOptions options = FastOptions();
  options.batch_max_lines = 1;
  options.max_queued_batches = 1;
  options.max_retries = -1;
  options.drop_oldest = true;
  options.max_block = max_block;
  return options;
}

TEST(ForwarderTest, BestEffortRetriesABusyReceiverThatSoonAccepts) {
  // A few 429s (a server flushing its memory), then acceptance well within
  // max_block: retried, nothing dropped.
  ScriptedTransport transport(Busy(3));
  Forwarder forwarder(transport, BestEffortOneAtATime(milliseconds(2000)));
  for (const std::string& line : Numbered(5)) forwarder.AddLine(line);
  ASSERT_TRUE(forwarder.Finish().ok());
  EXPECT_EQ(forwarder.stats().lines_dropped, 0u);
  EXPECT_EQ(forwarder.stats().retries, 3u);
  EXPECT_EQ(AcceptedLines(transport), Numbered(5));
}

TEST(ForwarderTest, RetriesOfABusyReceiverAreWarnedOfOncePerInterval) {
  // Forty 429s in well under kRetryWarningInterval: one warning, not forty.
  ScriptedTransport transport(Busy(40));
  testing::internal::CaptureStderr();
  Forwarder forwarder(transport, BestEffortOneAtATime(milliseconds(5000)));
  for (const std::string& line : Numbered(3)) forwarder.AddLine(line);
  ASSERT_TRUE(forwarder.Finish().ok());
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(forwarder.stats().retries, 40u);
  EXPECT_EQ(AcceptedLines(transport), Numbered(3));
  size_t warnings = 0;
  for (size_t at = log.find("send failed; retrying"); at != std::string::npos;
       at = log.find("send failed; retrying", at + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1u) << log;
}

TEST(ForwarderTest, BestEffortDropsWhenTheReceiverOnlySheds) {
  // A receiver that answers nothing but 429 stores nothing: after max_block
  // best-effort drops the oldest instead of holding the reader longer.
  ScriptedTransport transport(Busy(500));
  Forwarder forwarder(transport, BestEffortOneAtATime(milliseconds(100)));
  for (const std::string& line : Numbered(50)) forwarder.AddLine(line);
  (void)forwarder.Finish();  // an error naming the drops
  EXPECT_GT(forwarder.stats().lines_dropped, 0u);
  EXPECT_EQ(forwarder.stats().lines_read, 50u);
}

TEST(ForwarderTest, SeveralSendersHaveBatchesInFlightAtOnce) {
  // Each send waits until three are in flight together: with fewer
  // senders than that, it would wait in vain.
  ConcurrentTransport transport(milliseconds(0), /*rendezvous=*/3);
  ForwarderOptions options = FastOptions();
  options.concurrency = 3;
  options.batch_max_lines = 10;
  Forwarder forwarder(transport, options);
  for (const std::string& line : Numbered(300)) forwarder.AddLine(line);
  ASSERT_TRUE(forwarder.Finish().ok());
  EXPECT_FALSE(transport.rendezvous_missed());
  EXPECT_EQ(transport.max_in_flight(), 3);
  EXPECT_EQ(forwarder.stats().lines_sent, 300u);
  EXPECT_EQ(forwarder.stats().batches_sent, 30u);
  // Each line once; batches may arrive in any order, but the stamps
  // follow the order the lines were read in.
  std::vector<Value> values = ByLineNumber(transport.bodies(), 300);
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(values[i].line, "line-" + std::to_string(i));
    if (i > 0) {
      ASSERT_LT(values[i - 1].timestamp, values[i].timestamp) << "at line " << i;
    }
  }
}

// The rate limit is one budget for all senders, and waiting for it is not
// a stalled receiver: best-effort waits rather than dropping.
TEST(ForwarderTest, TheRateLimitIsSharedBySendersAndDropsNothing) {
  ConcurrentTransport transport(milliseconds(0));
  ForwarderOptions options = FastOptions();
  options.concurrency = 4;
  options.batch_max_lines = 10;
  options.max_queued_batches = 1;
  options.drop_oldest = true;
  options.max_block = milliseconds(50);
  options.max_bytes_per_second = 20'000;
  const std::string hundred(95, 'x');
  const auto started = std::chrono::steady_clock::now();
  Forwarder forwarder(transport, options);
  // 400 lines of 100 bytes: 40,000 bytes, of which the first 20,000 are
  // the burst; the rest take a second.
  for (int i = 0; i < 400; ++i) {
    std::string line = "line-" + std::to_string(i) + hundred;
    line.resize(100, 'x');
    forwarder.AddLine(line);
  }
  ASSERT_TRUE(forwarder.Finish().ok());
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds(900));
  EXPECT_EQ(forwarder.stats().lines_dropped, 0u);
  EXPECT_EQ(forwarder.stats().lines_sent, 400u);
}

}  // namespace
}  // namespace lode
