#include "cluster/ingest_message.h"

#include <zstd.h>

#include <memory>

#include "base/coding.h"
#include "storage/wal/batch_codec.h"

namespace lode {
namespace {

constexpr char kFormat = 1;
// A message never holds more than a push body can; a frame claiming more
// is corrupt, not a reason to allocate.
constexpr uint64_t kMaxDecodedBytes = 1ull << 30;

}  // namespace

std::string EncodeIngestMessage(const std::string& tenant,
                                const std::vector<const StreamBatch*>& batches) {
  std::string raw;
  wal::EncodeBatches(raw, batches);
  std::string out;
  out.push_back(kFormat);
  PutLengthPrefixed(out, tenant);
  size_t header = out.size();
  out.resize(header + ZSTD_compressBound(raw.size()));
  // With the frame's checksum: a damaged message is refused, never
  // decoded into other records.
  thread_local std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx(ZSTD_createCCtx(),
                                                                         &ZSTD_freeCCtx);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, 1);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
  size_t n =
      ZSTD_compress2(cctx.get(), out.data() + header, out.size() - header, raw.data(), raw.size());
  // Compressing into a buffer of ZSTD_compressBound cannot fail.
  out.resize(header + n);
  return out;
}

Result<IngestMessage> DecodeIngestMessage(std::string_view body) {
  if (body.empty() || body[0] != kFormat) {
    return Status::Corruption("ingest message: unknown format");
  }
  Decoder d(body.substr(1));
  IngestMessage message;
  message.tenant = std::string(d.LengthPrefixed());
  if (!d.ok()) return Status::Corruption("ingest message: truncated tenant");
  std::string_view frame = body.substr(1 + d.position());
  unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
      size > kMaxDecodedBytes) {
    return Status::Corruption("ingest message: bad compressed frame");
  }
  std::string raw(size, '\0');
  size_t n = ZSTD_decompress(raw.data(), raw.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != size) {
    return Status::Corruption("ingest message: bad compressed frame");
  }
  LODE_ASSIGN_OR_RETURN(message.batches, wal::DecodeBatches(raw));
  return message;
}

}  // namespace lode
