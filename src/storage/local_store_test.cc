#include "storage/local_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "io/fault_env.h"
#include "storage/wal/wal_writer.h"

namespace lode {
namespace {

class LocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lode-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<LocalStore> Open(std::chrono::milliseconds flush = std::chrono::hours(1)) {
    LocalStoreOptions options = options_;
    options.data_dir = dir_;
    options.flush_interval = flush;
    options.log.flush_head_on_close = flush_head_on_close_;
    auto store = LocalStore::Open(Env::Default(), options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  static std::vector<StreamBatch> Batch(const std::string& app, std::vector<int64_t> times) {
    StreamBatch b;
    b.labels = Labels({{"app", app}});
    for (int64_t t : times) b.entries.push_back(Entry{t, app + "@" + std::to_string(t), {}});
    return {b};
  }

  static std::vector<std::string> Lines(LocalStore& store, const std::string& tenant,
                                        std::vector<Matcher> matchers,
                                        Direction dir = Direction::kForward, int64_t start = 0,
                                        int64_t end = 1'000'000) {
    SelectRequest req;
    req.tenant = tenant;
    req.start = start;
    req.end = end;
    req.matchers = std::move(matchers);
    req.direction = dir;
    auto it = store.Select(req);
    EXPECT_TRUE(it.ok());
    std::vector<std::string> out;
    while ((*it)->Next()) out.push_back((*it)->record().line);
    EXPECT_TRUE((*it)->status().ok());
    return out;
  }

  static Matcher Eq(const std::string& name, const std::string& value) {
    return Matcher::Create(MatchType::kEqual, name, value).value();
  }

  std::string SegmentPath(const std::string& tenant, uint64_t index) {
    return dir_ + "/tenants/" + tenant + "/wal/" + wal::SegmentFileName(index);
  }

  // Descriptors of this process open on files whose names end in `suffix`.
  static size_t OpenFilesEndingIn(const std::string& suffix) {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
      std::error_code ec;
      const std::string target = std::filesystem::read_symlink(e.path(), ec).string();
      if (!ec && target.ends_with(suffix)) ++n;
    }
    return n;
  }

  std::string dir_;
  LocalStoreOptions options_;
  // The WAL tests look at segments after Close, so by default heads stay
  // in the WAL; the part tests turn this on.
  bool flush_head_on_close_ = false;
};

// Thousands of tenants must not hold a descriptor each: past the budget,
// the least recently written WAL files are closed (and reopened by their
// tenant's next write), and nothing written is lost.
TEST_F(LocalStoreTest, WalFilesBeyondTheBudgetAreClosedAndReopenedByTheNextWrite) {
  options_.wal_file_budget = 4;
  constexpr int kTenants = 60;
  {
    auto store = Open(std::chrono::milliseconds(10));
    for (int round = 0; round < 2; ++round) {
      for (int i = 0; i < kTenants; ++i) {
        ASSERT_TRUE(store
                        ->Append("t" + std::to_string(i), Batch("a", {round * 10 + 1}),
                                 Durability::kBestEffort)
                        .ok());
        // At most twice the budget while new files arrive faster than the
        // flusher closes them; past that, a write closes its own.
        EXPECT_LE(OpenFilesEndingIn(".wal"), 2u * 4 + 1);
      }
    }
    // The flusher brings them down to the budget.
    size_t open = OpenFilesEndingIn(".wal");
    for (int i = 0; i < 500 && open > 4; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      open = OpenFilesEndingIn(".wal");
    }
    EXPECT_LE(open, 4u);
    for (int i = 0; i < kTenants; ++i) {
      EXPECT_EQ(Lines(*store, "t" + std::to_string(i), {Eq("app", "a")}),
                (std::vector<std::string>{"a@1", "a@11"}));
    }
    ASSERT_TRUE(store->Close().ok());
  }
  auto store = Open();
  for (int i = 0; i < kTenants; ++i) {
    EXPECT_EQ(Lines(*store, "t" + std::to_string(i), {Eq("app", "a")}),
              (std::vector<std::string>{"a@1", "a@11"}));
  }
}

// An idle tenant's WAL file is closed even under the budget.
TEST_F(LocalStoreTest, TheWalFileOfAnIdleTenantIsClosed) {
  options_.wal_idle_close = std::chrono::milliseconds(50);
  auto store = Open(std::chrono::milliseconds(10));
  ASSERT_TRUE(store->Append("t", Batch("a", {1}), Durability::kBestEffort).ok());
  size_t open = OpenFilesEndingIn(".wal");
  for (int i = 0; i < 500 && open > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    open = OpenFilesEndingIn(".wal");
  }
  EXPECT_EQ(open, 0u);
  ASSERT_TRUE(store->Append("t", Batch("a", {2}), Durability::kDurable).ok());
  EXPECT_EQ(Lines(*store, "t", {Eq("app", "a")}), (std::vector<std::string>{"a@1", "a@2"}));
}

// A stop flushes heads only while close_flush_time lasts (none here): the
// rest stay in their WALs, synced, and the next open replays them.
TEST_F(LocalStoreTest, HeadsNotFlushedInTheCloseTimeAreReplayedOnOpen) {
  flush_head_on_close_ = true;
  options_.close_flush_time = std::chrono::milliseconds(0);
  {
    auto store = Open();
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(
          store->Append("t" + std::to_string(i), Batch("a", {i + 1}), Durability::kBestEffort)
              .ok());
    }
    ASSERT_TRUE(store->Close().ok());
  }
  EXPECT_TRUE(std::filesystem::exists(SegmentPath("t7", 1)));
  size_t parts = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_)) {
    if (e.path().extension() == ".part") ++parts;
  }
  EXPECT_EQ(parts, 0u);
  auto store = Open();
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Lines(*store, "t" + std::to_string(i), {Eq("app", "a")}),
              (std::vector<std::string>{"a@" + std::to_string(i + 1)}));
  }
}

