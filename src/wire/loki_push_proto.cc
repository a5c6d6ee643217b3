#include "wire/loki_push_proto.h"

#include <google/protobuf/arena.h>
#include <snappy.h>

#include "proto/loki_push.pb.h"

namespace lode {
namespace {

void AddStream(wire::loki::PushRequest& request, const Labels& labels,
               std::span<const Entry> entries) {
  wire::loki::StreamAdapter* stream = request.add_streams();
  stream->set_labels(labels.ToString());
  stream->mutable_entries()->Reserve(static_cast<int>(entries.size()));
  for (const Entry& e : entries) {
    wire::loki::EntryAdapter* entry = stream->add_entries();
    int64_t seconds = e.timestamp / 1'000'000'000;
    int32_t nanos = static_cast<int32_t>(e.timestamp % 1'000'000'000);
    if (nanos < 0) {
      nanos += 1'000'000'000;
      --seconds;
    }
    entry->mutable_timestamp()->set_seconds(seconds);
    entry->mutable_timestamp()->set_nanos(nanos);
    entry->set_line(e.line);
    for (const Label& m : e.metadata) {
      wire::loki::LabelPairAdapter* pair = entry->add_structured_metadata();
      pair->set_name(m.name);
      pair->set_value(m.value);
    }
  }
}

}  // namespace

std::string EncodeLokiPushProto(const std::vector<StreamBatch>& batches) {
  wire::loki::PushRequest request;
  for (const StreamBatch& batch : batches) AddStream(request, batch.labels, batch.entries);
  return request.SerializeAsString();
}

std::string EncodeLokiPushBody(const Labels& labels, std::span<const Entry> entries) {
  wire::loki::PushRequest request;
  AddStream(request, labels, entries);
  std::string raw = request.SerializeAsString();
  std::string body;
  snappy::Compress(raw.data(), raw.size(), &body);
  return body;
}

Result<std::vector<StreamBatch>> DecodeLokiPushProto(std::string_view body, PushReport& report) {
  google::protobuf::Arena arena;
  auto* request = google::protobuf::Arena::CreateMessage<wire::loki::PushRequest>(&arena);
  if (!request->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Status::InvalidArgument("invalid protobuf push body: not a Loki PushRequest");
  }
  std::vector<StreamBatch> batches;
  batches.reserve(request->streams_size());
  for (wire::loki::StreamAdapter& stream : *request->mutable_streams()) {
    auto labels = Labels::Parse(stream.labels());
    if (!labels.ok()) {
      report.Reject("invalid_labels", stream.entries_size(),
                    "error parsing labels '" + stream.labels() + "': " + labels.status().message());
      continue;
    }
    StreamBatch batch;
    batch.labels = std::move(*labels);
    batch.entries.reserve(stream.entries_size());
    for (wire::loki::EntryAdapter& in : *stream.mutable_entries()) {
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
      // The parsed string's buffer is taken, not copied (the arena holds
      // only the string object).
      entry.line = std::move(*in.mutable_line());
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
