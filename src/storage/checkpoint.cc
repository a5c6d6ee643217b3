#include "storage/checkpoint.h"

#include "base/coding.h"
#include "base/crc32c.h"

namespace lode {
namespace {
// Version 1 has no record ids, version 2 no audit chains; both are still
// read.
constexpr std::string_view kMagicV1 = "LODECKP1";
constexpr std::string_view kMagicV2 = "LODECKP2";
constexpr std::string_view kMagic = "LODECKP3";

bool ReadIds(Decoder& d, std::vector<std::pair<std::string, int64_t>>& ids) {
  uint64_t n = d.Varint64();
  if (!d.ok() || n > d.remaining()) return false;
  ids.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view id = d.LengthPrefixed();
    int64_t when = d.Varsint64();
    if (!d.ok()) return false;
    ids.emplace_back(std::string(id), when);
  }
  return true;
}

void PutIds(std::string& data, const std::vector<std::pair<std::string, int64_t>>& ids) {
  PutVarint64(data, ids.size());
  for (const auto& [id, when] : ids) {
    PutLengthPrefixed(data, id);
    PutVarsint64(data, when);
  }
}

void PutAuditChains(std::string& data, const std::vector<AuditChain>& chains) {
  PutVarint64(data, chains.size());
  for (const AuditChain& c : chains) PutAuditChain(data, c);
}

bool ReadAuditChains(Decoder& d, std::vector<AuditChain>& chains) {
  uint64_t n = d.Varint64();
  if (!d.ok() || n > d.remaining()) return false;
  for (uint64_t i = 0; i < n; ++i) {
    AuditChain c;
    if (!ReadAuditChain(d, c)) return false;
    chains.push_back(std::move(c));
  }
  return d.ok();
}

}  // namespace

Result<Checkpoint> ReadCheckpoint(Env* env, const std::string& path) {
  Checkpoint checkpoint;
  if (!env->FileExists(path)) return checkpoint;
  LODE_ASSIGN_OR_RETURN(std::string data, env->ReadFile(path));
  auto corrupt = [&] { return Status::Corruption("checkpoint file " + path + " is damaged"); };
  if (data.size() < kMagic.size() + 4) return corrupt();
  const std::string_view magic = std::string_view(data).substr(0, kMagic.size());
  const bool v1 = magic == kMagicV1;
  const bool v2 = magic == kMagicV2;
  if (!v1 && !v2 && magic != kMagic) return corrupt();
  std::string_view body = std::string_view(data).substr(0, data.size() - 4);
  if (crc32c::Value(body) != DecodeFixed32(data.data() + body.size())) return corrupt();
  Decoder d(body.substr(kMagic.size()));
  checkpoint.wal_checkpoint = d.Fixed64();
  if (!ReadIds(d, checkpoint.batch_ids)) return corrupt();
  if (!v1 && !ReadIds(d, checkpoint.record_ids)) return corrupt();
  if (!v1 && !v2 && !ReadAuditChains(d, checkpoint.audit_chains)) return corrupt();
  if (d.remaining() != 0) return corrupt();
  return checkpoint;
}

Status WriteCheckpoint(Env* env, const std::string& path, const Checkpoint& checkpoint) {
  std::string data(kMagic);
  PutFixed64(data, checkpoint.wal_checkpoint);
  PutIds(data, checkpoint.batch_ids);
  PutIds(data, checkpoint.record_ids);
  PutAuditChains(data, checkpoint.audit_chains);
  PutFixed32(data, crc32c::Value(data));
  return env->WriteFileAtomic(path, data);
}

}  // namespace lode