TEST_F(LocalStoreTest, SelectsByMatcherTimeRangeAndDirection) {
  auto store = Open();
  ASSERT_TRUE(store->Append("t", Batch("a", {30, 10, 20}), Durability::kBestEffort).ok());
  ASSERT_TRUE(store->Append("t", Batch("b", {15, 25}), Durability::kBestEffort).ok());
  EXPECT_EQ(Lines(*store, "t", {Eq("app", "a")}),
            (std::vector<std::string>{"a@10", "a@20", "a@30"}));
  // Out-of-order arrivals are merged in time order across streams.
  EXPECT_EQ(Lines(*store, "t", {Matcher::Create(MatchType::kRegexMatch, "app", ".+").value()}),
            (std::vector<std::string>{"a@10", "b@15", "a@20", "b@25", "a@30"}));
  EXPECT_EQ(Lines(*store, "t", {Eq("app", "a")}, Direction::kBackward),
            (std::vector<std::string>{"a@30", "a@20", "a@10"}));
  // Start inclusive, end exclusive.
  EXPECT_EQ(Lines(*store, "t", {Eq("app", "a")}, Direction::kForward, 20, 30),
            (std::vector<std::string>{"a@20"}));
  EXPECT_TRUE(Lines(*store, "other", {Eq("app", "a")}).empty());
}

TEST_F(LocalStoreTest, EqualTimestampsKeepAppendOrder) {
  auto store = Open();
  for (int i = 0; i < 5; ++i) {
    StreamBatch b;
    b.labels = Labels({{"app", "a"}});
    b.entries.push_back(Entry{100, "n" + std::to_string(i), {}});
    ASSERT_TRUE(store->Append("t", {b}, Durability::kBestEffort).ok());
  }
  EXPECT_EQ(Lines(*store, "t", {Eq("app", "a")}),
            (std::vector<std::string>{"n0", "n1", "n2", "n3", "n4"}));
}

TEST_F(LocalStoreTest, DurableAppendsAreOnDiskBeforeReturning) {
  auto store = Open();
  ASSERT_TRUE(store->Append("t", Batch("a", {1, 2}), Durability::kDurable).ok());
  // Without Close or Flush, the segment already holds the frame.
  auto size = Env::Default()->FileSize(SegmentPath("t", 1));
  ASSERT_TRUE(size.ok());
  EXPECT_GT(*size, 0u);
}

