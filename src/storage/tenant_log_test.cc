// Retention and merges of a tenant's parts.
#include <gtest/gtest.h>

#include "base/time.h"
#include "io/fault_env.h"
#include "io/open_files.h"
#include "storage/part/part_reader.h"
#include "storage/tenant_log_test_util.h"

namespace lode {
namespace {

namespace fs = std::filesystem;

TEST_F(TenantLogTest, RetentionDeletesOldPartsThenTheOldestBeyondTheSizeLimit) {
  auto log = Open();
  const int64_t now = NowNanos();
  for (int64_t days_ago : {10, 5, 0}) {
    StreamBatch b{Labels({{"app", "a"}}), {}};
    for (int i = 0; i < 20; ++i) {
      b.entries.push_back(Entry{now - days_ago * kDay - 60LL * 1'000'000'000 + i,
                                "d" + std::to_string(days_ago) + " " + std::to_string(i),
                                {}});
    }
    ASSERT_TRUE(log->Append({b}, Durability::kBestEffort).ok());
    ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  }
  ASSERT_EQ(Files("parts", ".part").size(), 3u);
  ASSERT_EQ(All(*log).size(), 60u);

  PartSet::Removed removed = log->ApplyRetention(7 * kDay, 0);
  EXPECT_EQ(removed.parts, 1u);
  EXPECT_EQ(removed.records, 20u);
  EXPECT_EQ(Files("parts", ".part").size(), 2u);
  auto lines = All(*log);
  ASSERT_EQ(lines.size(), 40u);
  EXPECT_EQ(lines.front(), "d5 0");
  EXPECT_EQ(log->record_count(), 40u);
  // The emptied day directory is gone too.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ + "/parts"), fs::directory_iterator()), 2);

  // A size limit that fits only one part keeps the newest.
  uint64_t newest = fs::file_size(Files("parts", ".part").back());
  removed = log->ApplyRetention(0, newest);
  EXPECT_EQ(removed.parts, 1u);
  lines = All(*log);
  ASSERT_EQ(lines.size(), 20u);
  EXPECT_EQ(lines.front(), "d0 0");
  // Nothing more to do.
  EXPECT_EQ(log->ApplyRetention(7 * kDay, newest).parts, 0u);
}

TEST_F(TenantLogTest, RetentionMeasuresAgeByTheEnvsClock) {
  FaultEnv env(Env::Default());
  ManualClock clock(kBase + 2 * kDay);
  env.SetClock(&clock);
  std::unique_ptr<TenantLog> log = Open(&env);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Append(Batch("a", kBase, 48), Durability::kBestEffort).ok());  // 2 days
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  ASSERT_EQ(Files("parts", ".part").size(), 2u);
  // A day and a half of retention keeps both days while the clock says
  // it is the end of the second.
  EXPECT_EQ(log->ApplyRetention(kDay + kDay / 2, 0).parts, 0u);
  // A day later the first day's part is past it.
  clock.Advance(std::chrono::hours(24));
  PartSet::Removed removed = log->ApplyRetention(kDay + kDay / 2, 0);
  EXPECT_EQ(removed.parts, 1u);
  EXPECT_EQ(removed.records, 24u);
  EXPECT_EQ(All(*log).size(), 24u);
}

// A day whose records are all older than cold_after is rewritten once, as
// one part flagged cold, and reads the same; a day still within it is not.
TEST_F(TenantLogTest, ColdDaysAreCompactedOnceAndReadTheSame) {
  options_.cold_after = std::chrono::hours(24);
  options_.small_day_raw_bytes = 0;  // the day-old rule alone
  FaultEnv env(Env::Default());
  ManualClock clock(kBase + 2 * kDay);
  env.SetClock(&clock);
  std::unique_ptr<TenantLog> log = Open(&env);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Append(Batch("a", kBase, 48), Durability::kBestEffort).ok());  // 2 days
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  ASSERT_TRUE(log->Append(Batch("b", kBase, 24), Durability::kBestEffort).ok());  // day 1 again
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  ASSERT_EQ(Files("parts", ".part").size(), 3u);
  const auto before = All(*log);
  auto cold_parts = [&] {
    size_t n = 0;
    for (const std::string& path : Files("parts", ".part")) {
      auto reader = part::PartReader::Open(Env::Default(), path);
      EXPECT_TRUE(reader.ok());
      if (reader.ok()) n += ((*reader)->meta().flags & part::kPartFlagCold) != 0;
    }
    return n;
  };
  // Day 1 ended a day ago: its two parts become one cold part.
  auto compacted = log->MaybeMergeParts();
  ASSERT_TRUE(compacted.ok());
  EXPECT_TRUE(*compacted);
  EXPECT_EQ(Files("parts", ".part").size(), 2u);
  EXPECT_EQ(cold_parts(), 1u);
  EXPECT_EQ(All(*log), before);
  // Day 2 is within a day of now; day 1 is done.
  compacted = log->MaybeMergeParts();
  ASSERT_TRUE(compacted.ok());
  EXPECT_FALSE(*compacted);
  clock.Advance(std::chrono::hours(24));
  compacted = log->MaybeMergeParts();
  ASSERT_TRUE(compacted.ok());
  EXPECT_TRUE(*compacted);
  EXPECT_EQ(cold_parts(), 2u);
  EXPECT_EQ(All(*log), before);
  compacted = log->MaybeMergeParts();
  ASSERT_TRUE(compacted.ok());
  EXPECT_FALSE(*compacted);
  // And after a restart.
  log.reset();
  log = Open(&env);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(All(*log), before);
}

