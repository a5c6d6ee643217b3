#include "cluster/catalog.h"

#include "base/coding.h"
#include "base/crc32c.h"
#include "jetstream/nats_client.h"

namespace lode {
namespace {

// Format 1 has no audit chains; it is still read.
constexpr uint8_t kFormatV1 = 1;
constexpr uint8_t kFormat = 2;

}  // namespace

std::string EncodePartitionState(const PartitionState& state) {
  std::string out;
  out.push_back(static_cast<char>(kFormat));
  PutLengthPrefixed(out, state.owner);
  PutVarint64(out, state.epoch);
  PutVarint64(out, state.covered);
  PutVarint64(out, state.next_part_id);
  PutVarint64(out, state.parts.size());
  for (const CatalogPart& p : state.parts) {
    PutLengthPrefixed(out, p.key);
    PutLengthPrefixed(out, p.tenant);
    PutVarsint64(out, p.min_time);
    PutVarsint64(out, p.max_time);
    PutVarint64(out, p.records);
    PutVarint64(out, p.size);
    PutVarint64(out, p.first_seq);
    PutVarint64(out, p.last_seq);
    PutVarint64(out, p.id);
  }
  PutVarint64(out, state.doomed.size());
  for (const DoomedObject& d : state.doomed) {
    PutLengthPrefixed(out, d.key);
    PutVarsint64(out, d.since_unix_ms);
  }
  PutVarint64(out, state.audit_chains.size());
  for (const CatalogChain& c : state.audit_chains) {
    PutLengthPrefixed(out, c.tenant);
    PutAuditChain(out, c.chain);
  }
  PutFixed32(out, crc32c::Value(out));
  return out;
}

Result<PartitionState> DecodePartitionState(std::string_view bytes) {
  auto corrupt = [](const char* what) {
    return Status::Corruption(std::string("catalog entry: ") + what);
  };
  if (bytes.size() < 5) return corrupt("too short");
  std::string_view body = bytes.substr(0, bytes.size() - 4);
  if (crc32c::Value(body) != DecodeFixed32(bytes.data() + body.size())) {
    return corrupt("checksum mismatch");
  }
  const uint8_t format = static_cast<uint8_t>(body[0]);
  if (format != kFormat && format != kFormatV1) return corrupt("unknown format");
  Decoder d(body.substr(1));
  PartitionState s;
  s.owner = std::string(d.LengthPrefixed());
  s.epoch = d.Varint64();
  s.covered = d.Varint64();
  s.next_part_id = d.Varint64();
  uint64_t parts = d.Varint64();
  if (!d.ok() || parts > d.remaining()) return corrupt("truncated");
  s.parts.resize(parts);
  for (CatalogPart& p : s.parts) {
    p.key = std::string(d.LengthPrefixed());
    p.tenant = std::string(d.LengthPrefixed());
    p.min_time = d.Varsint64();
    p.max_time = d.Varsint64();
    p.records = d.Varint64();
    p.size = d.Varint64();
    p.first_seq = d.Varint64();
    p.last_seq = d.Varint64();
    p.id = d.Varint64();
  }
  uint64_t doomed = d.Varint64();
  if (!d.ok() || doomed > d.remaining()) return corrupt("truncated");
  s.doomed.resize(doomed);
  for (DoomedObject& o : s.doomed) {
    o.key = std::string(d.LengthPrefixed());
    o.since_unix_ms = d.Varsint64();
  }
  if (format != kFormatV1) {
    uint64_t chains = d.Varint64();
    if (!d.ok() || chains > d.remaining()) return corrupt("truncated");
    s.audit_chains.resize(chains);
    for (CatalogChain& c : s.audit_chains) {
      c.tenant = std::string(d.LengthPrefixed());
      if (!d.ok() || !ReadAuditChain(d, c.chain)) return corrupt("bad audit chain");
    }
  }
  if (!d.ok() || d.remaining() != 0) return corrupt("truncated");
  return s;
}

std::string CatalogKey(uint32_t partition) { return "p." + std::to_string(partition); }

Result<VersionedState> Catalog::Load(uint32_t partition) {
  auto entry = bucket_.Get(CatalogKey(partition));
  if (!entry.ok()) {
    if (entry.status().code() == StatusCode::kNotFound) return VersionedState{};
    return entry.status();
  }
  LODE_ASSIGN_OR_RETURN(PartitionState state, DecodePartitionState(entry->value));
  return VersionedState{std::move(state), entry->revision};
}

Result<uint64_t> Catalog::Store(uint32_t partition, const PartitionState& state,
                                uint64_t revision) {
  std::string bytes = EncodePartitionState(state);
  if (revision == 0) return bucket_.Create(CatalogKey(partition), bytes);
  return bucket_.Update(CatalogKey(partition), bytes, revision);
}

}  // namespace lode
