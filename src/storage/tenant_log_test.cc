// Head flushes into parts, and recovery around them.
#include "storage/tenant_log.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/coding.h"
#include "base/crc32c.h"
#include "base/time.h"
#include "storage/merge_iterator.h"
#include "storage/part/line_templates.h"

namespace lode {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kDay = 86400LL * 1'000'000'000;
constexpr int64_t kBase = 19844 * kDay;  // 2024-05-01T00:00:00Z

class TenantLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "lode-tenant-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    options_.flush_head_on_close = false;
    options_.part.block_max_records = 100;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<TenantLog> Open() {
    auto log = TenantLog::Open(Env::Default(), "t", dir_, options_);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }

  // `n` records of stream app=<app>, one per hour from `start`, so a
  // batch crosses day boundaries.
  static std::vector<StreamBatch> Batch(const std::string& app, int64_t start, int n) {
    StreamBatch b{Labels({{"app", app}}), {}};
    for (int i = 0; i < n; ++i) {
      int64_t t = start + i * 3600LL * 1'000'000'000;
      b.entries.push_back(Entry{t, app + "#" + std::to_string(t), {}});
    }
    return {b};
  }

  static std::vector<std::string> All(TenantLog& log, Direction dir = Direction::kForward) {
    SelectRequest req;
    req.tenant = "t";
    req.start = 0;
    req.end = kBase + 3650 * kDay;
    req.matchers = {Matcher::Create(MatchType::kRegexMatch, "app", ".+").value()};
    req.direction = dir;
    std::vector<std::string> lines;
    auto it = log.Select(req);
    while (it->Next()) lines.push_back(it->record().line);
    EXPECT_TRUE(it->status().ok());
    return lines;
  }