TEST_F(TenantLogTest, SmallDaysAreCompactedOnceTheyHaveBeenQuietAWhile) {
  options_.cold_after = std::chrono::hours(24);
  options_.small_day_cold_after = std::chrono::minutes(10);
  FaultEnv env(Env::Default());
  ManualClock clock(kBase + 2 * kDay);
  env.SetClock(&clock);
  std::unique_ptr<TenantLog> log = Open(&env);
  ASSERT_NE(log, nullptr);
  // Two parts of today, the newest record 5 minutes old.
  const int64_t now = kBase + 2 * kDay;
  const int64_t minute = 60'000'000'000;
  ASSERT_TRUE(log->Append(Batch("a", now - 20 * minute, 1), Durability::kBestEffort).ok());
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  ASSERT_TRUE(log->Append(Batch("b", now - 5 * minute, 1), Durability::kBestEffort).ok());
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  const auto before = All(*log);
  ASSERT_EQ(before.size(), 2u);
  auto compacted = log->MaybeMergeParts();
  ASSERT_TRUE(compacted.ok());
  EXPECT_FALSE(*compacted);
  EXPECT_EQ(Files("parts", ".part").size(), 2u);
  clock.Advance(std::chrono::minutes(6));
  compacted = log->MaybeMergeParts();
  ASSERT_TRUE(compacted.ok());
  EXPECT_TRUE(*compacted);
  ASSERT_EQ(Files("parts", ".part").size(), 1u);
  auto reader = part::PartReader::Open(Env::Default(), Files("parts", ".part")[0]);
  ASSERT_TRUE(reader.ok());
  EXPECT_NE((*reader)->meta().flags & part::kPartFlagCold, 0u);
  EXPECT_EQ(All(*log), before);
  compacted = log->MaybeMergeParts();
  ASSERT_TRUE(compacted.ok());
  EXPECT_FALSE(*compacted);
}

TEST_F(TenantLogTest, LargeDaysWaitADayForColdCompaction) {
  options_.cold_after = std::chrono::hours(24);
  options_.small_day_cold_after = std::chrono::minutes(10);
  options_.small_day_raw_bytes = 16;  // every day here holds more
  FaultEnv env(Env::Default());
  ManualClock clock(kBase + 2 * kDay);
  env.SetClock(&clock);
  std::unique_ptr<TenantLog> log = Open(&env);
  ASSERT_NE(log, nullptr);
  const int64_t now = kBase + 2 * kDay;
  ASSERT_TRUE(log->Append(Batch("a", now - 3'600'000'000'000, 1), Durability::kBestEffort).ok());
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  auto compacted = log->MaybeMergeParts();
  ASSERT_TRUE(compacted.ok());
  EXPECT_FALSE(*compacted);
  clock.Advance(std::chrono::hours(22));
  compacted = log->MaybeMergeParts();
  ASSERT_TRUE(compacted.ok());
  EXPECT_FALSE(*compacted);
  clock.Advance(std::chrono::hours(2));
  compacted = log->MaybeMergeParts();
  ASSERT_TRUE(compacted.ok());
  EXPECT_TRUE(*compacted);
}

