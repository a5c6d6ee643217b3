// Audit chains: the link format, chaining in the store (through WAL
// replay, head flushes, merges, restarts and retention), and verification
// catching records altered, removed, reordered or inserted in files whose
// checksums were made valid again.
#include "audit/verify.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "base/coding.h"
#include "base/crc32c.h"
#include "storage/audit_chain.h"
#include "storage/checkpoint.h"
#include "storage/local_store.h"
#include "storage/wal/batch_codec.h"
#include "storage/wal/wal_writer.h"

namespace lode {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kDay = 86400 * kSecond;

TEST(AuditChainFormatTest, LinkRoundTripsAndMalformedTextIsRefused) {
  ChainLink link;
  link.seq = 1234;
  for (size_t i = 0; i < link.hash.size(); ++i) link.hash[i] = static_cast<uint8_t>(i * 7);
  const std::string text = FormatChainLink(link);
  EXPECT_EQ(text.substr(0, 5), "1234 ");
  EXPECT_EQ(text.size(), 5u + 64u);
  ChainLink back;
  ASSERT_TRUE(ParseChainLink(text, back));
  EXPECT_EQ(back.seq, 1234u);
  EXPECT_EQ(back.hash, link.hash);
  const std::string hex = HashToHex(link.hash);
  for (const std::string& bad :
       {std::string(""), std::string("1234"), "0 " + hex, "01 " + hex, "-1 " + hex, "x " + hex,
        "12 " + hex.substr(1), "12 " + hex + "0", "12  " + hex, "12 " + std::string(64, 'g'),
        "12 " + std::string(64, 'A'), "99999999999999999999999 " + hex}) {
    EXPECT_FALSE(ParseChainLink(bad, back)) << bad;
  }
}

TEST(AuditChainFormatTest, TheDigestCoversTimeStreamLineAndMetadataButNotTheLink) {
  const Labels stream{{"app", "ledger"}};
  const Labels meta{{"user", "7"}};
  const ChainHash base = RecordDigest(100, stream, "credit 5", meta);
  EXPECT_NE(base, RecordDigest(101, stream, "credit 5", meta));
  EXPECT_NE(base, RecordDigest(100, Labels{{"app", "ledger2"}}, "credit 5", meta));
  EXPECT_NE(base, RecordDigest(100, stream, "credit 6", meta));
  EXPECT_NE(base, RecordDigest(100, stream, "credit 5", Labels{{"user", "8"}}));
  EXPECT_NE(base, RecordDigest(100, stream, "credit 5", Labels{}));
  // Length prefixes: moving bytes between fields changes the digest.
  EXPECT_NE(RecordDigest(1, Labels{{"a", "bc"}}, "", {}),
            RecordDigest(1, Labels{{"ab", "c"}}, "", {}));
  Labels linked = meta;
  linked.Set(std::string(kAuditChainKey), "1 " + std::string(64, '0'));
  EXPECT_EQ(base, RecordDigest(100, stream, "credit 5", linked));
  // The chain hash depends on the previous hash, the position and the digest.
  const ChainHash h1 = NextChainHash(ChainHash{}, 1, base);
  EXPECT_NE(h1, NextChainHash(ChainHash{}, 2, base));
  EXPECT_NE(h1, NextChainHash(h1, 1, base));
}

TEST(AuditChainFormatTest, RetentionCutsJoinWhereTheyTouch) {
  std::vector<RetentionCut> cuts;
  ChainHash h5{}, h9{}, h20{};
  h5[0] = 5, h9[0] = 9, h20[0] = 20;
  AddRetentionCut(cuts, {6, 9, h9, 2});
  AddRetentionCut(cuts, {15, 20, h20, 3});
  AddRetentionCut(cuts, {1, 5, h5, 1});
  ASSERT_EQ(cuts.size(), 2u);
  EXPECT_EQ(cuts[0].first, 1u);
  EXPECT_EQ(cuts[0].last, 9u);
  EXPECT_EQ(cuts[0].hash, h9);
  EXPECT_EQ(cuts[0].at_ns, 2);
  EXPECT_EQ(cuts[1].first, 15u);
  AddRetentionCut(cuts, {10, 14, h5, 4});
  ASSERT_EQ(cuts.size(), 1u);
  EXPECT_EQ(cuts[0].last, 20u);
  EXPECT_EQ(cuts[0].hash, h20);
}

TEST(AuditChainFormatTest, TheCheckpointKeepsChainsAndReadsVersionTwo) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "lode-ckp-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const std::string path = tmpl + "/checkpoint";
  Checkpoint c;
  c.wal_checkpoint = 7;
  c.batch_ids = {{"b1", 5}};
  AuditChain chain;
  chain.stream = Labels{{"app", "ledger"}, {"region", "eu \"west\""}};
  chain.started_ns = 123;
  chain.unchained_records = 4;
  chain.unchained_until = -9;
  chain.head = ChainHead{40, 999, {}};
  chain.head.hash[3] = 3;
  chain.cuts = {RetentionCut{1, 20, {}, 77}};
  chain.cuts[0].hash[31] = 1;
  c.audit_chains = {chain, AuditChain{Labels{{"app", "b"}}, 1, 0, 0, {}, {}}};
  ASSERT_TRUE(WriteCheckpoint(Env::Default(), path, c).ok());
  auto back = ReadCheckpoint(Env::Default(), path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->wal_checkpoint, 7u);
  ASSERT_EQ(back->audit_chains.size(), 2u);
  const AuditChain& a = back->audit_chains[0];
  EXPECT_EQ(a.stream, chain.stream);
  EXPECT_EQ(a.started_ns, 123);
  EXPECT_EQ(a.unchained_records, 4u);
  EXPECT_EQ(a.unchained_until, -9);
  EXPECT_EQ(a.head, chain.head);
  EXPECT_EQ(a.cuts, chain.cuts);
  // A flipped byte is Corruption, never chains read wrong.
  std::string data;
  {
    std::ifstream in(path, std::ios::binary);
    data.assign(std::istreambuf_iterator<char>(in), {});
  }
  for (size_t i = 8; i < data.size(); i += 7) {
    std::string bad = data;
    bad[i] ^= 0x20;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bad;
    EXPECT_EQ(ReadCheckpoint(Env::Default(), path).status().code(), StatusCode::kCorruption) << i;
  }
  // Version 2 (no chains) is still read.
  std::string v2 = "LODECKP2";
  PutFixed64(v2, 3);
  PutVarint64(v2, 0);
  PutVarint64(v2, 1);
  PutLengthPrefixed(v2, "key");
  PutVarsint64(v2, 11);
  PutFixed32(v2, crc32c::Value(v2));
  std::ofstream(path, std::ios::binary | std::ios::trunc) << v2;
  back = ReadCheckpoint(Env::Default(), path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->wal_checkpoint, 3u);
  EXPECT_EQ(back->record_ids.size(), 1u);
  EXPECT_TRUE(back->audit_chains.empty());
  std::filesystem::remove_all(tmpl);
}