TEST_F(LocalStoreTest, ReopenReplaysEveryTenant) {
  {
    auto store = Open();
    ASSERT_TRUE(store->Append("t1", Batch("a", {1, 2}), Durability::kDurable).ok());
    ASSERT_TRUE(store->Append("t2", Batch("b", {3}), Durability::kBestEffort).ok());
    ASSERT_TRUE(store->Close().ok());
  }
  auto store = Open();
  EXPECT_EQ(Lines(*store, "t1", {Eq("app", "a")}), (std::vector<std::string>{"a@1", "a@2"}));
  EXPECT_EQ(Lines(*store, "t2", {Eq("app", "b")}), (std::vector<std::string>{"b@3"}));
  // New appends go to a fresh segment; both survive another reopen.
  ASSERT_TRUE(store->Append("t1", Batch("a", {4}), Durability::kDurable).ok());
  store.reset();
  store = Open();
  EXPECT_EQ(Lines(*store, "t1", {Eq("app", "a")}), (std::vector<std::string>{"a@1", "a@2", "a@4"}));
}

TEST_F(LocalStoreTest, BestEffortIsFlushedByTheBackgroundFlusher) {
  auto store = Open(std::chrono::milliseconds(20));
  ASSERT_TRUE(store->Append("t", Batch("a", {1}), Durability::kBestEffort).ok());
  // Poll rather than sleep a fixed time: the flusher's period is 20 ms.
  uint64_t size = 0;
  for (int i = 0; i < 500 && size == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    // The segment's file is created by the first write.
    auto file_size = Env::Default()->FileSize(SegmentPath("t", 1));
    size = file_size.ok() ? *file_size : 0;
  }
  EXPECT_GT(size, 0u);
}

TEST_F(LocalStoreTest, TornTailIsTruncatedSavedAsideAndTheRestKept) {
  {
    auto store = Open();
    ASSERT_TRUE(store->Append("t", Batch("a", {1}), Durability::kDurable).ok());
    ASSERT_TRUE(store->Append("t", Batch("a", {2}), Durability::kDurable).ok());
    ASSERT_TRUE(store->Close().ok());
  }
  std::string path = SegmentPath("t", 1);
  uint64_t good_size = Env::Default()->FileSize(path).value();
  {
    // A torn frame: a plausible header and half a payload.
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << std::string("\x11\x22\x33\x44\x40\x00\x00\x00\x01partial", 16);
  }
  auto store = Open();
  EXPECT_EQ(Lines(*store, "t", {Eq("app", "a")}), (std::vector<std::string>{"a@1", "a@2"}));
  EXPECT_EQ(Env::Default()->FileSize(path).value(), good_size);
  EXPECT_TRUE(Env::Default()->FileExists(path + ".corrupt-" + std::to_string(good_size)));
}

// Damage in place, not a torn write: the frames after it are still read.
TEST_F(LocalStoreTest, CorruptMiddleFrameLosesOnlyThatFrame) {
  {
    auto store = Open();
    for (int i = 1; i <= 3; ++i) {
      ASSERT_TRUE(store->Append("t", Batch("a", {i}), Durability::kDurable).ok());
    }
    ASSERT_TRUE(store->Close().ok());
  }
  std::string path = SegmentPath("t", 1);
  std::string data = Env::Default()->ReadFile(path).value();
  size_t frame = data.size() / 3;  // the three frames have equal size
  data[frame + 12] ^= 1;           // inside the second frame's payload
  ASSERT_TRUE(Env::Default()->RemoveFile(path).ok());
  ASSERT_TRUE(Env::Default()->WriteFileAtomic(path, data).ok());
  auto store = Open();
  EXPECT_EQ(Lines(*store, "t", {Eq("app", "a")}), (std::vector<std::string>{"a@1", "a@3"}));
}

