#include "wire/loki_push_proto.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include "proto/loki_push.pb.h"
#include "wire/snappy_block.h"

namespace lode {
namespace {

TEST(LokiPushProtoTest, RoundTripKeepsLabelsLinesTimesAndMetadata) {
  std::vector<StreamBatch> in(2);
  in[0].labels = Labels{{"app", "api"}, {"env", "prod"}};
  in[0].entries = {Entry{1714521600123456789, "first", {}},
                   Entry{1714521601000000000, "with meta", Labels{{"trace_id", "abc"}}}};
  in[1].labels = Labels{{"app", "web \"quoted\""}};
  in[1].entries = {Entry{-1, "before the epoch", {}}};
  PushReport report;
  auto out = DecodeLokiPushProto(EncodeLokiPushProto(in), report);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 2u);
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ((*out)[i].labels, in[i].labels);
    ASSERT_EQ((*out)[i].entries.size(), in[i].entries.size());
    for (size_t j = 0; j < in[i].entries.size(); ++j) {
      EXPECT_EQ((*out)[i].entries[j].timestamp, in[i].entries[j].timestamp);
      EXPECT_EQ((*out)[i].entries[j].line, in[i].entries[j].line);
      EXPECT_EQ((*out)[i].entries[j].metadata, in[i].entries[j].metadata);
    }
  }
  EXPECT_EQ(report.rejected_records, 0u);
}

// Field numbers as Loki's logproto defines them, written by hand.
TEST(LokiPushProtoTest, DecodesLokiFieldNumbers) {
  auto field = [](int number, const std::string& bytes) {
    std::string out(1, static_cast<char>(number << 3 | 2));
    out += static_cast<char>(bytes.size());
    return out + bytes;
  };
  // Timestamp{seconds=1 (varint 10), nanos=2 (varint 5)}
  std::string ts = std::string("\x08\x0a\x10\x05", 4);
  std::string meta = field(1, "k") + field(2, "v");
  std::string entry = field(1, ts) + field(2, "hello") + field(3, meta);
  std::string stream = field(1, "{job=\"x\"}") + field(2, entry) + std::string("\x18\x07", 2);
  std::string body = field(1, stream);
  PushReport report;
  auto out = DecodeLokiPushProto(body, report);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].labels.ToString(), "{job=\"x\"}");
  ASSERT_EQ((*out)[0].entries.size(), 1u);
  EXPECT_EQ((*out)[0].entries[0].timestamp, 10'000'000'005);
  EXPECT_EQ((*out)[0].entries[0].line, "hello");
  EXPECT_EQ((*out)[0].entries[0].metadata.Get("k"), "v");
}

// The server's decoding: lines are views of the body, and a copy of an
// entry owns its bytes.
TEST(LokiPushProtoTest, LinesCanBeViewsOfTheBody) {
  std::vector<StreamBatch> in(1);
  in[0].labels = Labels{{"app", "api"}};
  in[0].entries = {Entry{1, "a line long enough not to fit in a short string", {}},
                   Entry{2, "x", Labels{{"k", "v"}}}};
  const std::string body = EncodeLokiPushProto(in);
  PushReport report;
  auto out = DecodeLokiPushProto(body, report, DecodedLines::kViewsOfBody);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ((*out)[0].entries.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const LineBytes& line = (*out)[0].entries[i].line;
    EXPECT_EQ(line, in[0].entries[i].line);
    EXPECT_GE(line.data(), body.data());
    EXPECT_LE(line.data() + line.size(), body.data() + body.size());
  }
  EXPECT_EQ((*out)[0].entries[1].metadata.Get("k"), "v");
  const Entry copy = (*out)[0].entries[0];
  EXPECT_EQ(copy.line, in[0].entries[0].line);
  EXPECT_TRUE(copy.line.data() < body.data() || copy.line.data() >= body.data() + body.size());
  // Moved, a view stays a view of the body.
  std::vector<Entry> moved = std::move((*out)[0].entries);
  EXPECT_GE(moved[0].line.data(), body.data());
  EXPECT_LT(moved[0].line.data(), body.data() + body.size());
  // By default lines are copies.
  auto copied = DecodeLokiPushProto(body, report);
  ASSERT_TRUE(copied.ok());
  const LineBytes& line = (*copied)[0].entries[0].line;
  EXPECT_TRUE(line.data() < body.data() || line.data() >= body.data() + body.size());
}

TEST(LokiPushProtoTest, InvalidUtf8LineIsKeptByteForByte) {
  std::vector<StreamBatch> in(1);
  in[0].labels = Labels{{"app", "bin"}};
  in[0].entries = {Entry{1, std::string("bad \xff\xfe bytes\0end", 16), {}}};
  PushReport report;
  auto out = DecodeLokiPushProto(EncodeLokiPushProto(in), report);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].entries[0].line, in[0].entries[0].line);
}

