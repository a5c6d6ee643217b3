#include "forward/forwarder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/time.h"
#include "forward/forwarder_test_util.h"
#include "wire/loki_push_proto.h"

namespace lode {
namespace {

using std::chrono::milliseconds;
using Kind = SendOutcome::Kind;

SendOutcome Retryable() { return SendOutcome{Kind::kRetryable, "HTTP 503: busy"}; }

TEST(ForwarderTest, BatchesByLineCount) {
  ScriptedTransport transport;
  ForwarderOptions options = FastOptions();
  options.batch_max_lines = 3;
  Forwarder forwarder(transport, options);
  for (const std::string& line : Numbered(7)) forwarder.AddLine(line);
  ASSERT_TRUE(forwarder.Finish().ok());

  auto attempts = transport.attempts();
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(LinesOf(attempts[0].body), (std::vector<std::string>{"line-0", "line-1", "line-2"}));
  EXPECT_EQ(LinesOf(attempts[1].body), (std::vector<std::string>{"line-3", "line-4", "line-5"}));
  EXPECT_EQ(LinesOf(attempts[2].body), (std::vector<std::string>{"line-6"}));
  ForwarderStats stats = forwarder.stats();
  EXPECT_EQ(stats.lines_read, 7u);
  EXPECT_EQ(stats.lines_sent, 7u);
  EXPECT_EQ(stats.batches_sent, 3u);
  EXPECT_EQ(stats.lines_dropped, 0u);
}

TEST(ForwarderTest, BatchesBySize) {
  ScriptedTransport transport;
  ForwarderOptions options = FastOptions();
  options.batch_max_bytes = 10;
  Forwarder forwarder(transport, options);
  const std::string big(25, 'x');
  // 4+4+4 bytes reach the limit; a line over the limit on its own is one
  // batch; what is left goes out at Finish.
  for (std::string line : {"aaaa", "bbbb", "cccc"}) forwarder.AddLine(line);
  forwarder.AddLine(big);
  forwarder.AddLine("dddd");
  ASSERT_TRUE(forwarder.Finish().ok());

  auto attempts = transport.attempts();
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(LinesOf(attempts[0].body), (std::vector<std::string>{"aaaa", "bbbb", "cccc"}));
  EXPECT_EQ(LinesOf(attempts[1].body), (std::vector<std::string>{big}));
  EXPECT_EQ(LinesOf(attempts[2].body), (std::vector<std::string>{"dddd"}));
}

TEST(ForwarderTest, BodyCarriesTheConfiguredLabels) {
  ScriptedTransport transport;
  ForwarderOptions options = FastOptions();
  options.labels = Labels{{"job", "varlogs"}, {"host", "h1"}};
  Forwarder forwarder(transport, options);
  forwarder.AddLine("x");
  ASSERT_TRUE(forwarder.Finish().ok());
  auto attempts = transport.attempts();
  ASSERT_EQ(attempts.size(), 1u);
  auto request = Decode(attempts[0].body);
  ASSERT_EQ(request.streams_size(), 1);
  EXPECT_EQ(request.streams(0).labels(), R"({host="h1", job="varlogs"})");
}

TEST(ForwarderTest, FinishWithNothingAddedSendsNothing) {
  ScriptedTransport transport;
  Forwarder forwarder(transport, FastOptions());
  ASSERT_TRUE(forwarder.Finish().ok());
  EXPECT_TRUE(transport.attempts().empty());
}

// A partial batch is sent once batch_wait has passed since its first line,
// without Finish, also when the sender thread was idle when the line came.
TEST(ForwarderTest, BatchWaitSendsPartialBatchWithoutFinish) {
  ScriptedTransport transport;
  ForwarderOptions options = FastOptions();
  options.batch_wait = milliseconds(50);
  Forwarder forwarder(transport, options);
  std::this_thread::sleep_for(milliseconds(100));  // let the sender go idle

  // Whether the two lines share a batch depends on scheduling; what
  // matters is that both are sent without Finish.
  auto wait_for_sent = [&](uint64_t n) {
    auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (forwarder.stats().lines_sent < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(5));
    }
    return forwarder.stats().lines_sent >= n;
  };
  auto sent_lines = [&] {
    std::vector<std::string> lines;
    for (const auto& a : transport.attempts()) {
      for (std::string& l : LinesOf(a.body)) lines.push_back(std::move(l));
    }
    return lines;
  };
  forwarder.AddLine("first");
  forwarder.AddLine("second");
  ASSERT_TRUE(wait_for_sent(2)) << "partial batch not sent after batch_wait";
  EXPECT_EQ(sent_lines(), (std::vector<std::string>{"first", "second"}));

