// Servers that die under a NatsClient: a real JetStream cluster (see
// nats_cluster.h) whose nodes these tests kill -9 and start again.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
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

// A client whose server dies moves to another one by itself (it learnt
// of them from the first); while it has none, calls fail at once.
TEST_F(NatsClusterTest, AClientWhoseServerDiesReconnectsToAnother) {
  const std::string prefix = Unique("reconnect");
  const std::string stream = MakeStream("RECONNECT", prefix);
  NatsOptions options;
  options.servers = {NatsUrls().at(2)};  // node 3 only
  auto lonely = NatsClient::Connect(options);
  ASSERT_TRUE(lonely.ok()) << lonely.status().ToString();
  ASSERT_TRUE((*lonely)->connected());
  ASSERT_TRUE((*lonely)->PublishAll({Msg(prefix + ".x", "before")})[0].ok());

  auto killed_at = steady_clock::now();
  ASSERT_EQ(RunScript("nats-down.sh --kill 3"), 0);
  bool saw_disconnected = false;
  while (steady_clock::now() - killed_at < 10s) {
    if (!(*lonely)->connected()) {
      saw_disconnected = true;
      auto start = steady_clock::now();
      auto refused = (*lonely)->PublishAll({Msg(prefix + ".x", "while down")});
      if (!(*lonely)->connected() && !refused[0].ok()) {
        EXPECT_EQ(refused[0].status().code(), StatusCode::kUnavailable);
        EXPECT_LT(steady_clock::now() - start, 100ms);
      }
    } else if ((*lonely)->stats().reconnects > 0) {
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  const double reconnect_ms = Millis(steady_clock::now() - killed_at);
  NatsStats stats = (*lonely)->stats();
  EXPECT_GE(stats.disconnects, 1u);
  EXPECT_GE(stats.reconnects, 1u);
  // If n3 led the stream, no server listens on its subjects until another
  // is elected (a few seconds): publishes are refused meanwhile.
  auto after = (*lonely)->PublishAll({Msg(prefix + ".x", "after")});
  while (!after[0].ok() && after[0].status().code() == StatusCode::kUnavailable &&
         steady_clock::now() - killed_at < 20s) {
    std::this_thread::sleep_for(100ms);
    after = (*lonely)->PublishAll({Msg(prefix + ".x", "after")});
  }
  EXPECT_TRUE(after[0].ok()) << after[0].status().ToString();
  std::printf(
      "reconnected to another server %.0f ms after its own was killed (saw it "
      "disconnected: %s)\n",
      reconnect_ms, saw_disconnected ? "yes" : "no");
  ASSERT_EQ(RunScript("nats-up.sh 3"), 0);
}

// kill -9 of the stream's leader while PublishAll publishes and an
// ordered consumer reads: every acked message is stored exactly once
// (failed publishes are sent again with their msg id), and the consumer
// goes on without a gap or a repeat.
TEST_F(NatsClusterTest, KillingTheStreamLeaderLosesNoAckedMessage) {
  const std::string prefix = Unique("failover");
  const std::string subject = prefix + ".log";
  const std::string stream = MakeStream("FAILOVER", prefix);

  std::atomic<bool> stop_publishing{false};
  std::mutex acked_mu;
  std::set<int> acked;
  std::atomic<int> publish_errors{0};
  double longest_stall_ms = 0;
  std::thread publisher([&] {
    int next_id = 0;
    std::vector<int> unacked;
    while (!stop_publishing || !unacked.empty()) {
      while (unacked.size() < 20 && !stop_publishing) unacked.push_back(next_id++);
      std::vector<OutgoingMessage> batch;
      for (int id : unacked) {
        batch.push_back(Msg(subject, "id=" + std::to_string(id), "f-" + std::to_string(id)));
      }
      auto start = steady_clock::now();
      auto results = client_->PublishAll(batch);
      std::vector<int> failed;
      for (size_t i = 0; i < results.size(); ++i) {
        if (results[i].ok()) {
          std::lock_guard<std::mutex> lock(acked_mu);
          acked.insert(unacked[i]);
        } else {
          ++publish_errors;
          failed.push_back(unacked[i]);
        }
      }
      unacked = failed;
      // A few thousand messages a second: enough to be publishing at any
      // moment of the failover, few enough to read back quickly.
      std::this_thread::sleep_for(failed.empty() ? 5ms : 50ms);
      longest_stall_ms = std::max(longest_stall_ms, Millis(steady_clock::now() - start));
    }
  });

  std::atomic<bool> stop_consuming{false};
  std::vector<StreamMessage> consumed;  // the reader's until it stops
  std::atomic<size_t> consumed_count{0};
  std::atomic<int> consume_errors{0};
  std::thread reader([&] {
    auto consumer = client_->ConsumeOrdered(stream, subject, 1);
    ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
    while (!stop_consuming) {
      auto batch = (*consumer)->Next(500, 200ms);
      if (!batch.ok()) {
        ++consume_errors;
        continue;
      }
      for (StreamMessage& m : *batch) consumed.push_back(std::move(m));
      consumed_count = consumed.size();
    }
  });

  auto acked_count = [&] {
    std::lock_guard<std::mutex> lock(acked_mu);
    return acked.size();
  };
  std::this_thread::sleep_for(1s);
  auto state = client_->GetStreamState(stream);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  ASSERT_EQ(state->leader.size(), 2u) << state->leader;  // "n1".."n3"
  const std::string node = state->leader.substr(1);
  const size_t acked_before = acked_count();
  auto killed_at = steady_clock::now();
  ASSERT_EQ(RunScript("nats-down.sh --kill " + node), 0);

  // Publishing goes on against the two others once they elect a leader
  // (asked with a short timeout, to time the election closely).
  std::unique_ptr<NatsClient> watcher = Connect(16, 500ms);
  ASSERT_NE(watcher, nullptr);
  std::string new_leader;
  while (new_leader.empty() && steady_clock::now() - killed_at < 30s) {
    auto now = watcher->GetStreamState(stream);
    if (now.ok() && !now->leader.empty() && now->leader != state->leader) new_leader = now->leader;
    std::this_thread::sleep_for(50ms);
  }
  const double election_ms = Millis(steady_clock::now() - killed_at);
  ASSERT_FALSE(new_leader.empty()) << "no new leader 30 s after n" << node << " was killed";
  // The reader goes on too, with n<node> still down: it reaches what was
  // acked 2 s after the election.
  std::this_thread::sleep_for(2s);
  const size_t acked_while_down = acked_count();
  auto wait_start = steady_clock::now();
  while (consumed_count < acked_while_down && steady_clock::now() - wait_start < 20s) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_GE(consumed_count.load(), acked_while_down)
      << "the reader stopped with n" << node << " down";
  const double catch_up_ms = Millis(steady_clock::now() - wait_start);

  ASSERT_EQ(RunScript("nats-up.sh " + node), 0);
  std::this_thread::sleep_for(500ms);
  stop_publishing = true;
  publisher.join();

  std::set<int> acked_ids;
  {
    std::lock_guard<std::mutex> lock(acked_mu);
    acked_ids = acked;
  }
  auto final_state = client_->GetStreamState(stream);
  ASSERT_TRUE(final_state.ok()) << final_state.status().ToString();
  // The reader catches up with everything stored.
  auto deadline = steady_clock::now() + 20s;
  while (consumed_count < final_state->messages && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  stop_consuming = true;
  reader.join();

  std::printf(
      "killed leader n%s after %zu acks; new leader %s after %.0f ms; the reader had %zu "
      "acked messages %.0f ms later; %zu acked in all, %d publish errors (sent again), "
      "longest PublishAll %.0f ms, %d consumer errors\n",
      node.c_str(), acked_before, new_leader.c_str(), election_ms, acked_while_down, catch_up_ms,
      acked_ids.size(), publish_errors.load(), longest_stall_ms, consume_errors.load());

  // Every acked id is in the stream once.
  auto stored = ReadAll(stream, subject, 1, final_state->messages);
  std::map<int, int> copies;
  for (const StreamMessage& m : stored) copies[std::stoi(m.data.substr(3))]++;
  for (int id : acked_ids) EXPECT_EQ(copies[id], 1) << "id " << id;
  EXPECT_EQ(stored.size(), final_state->messages);
  // The reader got the same messages, in order, none twice, none skipped.
  {
    std::set<uint64_t> got;
    for (const StreamMessage& m : consumed) got.insert(m.sequence);
    int shown = 0;
    for (const StreamMessage& m : stored) {
      if (!got.count(m.sequence) && shown++ < 5)
        std::printf("reader missed sequence %llu\n", (unsigned long long)m.sequence);
    }
    std::printf("reader: %zu messages, first %llu last %llu; stored %zu, last %llu\n",
                consumed.size(),
                consumed.empty() ? 0ULL : (unsigned long long)consumed.front().sequence,
                consumed.empty() ? 0ULL : (unsigned long long)consumed.back().sequence,
                stored.size(), stored.empty() ? 0ULL : (unsigned long long)stored.back().sequence);
  }
  ASSERT_EQ(consumed.size(), stored.size());
  for (size_t i = 0; i < consumed.size(); ++i) {
    EXPECT_EQ(consumed[i].sequence, stored[i].sequence) << i;
    EXPECT_EQ(consumed[i].data, stored[i].data) << i;
  }
}

}  // namespace
}  // namespace lode::testing
