// Publishing and consuming on a real JetStream cluster (see nats_cluster.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "nats_cluster.h"

namespace lode::testing {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

TEST_F(NatsClusterTest, AMessageIdIsStoredOnce) {
  const std::string subject = Unique("dedup") + ".a";
  StreamConfig config;
  config.name = Unique("DEDUP");
  config.subjects = {Unique("dedup") + ".>"};
  config.replicas = 3;
  ASSERT_TRUE(client_->EnsureStream(config).ok());
  // Again, the same: nothing to do; then another configuration: updated.
  ASSERT_TRUE(client_->EnsureStream(config).ok());
  config.max_age = std::chrono::hours(24);
  Status updated = client_->EnsureStream(config);
  ASSERT_TRUE(updated.ok()) << updated.ToString();

  auto first = client_->PublishAll({Msg(subject, "one", "id-1"), Msg(subject, "two", "id-2")});
  ASSERT_EQ(first.size(), 2u);
  ASSERT_TRUE(first[0].ok()) << first[0].status().ToString();
  ASSERT_TRUE(first[1].ok()) << first[1].status().ToString();
  EXPECT_FALSE(first[0]->duplicate);
  EXPECT_EQ(first[1]->sequence, first[0]->sequence + 1);

  auto again = client_->PublishAll({Msg(subject, "one, sent again", "id-1")});
  ASSERT_TRUE(again[0].ok()) << again[0].status().ToString();
  EXPECT_TRUE(again[0]->duplicate);
  EXPECT_EQ(again[0]->sequence, first[0]->sequence);

  auto state = client_->GetStreamState(config.name);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->messages, 2u);
  EXPECT_EQ(state->last_sequence, first[1]->sequence);
  EXPECT_FALSE(state->leader.empty());
  auto stored = ReadAll(config.name, subject, 1, 2);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].data, "one");

  // A subject no stream stores: no responders, at once.
  auto nowhere = client_->PublishAll({Msg(Unique("nowhere") + ".x", "lost")});
  ASSERT_FALSE(nowhere[0].ok());
  EXPECT_EQ(nowhere[0].status().code(), StatusCode::kUnavailable) << nowhere[0].status().ToString();
}

TEST_F(NatsClusterTest, PublishAllSendsAThousandMessagesAtOnce) {
  const std::string prefix = Unique("burst");
  const std::string stream = MakeStream("BURST", prefix);
  std::vector<OutgoingMessage> messages;
  for (int i = 0; i < 1000; ++i) {
    messages.push_back(Msg(prefix + "." + std::to_string(i % 16), "message " + std::to_string(i),
                           "b-" + std::to_string(i)));
  }
  auto start = steady_clock::now();
  auto results = client_->PublishAll(messages);
  std::printf("PublishAll of 1000 messages over 16 subjects (R3): %.1f ms\n",
              Millis(steady_clock::now() - start));
  ASSERT_EQ(results.size(), messages.size());
  std::set<uint64_t> sequences;
  uint64_t last_of_15 = 0;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].status().ToString();
    sequences.insert(results[i]->sequence);
    if (i % 16 == 15) last_of_15 = std::max(last_of_15, results[i]->sequence);
  }
  EXPECT_EQ(sequences.size(), 1000u);
  auto state = client_->GetStreamState(stream);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->messages, 1000u);
  auto last = client_->LastSequence(stream, prefix + ".15");
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(*last, last_of_15);
  EXPECT_EQ(client_->publishes_in_flight(), 0u);
  EXPECT_GE(client_->stats().publishes, 1000u);
}

