#include "forward/forwarder.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/time.h"
#include "proto/loki_push.pb.h"
#include "wire/loki_push_proto.h"

namespace lode {
namespace {

using std::chrono::milliseconds;
using Kind = SendOutcome::Kind;

constexpr milliseconds kNever{3'600'000};  // batch_wait that never fires in a test
constexpr milliseconds kPatience{3'000};   // how long a test waits for a send

// A Transport that records every body it is given and answers from a
// script; once the script runs out it accepts. Send can be held closed to
// keep the sender thread busy.
class ScriptedTransport : public Transport {
 public:
  struct Attempt {
    std::string body;
    std::string batch_id;
    Kind kind;
  };

  explicit ScriptedTransport(std::vector<SendOutcome> script = {}) : script_(std::move(script)) {}

  SendOutcome Send(const std::string& body, const std::string& batch_id) override {
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
    --waiting_;
    SendOutcome outcome;
    if (next_ < script_.size()) outcome = script_[next_++];
    attempts_.push_back(Attempt{body, batch_id, outcome.kind});
    cv_.notify_all();
    return outcome;
  }

  void SetOpen(bool open) {
    std::lock_guard lock(mu_);
    open_ = open;
    cv_.notify_all();
  }

  // True once `n` Send calls have completed (false after kPatience).
  bool WaitForAttempts(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kPatience, [&] { return attempts_.size() >= n; });
  }

  // True once `n` Send calls are blocked on the closed gate.
  bool WaitForBlockedSend(int n = 1) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kPatience, [&] { return waiting_ >= n; });
  }

  std::vector<Attempt> attempts() const {
    std::lock_guard lock(mu_);
    return attempts_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<SendOutcome> script_;
  size_t next_ = 0;
  bool open_ = true;
  int waiting_ = 0;
  std::vector<Attempt> attempts_;
};

// A Transport that accepts every body after `delay` and counts the sends
// in flight at once. With `rendezvous` > 1, each send first waits until
// that many have been in flight together (or kPatience has passed, which
// it notes).
class ConcurrentTransport : public Transport {
 public:
  explicit ConcurrentTransport(milliseconds delay, int rendezvous = 1)
      : delay_(delay), rendezvous_(rendezvous) {}

  SendOutcome Send(const std::string& body, const std::string&) override {
    std::unique_lock lock(mu_);
    ++in_flight_;
    max_in_flight_ = std::max(max_in_flight_, in_flight_);
    cv_.notify_all();
    // After one miss the others do not wait: the test has failed already.
    if (!rendezvous_missed_ &&
        !cv_.wait_for(lock, kPatience, [&] { return max_in_flight_ >= rendezvous_; })) {
      rendezvous_missed_ = true;
    }
    lock.unlock();
    std::this_thread::sleep_for(delay_);
    lock.lock();
    --in_flight_;
    bodies_.push_back(body);
    return SendOutcome{Kind::kAccepted, ""};
  }

  int max_in_flight() const {
    std::lock_guard lock(mu_);
    return max_in_flight_;
  }
  bool rendezvous_missed() const {
    std::lock_guard lock(mu_);
    return rendezvous_missed_;
  }
  std::vector<std::string> bodies() const {
    std::lock_guard lock(mu_);
    return bodies_;
  }

 private:
  const milliseconds delay_;
  const int rendezvous_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = 0;
  int max_in_flight_ = 0;
  bool rendezvous_missed_ = false;
  std::vector<std::string> bodies_;
};

// Opens a ScriptedTransport's gate when it goes out of scope: declared
// after the Forwarder, so that a failed assertion does not leave the
// Forwarder's destructor waiting for senders blocked on a closed gate.
class OpenOnExit {
 public:
  explicit OpenOnExit(ScriptedTransport& transport) : transport_(transport) {}
  ~OpenOnExit() { transport_.SetOpen(true); }

 private:
  ScriptedTransport& transport_;
};

struct Value {
  int64_t timestamp;
  std::string line;
};

// A push body (snappy-compressed PushRequest) as it was sent.
wire::loki::PushRequest Decode(const std::string& body) {
  std::string raw;
  EXPECT_TRUE(snappy::Uncompress(body.data(), body.size(), &raw));
  wire::loki::PushRequest request;
  EXPECT_TRUE(request.ParseFromString(raw));
  return request;
}

// The [ts, line] pairs of a push body.
std::vector<Value> ValuesOf(const std::string& body) {
  std::vector<Value> out;
  const wire::loki::PushRequest request = Decode(body);
  for (const auto& stream : request.streams()) {
    for (const auto& e : stream.entries()) {
      out.push_back(
          Value{e.timestamp().seconds() * 1'000'000'000 + e.timestamp().nanos(), e.line()});
    }
  }
  return out;
}

std::vector<std::string> LinesOf(const std::string& body) {
  std::vector<std::string> lines;
  for (const Value& v : ValuesOf(body)) lines.push_back(v.line);
  return lines;
}

// Lines of every accepted body, in send order.
std::vector<std::string> AcceptedLines(const ScriptedTransport& transport) {
  std::vector<std::string> lines;
  for (const auto& a : transport.attempts()) {
    if (a.kind != Kind::kAccepted) continue;
    for (std::string& l : LinesOf(a.body)) lines.push_back(std::move(l));
  }
  return lines;
}

std::vector<std::string> Numbered(int n) {
  std::vector<std::string> lines;
  for (int i = 0; i < n; ++i) lines.push_back("line-" + std::to_string(i));
  return lines;
}

ForwarderOptions FastOptions() {
  ForwarderOptions options;
  options.labels = Labels{{"job", "test"}};
  options.batch_wait = kNever;
  options.concurrency = 1;  // one sender: sends in order
  options.min_backoff = milliseconds(1);
  options.max_backoff = milliseconds(2);
  return options;
}

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
  ForwarderOptions options = FastOptions();
  options.concurrency = 2;
  options.batch_max_lines = 2;
  options.max_queued_batches = 2;
  options.drop_oldest = true;
  options.max_block = milliseconds(300);
  const auto started = std::chrono::steady_clock::now();
  Forwarder forwarder(transport, options);
  OpenOnExit reopen(transport);
  for (int i = 0; i < 4; ++i) forwarder.AddLine("line-" + std::to_string(i));
  // Both senders hold a batch (line-0..3), neither answered.
  ASSERT_TRUE(transport.WaitForBlockedSend(2));
  for (int i = 4; i < 40; ++i) forwarder.AddLine("line-" + std::to_string(i));
  const auto read_all = std::chrono::steady_clock::now() - started;
  // Held for max_block, and not for much longer (a generous bound).
  EXPECT_GE(read_all, options.max_block);
  EXPECT_LT(read_all, options.max_block * 10);
  ForwarderStats stats = forwarder.stats();
  EXPECT_EQ(stats.lines_read, 40u);
  EXPECT_GE(stats.read_wait_ms, 1u);
  EXPECT_LT(stats.read_wait_ms, 3000u);
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
