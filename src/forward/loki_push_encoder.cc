#include "forward/loki_push_encoder.h"

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

}  // namespace lode