// Figures, printed rather than asserted: the acked latency of PublishAll
// of 1 and of 16 messages, and what PublishAsync sustains with 1 KB.
TEST_F(NatsClusterTest, PublishLatencyAndThroughput) {
  const std::string prefix = Unique("figures");
  MakeStream("FIGURES", prefix);
  auto percentiles = [](std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    return std::make_pair(ms[ms.size() / 2], ms[ms.size() * 99 / 100]);
  };
  for (size_t batch : {size_t{1}, size_t{16}}) {
    std::vector<double> latencies;
    for (int round = 0; round < 300; ++round) {
      std::vector<OutgoingMessage> messages;
      for (size_t i = 0; i < batch; ++i) {
        messages.push_back(Msg(prefix + "." + std::to_string(i), std::string(200, 'x')));
      }
      auto start = steady_clock::now();
      auto results = client_->PublishAll(messages);
      latencies.push_back(Millis(steady_clock::now() - start));
      for (const auto& result : results) ASSERT_TRUE(result.ok()) << result.status().ToString();
    }
    auto [p50, p99] = percentiles(latencies);
    std::printf("PublishAll of %zu x 200 B (R3): p50 %.2f ms, p99 %.2f ms\n", batch, p50, p99);
  }

  // As fast as the window allows: a refused publish waits for an ack.
  for (size_t size : {size_t{200}, size_t{1024}}) {
    constexpr int kCount = 20000;
    std::mutex mu;
    std::condition_variable answered;
    int acked = 0, failed = 0, refused = 0;
    const std::string data(size, 'd');
    auto start = steady_clock::now();
    for (int i = 0; i < kCount;) {
      Status sent =
          client_->PublishAsync(Msg(prefix + ".async", data), [&](Result<PublishAck> ack) {
            std::lock_guard<std::mutex> lock(mu);
            ++(ack.ok() ? acked : failed);
            answered.notify_all();
          });
      if (sent.ok()) {
        ++i;
        continue;
      }
      ASSERT_EQ(sent.code(), StatusCode::kRateLimited) << sent.ToString();
      ++refused;
      std::unique_lock<std::mutex> lock(mu);
      answered.wait_for(lock, 10ms);
    }
    std::unique_lock<std::mutex> lock(mu);
    answered.wait_for(lock, 60s, [&] { return acked + failed == kCount; });
    double seconds = Millis(steady_clock::now() - start) / 1000;
    EXPECT_EQ(acked, kCount);
    std::printf(
        "PublishAsync of %d x %zu B (R3, window 4096): %.0f msgs/s, %.1f MB/s (%d "
        "refused while the window was full)\n",
        kCount, size, kCount / seconds, kCount * size / seconds / 1e6, refused);
  }
}

TEST_F(NatsClusterTest, PublishAsyncRefusesWhenItsWindowIsFull) {
  const std::string prefix = Unique("window");
  MakeStream("WINDOW", prefix);
  std::unique_ptr<NatsClient> small = Connect(4);
  ASSERT_NE(small, nullptr);
  std::atomic<int> done{0};
  int accepted = 0;
  Status refused;
  for (int i = 0; i < 1000 && refused.ok(); ++i) {
    Status sent = small->PublishAsync(Msg(prefix + ".x", "m"), [&](Result<PublishAck> ack) {
      EXPECT_TRUE(ack.ok()) << ack.status().ToString();
      ++done;
    });
    if (sent.ok()) {
      ++accepted;
      EXPECT_LE(small->publishes_in_flight(), 4u);
    } else {
      refused = sent;
    }
  }
  EXPECT_EQ(refused.code(), StatusCode::kRateLimited) << refused.ToString();
  auto deadline = steady_clock::now() + 10s;
  while (done < accepted && steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(50ms);
  // Each accepted publish was answered once, the refused one never.
  EXPECT_EQ(done.load(), accepted);
  EXPECT_EQ(small->publishes_in_flight(), 0u);

  // A callback may publish again (it runs on libnats' thread, no lock held).
  std::mutex mu;
  std::condition_variable chain_done;
  int links = 0;
  std::function<void(Result<PublishAck>)> next = [&](Result<PublishAck> ack) {
    EXPECT_TRUE(ack.ok()) << ack.status().ToString();
    std::lock_guard<std::mutex> lock(mu);
    if (++links < 20) {
      EXPECT_TRUE(small->PublishAsync(Msg(prefix + ".chain", "link"), next).ok());
    } else {
      // PublishAll here would wait for acks this very thread delivers:
      // it fails at once instead.
      auto inner = small->PublishAll({Msg(prefix + ".chain", "all")});
      EXPECT_EQ(inner[0].status().code(), StatusCode::kInternal);
      chain_done.notify_all();
    }
  };
  ASSERT_TRUE(small->PublishAsync(Msg(prefix + ".chain", "link"), next).ok());
  std::unique_lock<std::mutex> lock(mu);
  EXPECT_TRUE(chain_done.wait_for(lock, 10s, [&] { return links == 20; }));
}

TEST_F(NatsClusterTest, AnOrderedConsumerReadsOneSubjectFromASequence) {
  const std::string prefix = Unique("order");
  const std::string stream = MakeStream("ORDER", prefix);
  std::vector<OutgoingMessage> messages;
  for (int i = 0; i < 100; ++i) {
    messages.push_back(Msg(prefix + (i % 2 == 0 ? ".a" : ".b"), "m" + std::to_string(i),
                           "o-" + std::to_string(i), {{"Lode-Index", std::to_string(i)}}));
  }
  auto acks = client_->PublishAll(messages);
  std::vector<uint64_t> a_sequences;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(acks[i].ok());
    if (i % 2 == 0) a_sequences.push_back(acks[i]->sequence);
  }
  auto consumer = client_->ConsumeOrdered(stream, prefix + ".a", a_sequences[10]);
  ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
  std::vector<StreamMessage> got;
  while (got.size() < 40) {
    auto batch = (*consumer)->Next(7, 2s);
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    ASSERT_FALSE(batch->empty()) << "after " << got.size();
    EXPECT_LE(batch->size(), 7u);
    for (StreamMessage& m : *batch) got.push_back(std::move(m));
  }
  ASSERT_EQ(got.size(), 40u);
  const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  for (size_t j = 0; j < got.size(); ++j) {
    const int index = static_cast<int>(2 * (10 + j));
    EXPECT_EQ(got[j].subject, prefix + ".a");
    EXPECT_EQ(got[j].sequence, a_sequences[10 + j]);
    EXPECT_EQ(got[j].data, "m" + std::to_string(index));
    EXPECT_LT(std::abs(now_ns - got[j].timestamp_ns), int64_t{60} * 1000 * 1000 * 1000);
    std::map<std::string, std::string> headers(got[j].headers.begin(), got[j].headers.end());
    EXPECT_EQ(headers["Lode-Index"], std::to_string(index));
    EXPECT_EQ(headers["Nats-Msg-Id"], "o-" + std::to_string(index));
  }
  // Nothing more: an empty batch after the wait.
  auto start = steady_clock::now();
  auto none = (*consumer)->Next(10, 300ms);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->empty());
  EXPECT_GE(steady_clock::now() - start, 250ms);
  // New messages come as they are stored, the first one at once; other
  // subjects' do not.
  std::vector<Result<PublishAck>> more;
  std::thread later([&] {
    std::this_thread::sleep_for(300ms);
    more = client_->PublishAll(
        {Msg(prefix + ".a", "late 1"), Msg(prefix + ".b", "other"), Msg(prefix + ".a", "late 2")});
  });
  start = steady_clock::now();
  auto first_late = (*consumer)->Next(10, 5s);
  double waited_ms = Millis(steady_clock::now() - start);
  later.join();
  ASSERT_TRUE(first_late.ok()) << first_late.status().ToString();
  ASSERT_FALSE(first_late->empty());
  EXPECT_LT(waited_ms, 2000) << "Next waited for more than the first message";
  std::vector<StreamMessage> late = std::move(*first_late);
  for (int tries = 0; tries < 10 && late.size() < 2; ++tries) {
    auto batch = (*consumer)->Next(10, 1s);
    ASSERT_TRUE(batch.ok());
    for (StreamMessage& m : *batch) late.push_back(std::move(m));
  }
  ASSERT_EQ(late.size(), 2u);
  EXPECT_EQ(late[0].data, "late 1");
  EXPECT_EQ(late[1].sequence, more[2]->sequence);
}

