// Reads of heads and parts: merge order, limited reads, corrupt blocks,
// and blocks ruled out by token filters and template columns.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>

#include "storage/merge_iterator.h"
#include "storage/part/line_templates.h"
#include "storage/part/part_reader.h"
#include "storage/part/part_writer.h"
#include "storage/tenant_log_test_util.h"

namespace lode {
namespace {

namespace fs = std::filesystem;

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

TEST_F(TenantLogTest, ALimitedReadDecodesOnlyTheBlocksItReaches) {
  auto log = Open();
  // 30 days, one part each, 24 records per day in one block.
  ASSERT_TRUE(log->Append(Batch("a", kBase, 30 * 24), Durability::kBestEffort).ok());
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  ASSERT_EQ(Files("parts", ".part").size(), 30u);
  for (Direction dir : {Direction::kBackward, Direction::kForward}) {
    SelectRequest req = ReadOfA(kBase + 365 * kDay, dir);
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

// Writes `entries` (stream app=a) as the part a tenant's log in `dir`
// had before it opened, with `options` saying how an earlier version
// wrote it, in blocks of 100 records.
void WriteEarlierPart(const std::string& dir, const std::vector<Entry>& entries,
                      part::PartWriterOptions options) {
  part::StreamRecords stream{Labels({{"app", "a"}}), {}};
  for (const Entry& e : entries) stream.entries.push_back(part::RecordRef::Of(e));
  options.block_max_records = 100;
  options.stream_block_raw_bytes = 0;
  std::filesystem::create_directories(dir + "/parts/2024-05-01");
  ASSERT_TRUE(part::WritePart(Env::Default(), dir + "/parts/2024-05-01/0000000001.part", {stream},
                              0, options)
                  .ok());
}

// Entries kBase + i of line_of(i), for i in [first, last).
std::vector<Entry> NumberedEntries(int first, int last,
                                   const std::function<std::string(int)>& line_of) {
  std::vector<Entry> entries;
  for (int i = first; i < last; ++i) entries.push_back(Entry{kBase + i, line_of(i), {}});
  return entries;
}

// WriteEarlierPart with token filters of `scheme` on every block, however
// small.
void WriteEarlierPartWithKeys(const std::string& dir, const std::vector<Entry>& entries,
                              part::KeyScheme scheme) {
  part::PartWriterOptions options;
  options.key_scheme = scheme;
  options.min_token_filter_raw_bytes = 0;
  WriteEarlierPart(dir, entries, options);
}

// Appends line_of(i) for i in [first, last) to stream app=a and flushes
// them to a part.
void AppendAndFlush(TenantLog& log, int first, int last,
                    const std::function<std::string(int)>& line_of) {
  StreamBatch b{Labels({{"app", "a"}}), NumberedEntries(first, last, line_of)};
  ASSERT_TRUE(log.Append({b}, Durability::kBestEffort).ok());
  ASSERT_TRUE(log.MaybeFlushHead(true).ok());
}

// Expects WriteEarlierPart's part among `paths` to have filters of
// `earlier`, and the others of the current scheme.
void ExpectKeySchemes(const std::vector<std::string>& paths, part::KeyScheme earlier) {
  for (const std::string& path : paths) {
    auto reader = part::PartReader::Open(Env::Default(), path);
    ASSERT_TRUE(reader.ok());
    const bool is_earlier = path.find("0000000001.part") != std::string::npos;
    EXPECT_EQ(part::KeySchemeOfPart((*reader)->meta().flags),
              is_earlier ? earlier : part::kCurrentKeyScheme)
        << path;
  }
}

// Parts written before digit runs became integers and filters held two
// keys per long token (legacy_encoding) are still read, beside new ones,
// and their filters still skip blocks: each part's keys are looked up
// the way it was written.
TEST_F(TenantLogTest, PartsOfTheEarlierEncodingAreReadAndSkippedBesideNewOnes) {
  std::vector<Entry> old_entries;
  for (int i = 0; i < 3000; ++i) {
    std::string line = "GET /api/users/" + std::to_string(i * 7919) + " 200 t=00:0" +
                       std::to_string(i % 10) + " req=" + std::to_string(i);
    if (i == 1234) line += " trace=needle-7f3a9c end";
    old_entries.push_back(Entry{kBase + i, line, {}});
  }
  part::PartWriterOptions legacy;
  legacy.legacy_encoding = true;
  WriteEarlierPart(dir_, old_entries, legacy);
  auto log = Open();
  StreamBatch b{Labels({{"app", "a"}}), {}};
  for (int i = 3000; i < 6000; ++i) {
    std::string line = "GET /api/users/" + std::to_string(i * 7919) + " 200 t=00:0" +
                       std::to_string(i % 10) + " req=" + std::to_string(i);
    if (i == 4321) line += " trace=needle-7f3a9c end";
    b.entries.push_back(Entry{kBase + i, line, {}});
  }
  ASSERT_TRUE(log->Append({b}, Durability::kBestEffort).ok());
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  std::vector<std::string> parts = Files("parts", ".part");
  ASSERT_EQ(parts.size(), 2u);
  for (const std::string& path : parts) {
    auto reader = part::PartReader::Open(Env::Default(), path);
    ASSERT_TRUE(reader.ok());
    const bool is_old = path.find("0000000001.part") != std::string::npos;
    EXPECT_EQ(((*reader)->meta().flags & part::kPartFlagAffixKeys) == 0, is_old) << path;
  }

  // Every line back, in order, from both.
  auto it = log->Select(ReadOfA(kBase + kDay, Direction::kForward));
  int64_t n = 0;
  while (it->Next()) {
    ASSERT_EQ(it->record().timestamp, kBase + n);
    std::string want = "GET /api/users/" + std::to_string(n * 7919) + " 200 t=00:0" +
                       std::to_string(n % 10) + " req=" + std::to_string(n);
    if (n == 1234 || n == 4321) want += " trace=needle-7f3a9c end";
    ASSERT_EQ(it->record().line, want);
    ++n;
  }
  EXPECT_EQ(n, 6000);

  for (std::string literal : {"needle-7f3a9c", "trace=needle", "=needle-7f3a9c end"}) {
    const auto [hits, stats] = FindLiteral(*log, literal);
    EXPECT_EQ(hits, (std::vector<int64_t>{1234, 4321})) << literal;
    EXPECT_GE(stats.blocks_skipped, 30u + 20u) << literal;  // of 30 old blocks and the new
  }
}

// An id glued to a word ("blk_-1028633407939568217", one token or two)
// skips blocks by its digits in parts whose filters hold digit-run keys;
// parts written before them (KeyScheme::kAffixes) hold no key of it and
// are read whole, and still give their lines.
TEST_F(TenantLogTest, IdsGluedToWordsSkipBlocksByTheirDigitsWhereFiltersHoldThem) {
  auto id = [](int i) {
    uint64_t x = static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 31)) * 0xBF58476D1CE4E5B9ull;
    return std::to_string(1000000000000000000ull + (x ^ (x >> 29)) % 8000000000000000000ull);
  };
  auto line_of = [&](int i) {
    return "081109 2036" + std::to_string(10 + i % 50) +
           " 148 INFO dfs.DataNode: Received block blk_" + std::string(i % 2 ? "-" : "") + id(i) +
           " of size 67108864 from /10.250.10.6";
  };
  WriteEarlierPartWithKeys(dir_, NumberedEntries(0, 3000, line_of), part::KeyScheme::kAffixes);
  options_.part.min_token_filter_raw_bytes = 0;  // small blocks with filters
  auto log = Open();
  ASSERT_NO_FATAL_FAILURE(AppendAndFlush(*log, 3000, 6000, line_of));
  ExpectKeySchemes(Files("parts", ".part"), part::KeyScheme::kAffixes);

  for (int want : {1234, 1235, 4321, 4322}) {
    const std::string sign = want % 2 ? "-" : "";
    for (std::string literal : {"blk_" + sign + id(want), "lk_" + sign + id(want).substr(0, 12),
                                "k_" + sign + id(want) + " of size"}) {
      const auto [hits, stats] = FindLiteral(*log, literal);
      EXPECT_EQ(hits, (std::vector<int64_t>{want})) << literal;
      // The new part's blocks are ruled out by the digits: all but the
      // one holding the id, or nearly (a filter errs on ~3%). The old
      // part's are too only where the id ends the token before " of":
      // its last four bytes are a suffix key of every scheme.
      ASSERT_GE(stats.blocks_referenced, 30u + 10u);
      const size_t new_blocks = stats.blocks_referenced - 30;
      const bool ends_before_a_word = literal.back() == 'e';
      EXPECT_GE(stats.blocks_skipped, (ends_before_a_word ? 60 : new_blocks) * 9 / 10 - 1)
          << literal << " of " << new_blocks << " new blocks";
      if (!ends_before_a_word) {
        EXPECT_LE(stats.blocks_skipped, new_blocks) << literal;
      }
    }
  }
}

// An IP address skips blocks by the pair of its middle two numbers in
// parts whose filters hold dotted-pair keys (each number alone is in every
// block); parts written before them (KeyScheme::kDigitRuns) are read
// whole, and still give their lines.
TEST_F(TenantLogTest, IpAddressesSkipBlocksByTheirMiddleNumbersWhereFiltersHoldThem) {
  auto ip = [](int i) {
    uint64_t x = static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 31)) * 0xBF58476D1CE4E5B9ull;
    return std::to_string(10 + (x >> 24) % 100) + "." + std::to_string(x % 256) + "." +
           std::to_string((x >> 8) % 256) + "." + std::to_string((x >> 16) % 256);
  };
  auto line_of = [&](int i) {
    return "sshd[" + std::to_string(2000 + i % 90) + "]: Failed password for root from " + ip(i) +
           " port " + std::to_string(30000 + i % 7000) + " ssh2";
  };
  WriteEarlierPartWithKeys(dir_, NumberedEntries(0, 3000, line_of), part::KeyScheme::kDigitRuns);
  options_.part.min_token_filter_raw_bytes = 0;  // small blocks with filters
  auto log = Open();
  auto literals_of = [&](int i) {
    const std::string address = ip(i);
    const std::string middle = address.substr(address.find('.'));  // ".b.c.d"
    return std::vector<std::string>{address, "from " + address + " port",
                                    middle.substr(0, middle.rfind('.') + 1)};
  };
  const std::vector<int> wanted = {1234, 1235, 4321, 4322};
  // What the old part alone skips: its filters' numbers (256 values each)
  // rule out some of its blocks, the pair none.
  std::map<std::string, size_t> old_skipped;
  size_t old_blocks = 0;
  for (int want : wanted) {
    for (const std::string& literal : literals_of(want)) {
      const auto [hits, stats] = FindLiteral(*log, literal);
      old_skipped[literal] = stats.blocks_skipped;
      old_blocks = stats.blocks_referenced;
    }
  }
  ASSERT_GE(old_blocks, 10u);
  ASSERT_NO_FATAL_FAILURE(AppendAndFlush(*log, 3000, 6000, line_of));
  ExpectKeySchemes(Files("parts", ".part"), part::KeyScheme::kDigitRuns);

