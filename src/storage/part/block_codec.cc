#include "storage/part/block_codec.h"

#include <zstd.h>

#include "base/coding.h"
#include "base/crc32c.h"
#include "storage/part/part_format.h"

namespace lode::part {
namespace {

// Blocks are small enough to decompress in one call; a payload claiming
// more than this is corrupt.
constexpr uint64_t kMaxRawBlockSize = 256ull << 20;

std::string EncodeRaw(const std::vector<const Entry*>& entries) {
  std::string raw;
  PutVarint64(raw, entries.size());
  TimestampNs previous = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    TimestampNs t = entries[i]->timestamp;
    if (i == 0) {
      PutVarsint64(raw, t);
    } else {
      PutVarint64(raw, static_cast<uint64_t>(t - previous));
    }
    previous = t;
  }
  for (const Entry* e : entries) PutVarint64(raw, e->line.size());
  bool any_metadata = false;
  for (const Entry* e : entries) any_metadata |= !e->metadata.empty();
  raw.push_back(any_metadata ? 1 : 0);
  if (any_metadata) {
    for (const Entry* e : entries) {
      PutVarint64(raw, e->metadata.size());
      for (const Label& l : e->metadata) {
        PutLengthPrefixed(raw, l.name);
        PutLengthPrefixed(raw, l.value);
      }
    }
  }
  for (const Entry* e : entries) raw.append(e->line);
  return raw;
}

}  // namespace

size_t EncodeBlock(std::string& out, const std::vector<const Entry*>& entries, int zstd_level) {
  std::string raw = EncodeRaw(entries);
  size_t start = out.size();
  out.push_back(static_cast<char>(BlockCodec::kZstd));
  PutVarint64(out, raw.size());
  size_t bound = ZSTD_compressBound(raw.size());
  size_t at = out.size();
  out.resize(at + bound);
  size_t n = ZSTD_compress(out.data() + at, bound, raw.data(), raw.size(), zstd_level);
  if (ZSTD_isError(n)) {
    // Cannot happen with a correct bound; store the payload uncompressed.
    out.resize(start);
    out.push_back(static_cast<char>(BlockCodec::kNone));
    PutVarint64(out, raw.size());
    out.append(raw);
  } else {
    out.resize(at + n);
  }
  PutFixed32(out, crc32c::Extend(0, out.data() + start, out.size() - start));
  return raw.size();
}

Result<DecodedBlock> DecodeBlock(std::string_view block, size_t expected_records) {
  if (block.size() < 1 + kBlockTrailerSize) return Status::Corruption("block too short");
  std::string_view body = block.substr(0, block.size() - kBlockTrailerSize);
  uint32_t crc = DecodeFixed32(block.data() + body.size());
  if (crc32c::Value(body) != crc) return Status::Corruption("block checksum mismatch");

  Decoder header(body.substr(1));
  uint64_t raw_size = header.Varint64();
  if (!header.ok() || raw_size > kMaxRawBlockSize) return Status::Corruption("bad block size");
  std::string_view payload = body.substr(1 + header.position());
  DecodedBlock out;
  auto codec = static_cast<BlockCodec>(body[0]);
  if (codec == BlockCodec::kZstd) {
    out.data.resize(raw_size);
    size_t n = ZSTD_decompress(out.data.data(), raw_size, payload.data(), payload.size());
    if (ZSTD_isError(n) || n != raw_size) return Status::Corruption("block does not decompress");
  } else if (codec == BlockCodec::kNone) {
    if (payload.size() != raw_size) return Status::Corruption("bad uncompressed block size");
    out.data.assign(payload);
  } else {
    return Status::Corruption("unknown block codec " + std::to_string(body[0]));
  }

  Decoder d(out.data);
  uint64_t count = d.Varint64();
  if (!d.ok() || count != expected_records || count > d.remaining()) {
    return Status::Corruption("block record count does not match its index");
  }
  out.timestamps.resize(count);
  for (uint64_t i = 0; i < count; ++i) {
    out.timestamps[i] =
        i == 0 ? d.Varsint64() : out.timestamps[i - 1] + static_cast<int64_t>(d.Varint64());
  }
  std::vector<uint64_t> lengths(count);
  uint64_t total = 0;
  for (uint64_t& len : lengths) {
    len = d.Varint64();
    if (len > out.data.size()) return Status::Corruption("line length past the block");
    total += len;
  }
  if (!d.ok()) return Status::Corruption("truncated block columns");
  if (d.remaining() == 0) return Status::Corruption("truncated block columns");
  char has_metadata = out.data[d.position()];
  Decoder after_flag(std::string_view(out.data).substr(d.position() + 1));
  if (has_metadata == 1) {
    out.metadata.resize(count);
    for (Labels& labels : out.metadata) {
      uint64_t pairs = after_flag.Varint64();
      if (!after_flag.ok() || pairs > after_flag.remaining()) {
        return Status::Corruption("bad metadata column");
      }
      std::vector<Label> items;
      for (uint64_t k = 0; k < pairs; ++k) {
        std::string_view name = after_flag.LengthPrefixed();
        std::string_view value = after_flag.LengthPrefixed();
        items.push_back(Label{std::string(name), std::string(value)});
      }
      if (!after_flag.ok()) return Status::Corruption("bad metadata column");
      labels = Labels(std::move(items));
    }
  } else if (has_metadata != 0) {
    return Status::Corruption("bad metadata flag");
  }
  if (!after_flag.ok() || after_flag.remaining() != total) {
    return Status::Corruption("line bytes do not match their lengths");
  }
  uint64_t pos = out.data.size() - after_flag.remaining();
  out.line_offsets.reserve(count + 1);
  for (uint64_t len : lengths) {
    out.line_offsets.push_back(pos);
    pos += len;
  }
  out.line_offsets.push_back(pos);
  return out;
}

}  // namespace lode::part
