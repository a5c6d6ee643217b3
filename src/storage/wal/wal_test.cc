#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>

#include "io/env.h"
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

// Where each frame of `data` (a clean segment) starts, and its end.
std::vector<size_t> FrameStarts(std::string_view data) {
  std::vector<size_t> starts;
  size_t pos = 0;
  (void)ScanSegment(data, [&](FrameType, std::string_view p) {
    starts.push_back(pos);
    pos += kFrameHeaderSize + p.size();
    return Status::Ok();
  });
  starts.push_back(pos);
  return starts;
}

// The number of entries of each payload: frame i of Frames() holds i + 1.
std::vector<size_t> EntryCounts(const std::vector<std::string>& payloads) {
  std::vector<size_t> counts;
  for (const std::string& p : payloads) {
    auto decoded = DecodeBatches(p);
    counts.push_back(decoded.ok() ? (*decoded)[0].entries.size() : 0);
  }
  return counts;
}

TEST(WalFraming, ADamagedFrameInTheMiddleIsSkippedAndTheFramesAfterItRead) {
  std::string data = Frames(3);
  const std::vector<size_t> starts = FrameStarts(data);
  // A payload byte of the second frame, then its checksum, then its type:
  // its length still leads to the third.
  for (size_t offset : {starts[1] + kFrameHeaderSize + 3, starts[1] + 1, starts[1] + 8}) {
    std::string bad = data;
    bad[offset] ^= 0x40;
    SegmentScan scan;
    auto payloads = Payloads(bad, scan);
    EXPECT_EQ(EntryCounts(payloads), (std::vector<size_t>{1, 3})) << "damage at " << offset;
    ASSERT_EQ(scan.damaged.size(), 1u) << "damage at " << offset;
    EXPECT_EQ(scan.damaged[0].offset, starts[1]);
    EXPECT_EQ(scan.damaged[0].bytes, starts[2] - starts[1]);
    EXPECT_FALSE(scan.damaged[0].reason.empty());
    EXPECT_EQ(scan.valid_bytes, data.size()) << "nothing torn at the end";
    EXPECT_FALSE(scan.torn());
    EXPECT_FALSE(scan.clean());
  }
}

TEST(WalFraming, ADamagedLengthEndsTheSegmentThere) {
  // No search for the next frame through the bytes after it: they are
  // pushed lines, which may hold what looks like a frame.
  std::string data = Frames(3);
  const std::vector<size_t> starts = FrameStarts(data);
  std::string bad = data;
  bad[starts[1] + 5] ^= 0x40;
  SegmentScan scan;
  auto payloads = Payloads(bad, scan);
  EXPECT_EQ(EntryCounts(payloads), (std::vector<size_t>{1}));
  EXPECT_TRUE(scan.damaged.empty());
  EXPECT_EQ(scan.valid_bytes, starts[1]);
  EXPECT_TRUE(scan.torn());
}

TEST(WalFraming, AFrameInsideALineIsNeverReadAsOne) {
  // A pushed line holding the bytes of a whole valid frame, in a frame
  // whose checksum then fails: the hidden frame is not replayed.
  std::string hidden;
  {
    std::string payload;
    EncodeBatches(payload, SampleBatches(5));
    WalWriter::EncodeFrame(hidden, FrameType::kBatch, payload);
  }
  StreamBatch b;
  b.labels = Labels({{"app", "api"}});
  b.entries.push_back(Entry{1, hidden, {}});
  std::string payload;
  EncodeBatches(payload, {b});
  std::string data;
  WalWriter::EncodeFrame(data, FrameType::kBatch, payload);
  data[0] ^= 0x01;  // its checksum
  SegmentScan scan;
  auto payloads = Payloads(data, scan);
  EXPECT_TRUE(payloads.empty());
  EXPECT_TRUE(scan.torn());
}

TEST(WalFraming, AnyByteDamagedLosesOnlyTheFrameHoldingIt) {
  const int kFrames = 6;
  std::string data = Frames(kFrames);
  const std::vector<size_t> starts = FrameStarts(data);
  for (size_t offset = 0; offset < data.size(); ++offset) {
    for (uint8_t flip : {0x01, 0x80, 0xff}) {
      std::string bad = data;
      bad[offset] ^= static_cast<char>(flip);
      size_t hit = 0;
      while (starts[hit + 1] <= offset) ++hit;
      const size_t in_frame = offset - starts[hit];
      const bool length = in_frame >= 4 && in_frame < 8;
      SegmentScan scan;
      const std::vector<size_t> got = EntryCounts(Payloads(bad, scan));
      // Every frame read is whole and in order; those before the damage
      // are all there, the damaged one is not.
      std::vector<size_t> before;
      for (size_t i = 0; i < hit; ++i) before.push_back(i + 1);
      ASSERT_GE(got.size(), before.size()) << "byte " << offset << " ^ " << int(flip);
      EXPECT_TRUE(std::equal(before.begin(), before.end(), got.begin()))
          << "byte " << offset << " ^ " << int(flip);
      for (size_t i = before.size(); i < got.size(); ++i) {
        EXPECT_GT(got[i], hit + 1) << "byte " << offset << " ^ " << int(flip);
        if (i > before.size()) {
          EXPECT_GT(got[i], got[i - 1]);
        }
      }
      if (!length && hit + 1 < kFrames) {
        // Its length leads to the next frame: all the others are read.
        EXPECT_EQ(got.size(), static_cast<size_t>(kFrames - 1))
            << "byte " << offset << " ^ " << int(flip);
        EXPECT_EQ(scan.damaged.size(), 1u);
        EXPECT_FALSE(scan.torn());
      }
      if (hit + 1 == kFrames) {
        EXPECT_TRUE(scan.torn());
      }
    }
  }
}