  std::vector<std::string> Files(const std::string& sub, const std::string& suffix) {
    std::vector<std::string> out;
    if (!fs::exists(dir_ + "/" + sub)) return out;
    for (const auto& e : fs::recursive_directory_iterator(dir_ + "/" + sub)) {
      if (e.is_regular_file() && e.path().string().ends_with(suffix))
        out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string dir_;
  TenantLogOptions options_;
};

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
  // Only the fresh, empty segment is left.
  auto segments = Files("wal", ".wal");
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_EQ(fs::file_size(segments[0]), 0u);
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

TEST_F(TenantLogTest, CorruptBlockIsSkippedAndCounted) {
  {
    auto log = Open();
    ASSERT_TRUE(log->Append(Batch("a", kBase, 20), Durability::kDurable).ok());
    ASSERT_TRUE(log->Append(Batch("b", kBase, 20), Durability::kDurable).ok());
    ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  }
  auto parts = Files("parts", ".part");
  ASSERT_FALSE(parts.empty());
  {
    // The first block ("a"'s) starts right after the 12-byte header.
    std::fstream f(parts[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.put('\x7e');
  }
  auto log = Open();
  auto lines = All(*log);
  EXPECT_EQ(lines.size(), 20u);  // all of "b"
  for (const std::string& l : lines) EXPECT_EQ(l.rfind("b#", 0), 0u);
  EXPECT_EQ(log->parts().corrupt_blocks(), 1u);
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

TEST_F(TenantLogTest, ALimitedReadDecodesOnlyTheBlocksItReaches) {
  auto log = Open();
  // 30 days, one part each, 24 records per day in one block.
  ASSERT_TRUE(log->Append(Batch("a", kBase, 30 * 24), Durability::kBestEffort).ok());
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  ASSERT_EQ(Files("parts", ".part").size(), 30u);
  for (Direction dir : {Direction::kBackward, Direction::kForward}) {
    SelectRequest req;
    req.tenant = "t";
    req.start = 0;
    req.end = kBase + 365 * kDay;
    req.matchers = {Matcher::Create(MatchType::kEqual, "app", "a").value()};
    req.direction = dir;
    auto it = log->Select(req);
    std::vector<int64_t> times;
    for (int i = 0; i < 30 && it->Next(); ++i) times.push_back(it->record().timestamp);
    ASSERT_EQ(times.size(), 30u);
    int64_t hour = 3600LL * 1'000'000'000;
    if (dir == Direction::kBackward) {
      EXPECT_EQ(times.front(), kBase + (30 * 24 - 1) * hour);
    } else {
      EXPECT_EQ(times.front(), kBase);
    }
    auto* merge = dynamic_cast<MergeIterator*>(it.get());
    ASSERT_NE(merge, nullptr);
    EXPECT_LE(merge->blocks_opened(), 3u);  // 30 records span two days
  }
}

TEST_F(TenantLogTest, MergesStreamsPartsAndHeadsWithEqualTimestamps) {
  auto log = Open();
  auto batch = [](const std::string& app, const std::string& line) {
    return std::vector<StreamBatch>{StreamBatch{Labels({{"app", app}}), {Entry{kBase, line, {}}}}};
  };
  ASSERT_TRUE(log->Append(batch("x", "first"), Durability::kBestEffort).ok());
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  ASSERT_TRUE(log->Append(batch("y", "second"), Durability::kBestEffort).ok());
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  ASSERT_TRUE(log->Append(batch("x", "third"), Durability::kBestEffort).ok());
  ASSERT_TRUE(log->Append(Batch("z", kBase - 5, 1), Durability::kBestEffort).ok());
  std::vector<std::string> expected = {"z#" + std::to_string(kBase - 5), "first", "second",
                                       "third"};
  EXPECT_EQ(All(*log), expected);
  std::reverse(expected.begin(), expected.end());
  EXPECT_EQ(All(*log, Direction::kBackward), expected);
}

TEST_F(TenantLogTest, NeedleQuerySkipsBlocksByTheirTokenFilters) {
  auto log = Open();
  // 40 blocks of 100 records; one record in one block has the needle.
  StreamBatch b{Labels({{"app", "a"}}), {}};
  for (int i = 0; i < 4000; ++i) {
    std::string line =
        "GET /api/users/" + std::to_string(i * 7919) + " 200 req=" + std::to_string(i);
    if (i == 2345) line += " trace=needle-7f3a9c end";
    b.entries.push_back(Entry{kBase + i, line, {}});
  }
  ASSERT_TRUE(log->Append({b}, Durability::kBestEffort).ok());
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  SelectRequest req;
  req.tenant = "t";
  req.start = 0;
  req.end = kBase + kDay;
  req.matchers = {Matcher::Create(MatchType::kEqual, "app", "a").value()};
  req.direction = Direction::kForward;
  req.line_contains = {"needle-7f3a9c"};
  auto it = log->Select(req);
  std::vector<std::string> hits;
  while (it->Next()) {
    if (it->record().line.find("needle-7f3a9c") != std::string::npos)
      hits.push_back(it->record().line);
  }
  ASSERT_EQ(hits.size(), 1u);
  auto* merge = dynamic_cast<MergeIterator*>(it.get());
  EXPECT_GE(merge->blocks_skipped(), 36u);
  EXPECT_LE(merge->blocks_opened(), 4u);

  // With the filters damaged, nothing is skipped and the answer is the same.
  it.reset();
  log.reset();
  for (const std::string& path : Files("parts", ".part")) {
    uint64_t filters_start;
    {
      auto reader = part::PartReader::Open(Env::Default(), path);
      ASSERT_TRUE(reader.ok());
      filters_start = (*reader)->filters_offset();
    }
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(filters_start + 3));
    f.put('\x42');
  }
  log = Open();
  it = log->Select(req);
  hits.clear();
  while (it->Next()) {
    if (it->record().line.find("needle-7f3a9c") != std::string::npos)
      hits.push_back(it->record().line);
  }
  EXPECT_EQ(hits.size(), 1u);
  EXPECT_EQ(dynamic_cast<MergeIterator*>(it.get())->blocks_skipped(), 0u);

  // A literal that is a fragment of one token gives the filters nothing to
  // go on; the template columns rule out the blocks without the fragment.
  req.line_contains = {"7f3a9c"};
  it = log->Select(req);
  hits.clear();
  while (it->Next()) {
    if (it->record().line.find("7f3a9c") != std::string::npos) hits.push_back(it->record().line);
  }
  EXPECT_EQ(hits.size(), 1u);
  merge = dynamic_cast<MergeIterator*>(it.get());
  EXPECT_EQ(merge->blocks_skipped(), 0u);
  EXPECT_GE(merge->blocks_ruled_out(), 36u);
  EXPECT_LE(merge->blocks_opened(), 4u);
}

// Ruling blocks out by their template columns must never lose a line: every
// one-token fragment of every line is found, through the columns alone.
TEST_F(TenantLogTest, EveryTokenFragmentIsFoundThroughTemplateColumns) {
  auto log = Open();
  std::vector<std::string> shapes = {
      "host=web-79 took=250ms status=200 path=/api/v1/users/4096",
      "id=d9d162d8cf108012 user=alice retries=0 port=08080",
      "2024-05-01T00:00:00.123Z level=warn msg=slow_query table=orders_2024",
      "kafka-consumer-7 offset=2700870 partition=1 lag=0x1f",
  };
  StreamBatch b{Labels({{"app", "a"}}), {}};
  for (int i = 0; i < 400; ++i) {
    // Most lines vary the numbers; the shapes above appear once each.
    std::string line = i % 100 == 7 ? shapes[static_cast<size_t>(i / 100)]
                                    : "GET /api/items/" + std::to_string(i * 31) + " 200 " +
                                          std::to_string(i % 13) + "ms";
    b.entries.push_back(Entry{kBase + i, line, {}});
  }
  ASSERT_TRUE(log->Append({b}, Durability::kBestEffort).ok());
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  SelectRequest req;
  req.tenant = "t";
  req.start = 0;
  req.end = kBase + kDay;
  req.matchers = {Matcher::Create(MatchType::kEqual, "app", "a").value()};
  req.direction = Direction::kForward;
  size_t checked = 0;
  for (const std::string& shape : shapes) {
    for (size_t from = 0; from < shape.size(); ++from) {
      for (size_t len = 1; from + len <= shape.size(); ++len) {
        std::string fragment = shape.substr(from, len);
        if (!part::IsTemplateToken(fragment)) break;
        req.line_contains = {fragment};
        auto it = log->Select(req);
        bool found = false;
        while (it->Next()) found |= it->record().line == shape;
        EXPECT_TRUE(found) << "lost \"" << fragment << "\" of " << shape;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 500u);
}

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

TEST_F(TenantLogTest, MergeRewritesSmallPartsOfADayAsOneAndReadsTheSame) {
  std::vector<std::string> before;
  std::string saved = dir_ + "-saved";
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

}  // namespace
}  // namespace lode

namespace lode {
namespace {

// A read for counting (timestamps_only) sees the same records as a full
// read, from parts and from the head, and reads no line text from template
// blocks; with a literal to check it still reads and filters the lines.
TEST_F(TenantLogTest, TimestampsOnlyReadsSeeEveryRecordWithoutLines) {
  auto log = Open();
  // Shaped lines (template blocks) in parts, then more in the head.
  StreamBatch shaped{Labels({{"app", "web"}}), {}};
  for (int i = 0; i < 500; ++i) {
    shaped.entries.push_back(
        Entry{kBase + i,
              "GET /item/" + std::to_string(i) + " status=200 took=" + std::to_string(i % 9) + "ms",
              i % 5 == 0 ? Labels({{"trace", "t" + std::to_string(i)}}) : Labels()});
  }
  ASSERT_TRUE(log->Append({shaped}, Durability::kDurable).ok());
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  ASSERT_TRUE(log->Append(Batch("tail", kBase + 1000, 5), Durability::kDurable).ok());

  auto read = [&](bool timestamps_only, std::vector<std::string> contains) {
    SelectRequest req;
    req.tenant = "t";
    req.start = 0;
    req.end = kBase + 3650 * kDay;
    req.matchers = {Matcher::Create(MatchType::kRegexMatch, "app", ".+").value()};
    req.direction = Direction::kForward;
    req.timestamps_only = timestamps_only;
    req.line_contains = std::move(contains);
    std::vector<Record> out;
    auto it = log->Select(req);
    while (it->Next()) out.push_back(it->record());
    EXPECT_TRUE(it->status().ok());
    return out;
  };
  std::vector<Record> full = read(false, {});
  std::vector<Record> counted = read(true, {});
  ASSERT_EQ(counted.size(), full.size());
  ASSERT_EQ(full.size(), 505u);
  for (size_t i = 0; i < full.size(); ++i) {
    EXPECT_EQ(counted[i].timestamp, full[i].timestamp);
    EXPECT_EQ(counted[i].stream.ToString(), full[i].stream.ToString());
    EXPECT_EQ(counted[i].metadata.ToString(), full[i].metadata.ToString());
    EXPECT_TRUE(counted[i].line.empty()) << i;
    EXPECT_FALSE(full[i].line.empty());
  }
  // A literal needs the lines: they are read and filtered as usual.
  std::vector<Record> filtered = read(true, {"/item/42 "});
  ASSERT_EQ(filtered.size(), 1u);
  EXPECT_EQ(filtered[0].line, "GET /item/42 status=200 took=6ms");
}

}  // namespace
}  // namespace lode