TEST_F(LocalStoreTest, ConcurrentDurableAppendsAllSurvive) {
  constexpr int kThreads = 8, kPerThread = 50;
  {
    auto store = Open();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          auto batch = Batch("w" + std::to_string(t), {i});
          ASSERT_TRUE(store->Append("t", batch, Durability::kDurable).ok());
        }
      });
    }
    for (auto& th : threads) th.join();
    // Simulate a crash: no Close. Destroying without Close is not a crash,
    // so read the files as they are now, while this store is still open,
    // through a second store on a copy of them (the directory itself is
    // locked); durable frames must already be there.
    const std::string copy = dir_ + "/copy";
    std::filesystem::create_directories(copy + "/tenants");
    std::filesystem::copy(dir_ + "/tenants", copy + "/tenants",
                          std::filesystem::copy_options::recursive);
    LocalStoreOptions options;
    options.data_dir = copy;
    auto reader = LocalStore::Open(Env::Default(), options);
    ASSERT_TRUE(reader.ok());
    EXPECT_EQ((*reader)->record_count(), static_cast<uint64_t>(kThreads * kPerThread));
    (void)(*reader)->Close();
  }
}

TEST_F(LocalStoreTest, InvalidTenantIsRefused) {
  auto store = Open();
  EXPECT_EQ(store->Append("../x", Batch("a", {1}), Durability::kBestEffort).code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/x"));
}

}  // namespace
}  // namespace lode

