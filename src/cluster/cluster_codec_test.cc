// The cluster's own encodings: ingest messages, catalog entries and the
// members' questions and answers, each round-tripped and each refusing
// damaged bytes.
#include <gtest/gtest.h>

#include "base/coding.h"
#include "base/crc32c.h"
#include "cluster/catalog.h"
#include "cluster/cluster_options.h"
#include "cluster/ingest_message.h"
#include "cluster/partitioning.h"
#include "cluster/peer_protocol.h"

namespace lode {
namespace {

std::vector<StreamBatch> SampleBatches() {
  std::vector<StreamBatch> batches(2);
  batches[0].labels = Labels({{"app", "api"}, {"env", "prod"}});
  batches[0].entries.push_back({1000, "GET /a 200", {}});
  batches[0].entries.push_back({2000, "GET /b 500", Labels({{"trace_id", "abc"}})});
  batches[1].labels = Labels({{"app", "db"}});
  batches[1].entries.push_back({1500, std::string(5000, 'x'), {}});
  return batches;
}

TEST(IngestMessageTest, RoundTripsTenantAndRecords) {
  std::vector<StreamBatch> batches = SampleBatches();
  std::string body = EncodeIngestMessage("team-a", {&batches[0], &batches[1]});
  EXPECT_LT(body.size(), 5000u) << "the message is compressed";
  auto decoded = DecodeIngestMessage(body);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->tenant, "team-a");
  ASSERT_EQ(decoded->batches.size(), 2u);
  EXPECT_EQ(decoded->batches[0].labels, batches[0].labels);
  ASSERT_EQ(decoded->batches[0].entries.size(), 2u);
  EXPECT_EQ(decoded->batches[0].entries[1].line, "GET /b 500");
  EXPECT_EQ(decoded->batches[0].entries[1].metadata, Labels({{"trace_id", "abc"}}));
  EXPECT_EQ(decoded->batches[1].entries[0].line, std::string(5000, 'x'));
}

TEST(IngestMessageTest, RefusesDamagedBodies) {
  std::vector<StreamBatch> batches = SampleBatches();
  std::string body = EncodeIngestMessage("t", {&batches[0]});
  EXPECT_FALSE(DecodeIngestMessage("").ok());
  EXPECT_FALSE(DecodeIngestMessage("\x02xyz").ok());
  for (size_t cut = 1; cut < body.size(); cut += 3) {
    EXPECT_FALSE(DecodeIngestMessage(body.substr(0, cut)).ok()) << "cut at " << cut;
  }
  for (size_t i = 1; i < body.size(); ++i) {
    std::string flipped = body;
    flipped[i] ^= 0x5a;
    auto result = DecodeIngestMessage(flipped);
    if (result.ok()) {
      // Only a flip inside the tenant name can pass, as another tenant's.
      EXPECT_NE(result->tenant, "t") << "flip at " << i;
    }
  }
}

TEST(CatalogTest, PartitionStateRoundTripsAndRefusesDamage) {
  PartitionState s;
  s.owner = "node-b";
  s.epoch = 7;
  s.covered = 12345;
  s.next_part_id = 3;
  s.parts.push_back({"parts/t/2026-12-05/p3-1-100-ab.part", "t", -5, 99, 40, 4096, 1, 100, 1});
  s.parts.push_back({"parts/u/2026-12-05/p3-101-200-cd.part", "u", 100, 200, 2, 512, 101, 200, 2});
  s.doomed.push_back({"parts/t/old.part", 1700000000000});
  AuditChain chain;
  chain.stream = Labels{{"app", "ledger"}};
  chain.started_ns = 99;
  chain.head = ChainHead{41, 1234, {}};
  chain.head.hash[0] = 0xab;
  chain.cuts = {RetentionCut{1, 10, {}, 5}};
  s.audit_chains.push_back({"t", chain});
  std::string bytes = EncodePartitionState(s);
  auto back = DecodePartitionState(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->owner, "node-b");
  EXPECT_EQ(back->epoch, 7u);
  EXPECT_EQ(back->covered, 12345u);
  ASSERT_EQ(back->parts.size(), 2u);
  EXPECT_EQ(back->parts[0].key, s.parts[0].key);
  EXPECT_EQ(back->parts[0].min_time, -5);
  EXPECT_EQ(back->parts[1].last_seq, 200u);
  ASSERT_EQ(back->doomed.size(), 1u);
  EXPECT_EQ(back->doomed[0].since_unix_ms, 1700000000000);
  ASSERT_EQ(back->audit_chains.size(), 1u);
  EXPECT_EQ(back->audit_chains[0].tenant, "t");
  EXPECT_EQ(back->audit_chains[0].chain.stream, chain.stream);
  EXPECT_EQ(back->audit_chains[0].chain.head, chain.head);
  EXPECT_EQ(back->audit_chains[0].chain.cuts, chain.cuts);

  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] ^= 1;
    EXPECT_FALSE(DecodePartitionState(damaged).ok()) << "flip at " << i;
  }
  EXPECT_FALSE(DecodePartitionState(bytes.substr(0, bytes.size() - 1)).ok());
  EXPECT_EQ(CatalogKey(12), "p.12");
}

