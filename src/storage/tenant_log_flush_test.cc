// Head flushes into parts, and recovery around them.
#include <gtest/gtest.h>

#include <fstream>

#include "io/fault_env.h"
#include "storage/part/part_writer.h"
#include "storage/tenant_log_test_util.h"

namespace lode {
namespace {

namespace fs = std::filesystem;

TEST_F(TenantLogTest, AHeadIsFlushedOnceItIsOlderThanMaxHeadAge) {
  FaultEnv env(Env::Default());
  ManualClock clock;
  env.SetClock(&clock);
  options_.max_head_age = std::chrono::minutes(5);
  auto opened = TenantLog::Open(&env, "t", dir_, options_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<TenantLog> log = std::move(opened).value();
  ASSERT_TRUE(log->Append(Batch("a", kBase, 3), Durability::kBestEffort).ok());
  clock.Advance(std::chrono::minutes(4));
  ASSERT_TRUE(log->MaybeFlushHead(/*force=*/false).ok());
  EXPECT_TRUE(Files("parts", ".part").empty());
  // A later append does not make the head younger.
  ASSERT_TRUE(log->Append(Batch("b", kBase, 1), Durability::kBestEffort).ok());
  clock.Advance(std::chrono::minutes(1));
  ASSERT_TRUE(log->MaybeFlushHead(/*force=*/false).ok());
  EXPECT_EQ(Files("parts", ".part").size(), 1u);
  EXPECT_EQ(All(*log).size(), 4u);
}

TEST_F(TenantLogTest, FlushWritesOnePartPerDayAndDropsCoveredSegments) {
  auto log = Open();
  ASSERT_TRUE(log->Append(Batch("a", kBase, 60), Durability::kDurable).ok());  // 3 days
  ASSERT_TRUE(log->Append(Batch("b", kBase + 1, 5), Durability::kBestEffort).ok());
  auto before = All(*log);
  ASSERT_EQ(before.size(), 65u);
  ASSERT_TRUE(log->MaybeFlushHead(/*force=*/true).ok());

  auto parts = Files("parts", ".part");
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_NE(parts[0].find("/parts/2024-05-01/"), std::string::npos) << parts[0];
  EXPECT_NE(parts[2].find("/parts/2024-05-03/"), std::string::npos) << parts[2];
  // No segment is left: the next one is created by the next write.
  EXPECT_TRUE(Files("wal", ".wal").empty());
  EXPECT_EQ(All(*log), before);
  EXPECT_EQ(log->record_count(), 65u);

  // New records go to the head; reads merge both, in time order.
  ASSERT_TRUE(log->Append(Batch("c", kBase + 2, 3), Durability::kDurable).ok());
  auto merged = All(*log);
  ASSERT_EQ(merged.size(), 68u);
  EXPECT_EQ(merged[0], "a#" + std::to_string(kBase));
  EXPECT_EQ(merged[1], "b#" + std::to_string(kBase + 1));
  EXPECT_EQ(merged[2], "c#" + std::to_string(kBase + 2));
  auto backward = All(*log, Direction::kBackward);
  std::reverse(backward.begin(), backward.end());
  EXPECT_EQ(backward, merged);
}

TEST_F(TenantLogTest, ReopenAfterFlushReadsPartsAndReplaysOnlyNewerSegments) {
  std::vector<std::string> expected;
  {
    auto log = Open();
    ASSERT_TRUE(log->Append(Batch("a", kBase, 30), Durability::kDurable).ok());
    ASSERT_TRUE(log->MaybeFlushHead(true).ok());
    ASSERT_TRUE(log->Append(Batch("b", kBase + 7, 30), Durability::kDurable).ok());
    expected = All(*log);
    // No Close: the process dies with "b" only in the WAL.
  }
  auto log = Open();
  EXPECT_EQ(All(*log), expected);
  EXPECT_EQ(log->record_count(), 60u);
}

TEST_F(TenantLogTest, ACleanCloseLeavesNoWalSegmentsAndReopensWhole) {
  options_.flush_head_on_close = true;
  std::vector<std::string> expected;
  for (int run = 0; run < 3; ++run) {
    auto log = Open();
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(All(*log), expected) << run;
    if (run < 2) {
      ASSERT_TRUE(
          log->Append(Batch(run == 0 ? "a" : "b", kBase + run, 5), Durability::kDurable).ok());
    }
    expected = All(*log);
    ASSERT_TRUE(log->Close().ok());
    EXPECT_FALSE(fs::exists(dir_ + "/wal")) << run;
  }
  EXPECT_EQ(expected.size(), 10u);
  // Without the final flush the segment holds the head, and stays.
  options_.flush_head_on_close = false;
  auto log = Open();
  ASSERT_TRUE(log->Append(Batch("c", kBase, 1), Durability::kDurable).ok());
  ASSERT_TRUE(log->Close().ok());
  EXPECT_EQ(Files("wal", ".wal").size(), 1u);
  log = Open();
  EXPECT_EQ(All(*log).size(), 11u);
}

TEST_F(TenantLogTest, PartsOfAFlushThatNeverCheckpointedAreRemoved) {
  std::vector<std::string> expected;
  {
    auto log = Open();
    ASSERT_TRUE(log->Append(Batch("a", kBase, 10), Durability::kDurable).ok());
    ASSERT_TRUE(log->MaybeFlushHead(true).ok());
    ASSERT_TRUE(log->Append(Batch("b", kBase + 1, 10), Durability::kDurable).ok());
    expected = All(*log);
  }
  // As if a flush of "b" wrote its part and died before the checkpoint.
  std::vector<Entry> entries = Batch("b", kBase + 1, 10)[0].entries;
  part::StreamRecords stream{Labels({{"app", "b"}}), {}};
  for (const Entry& e : entries) stream.entries.push_back(part::RecordRef::Of(e));
  std::string stray = dir_ + "/parts/2024-05-01/0000000099.part";
  ASSERT_TRUE(part::WritePart(Env::Default(), stray, {stream}, 1000, {}).ok());
  std::ofstream(dir_ + "/parts/2024-05-01/0000000100.part.tmp") << "half written";

  auto log = Open();
  EXPECT_EQ(All(*log), expected);  // "b" once, from the WAL
  EXPECT_FALSE(fs::exists(stray));
  EXPECT_FALSE(fs::exists(dir_ + "/parts/2024-05-01/0000000100.part.tmp"));
}

TEST_F(TenantLogTest, SegmentsLeftAfterTheCheckpointAreNotReplayedAgain) {
  std::vector<std::string> expected;
  std::string saved = dir_ + "-saved";
  {
    auto log = Open();
    ASSERT_TRUE(log->Append(Batch("a", kBase, 10), Durability::kDurable).ok());
    fs::copy(dir_ + "/wal", saved);
    ASSERT_TRUE(log->MaybeFlushHead(true).ok());
    expected = All(*log);
  }
  // As if the flush died after its checkpoint, before deleting segments.
  for (const auto& e : fs::directory_iterator(saved)) {
    fs::copy_file(e.path(), dir_ + "/wal/" + e.path().filename().string(),
                  fs::copy_options::overwrite_existing);
  }
  fs::remove_all(saved);
  auto log = Open();
  EXPECT_EQ(All(*log), expected);
  EXPECT_EQ(log->record_count(), 10u);
}

TEST_F(TenantLogTest, HeadOverItsSizeLimitIsFlushedWithoutForce) {
  options_.max_head_bytes = 2000;
  auto log = Open();
  ASSERT_TRUE(log->Append(Batch("a", kBase, 5), Durability::kBestEffort).ok());
  ASSERT_TRUE(log->MaybeFlushHead(false).ok());
  EXPECT_TRUE(Files("parts", ".part").empty());
  ASSERT_TRUE(log->Append(Batch("a", kBase + kDay / 2, 50), Durability::kBestEffort).ok());
  ASSERT_TRUE(log->MaybeFlushHead(false).ok());
  EXPECT_FALSE(Files("parts", ".part").empty());
  EXPECT_EQ(All(*log).size(), 55u);
}

TEST_F(TenantLogTest, DamagedCheckpointStopsTheOpenWithAClearError) {
  {
    auto log = Open();
    ASSERT_TRUE(log->Append(Batch("a", kBase, 3), Durability::kDurable).ok());
    ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  }
  {
    std::fstream f(dir_ + "/checkpoint", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(9);
    f.put('\x01');
  }
  auto log = TenantLog::Open(Env::Default(), "t", dir_, options_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kCorruption);
  EXPECT_NE(log.status().message().find("checkpoint"), std::string::npos);
}

}  // namespace
}  // namespace lode