  for (int want : wanted) {
    for (const std::string& literal : literals_of(want)) {
      const auto [hits, stats] = FindLiteral(*log, literal);
      EXPECT_EQ(hits, (std::vector<int64_t>{want})) << literal;
      // The new part's blocks are ruled out by the pair: all but the one
      // holding the address, or nearly (a filter errs on ~3%).
      ASSERT_GE(stats.blocks_referenced, old_blocks + 10);
      const size_t new_blocks = stats.blocks_referenced - old_blocks;
      const size_t new_skipped = stats.blocks_skipped - old_skipped[literal];
      EXPECT_GE(new_skipped, new_blocks * 9 / 10 - 1)
          << literal << " of " << new_blocks << " new blocks";
      EXPECT_LE(new_skipped, new_blocks) << literal;
    }
  }
}

// Counting lines that hold literals may decide them from their templates
// without rebuilding them (only_line_contains): the same lines as a read
// that rebuilds and checks every line, whether a literal is in the
// template's text, in a string variable, spans text and a variable, or
// is only part of a number.
TEST_F(TenantLogTest, LinesDecidedFromTheirTemplatesAreExactlyTheMatchingOnes) {
  auto log = Open();
  StreamBatch b{Labels({{"app", "a"}}), {}};
  std::mt19937_64 rng(17);
  const std::vector<std::string> shapes = {
      "INFO request done code=%d took=%dms",
      "WARN slow request code=%d took=%dms",
      "ERROR failed id=xINFO%d retry=%d",
      "DEBUG cache hit key=k%d size=%d",
      "INFORMATION only %d of %d",
      "status INFO%d level=%d",
      "WARN odd id=a%dz code=%d",
  };
  std::vector<std::string> lines;
  for (int i = 0; i < 5000; ++i) {
    char line[128];
    snprintf(line, sizeof line, shapes[rng() % shapes.size()].c_str(),
             static_cast<int>(rng() % 600), static_cast<int>(rng() % 1000));
    lines.push_back(line);
    b.entries.push_back(Entry{kBase + i, line, {}});
  }
  ASSERT_TRUE(log->Append({b}, Durability::kBestEffort).ok());
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  StreamBatch recent{Labels({{"app", "a"}}), {}};
  for (int i = 5000; i < 5200; ++i) {
    lines.push_back(i % 2 ? "INFO late code=500 took=1ms" : "WARN late");
    recent.entries.push_back(Entry{kBase + i, lines.back(), {}});
  }
  ASSERT_TRUE(log->Append({recent}, Durability::kBestEffort).ok());
  for (std::vector<std::string> literals :
       std::vector<std::vector<std::string>>{{"INFO"},
                                             {"INFO "},
                                             {"code=5"},
                                             {"request", "code=2"},
                                             {"xINFO1"},
                                             {"ms"},
                                             {"INFO", "took"},
                                             {"5"},
                                             {"nothing here"},
                                             {"=k1"},
                                             {"odd id=a1"},
                                             {"code=5", "WARN"},
                                             {"z code=4"}}) {
    size_t want = 0;
    for (const std::string& line : lines) {
      bool all = true;
      for (const std::string& l : literals) all = all && line.find(l) != std::string::npos;
      want += all;
    }
    SelectRequest req = ReadOfA(kBase + kDay, Direction::kForward);
    req.line_contains = literals;
    req.timestamps_only = true;
    req.only_line_contains = true;
    uint64_t decided = 0;
    req.on_decided = [&decided](uint64_t n, uint64_t) { decided += n; };
    uint64_t filtered = 0;
    req.block_filter = [&](std::string_view data, const uint64_t* offsets, size_t count,
                           uint8_t* keep) {
      for (size_t i = 0; i < count; ++i) {
        if (!keep[i]) continue;
        ++filtered;
        std::string_view line = data.substr(offsets[i], offsets[i + 1] - offsets[i]);
        for (const std::string& l : literals) {
          if (line.find(l) == std::string_view::npos) keep[i] = 0;
        }
      }
    };
    auto it = log->Select(req);
    size_t got = 0;
    while (it->Next()) {
      const std::string& line = lines[it->record().timestamp - kBase];
      for (const std::string& l : literals) ASSERT_NE(line.find(l), std::string::npos) << l;
      ++got;
    }
    ASSERT_TRUE(it->status().ok());
    EXPECT_EQ(got, want) << literals[0];
    // Lines of templates whose text holds the literals are decided, not
    // rebuilt and filtered.
    if (literals == std::vector<std::string>{"INFO"}) {
      EXPECT_GT(decided, 1000u);
      EXPECT_LT(filtered, want / 2);
    }

    // Counting by timestamps alone, with the literals, sees the same
    // lines: those of the part and of the head (appended after the
    // flush).
    size_t scanned = 0;
    ASSERT_TRUE(log->ScanTimestamps(req,
                                    [&](const TimestampRun& run) {
                                      for (size_t i = 0; i < run.count; ++i) {
                                        const std::string& line = lines[run.timestamps[i] - kBase];
                                        for (const std::string& l : literals) {
                                          EXPECT_NE(line.find(l), std::string::npos) << l;
                                        }
                                      }
                                      scanned += run.count;
                                    })
                    .ok());
    EXPECT_EQ(scanned, want) << literals[0];
  }
}