TEST(CatalogTest, AFormatOneEntryWithoutAuditChainsIsStillRead) {
  // Format 1: owner "a", epoch 2, covered 3, next part 1, no parts, no doomed.
  std::string v1;
  v1.push_back(1);
  PutLengthPrefixed(v1, "a");
  PutVarint64(v1, 2);
  PutVarint64(v1, 3);
  PutVarint64(v1, 1);
  PutVarint64(v1, 0);
  PutVarint64(v1, 0);
  PutFixed32(v1, crc32c::Value(v1));
  auto back = DecodePartitionState(v1);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->owner, "a");
  EXPECT_EQ(back->covered, 3u);
  EXPECT_TRUE(back->audit_chains.empty());
}

TEST(PartitioningTest, AStreamAlwaysGoesToOnePartitionAndStreamsSpread) {
  Labels stream({{"app", "api"}});
  const uint32_t p = PartitionOf("t", stream, 16);
  EXPECT_LT(p, 16u);
  EXPECT_EQ(PartitionOf("t", stream, 16), p);
  EXPECT_EQ(IngestSubject("lode", p), "lode.ingest." + std::to_string(p));
  EXPECT_EQ(IngestStreamName("my-logs"), "MY_LOGS_INGEST");
  std::vector<int> hits(16);
  for (int i = 0; i < 1600; ++i) {
    ++hits[PartitionOf("t", Labels({{"pod", "pod-" + std::to_string(i)}}), 16)];
  }
  for (int h : hits) EXPECT_GT(h, 50) << "streams spread over every partition";

  std::vector<StreamBatch> batches = SampleBatches();
  auto split = SplitByPartition("t", batches, 16);
  size_t total = 0;
  for (const auto& [partition, group] : split) {
    for (const StreamBatch* b : group) {
      EXPECT_EQ(PartitionOf("t", b->labels, 16), partition);
      ++total;
    }
  }
  EXPECT_EQ(total, batches.size());
}

TEST(PeerProtocolTest, RequestsAndAnswersRoundTrip) {
  RecentRequest r;
  r.kind = RecentKind::kRecords;
  r.select.tenant = "t";
  r.select.start = -10;
  r.select.end = 1000;
  r.select.direction = Direction::kForward;
  r.select.matchers.push_back(*Matcher::Create(MatchType::kRegexMatch, "app", "a.*"));
  r.select.line_contains = {"GET", "500"};
  r.partitions = {1, 5, 9};
  r.wait_ms = 2500;
  auto back = DecodeRecentRequest(EncodeRecentRequest(r));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->select.tenant, "t");
  EXPECT_EQ(back->select.start, -10);
  EXPECT_EQ(back->select.direction, Direction::kForward);
  ASSERT_EQ(back->select.matchers.size(), 1u);
  EXPECT_EQ(back->select.matchers[0].type(), MatchType::kRegexMatch);
  EXPECT_TRUE(back->select.matchers[0].Matches("api"));
  EXPECT_EQ(back->select.line_contains, r.select.line_contains);
  EXPECT_EQ(back->partitions, r.partitions);
  EXPECT_EQ(back->wait_ms, 2500u);

  RecentAnswer a;
  a.partitions.push_back({5, true, false, 77});
  KeyedRecord k{123, 9, 4, Record{123, Labels({{"app", "api"}}), "line", Labels({{"m", "v"}})}};
  a.records.push_back(k);
  auto answer =
      DecodeRecentAnswer(RecentKind::kRecords, EncodeRecentAnswer(RecentKind::kRecords, a));
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_EQ(answer->partitions.size(), 1u);
  EXPECT_TRUE(answer->partitions[0].owned);
  EXPECT_FALSE(answer->partitions[0].caught_up);
  EXPECT_EQ(answer->partitions[0].covered, 77u);
  ASSERT_EQ(answer->records.size(), 1u);
  EXPECT_EQ(answer->records[0].record.line, "line");
  EXPECT_EQ(answer->records[0].record.timestamp, 123);
  EXPECT_EQ(answer->records[0].record.metadata, Labels({{"m", "v"}}));

  RecentAnswer runs;
  runs.runs.push_back({Labels({{"a", "b"}}), {1, 2, 3}, {}});
  runs.runs.push_back({Labels({{"a", "c"}}), {4}, {Labels({{"k", "v"}})}});
  auto runs_back = DecodeRecentAnswer(RecentKind::kTimestamps,
                                      EncodeRecentAnswer(RecentKind::kTimestamps, runs));
  ASSERT_TRUE(runs_back.ok());
  ASSERT_EQ(runs_back->runs.size(), 2u);
  EXPECT_EQ(runs_back->runs[0].timestamps, (std::vector<TimestampNs>{1, 2, 3}));
  EXPECT_TRUE(runs_back->runs[0].metadata.empty());
  EXPECT_EQ(runs_back->runs[1].metadata[0], Labels({{"k", "v"}}));

  EXPECT_FALSE(DecodeRecentRequest("").ok());
  EXPECT_FALSE(DecodeRecentRequest("\x07").ok());
  std::string body = EncodeRecentRequest(r);
  for (size_t cut = 0; cut < body.size(); ++cut) {
    EXPECT_FALSE(DecodeRecentRequest(body.substr(0, cut)).ok()) << "cut at " << cut;
  }
}

}  // namespace
}  // namespace lode
