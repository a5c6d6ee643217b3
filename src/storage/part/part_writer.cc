#include "storage/part/part_writer.h"

#include <limits>

#include "base/coding.h"
#include "base/crc32c.h"
#include "storage/part/block_codec.h"
#include "storage/part/token_filter.h"

namespace lode::part {
namespace {

void EncodeLabels(std::string& out, const Labels& labels) {
  PutVarint64(out, labels.size());
  for (const Label& l : labels) {
    PutLengthPrefixed(out, l.name);
    PutLengthPrefixed(out, l.value);
  }
}

}  // namespace

Status WritePart(Env* env, const std::string& path, const std::vector<StreamRecords>& streams,
                 uint64_t wal_checkpoint, const PartWriterOptions& options) {
  std::string tmp = path + ".tmp";
  if (env->FileExists(tmp)) LODE_RETURN_IF_ERROR(env->RemoveFile(tmp));
  LODE_ASSIGN_OR_RETURN(auto file, env->NewAppendableFile(tmp));
  auto fail = [&](const Status& s) {
    (void)file->Close();
    (void)env->RemoveFile(tmp);
    return s.WithContext("write part " + path);
  };

  std::string buf(kHeaderMagic);
  PutFixed32(buf, kFormatVersion);
  uint64_t offset = 0;
  std::vector<BlockMeta> blocks;
  PartMeta meta;
  meta.wal_checkpoint = wal_checkpoint;
  meta.min_time = std::numeric_limits<TimestampNs>::max();
  meta.max_time = std::numeric_limits<TimestampNs>::min();

  // Blocks are written as they fill, so memory holds one block at a time
  // plus the index.
  std::string filters;  // every block's token filter, written after the blocks
  std::vector<uint64_t> keys;
  auto flush_buf = [&]() -> Status {
    Status s = file->Append(buf);
    offset += buf.size();
    buf.clear();
    return s;
  };
  for (size_t si = 0; si < streams.size(); ++si) {
    const auto& entries = streams[si].entries;
    size_t begin = 0;
    while (begin < entries.size()) {
      size_t end = begin, bytes = 0;
      while (end < entries.size() && end - begin < options.block_max_records &&
             (bytes < options.block_raw_bytes || end == begin)) {
        bytes += entries[end]->line.size();
        ++end;
      }
      std::vector<const Entry*> slice(entries.begin() + begin, entries.begin() + end);
      BlockMeta block;
      block.stream = static_cast<uint32_t>(si);
      block.min_time = slice.front()->timestamp;
      block.max_time = slice.back()->timestamp;
      block.records = static_cast<uint32_t>(slice.size());
      block.offset = offset + buf.size();
      size_t before = buf.size();
      block.raw_size = EncodeBlock(buf, slice, options.zstd_level);
      block.size = buf.size() - before;
      keys.clear();
      for (const Entry* e : slice) AddLineKeys(e->line, keys);
      std::string filter = BuildBloom(std::move(keys));
      block.filter_offset = filters.size();
      block.filter_size = filter.size();
      filters += filter;
      blocks.push_back(block);
      meta.min_time = std::min(meta.min_time, block.min_time);
      meta.max_time = std::max(meta.max_time, block.max_time);
      meta.records += slice.size();
      if (buf.size() >= (1u << 20)) {
        if (Status s = flush_buf(); !s.ok()) return fail(s);
      }
      begin = end;
    }
  }
  if (meta.records == 0) meta.min_time = meta.max_time = 0;

  uint64_t filters_offset = offset + buf.size();
  uint32_t filters_crc = crc32c::Value(filters);
  buf += filters;
  filters.clear();
  filters.shrink_to_fit();
  uint64_t streams_offset = offset + buf.size();
  size_t sections_start = buf.size();
  PutVarint64(buf, streams.size());
  for (const StreamRecords& s : streams) EncodeLabels(buf, s.labels);
  uint64_t index_offset = offset + buf.size();
  PutVarint64(buf, blocks.size());
  for (const BlockMeta& b : blocks) {
    PutVarint64(buf, b.stream);
    PutVarsint64(buf, b.min_time);
    PutVarint64(buf, static_cast<uint64_t>(b.max_time - b.min_time));
    PutVarint64(buf, b.records);
    PutVarint64(buf, b.offset);
    PutVarint64(buf, b.size);
    PutVarint64(buf, b.raw_size);
    PutVarint64(buf, b.filter_offset);
    PutVarint64(buf, b.filter_size);
  }
  uint64_t meta_offset = offset + buf.size();
  PutVarint64(buf, meta.wal_checkpoint);
  PutVarsint64(buf, meta.min_time);
  PutVarsint64(buf, meta.max_time);
  PutVarint64(buf, meta.records);
  uint32_t sections_crc =
      crc32c::Extend(0, buf.data() + sections_start, buf.size() - sections_start);
  size_t footer_start = buf.size();
  PutFixed64(buf, filters_offset);
  PutFixed64(buf, streams_offset);
  PutFixed64(buf, index_offset);
  PutFixed64(buf, meta_offset);
  PutFixed32(buf, sections_crc);
  PutFixed32(buf, filters_crc);
  PutFixed32(buf, crc32c::Extend(0, buf.data() + footer_start, buf.size() - footer_start));
  buf.append(kFooterMagic);

  if (Status s = flush_buf(); !s.ok()) return fail(s);
  if (Status s = file->Sync(); !s.ok()) return fail(s);
  if (Status s = file->Close(); !s.ok()) return fail(s);
  LODE_RETURN_IF_ERROR(env->RenameFile(tmp, path));
  size_t slash = path.rfind('/');
  return env->SyncDir(slash == std::string::npos ? "." : path.substr(0, slash));
}

}  // namespace lode::part
