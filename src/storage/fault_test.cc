// TenantLog under injected faults: power loss, failed and torn writes,
// failed syncs, a flush that cannot write its parts.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "io/clock.h"
#include "io/fault_env.h"
#include "storage/tenant_log.h"

namespace lode {
namespace {

constexpr int64_t kBase = 1714521600LL * 1'000'000'000;

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lode-fault-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    options_.flush_head_on_close = false;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<TenantLog> Open() {
    auto log = TenantLog::Open(&env_, "t", dir_ + "/t", options_);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }

  static std::vector<StreamBatch> One(const std::string& line, int64_t t) {
    return {StreamBatch{Labels({{"app", "a"}}), {Entry{kBase + t, line, {}}}}};
  }

  static std::vector<std::string> Lines(TenantLog& log) {
    SelectRequest req;
    req.tenant = "t";
    req.start = 0;
    req.end = kBase * 2;
    req.matchers = {Matcher::Create(MatchType::kEqual, "app", "a").value()};
    req.direction = Direction::kForward;
    auto it = log.Select(req);
    std::vector<std::string> out;
    while (it->Next()) out.push_back(it->record().line);
    return out;
  }

  std::string dir_;
  FaultEnv env_{Env::Default()};
  TenantLogOptions options_;
};

TEST_F(FaultTest, PowerLossKeepsEveryDurableRecordAndDropsOnlyUnsyncedOnes) {
  {
    auto log = Open();
    ASSERT_TRUE(log->Append(One("durable 1", 1), Durability::kDurable).ok());
    ASSERT_TRUE(log->Append(One("maybe lost", 2), Durability::kBestEffort).ok());
    ASSERT_TRUE(log->Append(One("durable 2", 3), Durability::kDurable).ok());
    ASSERT_TRUE(log->Append(One("lost", 4), Durability::kBestEffort).ok());
    ASSERT_TRUE(env_.DropUnsyncedData().ok());
  }
  auto log = Open();
  // The best-effort record before the second durable one rode its fsync.
  EXPECT_EQ(Lines(*log), (std::vector<std::string>{"durable 1", "maybe lost", "durable 2"}));
}

TEST_F(FaultTest, PowerLossAfterAHeadFlushKeepsPartsAndLaterDurableRecords) {
  {
    auto log = Open();
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(log->Append(One("old " + std::to_string(i), i), Durability::kBestEffort).ok());
    }
    ASSERT_TRUE(log->MaybeFlushHead(true).ok());
    ASSERT_TRUE(log->Append(One("new", 10), Durability::kDurable).ok());
    ASSERT_TRUE(env_.DropUnsyncedData().ok());
  }
  auto log = Open();
  EXPECT_EQ(Lines(*log).size(), 6u);
}

TEST_F(FaultTest, FailedWriteRefusesFurtherWritesAndKeepsWhatWasAcknowledged) {
  {
    auto log = Open();
    ASSERT_TRUE(log->Append(One("before", 1), Durability::kDurable).ok());
    env_.FailAppendsAfter(0);
    Status failed = log->Append(One("during", 2), Durability::kDurable);
    EXPECT_EQ(failed.code(), StatusCode::kIOError);
    env_.Heal();
    // Sticky: the file's state is unknown, so nothing more is acknowledged.
    EXPECT_FALSE(log->Append(One("after", 3), Durability::kDurable).ok());
    ASSERT_TRUE(env_.DropUnsyncedData().ok());
  }
  auto log = Open();  // a restart recovers
  EXPECT_EQ(Lines(*log), (std::vector<std::string>{"before"}));
  EXPECT_TRUE(log->Append(One("after restart", 4), Durability::kDurable).ok());
}

TEST_F(FaultTest, FailedSyncIsNotAcknowledged) {
  auto log = Open();
  env_.FailSyncs(true);
  EXPECT_FALSE(log->Append(One("unsynced", 1), Durability::kDurable).ok());
  env_.Heal();
}

TEST_F(FaultTest, TornWriteIsCutOffOnRecovery) {
  {
    auto log = Open();
    ASSERT_TRUE(log->Append(One("whole", 1), Durability::kDurable).ok());
    env_.TearNextAppend(7);
    EXPECT_FALSE(log->Append(One("torn in half", 2), Durability::kDurable).ok());
    env_.Heal();
  }
  auto log = Open();
  EXPECT_EQ(Lines(*log), (std::vector<std::string>{"whole"}));
  EXPECT_TRUE(log->Append(One("next", 3), Durability::kDurable).ok());
  EXPECT_EQ(Lines(*log), (std::vector<std::string>{"whole", "next"}));
}

TEST_F(FaultTest, FlushThatCannotPublishKeepsRecordsAndSucceedsLater) {
  auto log = Open();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(log->Append(One("r" + std::to_string(i), i), Durability::kDurable).ok());
  }
  env_.FailRenames(true);  // parts and the checkpoint are published by rename
  EXPECT_FALSE(log->MaybeFlushHead(true).ok());
  ASSERT_TRUE(log->Append(One("r5", 5), Durability::kDurable).ok());
  EXPECT_EQ(Lines(*log).size(), 6u);  // nothing lost, nothing doubled
  env_.Heal();
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  EXPECT_EQ(Lines(*log).size(), 6u);
  log.reset();
  log = Open();
  EXPECT_EQ(Lines(*log).size(), 6u);
}