  // And again after the sender has gone idle a second time.
  std::this_thread::sleep_for(milliseconds(100));
  forwarder.AddLine("third");
  ASSERT_TRUE(wait_for_sent(3)) << "second partial batch not sent after batch_wait";
  EXPECT_EQ(sent_lines(), (std::vector<std::string>{"first", "second", "third"}));
}

TEST(ForwarderTest, RetryableOutcomesAreRetriedUntilAccepted) {
  // The first batch fails three times, the second once.
  ScriptedTransport transport({Retryable(), Retryable(), Retryable(), {}, Retryable()});
  ForwarderOptions options = FastOptions();
  options.batch_max_lines = 2;
  Forwarder forwarder(transport, options);
  const std::vector<std::string> lines = Numbered(6);
  for (const std::string& line : lines) forwarder.AddLine(line);
  ASSERT_TRUE(forwarder.Finish().ok());

  auto attempts = transport.attempts();
  ASSERT_EQ(attempts.size(), 7u);  // 4 + 2 + 1
  // A retry sends the very same body, timestamps included.
  for (int i = 1; i < 4; ++i) EXPECT_EQ(attempts[i].body, attempts[0].body);
  EXPECT_EQ(attempts[5].body, attempts[4].body);
  // ...with the same batch id, so the receiver can store it once; other
  // batches have other ids.
  for (int i = 1; i < 4; ++i) EXPECT_EQ(attempts[i].batch_id, attempts[0].batch_id);
  EXPECT_EQ(attempts[5].batch_id, attempts[4].batch_id);
  EXPECT_NE(attempts[4].batch_id, attempts[0].batch_id);
  EXPECT_NE(attempts[6].batch_id, attempts[4].batch_id);
  EXPECT_EQ(attempts[0].batch_id.size(), 32u);
  // Each line is delivered exactly once, in order.
  EXPECT_EQ(AcceptedLines(transport), lines);
  ForwarderStats stats = forwarder.stats();
  EXPECT_EQ(stats.retries, 4u);
  EXPECT_EQ(stats.lines_sent, 6u);
  EXPECT_EQ(stats.batches_sent, 3u);
  EXPECT_EQ(stats.lines_dropped, 0u);
}

TEST(ForwarderTest, NegativeMaxRetriesRetriesForever) {
  ScriptedTransport transport(std::vector<SendOutcome>(30, Retryable()));
  ForwarderOptions options = FastOptions();
  options.max_retries = -1;
  Forwarder forwarder(transport, options);
  forwarder.AddLine("persistent");
  ASSERT_TRUE(forwarder.Finish().ok());
  EXPECT_EQ(transport.attempts().size(), 31u);
  EXPECT_EQ(AcceptedLines(transport), (std::vector<std::string>{"persistent"}));
}

TEST(ForwarderTest, RejectedBatchIsDroppedWithoutRetry) {
  ScriptedTransport transport({{}, SendOutcome{Kind::kRejected, "HTTP 400: bad labels"}, {}});
  ForwarderOptions options = FastOptions();
  options.batch_max_lines = 2;
  Forwarder forwarder(transport, options);
  for (const std::string& line : Numbered(6)) forwarder.AddLine(line);
  Status status = forwarder.Finish();

  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("2 lines dropped"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("HTTP 400: bad labels"), std::string::npos) << status.message();
  EXPECT_EQ(transport.attempts().size(), 3u);
  EXPECT_EQ(AcceptedLines(transport),
            (std::vector<std::string>{"line-0", "line-1", "line-4", "line-5"}));
  ForwarderStats stats = forwarder.stats();
  EXPECT_EQ(stats.lines_dropped, 2u);
  EXPECT_EQ(stats.lines_sent, 4u);
  EXPECT_EQ(stats.retries, 0u);
}

TEST(ForwarderTest, APartlyRefusedBatchCountsOnlyTheRefusedLinesAsDropped) {
  SendOutcome partial{Kind::kRejected, "HTTP 400: entry has timestamp too new"};
  partial.stored = 2;
  partial.refused = 1;
  ScriptedTransport transport({partial});
  ForwarderOptions options = FastOptions();
  options.batch_max_lines = 3;
  Forwarder forwarder(transport, options);
  for (const std::string& line : Numbered(3)) forwarder.AddLine(line);
  Status status = forwarder.Finish();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("1 lines dropped (rejected: HTTP 400: entry has timestamp"),
            std::string::npos)
      << status.message();
  ForwarderStats stats = forwarder.stats();
  EXPECT_EQ(stats.lines_sent, 2u);
  EXPECT_EQ(stats.lines_dropped, 1u);
  EXPECT_EQ(transport.attempts().size(), 1u);  // not retried
}

