// Prometheus remote write 1.0 bodies: a WriteRequest of time series, in
// raw-block snappy (Content-Encoding: snappy, Content-Type:
// application/x-protobuf). The encoder is what the ruler sends; the
// decoder reads such a body back (tests, fuzzing).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/labels.h"

namespace lode {

struct RemoteWriteSample {
  int64_t timestamp_ms = 0;
  double value = 0;
};

struct RemoteWriteSeries {
  Labels labels;  // with __name__; sorted, as Labels keeps them
  std::vector<RemoteWriteSample> samples;
};

// The request body, compressed.
std::string EncodeRemoteWrite(const std::vector<RemoteWriteSeries>& series);

// InvalidArgument for a body that is not snappy or not a WriteRequest.
Result<std::vector<RemoteWriteSeries>> DecodeRemoteWrite(std::string_view body);

}  // namespace lode