namespace lode {
namespace {

// Many small blocks in several parts: blocks are decoded ahead on the read
// pool, and the merge must still return every record once, in order, in
// both directions, with filters run on the pool's threads.
class ParallelReadTest : public LocalStoreTest {
 protected:
  std::unique_ptr<LocalStore> OpenSmallBlocks() {
    LocalStoreOptions options;
    options.data_dir = dir_;
    options.flush_interval = std::chrono::hours(1);
    options.read_threads = 3;
    options.log.flush_head_on_close = true;
    options.log.part.block_max_records = 50;
    options.log.part.stream_block_raw_bytes = 0;
    auto store = LocalStore::Open(Env::Default(), options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Three parts of interleaved times, 3000 records of two streams.
  void Fill() {
    for (int part = 0; part < 3; ++part) {
      auto store = OpenSmallBlocks();
      for (int i = 0; i < 1000; ++i) {
        int64_t t = i * 3 + part;
        StreamBatch b{Labels({{"app", i % 2 == 0 ? "a" : "b"}}),
                      {Entry{t, "line " + std::to_string(t) + (t % 7 == 0 ? " seven" : ""), {}}}};
        ASSERT_TRUE(store->Append("t", {b}, Durability::kBestEffort).ok());
      }
      ASSERT_TRUE(store->Close().ok());
    }
  }
};

TEST_F(ParallelReadTest, EveryRecordOnceInOrderBothWays) {
  Fill();
  auto store = OpenSmallBlocks();
  auto any = Matcher::Create(MatchType::kRegexMatch, "app", ".+").value();
  std::vector<std::string> forward = Lines(*store, "t", {any});
  ASSERT_EQ(forward.size(), 3000u);
  for (int t = 0; t < 3000; ++t) {
    ASSERT_EQ(forward[t].substr(0, forward[t].find(" seven")), "line " + std::to_string(t));
  }
  std::vector<std::string> backward = Lines(*store, "t", {any}, Direction::kBackward);
  std::reverse(backward.begin(), backward.end());
  EXPECT_EQ(backward, forward);
}

// Parts and the head with random, often equal, timestamps across three
// streams: every record comes once, in time order both ways, with its own
// stream's labels and metadata (records of several streams alternate).
TEST_F(ParallelReadTest, InterleavedStreamsKeepTheirLabelsInOrder) {
  std::mt19937_64 rng(21);
  int total = 0;
  auto batch = [&](int n) {
    std::vector<StreamBatch> out;
    for (int i = 0; i < n; ++i) {
      std::string app = "s" + std::to_string(rng() % 3);
      int64_t t = static_cast<int64_t>(rng() % 500);
      Labels meta = rng() % 4 == 0 ? Labels({{"m", app}}) : Labels();
      out.push_back(
          StreamBatch{Labels({{"app", app}}), {Entry{t, app + " at " + std::to_string(t), meta}}});
      ++total;
    }
    return out;
  };
  for (int part = 0; part < 3; ++part) {
    auto store = OpenSmallBlocks();
    ASSERT_TRUE(store->Append("t", batch(700), Durability::kBestEffort).ok());
    ASSERT_TRUE(store->Close().ok());
  }
  auto store = OpenSmallBlocks();
  ASSERT_TRUE(store->Append("t", batch(300), Durability::kBestEffort).ok());  // stays in the head
  for (Direction direction : {Direction::kForward, Direction::kBackward}) {
    SelectRequest req;
    req.tenant = "t";
    req.start = 0;
    req.end = 1'000'000;
    req.matchers = {Matcher::Create(MatchType::kRegexMatch, "app", ".+").value()};
    req.direction = direction;
    auto it = store->Select(req);
    ASSERT_TRUE(it.ok());
    int n = 0;
    int64_t last = direction == Direction::kForward ? -1 : 1'000'000;
    while ((*it)->Next()) {
      const Record& r = (*it)->record();
      std::string app = r.line.substr(0, r.line.find(' '));
      EXPECT_EQ(r.stream.ToString(), Labels({{"app", app}}).ToString()) << r.line;
      EXPECT_TRUE(r.metadata.empty() || r.metadata.ToString() == Labels({{"m", app}}).ToString());
      EXPECT_EQ(r.line, app + " at " + std::to_string(r.timestamp));
      if (direction == Direction::kForward) {
        EXPECT_GE(r.timestamp, last);
      } else {
        EXPECT_LE(r.timestamp, last);
      }
      last = r.timestamp;
      ++n;
    }
    EXPECT_EQ(n, total);
  }
}

TEST_F(ParallelReadTest, FiltersRunOnPoolThreadsAndMatchEveryWantedLine) {
  Fill();
  auto store = OpenSmallBlocks();
  SelectRequest req;
  req.tenant = "t";
  req.start = 0;
  req.end = 1'000'000;
  req.matchers = {Matcher::Create(MatchType::kRegexMatch, "app", ".+").value()};
  req.direction = Direction::kForward;
  std::atomic<int> calls = 0;
  req.line_filter = [&calls](std::string_view line) {
    calls.fetch_add(1);
    return line.find("seven") != std::string_view::npos;
  };
  auto it = store->Select(req);
  ASSERT_TRUE(it.ok());
  int n = 0;
  int64_t last = -1;
  while ((*it)->Next()) {
    int64_t t = (*it)->record().timestamp;
    EXPECT_EQ(t % 7, 0);
    EXPECT_GT(t, last);
    last = t;
    ++n;
  }
  EXPECT_EQ(n, (2999 / 7) + 1);
  EXPECT_EQ(calls.load(), 3000);
  ReadStats stats = (*it)->read_stats();
  EXPECT_EQ(stats.blocks_read, stats.blocks_referenced);
  EXPECT_GE(stats.blocks_read, 60u);
  EXPECT_EQ(stats.decompressed_lines, 3000u);
}

TEST_F(ParallelReadTest, IteratorsDroppedEarlyAndConcurrentQueriesAreSafe) {
  Fill();
  auto store = OpenSmallBlocks();
  auto any = Matcher::Create(MatchType::kRegexMatch, "app", ".+").value();
  std::vector<std::thread> threads;
  std::atomic<int> failures = 0;
  for (int q = 0; q < 4; ++q) {
    threads.emplace_back([&, q] {
      for (int round = 0; round < 20; ++round) {
        SelectRequest req;
        req.tenant = "t";
        req.start = 0;
        req.end = 1'000'000;
        req.matchers = {any};
        req.direction = (q + round) % 2 == 0 ? Direction::kForward : Direction::kBackward;
        auto it = store->Select(req);
        if (!it.ok()) {
          ++failures;
          continue;
        }
        // Read a few records, then drop the iterator with blocks in flight.
        for (int i = 0; i < round * 7 && (*it)->Next(); ++i) {
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Lines(*store, "t", {any}).size(), 3000u);
}

}  // namespace
}  // namespace lode

namespace lode {
namespace {

// The store-wide limit on head memory: heads are flushed early, durable
// appends wait for room, and when flushing cannot make room, appends are
// refused instead of growing memory without bound.
class HeadMemoryTest : public LocalStoreTest {
 protected:
  std::unique_ptr<LocalStore> OpenLimited(Env* env, std::chrono::milliseconds wait) {
    LocalStoreOptions options;
    options.data_dir = dir_;
    options.flush_interval = std::chrono::hours(1);  // flushes only when asked
    options.max_heads_bytes = 256 << 10;
    options.head_room_wait = wait;
    options.log.max_head_bytes = 1ull << 30;  // no per-tenant flush
    options.log.max_head_age = std::chrono::hours(1);
    auto store = LocalStore::Open(env, options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  static std::vector<StreamBatch> Big(const std::string& app, int64_t first, int n) {
    StreamBatch b{Labels({{"app", app}}), {}};
    for (int i = 0; i < n; ++i) {
      b.entries.push_back(Entry{
          first + i, app + " record " + std::to_string(first + i) + std::string(200, 'x'), {}});
    }
    return {b};
  }
};

TEST_F(HeadMemoryTest, DurableAppendsWaitForFlushesAndAllArrive) {
  auto store = OpenLimited(Env::Default(), std::chrono::seconds(30));
  std::vector<std::thread> writers;
  std::atomic<int> failures = 0;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      for (int round = 0; round < 20; ++round) {
        std::string app = "w" + std::to_string(w);
        if (!store
                 ->Append("t" + std::to_string(w), Big(app, round * 100, 100), Durability::kDurable)
                 .ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0);
  StorageStats stats = store->Stats();
  // 3 x 20 x 100 records of ~230 bytes: far over 256 KiB, so heads were
  // flushed early and some appends waited.
  EXPECT_GT(stats.parts, 0u);
  EXPECT_GT(stats.appends_held, 0u);
  EXPECT_EQ(stats.appends_refused, 0u);
  EXPECT_LT(stats.head_bytes, 2u * (256u << 10));
  for (int w = 0; w < 3; ++w) {
    EXPECT_EQ(Lines(*store, "t" + std::to_string(w), {Eq("app", "w" + std::to_string(w))},
                    Direction::kForward, 0, 1'000'000)
                  .size(),
              2000u);
  }
}

TEST_F(HeadMemoryTest, WhenFlushesFailAppendsAreRefusedNotBuffered) {
  FaultEnv env(Env::Default());
  auto store = OpenLimited(&env, std::chrono::milliseconds(200));
  env.FailRenames(true);  // parts cannot be published: heads cannot shrink
  Status s;
  int accepted = 0;
  for (int round = 0; round < 50; ++round) {
    s = store->Append("t", Big("a", round * 100, 100), Durability::kBestEffort);
    if (!s.ok()) break;
    ++accepted;
  }
  // Best-effort appends are refused at once, as 429: come back later.
  EXPECT_EQ(s.code(), StatusCode::kRateLimited) << s.ToString();
  EXPECT_LT(accepted, 50);
  // A durable append waits head_room_wait, then is refused the same way.
  auto started = std::chrono::steady_clock::now();
  Status durable = store->Append("t", Big("a", 10'000, 10), Durability::kDurable);
  EXPECT_EQ(durable.code(), StatusCode::kUnavailable);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(200));
  EXPECT_GE(store->Stats().appends_refused, 2u);
  // Once flushing works again, room comes back (after the flusher's
  // backoff; clients retry a 503) and nothing accepted is lost.
  env.FailRenames(false);
  Status later;
  for (int attempt = 0; attempt < 300; ++attempt) {
    later = store->Append("t", Big("a", 20'000, 10), Durability::kDurable);
    if (later.code() != StatusCode::kUnavailable) break;
  }
  EXPECT_TRUE(later.ok()) << later.ToString();
  EXPECT_EQ(Lines(*store, "t", {Eq("app", "a")}, Direction::kForward, 0, 1'000'000).size(),
            static_cast<size_t>(accepted) * 100 + 10);
}

TEST_F(HeadMemoryTest, ATenantWhoseFlushesFailDoesNotHoldBackOthers) {
  FaultEnv env(Env::Default());
  auto store = OpenLimited(&env, std::chrono::milliseconds(200));
  // Only tenant "stuck" cannot publish parts.
  env.FailRenames(true, JoinPath(dir_, "tenants/stuck/"));
  // Its head fills; once a flush of it has failed, it is refused on its own.
  Status s;
  for (int round = 0; round < 500; ++round) {
    s = store->Append("stuck", Big("a", round * 100, 100), Durability::kBestEffort);
    if (s.message().find("stuck") != std::string::npos) break;
    if (!s.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(s.code(), StatusCode::kRateLimited) << s.ToString();
  EXPECT_NE(s.message().find("stuck"), std::string::npos) << s.ToString();
  // The other tenant keeps writing well past the store-wide limit: its
  // heads are flushed, and the stuck head does not count against it.
  for (int round = 0; round < 30; ++round) {
    Status ok = store->Append("fine", Big("b", round * 100, 100), Durability::kDurable);
    ASSERT_TRUE(ok.ok()) << "round " << round << ": " << ok.ToString();
  }
  EXPECT_EQ(Lines(*store, "fine", {Eq("app", "b")}, Direction::kForward, 0, 1'000'000).size(),
            3000u);
  // The stuck tenant's records stay readable from memory.
  EXPECT_GT(Lines(*store, "stuck", {Eq("app", "a")}, Direction::kForward, 0, 1'000'000).size(), 0u);
}

// A tenant's first push while the disk is full cannot create its log: as
// for any push to a full disk, best-effort is told to come back (429) and
// durable that the disk is full (507); once space returns both are taken.
TEST_F(LocalStoreTest, ANewTenantOnAFullDiskIsRefusedByDurabilityAndTakenOnceSpaceReturns) {
  FaultEnv env(Env::Default());
  LocalStoreOptions options = options_;
  options.data_dir = dir_;
  options.flush_interval = std::chrono::hours(1);
  auto opened = LocalStore::Open(&env, options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto store = std::move(opened).value();
  ASSERT_TRUE(store->Append("old", Batch("a", {1}), Durability::kDurable).ok());
  env.FillDisk(true);
  Status best_effort = store->Append("new", Batch("b", {2}), Durability::kBestEffort);
  EXPECT_EQ(best_effort.code(), StatusCode::kRateLimited) << best_effort.ToString();
  EXPECT_NE(best_effort.message().find("No space left"), std::string::npos)
      << best_effort.ToString();
  Status durable = store->Append("new", Batch("b", {3}), Durability::kDurable);
  EXPECT_EQ(durable.code(), StatusCode::kNoSpace) << durable.ToString();
  // The tenant that was there still reads.
  EXPECT_EQ(Lines(*store, "old", {Eq("app", "a")}), std::vector<std::string>{"a@1"});
  env.Heal();
  ASSERT_TRUE(store->Append("new", Batch("b", {4}), Durability::kBestEffort).ok());
  ASSERT_TRUE(store->Append("new", Batch("b", {5}), Durability::kDurable).ok());
  EXPECT_EQ(Lines(*store, "new", {Eq("app", "b")}), (std::vector<std::string>{"b@4", "b@5"}));
}

// One process writes a data directory: a second store on it is refused
// while the first is open, with what to do; readers are refused too, as
// what they would read is changing; after a Close both open, and readers
// share the directory with each other.
TEST_F(LocalStoreTest, ADataDirectoryIsWrittenByOneStoreAtATime) {
  auto store = Open();
  ASSERT_TRUE(store->Append("t", Batch("a", {1}), Durability::kDurable).ok());
  LocalStoreOptions options;
  options.data_dir = dir_;
  auto second = LocalStore::Open(Env::Default(), options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("in use by another lode process"), std::string::npos)
      << second.status().ToString();
  LocalStoreOptions read_only = options;
  read_only.log.read_only = true;
  auto reader = LocalStore::Open(Env::Default(), read_only);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(store->Close().ok());
  reader = LocalStore::Open(Env::Default(), read_only);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto other_reader = LocalStore::Open(Env::Default(), read_only);
  ASSERT_TRUE(other_reader.ok()) << other_reader.status().ToString();
  EXPECT_EQ(Lines(**other_reader, "t", {Eq("app", "a")}), std::vector<std::string>{"a@1"});
  // While it is read, it is not written.
  EXPECT_FALSE(LocalStore::Open(Env::Default(), options).ok());
  ASSERT_TRUE((*reader)->Close().ok());
  ASSERT_TRUE((*other_reader)->Close().ok());
  store.reset();
  auto again = LocalStore::Open(Env::Default(), options);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(Lines(**again, "t", {Eq("app", "a")}), std::vector<std::string>{"a@1"});
}

}  // namespace
}  // namespace lode
