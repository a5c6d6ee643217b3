#include "wire/remote_write.h"

#include <snappy.h>

#include "proto/prometheus_remote_write.pb.h"
#include "wire/snappy_block.h"

namespace lode {
namespace {

// What a decoded body may grow to (a receiver's guard, as Prometheus'
// 32 MiB decode limit).
constexpr size_t kMaxDecodedBytes = 32u << 20;

}  // namespace

std::string EncodeRemoteWrite(const std::vector<RemoteWriteSeries>& series) {
  wire::prometheus::WriteRequest request;
  for (const RemoteWriteSeries& s : series) {
    auto* ts = request.add_timeseries();
    for (const Label& l : s.labels) {
      auto* label = ts->add_labels();
      label->set_name(l.name);
      label->set_value(l.value);
    }
    for (const RemoteWriteSample& sample : s.samples) {
      auto* out = ts->add_samples();
      out->set_value(sample.value);
      out->set_timestamp(sample.timestamp_ms);
    }
  }
  std::string raw = request.SerializeAsString();
  std::string body;
  snappy::Compress(raw.data(), raw.size(), &body);
  return body;
}

Result<std::vector<RemoteWriteSeries>> DecodeRemoteWrite(std::string_view body) {
  LODE_ASSIGN_OR_RETURN(std::string raw, DecodeSnappyBlock(body, kMaxDecodedBytes));
  wire::prometheus::WriteRequest request;
  if (!request.ParseFromString(raw)) {
    return Status::InvalidArgument("the body is not a remote write request");
  }
  std::vector<RemoteWriteSeries> out;
  for (const auto& ts : request.timeseries()) {
    RemoteWriteSeries s;
    std::vector<Label> labels;
    for (const auto& l : ts.labels()) labels.push_back({l.name(), l.value()});
    s.labels = Labels(std::move(labels));
    for (const auto& sample : ts.samples())
      s.samples.push_back({sample.timestamp(), sample.value()});
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace lode
