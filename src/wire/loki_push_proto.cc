#include "wire/loki_push_proto.h"

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
    entry->set_line(e.line.data(), e.line.size());
    for (const Label& m : e.metadata) {
      wire::loki::LabelPairAdapter* pair = entry->add_structured_metadata();
      pair->set_name(m.name);
      pair->set_value(m.value);
    }
  }
}

// A reader of the protobuf wire format, for the one message the server
// decodes by the million: PushRequest. Parsing it by hand reads lines as
// views of the body instead of allocating a message object and a string
// per entry (half of what decoding a push cost). It accepts what the
// protobuf library accepts for this schema: fields in any order, unknown
// fields (groups included) skipped, a known field of another wire type
// skipped as unknown, the last value of a scalar or bytes field kept, and
// repeated occurrences of a message field merged.
class WireReader {
 public:
  explicit WireReader(std::string_view bytes)
      : p_(reinterpret_cast<const uint8_t*>(bytes.data())), end_(p_ + bytes.size()) {}

  bool done() const { return p_ == end_; }

  bool Varint(uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (p_ == end_) return false;
      const uint8_t byte = *p_++;
      if (shift < 64) value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (byte < 0x80) return true;
    }
    return false;  // more than ten bytes
  }

  // A tag as the protobuf library reads one: at most five bytes, kept
  // modulo 2^32.
  bool RawTag(uint32_t& tag) {
    tag = 0;
    for (int i = 0; i < 5; ++i) {
      if (p_ == end_) return false;
      const uint8_t byte = *p_++;
      tag |= static_cast<uint32_t>(byte & 0x7f) << (7 * i);
      if (byte < 0x80) return true;
    }
    return false;
  }

  // A field's number and wire type. Field number 0 and wire types 6 and
  // 7 are malformed; so is an end-group tag here (only SkipGroup expects
  // one).
  bool Tag(uint32_t& field, uint32_t& wire) {
    uint32_t tag;
    if (!RawTag(tag)) return false;
    field = tag >> 3;
    wire = tag & 7;
    return field != 0 && wire != 4 && wire < 6;
  }

  bool Bytes(std::string_view& value) {
    uint64_t length;
    if (!Varint(length) || length > static_cast<uint64_t>(end_ - p_)) return false;
    value = std::string_view(reinterpret_cast<const char*>(p_), length);
    p_ += length;
    return true;
  }

  // Skips the value of a field of `wire` type (an unknown field).
  bool Skip(uint32_t field, uint32_t wire, int depth = 0) {
    uint64_t ignored;
    std::string_view bytes;
    switch (wire) {
      case 0:
        return Varint(ignored);
      case 1:
        return Advance(8);
      case 2:
        return Bytes(bytes);
      case 3:
        return SkipGroup(field, depth + 1);
      case 5:
        return Advance(4);
      default:
        return false;
    }
  }

 private:
  bool Advance(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    p_ += n;
    return true;
  }

  // Skips to the end-group tag of `field`, past nested fields.
  bool SkipGroup(uint32_t field, int depth) {
    constexpr int kMaxDepth = 100;  // the protobuf library's recursion limit
    if (depth > kMaxDepth) return false;
    for (;;) {
      uint32_t tag;
      if (!RawTag(tag)) return false;
      const uint32_t number = tag >> 3;
      const uint32_t wire = tag & 7;
      if (number == 0 || wire > 5) return false;
      if (wire == 4) return number == field;
      if (!Skip(number, wire, depth)) return false;
    }
  }

  const uint8_t* p_;
  const uint8_t* end_;
};

// An entry as read from the body; its metadata is a range of pairs.
struct WireEntry {
  int64_t seconds = 0;
  int32_t nanos = 0;
  std::string_view line;
  uint32_t metadata_begin = 0, metadata_end = 0;
};

struct WireStream {
  std::string_view labels;
  uint32_t entries_begin = 0, entries_end = 0;
};

struct WirePush {
  std::vector<WireStream> streams;
  std::vector<WireEntry> entries;
  std::vector<std::pair<std::string_view, std::string_view>> metadata;
};

// What a message's field reader did with one field.
enum class FieldRead { kRead, kUnknown, kMalformed };

// Reads the message in `bytes` field by field: `read_field(field, wire,
// reader)` reads the value of a field it knows, or answers kUnknown to
// have it skipped. False when the message is malformed.
template <typename ReadField>
bool ReadMessage(std::string_view bytes, ReadField read_field) {
  WireReader r(bytes);
  uint32_t field, wire;
  while (!r.done()) {
    if (!r.Tag(field, wire)) return false;
    switch (read_field(field, wire, r)) {
      case FieldRead::kRead:
        break;
      case FieldRead::kUnknown:
        if (!r.Skip(field, wire)) return false;
        break;
      case FieldRead::kMalformed:
        return false;
    }
  }
  return true;
}

// A length-delimited field's bytes, read by `read` (a bool(view)).
template <typename Read>
FieldRead ReadBytes(WireReader& r, Read read) {
  std::string_view value;
  return r.Bytes(value) && read(value) ? FieldRead::kRead : FieldRead::kMalformed;
}

