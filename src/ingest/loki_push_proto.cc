#include "ingest/loki_push_proto.h"

#include <google/protobuf/arena.h>

#include "proto/loki_push.pb.h"

namespace lode {

Result<std::vector<StreamBatch>> DecodeLokiPushProto(std::string_view body, PushReport& report) {
  google::protobuf::Arena arena;
  auto* request = google::protobuf::Arena::CreateMessage<wire::loki::PushRequest>(&arena);
  if (!request->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Status::InvalidArgument("invalid protobuf push body: not a Loki PushRequest");
  }
  std::vector<StreamBatch> batches;
  batches.reserve(request->streams_size());
  for (const wire::loki::StreamAdapter& stream : request->streams()) {
    auto labels = Labels::Parse(stream.labels());
    if (!labels.ok()) {
      report.Reject("invalid_labels", stream.entries_size(),
                    "error parsing labels '" + stream.labels() + "': " + labels.status().message());
      continue;
    }
    StreamBatch batch;
    batch.labels = std::move(*labels);
    batch.entries.reserve(stream.entries_size());
    for (const wire::loki::EntryAdapter& in : stream.entries()) {
      int64_t ns = 0;
      if (__builtin_mul_overflow(in.timestamp().seconds(), int64_t{1'000'000'000}, &ns) ||
          __builtin_add_overflow(ns, int64_t{in.timestamp().nanos()}, &ns)) {
        report.Reject("invalid_timestamp", 1,
                      "entry for stream '" + batch.labels.ToString() + "' has timestamp " +
                          std::to_string(in.timestamp().seconds()) +
                          " s, outside the nanosecond range");
        continue;
      }
      Entry& entry = batch.entries.emplace_back();
      entry.timestamp = ns;
      entry.line = in.line();
      if (in.structured_metadata_size() > 0) {
        std::vector<Label> metadata;
        metadata.reserve(in.structured_metadata_size());
        for (const wire::loki::LabelPairAdapter& pair : in.structured_metadata()) {
          metadata.push_back(Label{pair.name(), pair.value()});
        }
        entry.metadata = Labels(std::move(metadata));
      }
    }
    batches.push_back(std::move(batch));
  }
  return batches;
}

}  // namespace lode