// A full disk: appends are refused (durable NoSpace, HTTP 507; best-effort
// RateLimited, 429) rather than acknowledged, reads go on, what was
// acknowledged is kept, and the log takes writes again by itself once
// space returns, with every record stored once.
TEST_F(FaultTest, AFullDiskRefusesAppendsLosesNothingAndRecoversWhenSpaceReturns) {
  ManualClock clock(kBase);
  env_.SetClock(&clock);
  {
    auto log = Open();
    ASSERT_TRUE(log->Append(One("before", 1), Durability::kDurable).ok());
    ASSERT_TRUE(log->Append(One("acknowledged, not yet written", 2), Durability::kBestEffort).ok());
    env_.FillDisk(true);
    Status full = log->Append(One("refused durable", 3), Durability::kDurable);
    EXPECT_EQ(full.code(), StatusCode::kNoSpace) << full.ToString();
    // Refused before anything is kept, while the disk was full a moment ago.
    EXPECT_EQ(log->Append(One("x", 4), Durability::kBestEffort).code(), StatusCode::kRateLimited);
    EXPECT_EQ(log->Append(One("y", 5), Durability::kDurable).code(), StatusCode::kNoSpace);
    EXPECT_EQ(log->Flush().code(), StatusCode::kNoSpace);
    // Reads go on. The refused durable record waits with the others: it
    // was in memory before its write failed, and is written with them.
    const std::vector<std::string> kept = {"before", "acknowledged, not yet written",
                                           "refused durable"};
    EXPECT_EQ(Lines(*log), kept);
    env_.Heal();
    clock.Advance(std::chrono::seconds(2));
    ASSERT_TRUE(log->Append(One("after", 6), Durability::kDurable).ok());
    ASSERT_TRUE(env_.DropUnsyncedData().ok());  // a power cut, now
  }
  auto log = Open();
  EXPECT_EQ(Lines(*log), (std::vector<std::string>{"before", "acknowledged, not yet written",
                                                   "refused durable", "after"}));
}

// Delayed allocation reports a full disk at fsync: what was written since
// the last sync is cut off and written again, not left twice in the WAL.
TEST_F(FaultTest, ANoSpaceFsyncCutsTheSegmentBackAndWritesEachFrameOnce) {
  ManualClock clock(kBase);
  env_.SetClock(&clock);
  options_.max_pending_bytes = 1;  // every best-effort append is written at once, unsynced
  {
    auto log = Open();
    ASSERT_TRUE(log->Append(One("durable", 1), Durability::kDurable).ok());
    ASSERT_TRUE(log->Append(One("written, unsynced", 2), Durability::kBestEffort).ok());
    env_.FillDisk(true, /*at_sync=*/true);
    EXPECT_EQ(log->Append(One("sync fails", 3), Durability::kDurable).code(), StatusCode::kNoSpace);
    env_.Heal();
    clock.Advance(std::chrono::seconds(2));
    ASSERT_TRUE(log->Flush().ok());
    ASSERT_TRUE(log->Append(One("after", 4), Durability::kDurable).ok());
    ASSERT_TRUE(env_.DropUnsyncedData().ok());
  }
  auto log = Open();
  EXPECT_EQ(Lines(*log),
            (std::vector<std::string>{"durable", "written, unsynced", "sync fails", "after"}));
}

// A head flush that finds the disk full keeps its records in memory and
// in the WAL, and succeeds once space returns.
TEST_F(FaultTest, AHeadFlushOnAFullDiskKeepsItsRecordsAndSucceedsLater) {
  ManualClock clock(kBase);
  env_.SetClock(&clock);
  {
    auto log = Open();
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(log->Append(One("r" + std::to_string(i), i), Durability::kDurable).ok());
    }
    env_.FillDisk(true);
    Status flush = log->MaybeFlushHead(true);
    EXPECT_EQ(flush.code(), StatusCode::kNoSpace) << flush.ToString();
    EXPECT_TRUE(log->head_flush_out_of_space());
    EXPECT_EQ(Lines(*log).size(), 5u);
    env_.Heal();
    clock.Advance(std::chrono::seconds(2));
    ASSERT_TRUE(log->Append(One("r5", 5), Durability::kDurable).ok());
    ASSERT_TRUE(log->MaybeFlushHead(true).ok());
    EXPECT_FALSE(log->head_flush_out_of_space());
    EXPECT_EQ(Lines(*log).size(), 6u);
    ASSERT_TRUE(env_.DropUnsyncedData().ok());
  }
  auto log = Open();
  EXPECT_EQ(Lines(*log), (std::vector<std::string>{"r0", "r1", "r2", "r3", "r4", "r5"}));
}

// Parts are written with the WAL already synced: a flush whose part write
// (not its WAL write) meets the full disk leaves the WAL whole.
TEST_F(FaultTest, APartWriteOnAFullDiskLeavesTheWalWhole) {
  ManualClock clock(kBase);
  env_.SetClock(&clock);
  {
    auto log = Open();
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(log->Append(One("r" + std::to_string(i), i), Durability::kDurable).ok());
    }
    // Everything is synced: the flush writes no frame, and its roll has
    // nothing to sync; the part is what fails.
    env_.FillDisk(true);
    EXPECT_EQ(log->MaybeFlushHead(true).code(), StatusCode::kNoSpace);
    env_.Heal();
    ASSERT_TRUE(env_.DropUnsyncedData().ok());
  }
  auto log = Open();
  EXPECT_EQ(Lines(*log).size(), 5u);
}

}  // namespace
}  // namespace lode