TEST(ForwarderTest, MaxRetriesExhaustionDropsTheBatch) {
  // max_retries = 2: one try and two retries, then the batch is dropped.
  ScriptedTransport transport({Retryable(), Retryable(), Retryable()});
  ForwarderOptions options = FastOptions();
  options.batch_max_lines = 3;
  options.max_retries = 2;
  Forwarder forwarder(transport, options);
  for (const std::string& line : Numbered(5)) forwarder.AddLine(line);
  Status status = forwarder.Finish();

  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("3 lines dropped"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("3 attempts"), std::string::npos) << status.message();
  EXPECT_EQ(transport.attempts().size(), 4u);
  EXPECT_EQ(AcceptedLines(transport), (std::vector<std::string>{"line-3", "line-4"}));
  ForwarderStats stats = forwarder.stats();
  EXPECT_EQ(stats.retries, 2u);
  EXPECT_EQ(stats.lines_dropped, 3u);
  EXPECT_EQ(stats.lines_sent, 2u);
}

TEST(ForwarderTest, ZeroMaxRetriesTriesOnce) {
  ScriptedTransport transport({Retryable()});
  ForwarderOptions options = FastOptions();
  options.max_retries = 0;
  Forwarder forwarder(transport, options);
  forwarder.AddLine("once");
  Status status = forwarder.Finish();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("1 lines dropped"), std::string::npos) << status.message();
  EXPECT_EQ(transport.attempts().size(), 1u);
}

TEST(ForwarderTest, TimestampsAreStrictlyIncreasingAndCurrent) {
  ScriptedTransport transport;
  ForwarderOptions options = FastOptions();
  options.batch_max_lines = 500;
  const int64_t before = NowNanos();
  Forwarder forwarder(transport, options);
  for (const std::string& line : Numbered(3000)) forwarder.AddLine(line);
  ASSERT_TRUE(forwarder.Finish().ok());
  const int64_t after = NowNanos();

  std::vector<Value> values;
  for (const auto& a : transport.attempts()) {
    for (Value& v : ValuesOf(a.body)) values.push_back(std::move(v));
  }
  ASSERT_EQ(values.size(), 3000u);
  EXPECT_GE(values.front().timestamp, before);
  // Bumping past equal clock readings may run ahead of the clock by at
  // most one nanosecond per line.
  EXPECT_LE(values.back().timestamp, after + 3000);
  for (size_t i = 1; i < values.size(); ++i) {
    ASSERT_LT(values[i - 1].timestamp, values[i].timestamp) << "at line " << i;
    ASSERT_EQ(values[i].line, "line-" + std::to_string(i));
  }
}