// A store with {app="ledger"} as its audit streams, in a temporary directory.
class AuditChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lode-audit-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    options_.data_dir = dir_ + "/data";
    options_.flush_interval = std::chrono::hours(1);
    options_.log.audit_streams = {{Matcher::Create(MatchType::kEqual, "app", "ledger").value()}};
    options_.log.part.block_max_records = 16;
    options_.log.part.stream_block_raw_bytes = 0;
    options_.log.cold_after = std::chrono::nanoseconds(0);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void OpenStore(bool read_only = false, const std::string& data_dir = "") {
    if (store_) {
      ASSERT_TRUE(store_->Close().ok());
    }
    store_.reset();
    LocalStoreOptions o = options_;
    if (!data_dir.empty()) o.data_dir = data_dir;
    o.log.read_only = read_only;
    auto opened = LocalStore::Open(Env::Default(), o);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  // Appends records `from`..`to` (inclusive) of the ledger, one a second,
  // and the same number to a stream that is not audited.
  void AppendLedger(int from, int to, int64_t base = kBase) {
    StreamBatch ledger{Labels{{"app", "ledger"}}, {}};
    StreamBatch web{Labels{{"app", "web"}}, {}};
    for (int i = from; i <= to; ++i) {
      const int64_t t = base + i * kSecond;
      ledger.entries.push_back(Entry{t, "credit account=" + std::to_string(i), {}});
      web.entries.push_back(Entry{t, "GET /" + std::to_string(i), {}});
    }
    ASSERT_TRUE(store_->Append("t", {ledger, web}, Durability::kBestEffort).ok());
  }

  std::vector<AuditChain> Chains() {
    auto chains = store_->AuditChains("t");
    EXPECT_TRUE(chains.ok()) << chains.status().ToString();
    return chains.ok() ? *chains : std::vector<AuditChain>{};
  }

  std::vector<ChainVerdict> Verify(const std::vector<ExpectedHead>& expected = {}) {
    VerifyOptions o;
    o.expected = expected;
    auto verdicts = VerifyAuditChains(*store_, "t", Chains(), o);
    EXPECT_TRUE(verdicts.ok()) << verdicts.status().ToString();
    return verdicts.ok() ? *verdicts : std::vector<ChainVerdict>{};
  }

  // Every record of the tenant, links kept, in time order.
  std::vector<Record> ReadAll(bool keep_links = true) {
    SelectRequest r;
    r.tenant = "t";
    r.start = 0;
    r.end = std::numeric_limits<int64_t>::max();
    r.direction = Direction::kForward;
    r.matchers = {Matcher::Create(MatchType::kRegexMatch, "app", ".+").value()};
    r.keep_audit_chain = keep_links;
    auto it = store_->Select(r);
    EXPECT_TRUE(it.ok());
    std::vector<Record> out;
    while ((*it)->Next()) out.push_back((*it)->record());
    EXPECT_TRUE((*it)->status().ok());
    return out;
  }

  // What someone who can write the data directory makes of it: the
  // tenant's records, after `edit`, written as a WAL whose frames have
  // valid checksums, with `chains` in its checkpoint, into a new data
  // directory; lode then opens it (replaying and flushing those records
  // into parts with valid checksums too) and stops.
  // (`chains` is read after `edit`, which may change it.)
  std::string Rewrite(const std::function<void(std::vector<Record>&)>& edit,
                      const std::vector<AuditChain>& chains) {
    std::vector<Record> records = ReadAll();
    edit(records);
    const std::string data = dir_ + "/rewritten" + std::to_string(++rewrites_);
    const std::string tenant_dir = data + "/tenants/t";
    std::filesystem::create_directories(tenant_dir + "/wal");
    auto wal = wal::WalWriter::Open(Env::Default(), tenant_dir + "/wal", 1, 64 << 20);
    EXPECT_TRUE(wal.ok());
    std::vector<std::string> frames;
    for (const Record& r : records) {
      StreamBatch b{r.stream, {Entry{r.timestamp, r.line, r.metadata}}};
      std::string frame;
      const size_t start = wal::WalWriter::BeginFrame(frame);
      wal::EncodeBatches(frame, {b});
      wal::WalWriter::FinishFrame(frame, start, wal::FrameType::kBatch);
      frames.push_back(std::move(frame));
    }
    EXPECT_TRUE((*wal)->WriteFrames(frames).ok());
    EXPECT_TRUE((*wal)->Close().ok());
    Checkpoint checkpoint;
    checkpoint.audit_chains = chains;
    EXPECT_TRUE(WriteCheckpoint(Env::Default(), tenant_dir + "/checkpoint", checkpoint).ok());
    OpenStore(false, data);
    OpenStore(true, data);
    return data;
  }

  static const Record* Find(const std::vector<Record>& records, int i) {
    for (const Record& r : records) {
      if (r.stream.Get("app") == "ledger" && r.line == "credit account=" + std::to_string(i)) {
        return &r;
      }
    }
    return nullptr;
  }

  static constexpr int64_t kBase = 19844 * kDay;  // 2024-05-01
  std::string dir_;
  LocalStoreOptions options_;
  std::unique_ptr<LocalStore> store_;
  int rewrites_ = 0;
};