bool ReadTimestamp(std::string_view bytes, WireEntry& entry) {
  return ReadMessage(bytes, [&](uint32_t field, uint32_t wire, WireReader& r) {
    if (wire != 0 || (field != 1 && field != 2)) return FieldRead::kUnknown;
    uint64_t v;
    if (!r.Varint(v)) return FieldRead::kMalformed;
    if (field == 1) {
      entry.seconds = static_cast<int64_t>(v);
    } else {
      entry.nanos = static_cast<int32_t>(static_cast<uint32_t>(v));
    }
    return FieldRead::kRead;
  });
}

bool ReadLabelPair(std::string_view bytes, std::pair<std::string_view, std::string_view>& pair) {
  return ReadMessage(bytes, [&](uint32_t field, uint32_t wire, WireReader& r) {
    if (wire != 2 || (field != 1 && field != 2)) return FieldRead::kUnknown;
    return r.Bytes(field == 1 ? pair.first : pair.second) ? FieldRead::kRead
                                                          : FieldRead::kMalformed;
  });
}

// Appends the entry to push.entries, and its metadata to push.metadata.
// An entry's metadata pairs are contiguous: they are read before the
// next entry starts.
bool ReadEntry(std::string_view bytes, WirePush& push) {
  WireEntry entry;
  entry.metadata_begin = static_cast<uint32_t>(push.metadata.size());
  const bool ok = ReadMessage(bytes, [&](uint32_t field, uint32_t wire, WireReader& r) {
    if (wire != 2 || field < 1 || field > 4) return FieldRead::kUnknown;
    return ReadBytes(r, [&](std::string_view value) {
      if (field == 1) return ReadTimestamp(value, entry);
      if (field == 2) {
        entry.line = value;
        return true;
      }
      std::pair<std::string_view, std::string_view> pair;
      if (!ReadLabelPair(value, pair)) return false;
      if (field == 3) push.metadata.push_back(pair);  // 4 (parsed) is the query side's
      return true;
    });
  });
  if (!ok) return false;
  entry.metadata_end = static_cast<uint32_t>(push.metadata.size());
  push.entries.push_back(entry);
  return true;
}

bool ReadStream(std::string_view bytes, WirePush& push) {
  WireStream stream;
  stream.entries_begin = static_cast<uint32_t>(push.entries.size());
  const bool ok = ReadMessage(bytes, [&](uint32_t field, uint32_t wire, WireReader& r) {
    if (wire != 2 || (field != 1 && field != 2)) return FieldRead::kUnknown;
    if (field == 1) return r.Bytes(stream.labels) ? FieldRead::kRead : FieldRead::kMalformed;
    return ReadBytes(r, [&](std::string_view value) { return ReadEntry(value, push); });
  });
  if (!ok) return false;
  stream.entries_end = static_cast<uint32_t>(push.entries.size());
  push.streams.push_back(stream);
  return true;
}

bool ReadPush(std::string_view body, WirePush& push) {
  return ReadMessage(body, [&](uint32_t field, uint32_t wire, WireReader& r) {
    if (field != 1 || wire != 2) return FieldRead::kUnknown;
    return ReadBytes(r, [&](std::string_view value) { return ReadStream(value, push); });
  });
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

Result<std::vector<StreamBatch>> DecodeLokiPushProto(std::string_view body, PushReport& report,
                                                     DecodedLines lines) {
  // The whole body is read before anything is taken from it: a body
  // malformed anywhere refuses every stream, as a parse would.
  WirePush push;
  if (!ReadPush(body, push)) {
    return Status::InvalidArgument("invalid protobuf push body: not a Loki PushRequest");
  }
  std::vector<StreamBatch> batches;
  batches.reserve(push.streams.size());
  for (const WireStream& stream : push.streams) {
    const size_t count = stream.entries_end - stream.entries_begin;
    auto labels = Labels::Parse(stream.labels);
    if (!labels.ok()) {
      report.Reject("invalid_labels", count,
                    "error parsing labels '" + std::string(stream.labels) +
                        "': " + labels.status().message());
      continue;
    }
    StreamBatch batch;
    batch.labels = std::move(*labels);
    batch.entries.reserve(count);
    for (uint32_t i = stream.entries_begin; i < stream.entries_end; ++i) {
      const WireEntry& in = push.entries[i];
      int64_t ns = 0;
      if (__builtin_mul_overflow(in.seconds, int64_t{1'000'000'000}, &ns) ||
          __builtin_add_overflow(ns, int64_t{in.nanos}, &ns)) {
        report.Reject("invalid_timestamp", 1,
                      "entry for stream '" + batch.labels.ToString() + "' has timestamp " +
                          std::to_string(in.seconds) + " s, outside the nanosecond range");
        continue;
      }
      Entry& entry = batch.entries.emplace_back();
      entry.timestamp = ns;
      if (lines == DecodedLines::kViewsOfBody) {
        entry.line = LineBytes::View(in.line);
      } else {
        entry.line.assign(in.line);
      }
      if (in.metadata_end > in.metadata_begin) {
        std::vector<Label> metadata;
        metadata.reserve(in.metadata_end - in.metadata_begin);
        for (uint32_t m = in.metadata_begin; m < in.metadata_end; ++m) {
          metadata.push_back(
              Label{std::string(push.metadata[m].first), std::string(push.metadata[m].second)});
        }
        entry.metadata = Labels(std::move(metadata));
      }
    }
    batches.push_back(std::move(batch));
  }
  return batches;
}

}  // namespace lode
