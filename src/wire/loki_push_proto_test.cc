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