// A literal that may lie inside a longer token ("needle9" of
// "zq7needle9x") has no token-filter key, but its letters do: the string
// filters rule out the blocks whose string variables lack them, without
// reading those blocks. The same answer with the filters damaged.
TEST_F(TenantLogTest, SubstringLiteralsSkipBlocksByTheirStringFilters) {
  auto log = Open();
  StreamBatch b{Labels({{"app", "a"}}), {}};
  std::mt19937_64 rng(3);
  for (int i = 0; i < 4000; ++i) {
    char id[32];
    snprintf(id, sizeof id, "%08llx", static_cast<unsigned long long>(rng() >> 32));
    std::string line = "GET /api/users/" + std::to_string(i) + " id=" + id + " ok";
    if (i == 2345) line += " trace=zq7needle9x";
    b.entries.push_back(Entry{kBase + i, line, {}});
  }
  ASSERT_TRUE(log->Append({b}, Durability::kBestEffort).ok());
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  for (int damaged = 0; damaged < 2; ++damaged) {
    for (std::string literal : {"needle9", "q7needle", "needle"}) {
      const auto [hits, stats] = FindLiteral(*log, literal);
      EXPECT_EQ(hits, std::vector<int64_t>{2345}) << literal;
      if (!damaged) {
        EXPECT_GE(stats.blocks_skipped, 36u) << literal;
      } else {
        EXPECT_EQ(stats.blocks_skipped, 0u) << literal;
      }
    }
    if (damaged) break;
    // Damage every part's filters: nothing can be skipped any more.
    log.reset();
    DamageFilters();
    log = Open();
  }
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
  SelectRequest req = ReadOfA(kBase + kDay, Direction::kForward);
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
  DamageFilters();
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

TEST_F(TenantLogTest, AnIdInMetadataOrLinesIsFoundWithBlocksSkippedByTheirFilters) {
  options_.part.min_token_filter_raw_bytes = 0;  // blocks of 100 short lines, with filters
  auto log = Open();
  // 40 blocks of 100 records; the id is in one record's metadata and in
  // another's line, in two other blocks.
  StreamBatch b{Labels({{"app", "a"}}), {}};
  for (int i = 0; i < 4000; ++i) {
    Entry e{kBase + i, "GET /api/users/" + std::to_string(i * 7919) + " 200", {}};
    e.metadata =
        Labels({{"trace_id", i == 1234 ? "4bf92f3577b34da6" : "00f067aa" + std::to_string(i)}});
    if (i == 3456) e.line = e.line.str() + " caused by 4bf92f3577b34da6";
    b.entries.push_back(std::move(e));
  }
  ASSERT_TRUE(log->Append({b}, Durability::kBestEffort).ok());
  SelectRequest req = ReadOfA(kBase + kDay, Direction::kForward);
  req.record_contains = "4bf92f3577b34da6";
  auto found = [&](Storage* unused, std::unique_ptr<RecordIterator> it) {
    (void)unused;
    std::vector<int64_t> at;
    while (it->Next()) {
      const Record& r = it->record();
      bool holds = r.line.find(req.record_contains) != std::string::npos;
      for (const Label& l : r.metadata) holds = holds || l.value == req.record_contains;
      if (holds) at.push_back(r.timestamp - kBase);
    }
    return at;
  };
  // In the head, before any part exists.
  EXPECT_EQ(found(nullptr, log->Select(req)), (std::vector<int64_t>{1234, 3456}));
  ASSERT_TRUE(log->MaybeFlushHead(true).ok());
  auto it = log->Select(req);
  auto* merge = dynamic_cast<MergeIterator*>(it.get());
  ASSERT_NE(merge, nullptr);
  EXPECT_EQ(found(nullptr, std::move(it)), (std::vector<int64_t>{1234, 3456}));
  it = log->Select(req);
  merge = dynamic_cast<MergeIterator*>(it.get());
  while (it->Next()) {
  }
  EXPECT_GE(merge->blocks_skipped(), 36u);
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
  SelectRequest req = ReadOfA(kBase + kDay, Direction::kForward);
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
