// Tests of Prometheus remote write 1.0 bodies (remote_write.h): what
// EncodeRemoteWrite writes reads back with DecodeRemoteWrite and as
// Prometheus' prompb.WriteRequest in a raw snappy block, and what
// DecodeRemoteWrite refuses.
#include "wire/remote_write.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "proto/prometheus_remote_write.pb.h"

namespace lode {
namespace {

void ExpectSameSeries(const std::vector<RemoteWriteSeries>& got,
                      const std::vector<RemoteWriteSeries>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].labels, want[i].labels) << i;
    ASSERT_EQ(got[i].samples.size(), want[i].samples.size()) << i;
    for (size_t j = 0; j < want[i].samples.size(); ++j) {
      EXPECT_EQ(got[i].samples[j].timestamp_ms, want[i].samples[j].timestamp_ms) << i << "/" << j;
      const double g = got[i].samples[j].value, w = want[i].samples[j].value;
      if (std::isnan(w)) {
        EXPECT_TRUE(std::isnan(g)) << i << "/" << j;
      } else {
        EXPECT_EQ(g, w) << i << "/" << j;
        EXPECT_EQ(std::signbit(g), std::signbit(w)) << i << "/" << j;
      }
    }
  }
}

// Protobuf fields, written by hand.
std::string LengthDelimited(int field, const std::string& bytes) {
  std::string out(1, static_cast<char>(field << 3 | 2));
  out.push_back(static_cast<char>(bytes.size()));  // all shorter than 128 bytes
  return out + bytes;
}
std::string Fixed64Double(int field, double v) {
  std::string out(1, static_cast<char>(field << 3 | 1));
  char bytes[8];
  std::memcpy(bytes, &v, sizeof(bytes));  // little-endian, as protobuf's fixed64
  out.append(bytes, sizeof(bytes));
  return out;
}
std::string Varint(int field, uint64_t v) {
  std::string out(1, static_cast<char>(field << 3));
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

std::string Snappy(const std::string& raw) {
  std::string body;
  snappy::Compress(raw.data(), raw.size(), &body);
  return body;
}

TEST(RemoteWriteTest, RoundTripKeepsSeriesLabelsAndSamples) {
  std::vector<RemoteWriteSeries> in(2);
  in[0].labels = Labels{{"__name__", "app:errors:rate5m"}, {"app", "api"}, {"env", "prod"}};
  in[0].samples = {{1700000000000, 1.5}, {1700000060000, 2.25}};
  in[1].labels =
      Labels{{"__name__", "ALERTS"}, {"alertname", "HighErrors"}, {"alertstate", "firing"}};
  in[1].samples = {{1700000000123, 1}};
  auto out = DecodeRemoteWrite(EncodeRemoteWrite(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectSameSeries(*out, in);
}

TEST(RemoteWriteTest, RoundTripKeepsSpecialValuesAndTimes) {
  std::vector<RemoteWriteSeries> in(1);
  in[0].labels = Labels{{"__name__", "x"}, {"quote", "a \"b\"\n"}, {"utf8", "d\xC3\xA9j\xC3\xA0"}};
  in[0].samples = {{-1000, std::numeric_limits<double>::quiet_NaN()},
                   {0, std::numeric_limits<double>::infinity()},
                   {1, -std::numeric_limits<double>::infinity()},
                   {2, -0.0},
                   {std::numeric_limits<int64_t>::max(), 1e-300}};
  auto out = DecodeRemoteWrite(EncodeRemoteWrite(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectSameSeries(*out, in);
}

TEST(RemoteWriteTest, AnEmptyRequestRoundTrips) {
  auto out = DecodeRemoteWrite(EncodeRemoteWrite({}));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->empty());

  std::vector<RemoteWriteSeries> no_samples(1);
  no_samples[0].labels = Labels{{"__name__", "x"}};
  out = DecodeRemoteWrite(EncodeRemoteWrite(no_samples));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectSameSeries(*out, no_samples);
}

TEST(RemoteWriteTest, TheBodyIsARawSnappyBlockOfAWriteRequest) {
  std::vector<RemoteWriteSeries> in(1);
  in[0].labels = Labels{{"job", "x"}, {"__name__", "up"}};
  in[0].samples = {{1000, 1}, {2000, 0}};
  const std::string body = EncodeRemoteWrite(in);
  std::string raw;
  ASSERT_TRUE(snappy::Uncompress(body.data(), body.size(), &raw));
  wire::prometheus::WriteRequest request;
  ASSERT_TRUE(request.ParseFromString(raw));
  ASSERT_EQ(request.timeseries_size(), 1);
  const auto& ts = request.timeseries(0);
  // Labels sorted by name, as remote write requires.
  ASSERT_EQ(ts.labels_size(), 2);
  EXPECT_EQ(ts.labels(0).name(), "__name__");
  EXPECT_EQ(ts.labels(0).value(), "up");
  EXPECT_EQ(ts.labels(1).name(), "job");
  EXPECT_EQ(ts.labels(1).value(), "x");
  ASSERT_EQ(ts.samples_size(), 2);
  EXPECT_EQ(ts.samples(0).timestamp(), 1000);
  EXPECT_EQ(ts.samples(0).value(), 1);
  EXPECT_EQ(ts.samples(1).timestamp(), 2000);
  EXPECT_EQ(ts.samples(1).value(), 0);
}

// prompb's field numbers: WriteRequest.timeseries 1; TimeSeries.labels 1,
// samples 2; Label.name 1, value 2; Sample.value 1 (double), timestamp 2.
TEST(RemoteWriteTest, DecodesPrometheusFieldNumbers) {
  const std::string name = LengthDelimited(1, "__name__") + LengthDelimited(2, "up");
  const std::string job = LengthDelimited(1, "job") + LengthDelimited(2, "node");
  const std::string sample = Fixed64Double(1, 0.5) + Varint(2, 1700000000000);
  // The labels out of order: the decoded series has them sorted.
  const std::string series =
      LengthDelimited(1, job) + LengthDelimited(1, name) + LengthDelimited(2, sample);
  auto out = DecodeRemoteWrite(Snappy(LengthDelimited(1, series)));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].labels, (Labels{{"__name__", "up"}, {"job", "node"}}));
  ASSERT_EQ((*out)[0].samples.size(), 1u);
  EXPECT_EQ((*out)[0].samples[0].timestamp_ms, 1700000000000);
  EXPECT_EQ((*out)[0].samples[0].value, 0.5);
}

TEST(RemoteWriteTest, RefusesABodyThatIsNotSnappy) {
  for (const std::string& body :
       {std::string(), std::string("\xff\xff\xff\xff\xff\xff", 6), std::string("\x80", 1)}) {
    auto out = DecodeRemoteWrite(body);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument) << out.status().ToString();
  }
}

TEST(RemoteWriteTest, RefusesACorruptSnappyBlock) {
  std::vector<RemoteWriteSeries> in(1);
  in[0].labels = Labels{{"__name__", "up"}, {"job", "a fairly long value to compress"}};
  in[0].samples = {{1000, 1}};
  std::string body = EncodeRemoteWrite(in);
  body.resize(body.size() / 2);  // cut short
  auto out = DecodeRemoteWrite(body);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument) << out.status().ToString();
}

TEST(RemoteWriteTest, RefusesSnappyThatIsNotAWriteRequest) {
  // A field tag whose varint never ends.
  auto out = DecodeRemoteWrite(Snappy(std::string("\xff\xff\xff", 3)));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().message(), "the body is not a remote write request");
  // A time series whose stated length runs past the end.
  out = DecodeRemoteWrite(Snappy(std::string("\x0a\x10\x0a", 3)));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "the body is not a remote write request");
}

TEST(RemoteWriteTest, RefusesABodyThatWouldDecompressPastTheLimit) {
  // A snappy block stating 64 MiB of content (varint 0x4000000).
  auto out = DecodeRemoteWrite(std::string("\x80\x80\x80\x20\x00", 5));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted) << out.status().ToString();
}

}  // namespace
}  // namespace lode
