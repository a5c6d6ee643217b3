#include "storage/checkpoint.h"

#include "base/coding.h"
#include "base/crc32c.h"

namespace lode {
namespace {
constexpr std::string_view kMagic = "LODECKP1";
}  // namespace

Result<Checkpoint> ReadCheckpoint(Env* env, const std::string& path) {
  Checkpoint checkpoint;
  if (!env->FileExists(path)) return checkpoint;
  LODE_ASSIGN_OR_RETURN(std::string data, env->ReadFile(path));
  auto corrupt = [&] { return Status::Corruption("checkpoint file " + path + " is damaged"); };
  if (data.size() < kMagic.size() + 4 || !data.starts_with(kMagic)) return corrupt();
  std::string_view body = std::string_view(data).substr(0, data.size() - 4);
  if (crc32c::Value(body) != DecodeFixed32(data.data() + body.size())) return corrupt();
  Decoder d(body.substr(kMagic.size()));
  checkpoint.wal_checkpoint = d.Fixed64();
  uint64_t n = d.Varint64();
  if (!d.ok() || n > d.remaining()) return corrupt();
  checkpoint.batch_ids.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view id = d.LengthPrefixed();
    int64_t when = d.Varsint64();
    if (!d.ok()) return corrupt();
    checkpoint.batch_ids.emplace_back(std::string(id), when);
  }
  if (d.remaining() != 0) return corrupt();
  return checkpoint;
}

Status WriteCheckpoint(Env* env, const std::string& path, const Checkpoint& checkpoint) {
  std::string data(kMagic);
  PutFixed64(data, checkpoint.wal_checkpoint);
  PutVarint64(data, checkpoint.batch_ids.size());
  for (const auto& [id, when] : checkpoint.batch_ids) {
    PutLengthPrefixed(data, id);
    PutVarsint64(data, when);
  }
  PutFixed32(data, crc32c::Value(data));
  return env->WriteFileAtomic(path, data);
}

}  // namespace lode