TEST_F(AuditChainTest, RecordsOfAuditStreamsAreChainedAndReadersDoNotSeeTheLinks) {
  OpenStore();
  AppendLedger(1, 10);
  std::vector<AuditChain> chains = Chains();
  ASSERT_EQ(chains.size(), 1u);
  EXPECT_EQ(chains[0].stream, (Labels{{"app", "ledger"}}));
  EXPECT_EQ(chains[0].head.count, 10u);
  EXPECT_EQ(chains[0].head.last_time, kBase + 10 * kSecond);
  // Readers see the records as pushed; the verifier sees positions 1..10.
  for (const Record& r : ReadAll(/*keep_links=*/false)) EXPECT_TRUE(r.metadata.empty());
  std::vector<uint64_t> positions;
  for (const Record& r : ReadAll()) {
    ChainLink link;
    if (r.stream.Get("app") == "web") {
      EXPECT_FALSE(FindChainLink(r.metadata, link));
      continue;
    }
    ASSERT_TRUE(FindChainLink(r.metadata, link));
    positions.push_back(link.seq);
    if (link.seq == 10) {
      EXPECT_EQ(link.hash, chains[0].head.hash);
    }
  }
  EXPECT_EQ(positions, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  // Counting by time does not see them either.
  SelectRequest scan;
  scan.tenant = "t";
  scan.start = 0;
  scan.end = std::numeric_limits<int64_t>::max();
  scan.matchers = {Matcher::Create(MatchType::kEqual, "app", "ledger").value()};
  size_t counted = 0;
  ASSERT_TRUE(store_
                  ->ScanTimestamps(scan,
                                   [&](const TimestampRun& run) {
                                     counted += run.count;
                                     EXPECT_EQ(run.metadata, nullptr);
                                   })
                  .ok());
  EXPECT_EQ(counted, 10u);
  std::vector<ChainVerdict> v = Verify();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_TRUE(v[0].intact()) << v[0].first->detail;
  EXPECT_EQ(v[0].records_checked, 10u);
  EXPECT_EQ(v[0].heads_checked, 1u);
}

TEST_F(AuditChainTest, TheChainSurvivesReplayFlushesMergesAndRestarts) {
  options_.log.flush_head_on_close = false;  // the first restart replays the WAL
  options_.log.merge_min_parts = 2;
  OpenStore();
  AppendLedger(1, 40);
  OpenStore();  // replayed from the WAL
  EXPECT_EQ(Chains().at(0).head.count, 40u);
  AppendLedger(41, 80);
  for (int round = 0; round < 3; ++round) {
    AppendLedger(81 + round * 20, 100 + round * 20);
    ASSERT_TRUE(store_->Close().ok());  // no head flush: replayed next
    options_.log.flush_head_on_close = true;
    OpenStore();
    options_.log.flush_head_on_close = false;
  }
  OpenStore();
  ASSERT_EQ(Chains().size(), 1u);
  EXPECT_EQ(Chains()[0].head.count, 140u);
  std::vector<ChainVerdict> v = Verify();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_TRUE(v[0].intact()) << v[0].first->detail;
  EXPECT_EQ(v[0].records_checked, 140u);
  // Out of order in time, the chain keeps arrival order.
  AppendLedger(141, 150, kBase - kDay);
  v = Verify();
  EXPECT_TRUE(v[0].intact()) << v[0].first->detail;
  EXPECT_EQ(v[0].records_checked, 150u);
}

TEST_F(AuditChainTest, ConcurrentAppendsChainInWalOrder) {
  OpenStore();
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 50; ++i) {
        StreamBatch b{Labels{{"app", "ledger"}}, {}};
        b.entries.push_back(Entry{kBase + (w * 1000 + i) * kSecond, "w" + std::to_string(w), {}});
        EXPECT_TRUE(store_->Append("t", {b}, Durability::kDurable).ok());
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(Chains().at(0).head.count, 200u);
  EXPECT_TRUE(Verify().at(0).intact());
  options_.log.flush_head_on_close = false;
  OpenStore();  // replays the WAL in its order
  std::vector<ChainVerdict> v = Verify();
  EXPECT_TRUE(v.at(0).intact()) << v[0].first->detail;
  EXPECT_EQ(v[0].records_checked, 200u);
}

TEST_F(AuditChainTest, PushedChainLinksAreDropped) {
  OpenStore();
  const std::string forged = "1 " + std::string(64, 'a');
  StreamBatch web{Labels{{"app", "web"}}, {Entry{kBase, "x", Labels{{"__audit_chain__", forged}}}}};
  StreamBatch ledger{Labels{{"app", "ledger"}},
                     {Entry{kBase, "y", Labels{{"__audit_chain__", forged}, {"k", "v"}}}}};
  ASSERT_TRUE(store_->Append("t", {web, ledger}, Durability::kBestEffort).ok());
  for (const Record& r : ReadAll()) {
    if (r.stream.Get("app") == "web") {
      EXPECT_TRUE(r.metadata.empty());
    } else {
      EXPECT_EQ(r.metadata.Get("k"), "v");
      EXPECT_NE(r.metadata.Get(kAuditChainKey), forged);
    }
  }
  EXPECT_TRUE(Verify().at(0).intact());
}

TEST_F(AuditChainTest, AStreamMadeAnAuditStreamLaterKeepsItsEarlierRecordsUnchained) {
  const auto audit = options_.log.audit_streams;
  options_.log.audit_streams.clear();
  OpenStore();
  AppendLedger(1, 12);
  options_.log.audit_streams = audit;
  OpenStore();
  AppendLedger(13, 20);
  std::vector<AuditChain> chains = Chains();
  ASSERT_EQ(chains.size(), 1u);
  EXPECT_EQ(chains[0].unchained_records, 12u);
  EXPECT_EQ(chains[0].unchained_until, kBase + 12 * kSecond);
  EXPECT_EQ(chains[0].head.count, 8u);
  OpenStore();  // what the chain began with is in the checkpoint
  std::vector<ChainVerdict> v = Verify();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_TRUE(v[0].intact()) << v[0].first->detail;
  EXPECT_EQ(v[0].before_chain, 12u);
  EXPECT_EQ(v[0].records_checked, 8u);
  // A record without a link slipped in among the earlier ones is one too many.
  Rewrite(
      [](std::vector<Record>& records) {
        records.push_back(
            Record{kBase + 5 * kSecond + 1, Labels{{"app", "ledger"}}, "credit account=-1", {}});
      },
      Chains());
  v = Verify();
  ASSERT_FALSE(v.at(0).intact());
  EXPECT_EQ(v[0].first->problem, ChainProblem::kInserted);
}

TEST_F(AuditChainTest, AnUntouchedRewriteIsIntact) {
  OpenStore();
  AppendLedger(1, 30);
  std::vector<AuditChain> chains = Chains();
  Rewrite([](std::vector<Record>&) {}, chains);
  std::vector<ChainVerdict> v = Verify();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_TRUE(v[0].intact()) << v[0].first->detail;
  EXPECT_EQ(v[0].records_checked, 30u);
}

TEST_F(AuditChainTest, AnAlteredRecordIsFoundWhereItIs) {
  OpenStore();
  AppendLedger(1, 30);
  Rewrite(
      [](std::vector<Record>& records) {
        const_cast<Record*>(Find(records, 12))->line = "credit account=12000";
      },
      Chains());
  std::vector<ChainVerdict> v = Verify();
  ASSERT_EQ(v.size(), 1u);
  ASSERT_FALSE(v[0].intact());
  EXPECT_EQ(v[0].problems, 1u);
  EXPECT_EQ(v[0].first->problem, ChainProblem::kAltered);
  EXPECT_EQ(v[0].first->position, 12u);
  EXPECT_EQ(v[0].first->time, kBase + 12 * kSecond);
}

TEST_F(AuditChainTest, AChangedTimestampOrMetadataIsAnAlteration) {
  OpenStore();
  AppendLedger(1, 20);
  Rewrite(
      [](std::vector<Record>& records) {
        const_cast<Record*>(Find(records, 7))->timestamp += 1;
        const_cast<Record*>(Find(records, 9))->metadata.Set("user", "mallory");
      },
      Chains());
  std::vector<ChainVerdict> v = Verify();
  EXPECT_EQ(v.at(0).problems, 2u);
  EXPECT_EQ(v[0].first->problem, ChainProblem::kAltered);
  EXPECT_EQ(v[0].first->position, 7u);
}

TEST_F(AuditChainTest, ARemovedRecordIsMissing) {
  OpenStore();
  AppendLedger(1, 30);
  Rewrite(
      [](std::vector<Record>& records) {
        std::erase_if(records, [&](const Record& r) { return &r == Find(records, 17); });
      },
      Chains());
  std::vector<ChainVerdict> v = Verify();
  ASSERT_FALSE(v.at(0).intact());
  EXPECT_EQ(v[0].first->problem, ChainProblem::kMissing);
  EXPECT_EQ(v[0].first->position, 17u);
  EXPECT_EQ(v[0].problems, 1u);
  // A missing record has no time of its own: the next one's locates it.
  EXPECT_NE(v[0].first->detail.find("the next record, 18, is at 20"), std::string::npos)
      << v[0].first->detail;
}

TEST_F(AuditChainTest, RemovedLastRecordsAreMissingAgainstTheStoresHead) {
  OpenStore();
  AppendLedger(1, 30);
  Rewrite(
      [](std::vector<Record>& records) {
        std::erase_if(records, [](const Record& r) {
          return r.stream.Get("app") == "ledger" && r.timestamp > kBase + 27 * kSecond;
        });
      },
      Chains());
  std::vector<ChainVerdict> v = Verify();
  ASSERT_FALSE(v.at(0).intact());
  EXPECT_EQ(v[0].first->problem, ChainProblem::kMissing);
  EXPECT_EQ(v[0].first->position, 28u);
  EXPECT_NE(v[0].first->detail.find("28 to 30"), std::string::npos) << v[0].first->detail;
}

TEST_F(AuditChainTest, SwappedRecordsAreReordered) {
  OpenStore();
  AppendLedger(1, 30);
  Rewrite(
      [](std::vector<Record>& records) {
        Record* a = const_cast<Record*>(Find(records, 20));
        Record* b = const_cast<Record*>(Find(records, 21));
        // The records trade places; their links stay where they were.
        std::swap(a->timestamp, b->timestamp);
        std::swap(a->line, b->line);
      },
      Chains());
  std::vector<ChainVerdict> v = Verify();
  ASSERT_FALSE(v.at(0).intact());
  EXPECT_EQ(v[0].first->problem, ChainProblem::kReordered);
  EXPECT_EQ(v[0].first->position, 20u);
  EXPECT_NE(v[0].first->detail.find("position 21"), std::string::npos) << v[0].first->detail;
}

TEST_F(AuditChainTest, InsertedRecordsAreFound) {
  OpenStore();
  AppendLedger(1, 30);
  std::vector<AuditChain> chains = Chains();
  // One without a link.
  Rewrite(
      [](std::vector<Record>& records) {
        records.push_back(Record{kBase + 15 * kSecond + 1, Labels{{"app", "ledger"}},
                                 "credit account=666", Labels{}});
      },
      chains);
  std::vector<ChainVerdict> v = Verify();
  ASSERT_FALSE(v.at(0).intact());
  EXPECT_EQ(v[0].first->problem, ChainProblem::kInserted);
  EXPECT_EQ(v[0].first->time, kBase + 15 * kSecond + 1);
  // It has no position: the one read before it says where it is.
  EXPECT_NE(v[0].first->detail.find("it comes after the record at position 15"), std::string::npos)
      << v[0].first->detail;
  // One that copies another's link.
  OpenStore(false, options_.data_dir);
  Rewrite(
      [](std::vector<Record>& records) {
        Record copy = *Find(records, 15);
        copy.line = "credit account=667";
        copy.timestamp += 1;
        records.push_back(copy);
      },
      chains);
  v = Verify();
  ASSERT_FALSE(v.at(0).intact());
  EXPECT_EQ(v[0].first->problem, ChainProblem::kInserted);
  EXPECT_EQ(v[0].first->position, 15u);
  EXPECT_EQ(v[0].problems, 1u);
}

TEST_F(AuditChainTest, ARewrittenChainIsCaughtOnlyByAPublishedHead) {
  OpenStore();
  AppendLedger(1, 30);
  std::vector<AuditChain> chains = Chains();
  const ExpectedHead published{"t", chains[0].stream, chains[0].head.count, chains[0].head.hash,
                               std::nullopt};
  // Record 5 altered and every link after it computed again, as someone
  // who knows the format would; the checkpoint's head too.
  std::vector<AuditChain> forged = chains;
  Rewrite(
      [&](std::vector<Record>& records) {
        std::vector<Record*> ledger;
        for (int i = 1; i <= 30; ++i) ledger.push_back(const_cast<Record*>(Find(records, i)));
        ledger[4]->line = "credit account=5000";
        ChainHash previous{};
        for (int i = 1; i <= 30; ++i) {
          Record* r = ledger[i - 1];
          ChainLink link{static_cast<uint64_t>(i), {}};
          link.hash = NextChainHash(previous, link.seq,
                                    RecordDigest(r->timestamp, r->stream, r->line, r->metadata));
          r->metadata.Set(std::string(kAuditChainKey), FormatChainLink(link));
          previous = link.hash;
        }
        forged[0].head.hash = previous;
      },
      forged);
  std::vector<ChainVerdict> v = Verify();
  EXPECT_TRUE(v.at(0).intact()) << "a consistent rewrite is beyond the chain alone: "
                                << (v[0].first ? v[0].first->detail : "");
  v = Verify({published});
  ASSERT_FALSE(v.at(0).intact());
  EXPECT_EQ(v[0].first->problem, ChainProblem::kAltered);
  EXPECT_EQ(v[0].first->position, 30u);
  EXPECT_EQ(v[0].heads_checked, 2u);
  // A head published for a stream the store has no chain for.
  ExpectedHead other = published;
  other.stream = Labels{{"app", "ledger-eu"}};
  v = Verify({other});
  ASSERT_EQ(v.size(), 2u);
  EXPECT_TRUE(v[0].intact());
  EXPECT_EQ(v[1].first->problem, ChainProblem::kMissing);
  // A published head beyond the chain: records removed from its end.
  ExpectedHead later = published;
  later.count = 35;
  v = Verify({later});
  EXPECT_EQ(v.at(0).first->problem, ChainProblem::kMissing);
}

TEST_F(AuditChainTest, APublishedHeadWhoseTimeWasChangedDoesNotMatch) {
  OpenStore();
  AppendLedger(1, 30);
  std::vector<AuditChain> chains = Chains();
  ExpectedHead published{"t", chains[0].stream, chains[0].head.count, chains[0].head.hash,
                         std::nullopt};
  published.last_time = chains[0].head.last_time;
  EXPECT_TRUE(Verify({published}).at(0).intact());
  published.last_time = chains[0].head.last_time + 1;
  std::vector<ChainVerdict> v = Verify({published});
  ASSERT_FALSE(v.at(0).intact());
  EXPECT_EQ(v[0].first->problem, ChainProblem::kAltered);
  EXPECT_EQ(v[0].first->position, 30u);
  EXPECT_NE(v[0].first->detail.find("the head was changed"), std::string::npos)
      << v[0].first->detail;
}

TEST_F(AuditChainTest, RetentionCutsTheChainAtARecordedBoundary) {
  // Days 0..3 of ledger records, one part each; retention of two days
  // from day 3 removes days 0 and 1.
  OpenStore();
  for (int day = 0; day < 4; ++day) {
    AppendLedger(day * 10 + 1, day * 10 + 10, kBase + day * kDay - day * 10 * kSecond);
    OpenStore();  // flushed into parts
  }
  std::vector<AuditChain> chains = Chains();
  ASSERT_EQ(chains.at(0).head.count, 40u);
  const ExpectedHead at_10{"t", chains[0].stream, 10, {}, std::nullopt};
  ChainHash hash_at_20{};
  for (const Record& r : ReadAll()) {
    ChainLink link;
    if (FindChainLink(r.metadata, link) && link.seq == 20) hash_at_20 = link.hash;
  }
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  // Retention by size (the store's clock is real, and all four days are
  // years old): the two oldest days' parts go.
  uint64_t part_bytes = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(options_.data_dir)) {
    if (e.is_regular_file() && e.path().string().ends_with(".part")) part_bytes += e.file_size();
  }
  options_.retention_bytes = part_bytes / 2 + 1;
  options_.flush_interval = std::chrono::milliseconds(20);
  OpenStore();
  for (int i = 0; i < 500 && Chains().at(0).cuts.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  chains = Chains();
  ASSERT_EQ(chains.at(0).cuts.size(), 1u);
  EXPECT_EQ(chains[0].cuts[0].first, 1u);
  EXPECT_EQ(chains[0].cuts[0].last, 20u);
  EXPECT_EQ(chains[0].cuts[0].hash, hash_at_20);
  options_.retention_bytes = 0;
  options_.flush_interval = std::chrono::hours(1);
  OpenStore();  // the cut is in the checkpoint
  ASSERT_EQ(Chains().at(0).cuts.size(), 1u);
  const ExpectedHead at_20{"t", chains[0].stream, 20, hash_at_20, std::nullopt};
  std::vector<ChainVerdict> v = Verify({at_10, at_20});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_TRUE(v[0].intact()) << v[0].first->detail;
  EXPECT_EQ(v[0].records_checked, 20u);
  EXPECT_EQ(v[0].heads_checked, 2u);  // at_20 and the store's head
  ASSERT_EQ(v[0].notes.size(), 1u);
  EXPECT_NE(v[0].notes[0].find("removed by retention"), std::string::npos);
  // Records removed beyond the cut are still missing.
  Rewrite(
      [](std::vector<Record>& records) {
        std::erase_if(records, [&](const Record& r) { return &r == Find(records, 21); });
      },
      Chains());
  v = Verify();
  EXPECT_EQ(v.at(0).first->problem, ChainProblem::kMissing);
  EXPECT_EQ(v[0].first->position, 21u);
}

// A store stopped after retention recorded a cut in the middle of a chain
// (records that arrived late, with older times) but before it deleted
// their part: the cut's records are still there, and one record after it
// is missing. Verify ends, and reports that one.
TEST_F(AuditChainTest, RecordsOfACutStillReadableAndOneMissingAfterIt) {
  OpenStore();
  AppendLedger(1, 30);
  std::vector<AuditChain> chains = Chains();
  ChainHash hash_at_25{};
  for (const Record& r : ReadAll()) {
    ChainLink link;
    if (FindChainLink(r.metadata, link) && link.seq == 25) hash_at_25 = link.hash;
  }
  chains[0].cuts = {RetentionCut{20, 25, hash_at_25, 1}};
  Rewrite(
      [](std::vector<Record>& records) {
        for (int i = 20; i <= 25; ++i) const_cast<Record*>(Find(records, i))->timestamp -= kDay;
        std::erase_if(records, [&](const Record& r) { return &r == Find(records, 27); });
      },
      chains);
  std::vector<ChainVerdict> v = Verify();
  ASSERT_FALSE(v.at(0).intact());
  EXPECT_EQ(v[0].first->problem, ChainProblem::kMissing);
  EXPECT_EQ(v[0].first->position, 27u);
  EXPECT_EQ(v[0].problems, 1u);
  EXPECT_EQ(v[0].records_checked, 30u - 6u - 1u - 1u);  // the one after the gap is taken as stored
}

TEST_F(AuditChainTest, AReadOnlyOpenChangesNothingOnDisk) {
  options_.log.flush_head_on_close = false;
  OpenStore();
  AppendLedger(1, 10);
  ASSERT_TRUE(store_->Flush().ok());
  store_.reset();  // as if killed: the WAL holds the records
  auto listing = [&] {
    std::vector<std::pair<std::string, uintmax_t>> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(options_.data_dir)) {
      files.emplace_back(e.path().string(), e.is_regular_file() ? e.file_size() : 0);
    }
    std::sort(files.begin(), files.end());
    return files;
  };
  const auto before = listing();
  OpenStore(/*read_only=*/true);
  EXPECT_EQ(Chains().at(0).head.count, 10u);
  EXPECT_TRUE(Verify().at(0).intact());
  EXPECT_FALSE(store_
                   ->Append("t", {StreamBatch{Labels{{"app", "x"}}, {Entry{1, "x", {}}}}},
                            Durability::kDurable)
                   .ok());
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  EXPECT_EQ(listing(), before);
}

}  // namespace
}  // namespace lode
