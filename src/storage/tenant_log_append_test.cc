// Appends: batch ids and record ids stored once, across replay, flush
// and restart.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "base/coding.h"
#include "base/crc32c.h"
#include "base/time.h"
#include "storage/tenant_log_test_util.h"

namespace lode {
namespace {

namespace fs = std::filesystem;

TEST_F(TenantLogTest, RetriedBatchIdIsStoredOnceAcrossReplayFlushAndRestart) {
  auto count = [&](TenantLog& log) { return All(log).size(); };
  {
    auto log = Open();
    ASSERT_TRUE(log->Append(Batch("a", kBase, 3), Durability::kDurable, "batch-1").ok());
    ASSERT_TRUE(log->Append(Batch("a", kBase, 3), Durability::kDurable, "batch-1").ok());
    ASSERT_TRUE(log->Append(Batch("a", kBase, 3), Durability::kBestEffort, "batch-1").ok());
    EXPECT_EQ(count(*log), 3u);
    ASSERT_TRUE(log->Append(Batch("a", kBase + 10, 3), Durability::kDurable, "batch-2").ok());
    EXPECT_EQ(count(*log), 6u);
  }
  {
    // Ids come back from WAL replay.
    auto log = Open();
    ASSERT_TRUE(log->Append(Batch("a", kBase, 3), Durability::kDurable, "batch-1").ok());
    EXPECT_EQ(count(*log), 6u);
    ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  }
  // And from the checkpoint file once their segments are gone.
  auto log = Open();
  ASSERT_TRUE(log->Append(Batch("a", kBase + 10, 3), Durability::kDurable, "batch-2").ok());
  EXPECT_EQ(count(*log), 6u);
  ASSERT_TRUE(log->Append(Batch("a", kBase + 20, 3), Durability::kDurable, "batch-3").ok());
  EXPECT_EQ(count(*log), 9u);
}

TEST_F(TenantLogTest, BatchIdsExpireAfterTheWindow) {
  options_.batch_ids.max_ids = 2;
  auto log = Open();
  for (const char* id : {"x1", "x2", "x3"}) {
    ASSERT_TRUE(log->Append(Batch("a", kBase, 1), Durability::kBestEffort, id).ok());
  }
  // x1 fell out of the two-id window, so it is stored again.
  ASSERT_TRUE(log->Append(Batch("a", kBase, 1), Durability::kBestEffort, "x1").ok());
  ASSERT_TRUE(log->Append(Batch("a", kBase, 1), Durability::kBestEffort, "x3").ok());
  EXPECT_EQ(All(*log).size(), 4u);
}

// Records of stream app=<app> with the given record ids (`log_record_uid`
// metadata; an empty id gives a record without one), all at `t`.
static std::vector<StreamBatch> WithIds(const std::string& app, int64_t t,
                                        const std::vector<std::string>& ids) {
  StreamBatch b{Labels({{"app", app}}), {}};
  for (const std::string& id : ids) {
    Labels metadata;
    if (!id.empty()) metadata = Labels({{"log_record_uid", id}});
    b.entries.push_back(Entry{t, app + "#" + id, metadata});
  }
  return {b};
}

TEST_F(TenantLogTest, RecordIdsAreStoredOnceAcrossCallsReplayFlushAndRestart) {
  auto lines = [&](TenantLog& log) {
    auto all = All(log);
    std::sort(all.begin(), all.end());
    return all;
  };
  {
    auto log = Open();
    // Repeats inside one call and across calls are left out; records
    // without an id are always stored.
    ASSERT_TRUE(
        log->Append(WithIds("a", kBase, {"r1", "r2", "r1", "", ""}), Durability::kDurable).ok());
    ASSERT_TRUE(log->Append(WithIds("a", kBase, {"r2", "r3"}), Durability::kBestEffort).ok());
    EXPECT_EQ(lines(*log), (std::vector<std::string>{"a#", "a#", "a#r1", "a#r2", "a#r3"}));
    // An id is compared within its stream only.
    ASSERT_TRUE(log->Append(WithIds("b", kBase, {"r1"}), Durability::kDurable).ok());
    EXPECT_EQ(log->Stats().duplicate_records, 2u);
  }
  {
    // Ids come back from WAL replay.
    auto log = Open();
    ASSERT_TRUE(log->Append(WithIds("a", kBase, {"r3", "r4"}), Durability::kDurable).ok());
    EXPECT_EQ(lines(*log).size(), 7u);
    ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  }
  // And from the checkpoint file once their segments are gone: a call made
  // only of duplicates stores nothing.
  auto log = Open();
  ASSERT_TRUE(log->Append(WithIds("a", kBase, {"r1", "r4"}), Durability::kDurable).ok());
  ASSERT_TRUE(log->Append(WithIds("b", kBase, {"r1"}), Durability::kBestEffort).ok());
  EXPECT_EQ(lines(*log),
            (std::vector<std::string>{"a#", "a#", "a#r1", "a#r2", "a#r3", "a#r4", "b#r1"}));
  EXPECT_EQ(log->Stats().duplicate_records, 3u);
}

TEST_F(TenantLogTest, RecordIdKeysAreConfigurable) {
  options_.record_id_keys = {"event_id"};
  auto log = Open();
  // log_record_uid is no longer an id; event_id is.
  ASSERT_TRUE(log->Append(WithIds("a", kBase, {"r1", "r1"}), Durability::kBestEffort).ok());
  StreamBatch b{Labels({{"app", "a"}}), {}};
  for (int i = 0; i < 3; ++i) {
    b.entries.push_back(Entry{kBase, "e", Labels({{"event_id", "7"}})});
  }
  ASSERT_TRUE(log->Append({b}, Durability::kBestEffort).ok());
  EXPECT_EQ(All(*log).size(), 3u);
}

TEST_F(TenantLogTest, ConcurrentDeliveriesOfTheSameRecordsStoreEachOnce) {
  auto log = Open();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        // Every thread sends ids 0..199, in a different order and batching.
        int id = (i * (2 * t + 1)) % 200;
        auto batch = WithIds("a", kBase, {std::to_string(id), std::to_string((id + 1) % 200)});
        ASSERT_TRUE(
            log->Append(batch, t % 2 ? Durability::kDurable : Durability::kBestEffort).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  auto all = All(*log);
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::unique(all.begin(), all.end()), all.end());
  EXPECT_EQ(all.size(), 200u);
}

TEST_F(TenantLogTest, AVersionOneCheckpointIsStillRead) {
  // "LODECKP1", wal_checkpoint 0, one batch id "old" and no record ids.
  std::string data = "LODECKP1";
  PutFixed64(data, 0);
  PutVarint64(data, 1);
  PutLengthPrefixed(data, "old");
  PutVarsint64(data, NowNanos());
  PutFixed32(data, crc32c::Value(data));
  std::ofstream(dir_ + "/checkpoint", std::ios::binary) << data;
  auto log = Open();
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Append(Batch("a", kBase, 1), Durability::kDurable, "old").ok());
  ASSERT_TRUE(log->Append(WithIds("a", kBase, {"r1", "r1"}), Durability::kDurable).ok());
  EXPECT_EQ(All(*log).size(), 1u);
}

}  // namespace
}  // namespace lode