TEST_F(NatsClusterTest, LastSequenceAndPurgeOfOneSubject) {
  const std::string prefix = Unique("purge");
  const std::string stream = MakeStream("PURGE", prefix);
  auto none = client_->LastSequence(stream, prefix + ".a");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(*none, 0u);
  std::vector<OutgoingMessage> messages;
  for (int i = 0; i < 15; ++i) {
    messages.push_back(Msg(prefix + (i % 3 == 2 ? ".b" : ".a"), std::to_string(i)));
  }
  auto acks = client_->PublishAll(messages);
  std::vector<uint64_t> a_sequences;
  for (int i = 0; i < 15; ++i) {
    ASSERT_TRUE(acks[i].ok());
    if (i % 3 != 2) a_sequences.push_back(acks[i]->sequence);
  }
  ASSERT_EQ(a_sequences.size(), 10u);
  EXPECT_EQ(*client_->LastSequence(stream, prefix + ".a"), a_sequences.back());

  ASSERT_TRUE(client_->Purge(stream, prefix + ".a", 0).ok());  // nothing to purge
  ASSERT_TRUE(client_->Purge(stream, prefix + ".a", 1).ok());
  Status purged = client_->Purge(stream, prefix + ".a", a_sequences[6]);
  ASSERT_TRUE(purged.ok()) << purged.ToString();
  auto kept = ReadAll(stream, prefix + ".a", 1, 4);
  ASSERT_EQ(kept.size(), 4u);
  EXPECT_EQ(kept[0].sequence, a_sequences[6]);
  EXPECT_EQ(ReadAll(stream, prefix + ".b", 1, 5).size(), 5u);  // untouched
  EXPECT_EQ(*client_->LastSequence(stream, prefix + ".a"), a_sequences.back());
  EXPECT_EQ(client_->GetStreamState(stream)->messages, 9u);

  auto missing = client_->LastSequence(Unique("NO_SUCH_STREAM"), "x");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
  EXPECT_EQ(client_->GetStreamState(Unique("NO_SUCH_STREAM")).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace lode::testing
