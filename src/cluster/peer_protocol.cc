#include "cluster/peer_protocol.h"

#include "base/coding.h"
#include "storage/labels_codec.h"

namespace lode {
namespace {

Status Malformed(const char* what) {
  return Status::InvalidArgument(std::string("malformed peer message: ") + what);
}

}  // namespace

std::string EncodeRecentRequest(const RecentRequest& r) {
  std::string out;
  out.push_back(static_cast<char>(r.kind));
  PutLengthPrefixed(out, r.select.tenant);
  PutVarsint64(out, r.select.start);
  PutVarsint64(out, r.select.end);
  out.push_back(r.select.direction == Direction::kForward ? 0 : 1);
  PutVarint64(out, r.select.matchers.size());
  for (const Matcher& m : r.select.matchers) {
    out.push_back(static_cast<char>(m.type()));
    PutLengthPrefixed(out, m.name());
    PutLengthPrefixed(out, m.value());
  }
  PutVarint64(out, r.select.line_contains.size());
  for (const std::string& s : r.select.line_contains) PutLengthPrefixed(out, s);
  PutVarint64(out, r.partitions.size());
  for (uint32_t p : r.partitions) PutVarint64(out, p);
  PutVarint64(out, r.wait_ms);
  return out;
}

Result<RecentRequest> DecodeRecentRequest(std::string_view body) {
  Decoder d(body);
  RecentRequest r;
  uint8_t kind = d.Fixed8();
  if (kind < 1 || kind > 3) return Malformed("kind");
  r.kind = static_cast<RecentKind>(kind);
  r.select.tenant = std::string(d.LengthPrefixed());
  r.select.start = d.Varsint64();
  r.select.end = d.Varsint64();
  r.select.direction = d.Fixed8() == 0 ? Direction::kForward : Direction::kBackward;
  uint64_t n = d.Varint64();
  if (!d.ok() || n > d.remaining()) return Malformed("matchers");
  for (uint64_t i = 0; i < n; ++i) {
    uint8_t type = d.Fixed8();
    std::string name(d.LengthPrefixed());
    std::string value(d.LengthPrefixed());
    if (!d.ok() || type > static_cast<uint8_t>(MatchType::kRegexNoMatch)) {
      return Malformed("matcher");
    }
    LODE_ASSIGN_OR_RETURN(Matcher m, Matcher::Create(static_cast<MatchType>(type), std::move(name),
                                                     std::move(value)));
    r.select.matchers.push_back(std::move(m));
  }
  n = d.Varint64();
  if (!d.ok() || n > d.remaining()) return Malformed("literals");
  for (uint64_t i = 0; i < n; ++i) r.select.line_contains.emplace_back(d.LengthPrefixed());
  n = d.Varint64();
  if (!d.ok() || n > d.remaining()) return Malformed("partitions");
  for (uint64_t i = 0; i < n; ++i) r.partitions.push_back(static_cast<uint32_t>(d.Varint64()));
  r.wait_ms = static_cast<uint32_t>(d.Varint64());
  if (!d.ok() || d.remaining() != 0) return Malformed("truncated request");
  return r;
}

std::string EncodeRecentAnswer(RecentKind kind, const RecentAnswer& a) {
  std::string out;
  PutVarint64(out, a.partitions.size());
  for (const PartitionAnswer& p : a.partitions) {
    PutVarint64(out, p.partition);
    out.push_back(static_cast<char>((p.owned ? 1 : 0) | (p.caught_up ? 2 : 0)));
    PutVarint64(out, p.covered);
  }
  switch (kind) {
    case RecentKind::kRecords:
      PutVarint64(out, a.records.size());
      for (const KeyedRecord& r : a.records) {
        PutVarsint64(out, r.timestamp);
        PutVarint64(out, r.source);
        PutVarint64(out, r.seq);
        EncodeLabels(out, r.record.stream);
        PutLengthPrefixed(out, r.record.line);
        EncodeLabels(out, r.record.metadata);
      }
      break;
    case RecentKind::kSeries:
      PutVarint64(out, a.series.size());
      for (const SeriesInfo& s : a.series) {
        EncodeLabels(out, s.labels);
        PutVarint64(out, s.entries);
        PutVarint64(out, s.bytes);
        PutVarint64(out, s.chunks);
      }
      break;
    case RecentKind::kTimestamps:
      PutVarint64(out, a.runs.size());
      for (const OwnedTimestampRun& run : a.runs) {
        EncodeLabels(out, run.stream);
        PutVarint64(out, run.timestamps.size());
        for (TimestampNs t : run.timestamps) PutVarsint64(out, t);
        out.push_back(run.metadata.empty() ? 0 : 1);
        for (const Labels& m : run.metadata) EncodeLabels(out, m);
      }
      break;
  }
  return out;
}

Result<RecentAnswer> DecodeRecentAnswer(RecentKind kind, std::string_view body) {
  Decoder d(body);
  RecentAnswer a;
  uint64_t n = d.Varint64();
  if (!d.ok() || n > d.remaining()) return Malformed("partitions");
  a.partitions.resize(n);
  for (PartitionAnswer& p : a.partitions) {
    p.partition = static_cast<uint32_t>(d.Varint64());
    uint8_t flags = d.Fixed8();
    p.owned = flags & 1;
    p.caught_up = flags & 2;
    p.covered = d.Varint64();
  }
  n = d.Varint64();
  if (!d.ok() || n > d.remaining()) return Malformed("count");
  switch (kind) {
    case RecentKind::kRecords:
      a.records.resize(n);
      for (KeyedRecord& r : a.records) {
        r.timestamp = d.Varsint64();
        r.source = d.Varint64();
        r.seq = d.Varint64();
        if (!DecodeLabels(d, r.record.stream)) return Malformed("stream");
        r.record.line = std::string(d.LengthPrefixed());
        if (!d.ok() || !DecodeLabels(d, r.record.metadata)) return Malformed("record");
        r.record.timestamp = r.timestamp;
      }
      break;
    case RecentKind::kSeries:
      a.series.resize(n);
      for (SeriesInfo& s : a.series) {
        if (!DecodeLabels(d, s.labels)) return Malformed("series");
        s.entries = d.Varint64();
        s.bytes = d.Varint64();
        s.chunks = d.Varint64();
      }
      break;
    case RecentKind::kTimestamps:
      a.runs.resize(n);
      for (OwnedTimestampRun& run : a.runs) {
        if (!DecodeLabels(d, run.stream)) return Malformed("run");
        uint64_t count = d.Varint64();
        if (!d.ok() || count > d.remaining()) return Malformed("run");
        run.timestamps.resize(count);
        for (TimestampNs& t : run.timestamps) t = d.Varsint64();
        if (d.Fixed8() == 1) {
          run.metadata.resize(count);
          for (Labels& m : run.metadata) {
            if (!DecodeLabels(d, m)) return Malformed("run metadata");
          }
        }
      }
      break;
  }
  if (!d.ok() || d.remaining() != 0) return Malformed("truncated answer");
  return a;
}

}  // namespace lode