TEST(LokiPushProtoTest, UnparsableLabelsRefuseOnlyThatStream) {
  wire::loki::PushRequest request;
  auto* bad = request.add_streams();
  bad->set_labels("{app=unquoted}");
  bad->add_entries()->set_line("lost");
  bad->add_entries()->set_line("lost too");
  auto* good = request.add_streams();
  good->set_labels("{app=\"ok\"}");
  good->add_entries()->set_line("kept");
  PushReport report;
  auto out = DecodeLokiPushProto(request.SerializeAsString(), report);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].entries[0].line, "kept");
  EXPECT_EQ(report.rejected_by_reason["invalid_labels"], 2u);
  ASSERT_EQ(report.messages.size(), 1u);
  EXPECT_NE(report.messages[0].find("error parsing labels '{app=unquoted}'"), std::string::npos);
}

TEST(LokiPushProtoTest, TimestampOutsideNanosecondRangeIsRefused) {
  wire::loki::PushRequest request;
  auto* stream = request.add_streams();
  stream->set_labels("{app=\"t\"}");
  auto* e = stream->add_entries();
  e->mutable_timestamp()->set_seconds(INT64_MAX / 10);
  e->set_line("far");
  stream->add_entries()->set_line("zero time");
  PushReport report;
  auto out = DecodeLokiPushProto(request.SerializeAsString(), report);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ((*out)[0].entries.size(), 1u);
  EXPECT_EQ(report.rejected_by_reason["invalid_timestamp"], 1u);
}

TEST(LokiPushProtoTest, GarbageIsAnError) {
  PushReport report;
  EXPECT_FALSE(DecodeLokiPushProto(std::string("\x0a\xff\xff\xff", 4), report).ok());
  EXPECT_FALSE(DecodeLokiPushProto("\x0a\x05\x0a", report).ok());
  // An empty body is a PushRequest with no streams.
  auto empty = DecodeLokiPushProto("", report);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

// The protobuf library's reading of a body, turned into streams as the
// decoder does: the reference the hand-written decoder must agree with.
Result<std::vector<StreamBatch>> LibraryDecode(std::string_view body, PushReport& report) {
  wire::loki::PushRequest request;
  if (!request.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Status::InvalidArgument("not a PushRequest");
  }
  std::vector<StreamBatch> batches;
  for (const auto& stream : request.streams()) {
    auto labels = Labels::Parse(stream.labels());
    if (!labels.ok()) {
      report.Reject("invalid_labels", stream.entries_size(), "labels");
      continue;
    }
    StreamBatch batch{*labels, {}};
    for (const auto& in : stream.entries()) {
      int64_t ns = 0;
      if (__builtin_mul_overflow(in.timestamp().seconds(), int64_t{1'000'000'000}, &ns) ||
          __builtin_add_overflow(ns, int64_t{in.timestamp().nanos()}, &ns)) {
        report.Reject("invalid_timestamp", 1, "timestamp");
        continue;
      }
      std::vector<Label> metadata;
      for (const auto& pair : in.structured_metadata()) {
        metadata.push_back(Label{pair.name(), pair.value()});
      }
      batch.entries.push_back(Entry{ns, in.line(), Labels(std::move(metadata))});
    }
    batches.push_back(std::move(batch));
  }
  return batches;
}

// Both readings of `body`: refused by both, or the same streams and the
// same refusals.
void ExpectSameAsLibrary(std::string_view body) {
  PushReport ours_report, library_report;
  auto ours = DecodeLokiPushProto(body, ours_report);
  auto library = LibraryDecode(body, library_report);
  ASSERT_EQ(ours.ok(), library.ok()) << ours.status().ToString();
  if (!ours.ok()) return;
  EXPECT_EQ(ours_report.rejected_by_reason, library_report.rejected_by_reason);
  ASSERT_EQ(ours->size(), library->size());
  for (size_t i = 0; i < ours->size(); ++i) {
    EXPECT_EQ((*ours)[i].labels, (*library)[i].labels);
    ASSERT_EQ((*ours)[i].entries.size(), (*library)[i].entries.size());
    for (size_t j = 0; j < (*ours)[i].entries.size(); ++j) {
      EXPECT_EQ((*ours)[i].entries[j].timestamp, (*library)[i].entries[j].timestamp);
      EXPECT_EQ((*ours)[i].entries[j].line, (*library)[i].entries[j].line);
      EXPECT_EQ((*ours)[i].entries[j].metadata, (*library)[i].entries[j].metadata);
    }
  }
}

std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>(v | 0x80);
    v >>= 7;
  }
  return out + static_cast<char>(v);
}
std::string Field(uint32_t number, uint32_t wire, const std::string& payload) {
  std::string out = Varint(uint64_t{number} << 3 | wire);
  return out + (wire == 2 ? Varint(payload.size()) + payload : payload);
}

// What the protobuf format allows beyond what encoders write: fields in
// any order, unknown fields of every wire type (groups too), a known
// field of another wire type, a scalar given twice (the last counts), a
// message field given twice (merged), negative int32 as ten bytes.
TEST(LokiPushProtoTest, ReadsTheWireFormatAsTheProtobufLibraryDoes) {
  const std::string unknown =
      Field(9, 0, Varint(300)) + Field(10, 1, std::string(8, 'x')) +
      Field(11, 5, std::string(4, 'y')) + Field(12, 2, "skip") +
      Field(13, 3, Field(1, 0, Varint(1)) + Field(14, 3, "" + Varint(14 << 3 | 4))) +
      Varint(13 << 3 | 4);
  const std::string ts_seconds = Field(1, 0, Varint(5));
  const std::string ts_nanos = Field(2, 0, Varint(static_cast<uint64_t>(int64_t{-7})));
  const std::string pair = Field(2, 2, "v") + unknown + Field(1, 2, "k");
  const std::string entry = Field(2, 2, "old line") + unknown + Field(1, 2, ts_seconds) +
                            Field(2, 2, "line") + Field(3, 2, pair) + Field(1, 2, ts_nanos) +
                            Field(4, 2, Field(1, 2, "parsed")) + Field(2, 0, Varint(1));
  const std::string stream = Field(2, 2, entry) + Field(1, 2, "{a=\"1\"}") +
                             Field(3, 0, Varint(99)) + unknown + Field(1, 2, "{b=\"2\"}") +
                             Field(2, 2, "") + Field(1, 0, Varint(3));
  const std::string body = unknown + Field(1, 2, stream) + Field(1, 2, Field(1, 2, "{c=\"3\"}")) +
                           Field(2, 2, "other") + Field(1, 2, Field(1, 2, "{bad"));
  ExpectSameAsLibrary(body);
  PushReport report;
  auto out = DecodeLokiPushProto(body, report);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].labels.ToString(), "{b=\"2\"}");
  ASSERT_EQ((*out)[0].entries.size(), 2u);
  EXPECT_EQ((*out)[0].entries[0].timestamp, 5'000'000'000 - 7);
  EXPECT_EQ((*out)[0].entries[0].line, "line");
  EXPECT_EQ((*out)[0].entries[0].metadata.Get("k"), "v");
  EXPECT_EQ((*out)[0].entries[1].line, "");
  EXPECT_EQ(report.rejected_by_reason["invalid_labels"], 0u + 0u);
}