TEST(ForwarderTest, AddLineBlocksWhileTheQueueIsFull) {
  ScriptedTransport transport;
  ForwarderOptions options = FastOptions();
  options.batch_max_lines = 1;
  options.max_queued_batches = 1;
  Forwarder forwarder(transport, options);

  transport.SetOpen(false);
  OpenOnExit reopen(transport);
  forwarder.AddLine("a");  // taken by the sender, which blocks in Send
  ASSERT_TRUE(transport.WaitForBlockedSend());
  forwarder.AddLine("b");  // fills the queue
  std::atomic<bool> added{false};
  std::thread producer([&] {
    forwarder.AddLine("c");
    added = true;
  });
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_FALSE(added.load()) << "AddLine returned although the queue was full";
  EXPECT_EQ(forwarder.stats().lines_read, 2u);

  transport.SetOpen(true);
  producer.join();
  EXPECT_TRUE(added.load());
  ASSERT_TRUE(forwarder.Finish().ok());
  EXPECT_EQ(AcceptedLines(transport), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(ForwarderTest, DestructorFlushesWhatIsLeft) {
  ScriptedTransport transport;
  {
    Forwarder forwarder(transport, FastOptions());
    forwarder.AddLine("left over");
  }
  EXPECT_EQ(AcceptedLines(transport), (std::vector<std::string>{"left over"}));
}

TEST(EncodePushBodyTest, EveryFieldRoundTripsThroughTheWireFormat) {
  Labels labels{{"job", "x"}, {"env", "a\"b"}};
  std::vector<Entry> entries = {Entry{1714521600000000000, "hello", {}},
                                Entry{-1, "say \"hi\"\n\\", Labels{{"trace_id", "abc"}}}};
  auto request = Decode(EncodeLokiPushBody(labels, entries));
  ASSERT_EQ(request.streams_size(), 1);
  EXPECT_EQ(request.streams(0).labels(), R"({env="a\"b", job="x"})");
  ASSERT_EQ(request.streams(0).entries_size(), 2);
  const auto& second = request.streams(0).entries(1);
  // Before the epoch: seconds round down, nanos stay positive.
  EXPECT_EQ(second.timestamp().seconds(), -1);
  EXPECT_EQ(second.timestamp().nanos(), 999'999'999);
  EXPECT_EQ(second.line(), "say \"hi\"\n\\");
  ASSERT_EQ(second.structured_metadata_size(), 1);
  EXPECT_EQ(second.structured_metadata(0).name(), "trace_id");
  EXPECT_EQ(second.structured_metadata(0).value(), "abc");
}

TEST(EncodePushBodyTest, EmptyLabelsAndEntries) {
  auto request = Decode(EncodeLokiPushBody(Labels(), {}));
  ASSERT_EQ(request.streams_size(), 1);
  EXPECT_EQ(request.streams(0).labels(), "{}");
  EXPECT_EQ(request.streams(0).entries_size(), 0);
}

TEST(EncodePushBodyTest, ALineThatIsNotUtf8IsSentByteForByte) {
  std::vector<Entry> entries = {Entry{5, "a\xff\xfe", {}}};
  EXPECT_EQ(ValuesOf(EncodeLokiPushBody(Labels{{"j", "x"}}, entries))[0].line, "a\xff\xfe");
}

TEST(BackoffDelayTest, StaysWithinUpperHalfOfTheExponentialDelay) {
  const milliseconds min(100), max(10'000);
  for (int attempt = 0; attempt < 12; ++attempt) {
    int64_t d = std::min<int64_t>(int64_t{100} << attempt, 10'000);
    for (int i = 0; i < 200; ++i) {
      int64_t got = BackoffDelay(attempt, min, max).count();
      ASSERT_GE(got, d / 2) << "attempt " << attempt;
      ASSERT_LE(got, d) << "attempt " << attempt;
    }
  }
}

TEST(BackoffDelayTest, CapsAtMax) {
  const milliseconds min(100), max(3'000);
  for (int attempt : {5, 6, 10, 40, 63, 64, 1000, 1 << 30}) {
    for (int i = 0; i < 50; ++i) {
      int64_t got = BackoffDelay(attempt, min, max).count();
      ASSERT_GE(got, 1'500) << "attempt " << attempt;
      ASSERT_LE(got, 3'000) << "attempt " << attempt;
    }
  }
}

TEST(BackoffDelayTest, IsJittered) {
  int64_t first = BackoffDelay(6, milliseconds(100), milliseconds(10'000)).count();
  bool varied = false;
  for (int i = 0; i < 100 && !varied; ++i) {
    varied = BackoffDelay(6, milliseconds(100), milliseconds(10'000)).count() != first;
  }
  EXPECT_TRUE(varied);
}

}  // namespace
}  // namespace lode