TEST_F(TenantLogTest, MergeRewritesSmallPartsOfADayAsOneAndReadsTheSame) {
  std::vector<std::string> before;
  std::string saved = dir_ + "-saved";
  options_.merge_min_parts = 4;
  {
    auto log = Open();
    // Six flushes of interleaved times for two streams, all on one day.
    for (int f = 0; f < 6; ++f) {
      for (const char* app : {"a", "b"}) {
        StreamBatch b{Labels({{"app", app}}), {}};
        for (int i = 0; i < 150; ++i) {
          b.entries.push_back(
              Entry{kBase + i * 10 + f,
                    std::string(app) + " f" + std::to_string(f) + " i" + std::to_string(i),
                    {}});
        }
        // Equal within a stream across flushes: they keep flush order.
        // (Across streams, equal timestamps have no defined order.)
        b.entries.push_back(Entry{
            kBase + 5000 + (app[0] == 'b'), std::string(app) + " tie " + std::to_string(f), {}});
        ASSERT_TRUE(log->Append({b}, Durability::kBestEffort).ok());
      }
      ASSERT_TRUE(log->MaybeFlushHead(true).ok());
    }
    ASSERT_EQ(Files("parts", ".part").size(), 6u);
    before = All(*log);
    fs::copy(dir_ + "/parts", saved, fs::copy_options::recursive);

    auto merged = log->MaybeMergeParts();
    ASSERT_TRUE(merged.ok() && *merged);
    EXPECT_EQ(Files("parts", ".part").size(), 1u);
    EXPECT_EQ(All(*log), before);
    EXPECT_EQ(log->record_count(), before.size());
    StorageStats stats = log->Stats();
    EXPECT_EQ(stats.merges, 1u);
    EXPECT_GT(stats.merge_bytes, 0u);
    // Nothing left to merge.
    EXPECT_FALSE(*log->MaybeMergeParts());
  }
  // As if the merge died after publishing, before deleting its inputs.
  for (const auto& e : fs::recursive_directory_iterator(saved)) {
    if (!e.is_regular_file()) continue;
    std::string rel = fs::relative(e.path(), saved).string();
    fs::copy_file(e.path(), dir_ + "/parts/" + rel, fs::copy_options::overwrite_existing);
  }
  fs::remove_all(saved);
  auto log = Open();
  EXPECT_EQ(Files("parts", ".part").size(), 1u);
  EXPECT_EQ(All(*log), before);
}

TEST_F(TenantLogTest, MergeLeavesAPartMuchLargerThanTheSmallOnes) {
  options_.merge_min_parts = 4;
  auto log = Open();
  ASSERT_TRUE(log->Append(Batch("big", kBase, 20), Durability::kBestEffort).ok());  // ~one day
  StreamBatch big{Labels({{"app", "big"}}), {}};
  for (int i = 0; i < 20000; ++i) {
    big.entries.push_back(Entry{kBase + i, "line " + std::to_string(i * 7919), {}});
  }
  ASSERT_TRUE(log->Append({big}, Durability::kBestEffort).ok());
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  std::string big_part = Files("parts", ".part")[0];
  for (int f = 0; f < 4; ++f) {
    ASSERT_TRUE(log->Append(Batch("small", kBase + f, 3), Durability::kBestEffort).ok());
    ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  }
  ASSERT_TRUE(*log->MaybeMergeParts());
  auto parts = Files("parts", ".part");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], big_part);  // untouched
}

// The smallest part of a day (the last flush before a stop, say) must not
// keep the day's larger parts, each more than twice its size, from
// merging: they merge without it.
TEST_F(TenantLogTest, MergeIsNotHeldBackByOneMuchSmallerPart) {
  options_.merge_min_parts = 4;
  auto log = Open();
  ASSERT_TRUE(log->Append(Batch("tiny", kBase, 1), Durability::kBestEffort).ok());
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  std::string tiny_part = Files("parts", ".part")[0];
  for (int f = 0; f < 4; ++f) {
    StreamBatch b{Labels({{"app", "mid"}}), {}};
    for (int i = 0; i < 2000; ++i) {
      b.entries.push_back(Entry{kBase + f * 10000 + i, "line " + std::to_string(i * 7919 + f), {}});
    }
    ASSERT_TRUE(log->Append({b}, Durability::kBestEffort).ok());
    ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  }
  ASSERT_EQ(Files("parts", ".part").size(), 5u);
  ASSERT_GT(fs::file_size(Files("parts", ".part")[1]), 2 * fs::file_size(tiny_part));
  size_t records = All(*log).size();
  ASSERT_TRUE(*log->MaybeMergeParts());
  auto parts = Files("parts", ".part");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], tiny_part);  // untouched
  EXPECT_EQ(All(*log).size(), records);
}