TEST(LokiPushProtoTest, RefusesWhatTheProtobufLibraryRefuses) {
  const std::string good = Field(1, 2, Field(1, 2, "{a=\"1\"}") + Field(2, 2, Field(2, 2, "x")));
  for (const std::string& body : {
           std::string("\x00", 1),                         // tag 0
           Varint(1 << 3 | 4),                             // an end-group tag with no group
           Varint(1 << 3 | 6) + "x",                       // wire type 6
           Varint(1 << 3 | 7) + "x",                       // wire type 7
           Field(5, 3, Field(1, 0, Varint(1))),            // a group never ended
           Field(5, 3, "") + Varint(6 << 3 | 4),           // ended by another field's tag
           Field(9, 0, std::string(10, '\xff') + "\x01"),  // an eleven-byte varint
           Field(9, 1, "short"),                           // fixed64 past the end
           Field(9, 5, "ab"),                              // fixed32 past the end
           good.substr(0, good.size() - 1),                // cut short
           Field(1, 2, Field(2, 2, Field(1, 2, Field(1, 0, std::string(3, '\x80'))))),
       }) {
    ExpectSameAsLibrary(body);
    PushReport report;
    EXPECT_FALSE(DecodeLokiPushProto(body, report).ok()) << testing::PrintToString(body);
  }
  ExpectSameAsLibrary(good);
}

// Every truncation and every single-byte change of a valid body is read
// alike by both.
TEST(LokiPushProtoTest, AgreesWithTheProtobufLibraryOnDamagedBodies) {
  std::vector<StreamBatch> in(2);
  in[0].labels = Labels{{"app", "api"}};
  in[0].entries = {Entry{1714521600123456789, "first line", Labels{{"trace_id", "abc"}}},
                   Entry{-5, "second", {}}};
  in[1].labels = Labels{{"job", "x"}};
  in[1].entries = {Entry{7, "third", {}}};
  const std::string body = EncodeLokiPushProto(in);
  for (size_t n = 0; n <= body.size(); ++n) ExpectSameAsLibrary(body.substr(0, n));
  for (size_t i = 0; i < body.size(); ++i) {
    for (int v :
         {0x00, 0x01, 0x02, 0x03, 0x04, 0x07, 0x08, 0x0a, 0x12, 0x1a, 0x22, 0x7f, 0x80, 0xff}) {
      std::string damaged = body;
      damaged[i] = static_cast<char>(v);
      ExpectSameAsLibrary(damaged);
    }
  }
}

TEST(SnappyBlockTest, DecodesAndBoundsTheOutput) {
  std::string text(10000, 'a');
  std::string block;
  snappy::Compress(text.data(), text.size(), &block);
  auto out = DecodeSnappyBlock(block, 1 << 20);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, text);
  auto over = DecodeSnappyBlock(block, 9999);
  EXPECT_EQ(over.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(DecodeSnappyBlock("not snappy \xff\xff\xff\xff\xff", 1 << 20).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(DecodeSnappyBlock(block.substr(0, block.size() / 2), 1 << 20).ok());
}

}  // namespace
}  // namespace lode