TEST(WalFraming, ZerosAfterTheFramesAreATornTailNotDamage) {
  std::string data = Frames(2) + std::string(4096, '\0');
  SegmentScan scan;
  auto payloads = Payloads(data, scan);
  EXPECT_EQ(payloads.size(), 2u);
  EXPECT_TRUE(scan.damaged.empty());
  EXPECT_EQ(scan.valid_bytes, data.size() - 4096);
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

// A writer on the real file system, in a fresh directory.
class WalWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lode-wal-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Segment(uint64_t index) const { return JoinPath(dir_, SegmentFileName(index)); }
  std::vector<std::string> PayloadsOf(uint64_t index) const {
    auto data = Env::Default()->ReadFile(Segment(index));
    EXPECT_TRUE(data.ok()) << data.status().ToString();
    SegmentScan scan;
    return data.ok() ? Payloads(*data, scan) : std::vector<std::string>{};
  }
  static std::string Frame(std::string_view payload) {
    std::string out;
    WalWriter::EncodeFrame(out, FrameType::kBatch, payload);
    return out;
  }

  std::string dir_;
};

// A store of many idle tenants opens without a file (and a directory
// fsync) for each: the segment is created by its first write.
TEST_F(WalWriterTest, TheSegmentFileIsCreatedByTheFirstWrite) {
  auto writer = WalWriter::Open(Env::Default(), dir_, 7, 1 << 20);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(Segment(7)));
  EXPECT_FALSE((*writer)->file_open());
  EXPECT_TRUE((*writer)->Sync().ok());  // nothing written, nothing to sync
  std::vector<std::string> frames = {Frame("a")};
  ASSERT_TRUE((*writer)->WriteFrames(frames).ok());
  EXPECT_TRUE((*writer)->file_open());
  EXPECT_EQ(PayloadsOf(7), std::vector<std::string>{"a"});
}

// An idle tenant's file is closed; its next write appends to the same
// segment, after what is there.
TEST_F(WalWriterTest, AClosedFileIsReopenedForAppendingByTheNextWrite) {
  auto writer = WalWriter::Open(Env::Default(), dir_, 1, 1 << 20);
  ASSERT_TRUE(writer.ok());
  std::vector<std::string> first = {Frame("one"), Frame("two")};
  ASSERT_TRUE((*writer)->WriteFrames(first).ok());
  ASSERT_TRUE((*writer)->CloseFile().ok());
  EXPECT_FALSE((*writer)->file_open());
  std::vector<std::string> second = {Frame("three")};
  ASSERT_TRUE((*writer)->WriteFrames(second).ok());
  EXPECT_TRUE((*writer)->file_open());
  EXPECT_EQ((*writer)->current_segment(), 1u);
  EXPECT_EQ(PayloadsOf(1), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_FALSE(std::filesystem::exists(Segment(2)));
}

// The size limit counts what the segment held before it was closed.
TEST_F(WalWriterTest, ASegmentRollsAtItsLimitAcrossACloseAndReopen) {
  const std::string big(600, 'x');
  auto writer = WalWriter::Open(Env::Default(), dir_, 1, 1000);
  ASSERT_TRUE(writer.ok());
  std::vector<std::string> frames = {Frame(big)};
  ASSERT_TRUE((*writer)->WriteFrames(frames).ok());
  ASSERT_TRUE((*writer)->CloseFile().ok());
  ASSERT_TRUE((*writer)->WriteFrames(frames).ok());
  EXPECT_EQ((*writer)->current_segment(), 2u);
  EXPECT_EQ(PayloadsOf(1), std::vector<std::string>{big});
  EXPECT_EQ(PayloadsOf(2), std::vector<std::string>{big});
}

// Roll closes the segment and moves on; the next one, too, is created by
// a write, so a roll with nothing after it leaves no empty file.
TEST_F(WalWriterTest, RollMovesToTheNextSegmentWithoutCreatingIt) {
  auto writer = WalWriter::Open(Env::Default(), dir_, 3, 1 << 20);
  ASSERT_TRUE(writer.ok());
  std::vector<std::string> frames = {Frame("a")};
  ASSERT_TRUE((*writer)->WriteFrames(frames).ok());
  auto closed = (*writer)->Roll();
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(*closed, 3u);
  EXPECT_EQ((*writer)->current_segment(), 4u);
  EXPECT_FALSE((*writer)->file_open());
  EXPECT_FALSE(std::filesystem::exists(Segment(4)));
  ASSERT_TRUE((*writer)->WriteFrames(frames).ok());
  EXPECT_EQ(PayloadsOf(4), std::vector<std::string>{"a"});
}

}  // namespace
}  // namespace lode::wal
