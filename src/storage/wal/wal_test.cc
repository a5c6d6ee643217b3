#include <gtest/gtest.h>

#include "storage/wal/batch_codec.h"
#include "storage/wal/wal_reader.h"
#include "storage/wal/wal_writer.h"

namespace lode::wal {
namespace {

std::vector<StreamBatch> SampleBatches(int n) {
  StreamBatch b;
  b.labels = Labels({{"app", "api"}, {"env", "prod"}});
  for (int i = 0; i < n; ++i) {
    Entry e;
    e.timestamp = 1'700'000'000'000'000'000LL + i;
    e.line = "line " + std::to_string(i) + std::string(static_cast<size_t>(i % 7), 'x');
    if (i % 3 == 0) e.metadata = Labels({{"trace_id", "t" + std::to_string(i)}});
    b.entries.push_back(std::move(e));
  }
  return {b};
}

std::string Frames(int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    std::string payload;
    EncodeBatches(payload, SampleBatches(i + 1));
    WalWriter::EncodeFrame(out, FrameType::kBatch, payload);
  }
  return out;
}

std::vector<std::string> Payloads(std::string_view data, SegmentScan& scan_out) {
  std::vector<std::string> payloads;
  auto scan = ScanSegment(data, [&](FrameType, std::string_view p) {
    payloads.emplace_back(p);
    return Status::Ok();
  });
  EXPECT_TRUE(scan.ok());
  scan_out = *scan;
  return payloads;
}

TEST(BatchCodec, RoundTripsLabelsLinesAndMetadata) {
  auto batches = SampleBatches(10);
  batches[0].entries[1].line = std::string("\0binary\xff\n", 9);
  batches[0].entries[2].timestamp = -5;  // before the epoch
  std::string payload;
  EncodeBatches(payload, batches);
  auto decoded = DecodeBatches(payload);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->size(), 1u);
  EXPECT_EQ((*decoded)[0].labels, batches[0].labels);
  ASSERT_EQ((*decoded)[0].entries.size(), 10u);
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ((*decoded)[0].entries[i].timestamp, batches[0].entries[i].timestamp);
    EXPECT_EQ((*decoded)[0].entries[i].line, batches[0].entries[i].line);
    EXPECT_EQ((*decoded)[0].entries[i].metadata, batches[0].entries[i].metadata);
  }
}

TEST(BatchCodec, EveryTruncationIsCorruptionNotACrash) {
  std::string payload;
  EncodeBatches(payload, SampleBatches(5));
  for (size_t n = 0; n < payload.size(); ++n) {
    auto decoded = DecodeBatches(std::string_view(payload).substr(0, n));
    EXPECT_FALSE(decoded.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  }
  // A huge count must not allocate: it is caught against the bytes left.
  std::string huge = "\xff\xff\xff\xff\x0f";
  EXPECT_FALSE(DecodeBatches(huge).ok());
}

TEST(WalFraming, ScanReadsEveryFrameOfACleanSegment) {
  std::string data = Frames(5);
  SegmentScan scan;
  auto payloads = Payloads(data, scan);
  EXPECT_EQ(payloads.size(), 5u);
  EXPECT_TRUE(scan.clean());
  EXPECT_EQ(scan.frames, 5u);
  for (size_t i = 0; i < payloads.size(); ++i) {
    auto decoded = DecodeBatches(payloads[i]);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ((*decoded)[0].entries.size(), i + 1);
  }
}

TEST(WalFraming, TornTailAtEveryByteKeepsTheWholeFramesBeforeIt) {
  std::string data = Frames(4);
  // Offsets where each frame ends.
  std::vector<size_t> ends;
  {
    SegmentScan scan;
    size_t pos = 0;
    (void)ScanSegment(data, [&](FrameType, std::string_view p) {
      pos += kFrameHeaderSize + p.size();
      ends.push_back(pos);
      return Status::Ok();
    });
  }
  for (size_t cut = 0; cut <= data.size(); ++cut) {
    SegmentScan scan;
    auto payloads = Payloads(std::string_view(data).substr(0, cut), scan);
    size_t whole = 0;
    while (whole < ends.size() && ends[whole] <= cut) ++whole;
    EXPECT_EQ(payloads.size(), whole) << "cut at " << cut;
    EXPECT_EQ(scan.valid_bytes, whole == 0 ? 0 : ends[whole - 1]);
    EXPECT_EQ(scan.clean(), whole > 0 ? ends[whole - 1] == cut : cut == 0);
  }
}

TEST(WalFraming, FlippedBitStopsTheScanAtThatFrame) {
  std::string data = Frames(3);
  SegmentScan first;
  Payloads(std::string_view(data), first);
  size_t second_frame = kFrameHeaderSize + 0;
  {
    // Find where frame 2 starts.
    size_t pos = 0;
    int n = 0;
    (void)ScanSegment(data, [&](FrameType, std::string_view p) {
      pos += kFrameHeaderSize + p.size();
      if (++n == 1) second_frame = pos;
      return Status::Ok();
    });
  }
  // Corrupt a payload byte of the second frame, and separately its length.
  for (size_t offset : {second_frame + kFrameHeaderSize + 3, second_frame + 5}) {
    std::string bad = data;
    bad[offset] ^= 0x40;
    SegmentScan scan;
    auto payloads = Payloads(bad, scan);
    EXPECT_EQ(payloads.size(), 1u) << "corrupt byte at " << offset;
    EXPECT_EQ(scan.valid_bytes, second_frame);
    EXPECT_FALSE(scan.clean());
    EXPECT_FALSE(scan.stop_reason.empty());
  }
}

TEST(WalFraming, SegmentNames) {
  EXPECT_EQ(SegmentFileName(12), "00000012.wal");
  uint64_t index = 0;
  EXPECT_TRUE(ParseSegmentFileName("00000012.wal", index));
  EXPECT_EQ(index, 12u);
  EXPECT_FALSE(ParseSegmentFileName("00000012.wal.corrupt-5", index));
  EXPECT_FALSE(ParseSegmentFileName("x.wal", index));
  EXPECT_FALSE(ParseSegmentFileName(".wal", index));
}

}  // namespace
}  // namespace lode::wal