// A part joins a merge only while it is no larger than 1.5 times the
// smaller parts taken before it together: one between 1.5 and 2 times
// their size (which a bound of 2 let in, to be rewritten again at the
// next few merges) is left as it is.
TEST_F(TenantLogTest, MergeLeavesAPartOverOneAndAHalfTimesTheSmallerOnes) {
  options_.merge_min_parts = 4;
  auto log = Open();
  auto flush = [&](int first, int lines) {
    StreamBatch b{Labels({{"app", "step"}}), {}};
    for (int i = first; i < first + lines; ++i) {
      b.entries.push_back(Entry{kBase + i, "line " + std::to_string(i * 7919 % 1000003), {}});
    }
    ASSERT_TRUE(log->Append({b}, Durability::kBestEffort).ok());
    ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  };
  flush(0, 4 * 1750);  // the larger part, first
  const std::string larger = Files("parts", ".part")[0];
  for (int f = 0; f < 4; ++f) flush(10000 + f * 1000, 1000);
  auto parts = Files("parts", ".part");
  ASSERT_EQ(parts.size(), 5u);
  uint64_t smaller = 0;
  for (size_t i = 1; i < parts.size(); ++i) smaller += fs::file_size(parts[i]);
  const uint64_t large = fs::file_size(larger);
  ASSERT_GT(2 * large, 3 * smaller) << large << " vs " << smaller;
  ASSERT_LT(large, 2 * smaller) << large << " vs " << smaller;
  size_t records = All(*log).size();
  ASSERT_TRUE(*log->MaybeMergeParts());
  parts = Files("parts", ".part");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], larger);  // untouched
  EXPECT_EQ(All(*log).size(), records);
}

// A read that took its parts before a merge replaced them reads on after
// their files are removed, though the cache of open part files closes
// their descriptors in between: merged-away files are held open for it.
TEST_F(TenantLogTest, AReadGoesOnAcrossAMergeWithOneOpenPartFile) {
  OpenFileCache& files = OpenFileCache::Parts();
  const size_t saved_capacity = files.capacity();
  files.set_capacity(1);
  options_.merge_min_parts = 2;
  std::unique_ptr<TenantLog> log = Open();
  ASSERT_NE(log, nullptr);
  std::vector<std::string> want;
  for (int p = 0; p < 4; ++p) {
    StreamBatch b{Labels({{"app", "a"}}), {}};
    for (int i = 0; i < 300; ++i) {
      const int64_t t = kBase + (i * 4 + p) * 1'000'000'000LL;  // parts interleave in time
      b.entries.push_back(Entry{t, "a#" + std::to_string(t), {}});
    }
    ASSERT_TRUE(log->Append({b}, Durability::kBestEffort).ok());
    ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  }
  ASSERT_EQ(Files("parts", ".part").size(), 4u);
  want = All(*log);
  ASSERT_EQ(want.size(), 1200u);

  auto it = log->Select(ReadOfA(kBase + kDay, Direction::kForward));
  std::vector<std::string> got;
  for (int i = 0; i < 10 && it->Next(); ++i) got.push_back(it->record().line);
  auto merged = log->MaybeMergeParts();
  ASSERT_TRUE(merged.ok());
  ASSERT_TRUE(*merged);
  ASSERT_EQ(Files("parts", ".part").size(), 1u);
  EXPECT_EQ(All(*log), want);  // the merged part takes the one descriptor
  while (it->Next()) got.push_back(it->record().line);
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  EXPECT_EQ(got.size(), want.size());
  EXPECT_EQ(got, want);
  it.reset();
  files.set_capacity(saved_capacity);
}

// A merge that meets a full disk fails without harm: its inputs stay, no
// partial output is left behind, reads see every record once, and the
// merge succeeds once space returns.
TEST_F(TenantLogTest, AMergeOnAFullDiskLeavesItsInputsAndSucceedsLater) {
  options_.merge_min_parts = 2;
  FaultEnv env(Env::Default());
  std::unique_ptr<TenantLog> log = Open(&env);
  ASSERT_NE(log, nullptr);
  for (int p = 0; p < 3; ++p) {
    ASSERT_TRUE(
        log->Append(Batch("s" + std::to_string(p), kBase + p, 10), Durability::kDurable).ok());
    ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  }
  const std::vector<std::string> parts = Files("parts", ".part");
  ASSERT_EQ(parts.size(), 3u);
  const auto before = All(*log);
  ASSERT_EQ(before.size(), 30u);
  env.FillDisk(true);
  auto merged = log->MaybeMergeParts();
  EXPECT_FALSE(merged.ok());
  EXPECT_EQ(merged.status().code(), StatusCode::kNoSpace) << merged.status().ToString();
  EXPECT_EQ(Files("parts", ""), parts);  // no partial output beside the inputs
  EXPECT_EQ(All(*log), before);
  env.Heal();
  merged = log->MaybeMergeParts();
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_TRUE(*merged);
  EXPECT_EQ(Files("parts", ".part").size(), 1u);
  EXPECT_EQ(All(*log), before);
  log.reset();
  log = Open(&env);
  EXPECT_EQ(All(*log), before);
}

}  // namespace
}  // namespace lode
