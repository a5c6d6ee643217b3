#include "storage/part/part_writer.h"

#include <algorithm>
#include <limits>

#include "base/coding.h"
#include "base/crc32c.h"
#include "storage/labels_codec.h"
#include "storage/part/block_codec.h"
#include "storage/part/block_summary.h"
#include "storage/part/line_templates.h"
#include "storage/part/token_filter.h"

namespace lode::part {
namespace {

constexpr size_t kWriteChunk = 1u << 20;

std::string FiltersPath(const std::string& path) { return path + ".filters.tmp"; }

}  // namespace

Result<std::unique_ptr<PartWriter>> PartWriter::Create(Env* env, std::string path,
                                                       const PartWriterOptions& options) {
  std::unique_ptr<PartWriter> writer(new PartWriter(env, std::move(path), options));
  std::string tmp = writer->path_ + ".tmp";
  if (env->FileExists(tmp)) LODE_RETURN_IF_ERROR(env->RemoveFile(tmp));
  LODE_ASSIGN_OR_RETURN(writer->file_, env->NewAppendableFile(tmp));
  writer->buf_.assign(kHeaderMagic);
  PutFixed32(writer->buf_, kFormatVersion);
  writer->meta_.min_time = std::numeric_limits<TimestampNs>::max();
  writer->meta_.max_time = std::numeric_limits<TimestampNs>::min();
  return writer;
}

PartWriter::~PartWriter() {
  // A strong writer (cold compaction) kept its context from block to
  // block; it is not needed once the part is written.
  if (options_.zstd_level >= kStrongCompressionLevel) ReleaseStrongCompressionMemory();
  if (filters_file_) {
    (void)filters_file_->Close();
    (void)env_->RemoveFile(FiltersPath(path_));
  }
  if (finished_) return;
  if (file_) (void)file_->Close();
  (void)env_->RemoveFile(path_ + ".tmp");
}

Status PartWriter::SpillFilters() {
  if (!filters_file_) {
    std::string path = FiltersPath(path_);
    if (env_->FileExists(path)) LODE_RETURN_IF_ERROR(env_->RemoveFile(path));
    LODE_ASSIGN_OR_RETURN(filters_file_, env_->NewAppendableFile(path));
  }
  filters_crc_ = crc32c::Extend(filters_crc_, filters_.data(), filters_.size());
  LODE_RETURN_IF_ERROR(filters_file_->Append(filters_));
  filters_spilled_ += filters_.size();
  filters_.clear();
  return Status::Ok();
}

Status PartWriter::BeginStream(const Labels& labels, uint64_t raw_bytes) {
  LODE_RETURN_IF_ERROR(FlushHeld());
  streams_.push_back(labels);
  // Streams are held whole only where that makes blocks larger.
  stream_cut_ = options_.stream_block_raw_bytes <= options_.block_raw_bytes ||
                options_.stream_block_max_records <= options_.block_max_records ||
                raw_bytes > options_.stream_block_raw_bytes;
  return Status::Ok();
}

Status PartWriter::FlushHeld() {
  LODE_RETURN_IF_ERROR(FlushBlock(0, held_.size()));
  held_.clear();
  held_lines_.clear();
  held_metadata_.clear();
  block_bytes_ = 0;
  return Status::Ok();
}

Status PartWriter::CutHeld() {
  size_t begin = 0, bytes = 0;
  for (size_t i = 0; i < held_.size(); ++i) {
    if (i > begin &&
        (i - begin >= options_.block_max_records || bytes >= options_.block_raw_bytes)) {
      LODE_RETURN_IF_ERROR(FlushBlock(begin, i));
      begin = i;
      bytes = 0;
    }
    bytes += held_[i].length;
  }
  // The rest starts the next block, moved to the front.
  if (begin == 0) return Status::Ok();
  held_.erase(held_.begin(), held_.begin() + static_cast<ptrdiff_t>(begin));
  uint64_t first_byte = held_lines_.size();
  for (const Held& h : held_) {
    if (!(h.flags & kLineByRef)) first_byte = std::min(first_byte, h.line);
  }
  held_lines_.erase(0, first_byte);
  std::vector<Labels> metadata;
  for (Held& h : held_) {
    if (!(h.flags & kLineByRef)) h.line -= first_byte;
    if ((h.flags & ~kLineByRef) != 0) {
      metadata.push_back(std::move(held_metadata_[(h.flags & ~kLineByRef) - 1]));
      h.flags = (h.flags & kLineByRef) | static_cast<uint32_t>(metadata.size());
    }
  }
  held_metadata_ = std::move(metadata);
  block_bytes_ = bytes;
  return Status::Ok();
}

Status PartWriter::Add(TimestampNs timestamp, std::string_view line, const Labels& metadata) {
  return Hold(timestamp, line, &metadata, /*by_ref=*/false);
}

Status PartWriter::AddRef(const RecordRef& r) {
  return Hold(r.timestamp, r.line, r.metadata, /*by_ref=*/true);
}

std::string_view PartWriter::HeldLine(const Held& h) const {
  const char* data =
      (h.flags & kLineByRef) ? reinterpret_cast<const char*>(h.line) : held_lines_.data() + h.line;
  return std::string_view(data, h.length);
}

Status PartWriter::Hold(TimestampNs timestamp, std::string_view line, const Labels* metadata,
                        bool by_ref) {
  if (stream_cut_) {
    if (held_.size() >= options_.block_max_records ||
        (block_bytes_ >= options_.block_raw_bytes && !held_.empty())) {
      LODE_RETURN_IF_ERROR(FlushHeld());
    }
  } else if (held_.size() >= options_.stream_block_max_records ||
             block_bytes_ >= options_.stream_block_raw_bytes) {
    // Too large for one block: cut what is held, and the rest as it comes.
    stream_cut_ = true;
    LODE_RETURN_IF_ERROR(CutHeld());
  }
  if (line.size() >= kLineByRef) return Status::InvalidArgument("line too long for a block");
  uint32_t flags = by_ref ? kLineByRef : 0;
  if (metadata != nullptr && !metadata->empty()) {
    held_metadata_.push_back(*metadata);
    flags |= static_cast<uint32_t>(held_metadata_.size());
  }
  uint64_t where = reinterpret_cast<uintptr_t>(line.data());
  if (!by_ref) {
    where = held_lines_.size();
    if (held_lines_.size() + line.size() > held_lines_.capacity()) {
      // Doubling, but not far past what a held stream can take: a merge
      // and a flush each hold up to stream_block_raw_bytes.
      const size_t limit =
          std::max(options_.stream_block_raw_bytes, options_.block_raw_bytes) + (64u << 10);
      held_lines_.reserve(
          std::max(held_lines_.size() + line.size(), std::min(held_lines_.capacity() * 2, limit)));
    }
    held_lines_.append(line);
  }
  held_.push_back(Held{timestamp, where, static_cast<uint32_t>(line.size()), flags});
  block_bytes_ += line.size();
  return Status::Ok();
}

Status PartWriter::FlushBlock(size_t begin, size_t end) {
  if (begin == end) return Status::Ok();
  std::vector<RecordRef>& entries = refs_;
  entries.clear();
  for (size_t i = begin; i < end; ++i) {
    const Held& h = held_[i];
    const uint32_t metadata = h.flags & ~kLineByRef;
    entries.push_back(RecordRef{h.timestamp, HeldLine(h),
                                metadata != 0 ? &held_metadata_[metadata - 1] : nullptr});
  }
  BlockMeta block;
  block.stream = static_cast<uint32_t>(streams_.size() - 1);
  block.min_time = entries.front().timestamp;
  block.max_time = entries.back().timestamp;
  block.records = static_cast<uint32_t>(end - begin);
  block.offset = offset_ + buf_.size();
  size_t before = buf_.size();
  std::vector<uint64_t>& keys = keys_;  // keeps its memory block after block
  keys.clear();
  const TemplateLayout layout =
      options_.legacy_encoding ? TemplateLayout::k1 : kCurrentTemplateLayout;
  const KeyScheme scheme =
      options_.legacy_encoding ? KeyScheme::kTokenAndAffixes : options_.key_scheme;
  std::vector<uint64_t>& string_keys = string_keys_;
  string_keys.clear();
  std::vector<std::pair<uint32_t, uint64_t>>& template_lines = template_lines_;
  const bool filters = options_.token_filters;
  block.raw_size =
      EncodeBlock(buf_, entries, options_.zstd_level, &dictionary_, filters ? &keys : nullptr,
                  layout, scheme, options_.legacy_encoding || !filters ? nullptr : &string_keys,
                  &template_lines, options_.line_templates);
  bool has_metadata = false;
  for (const RecordRef& e : entries) {
    if (!e.has_metadata()) continue;
    has_metadata = true;
    if (filters) {
      for (const Label& l : *e.metadata) AddLineKeys(l.value, keys, scheme);
    }
  }
  block.size = buf_.size() - before;
  std::string filter;
  if (options_.legacy_encoding) {
    filter = filters ? BuildBloom(keys) : std::string();  // empty: rules nothing out
  } else {
    // The token filter, then the string filter: only a block naming its
    // templates in the dictionary has one (a reader can then tell from
    // the dictionary alone what its templates may hold); empty when its
    // string variables hold no three-letter run. Then the summary.
    std::string tokens = block.raw_size < options_.min_token_filter_raw_bytes || !filters
                             ? std::string()
                             : BuildBloom(keys);
    PutVarint64(filter, tokens.size());
    filter += tokens;
    const bool dictionary_block = NamesDictionaryTemplates(static_cast<BlockCodec>(buf_[before]));
    std::string strings = !dictionary_block || !filters ? std::string(kUnknownStringFilter)
                          : string_keys.empty()         ? std::string()
                                                        : BuildBloom(string_keys);
    // Where string variables hold most of the text (quoted strings of
    // access logs and JSON), their filter grows with it: past 1 KiB and
    // 1/32 of the block it is left out (the Apache log's part is 5%
    // smaller), and a literal inside a longer token reads such blocks.
    if (strings.size() > 1024 && strings.size() * 32 > block.size) {
      strings = std::string(kUnknownStringFilter);
    }
    PutVarint64(filter, strings.size());
    filter += strings;
    PutBlockSummary(filter, has_metadata, dictionary_block ? &template_lines : nullptr);
  }
  return AddBlock(block, filter);
}

Status PartWriter::AddBlock(BlockMeta block, std::string_view filter) {
  block.filter_offset = filters_spilled_ + filters_.size();
  block.filter_size = filter.size();
  filters_ += filter;
  if (filters_.size() >= options_.filter_spill_bytes) LODE_RETURN_IF_ERROR(SpillFilters());
  blocks_.push_back(block);
  meta_.min_time = std::min(meta_.min_time, block.min_time);
  meta_.max_time = std::max(meta_.max_time, block.max_time);
  meta_.records += block.records;
  return WriteOut(/*force=*/false);
}

// The flags of the parts this writer writes (and whose blocks it can copy).
uint64_t PartWriter::FormatFlags() const {
  if (options_.legacy_encoding) return kPartFlagMetadataInFilters;
  const KeyScheme scheme = options_.key_scheme;
  return kPartFlagMetadataInFilters | kPartFlagStringFilters | kPartFlagBlockSummaries |
         (scheme >= KeyScheme::kAffixes ? kPartFlagAffixKeys : 0) |
         (scheme >= KeyScheme::kDigitRuns ? kPartFlagDigitRunKeys : 0) |
         (scheme >= KeyScheme::kDottedPairs ? kPartFlagDottedPairKeys : 0);
}

Result<bool> PartWriter::CopyBlock(const PartReader& from, size_t index) {
  const BlockMeta& source = from.blocks().at(index);
  // Encoding would give a block of the same records only where this
  // writer cuts the stream into blocks of block_raw_bytes; a stream held
  // as one block, or a cold part's larger blocks, are encoded. So is a
  // block under half full: next to others, it makes a fuller one.
  if (options_.cold || !stream_cut_ ||
      (source.raw_size < options_.block_raw_bytes / 2 &&
       source.records < options_.block_max_records / 2)) {
    return false;
  }
  if (options_.legacy_encoding || (from.meta().flags & ~kPartFlagCold) != FormatFlags()) {
    return false;
  }
  std::string bytes;
  if (!from.ReadBlockBytes(index, bytes).ok() || !VerifyBlockChecksum(bytes).ok()) return false;
  const auto codec = static_cast<BlockCodec>(bytes[0]);
  const bool named =
      codec == BlockCodec::kDictionaryTemplates3 || codec == BlockCodec::kDictionaryTemplates4;
  if (!named && codec != BlockCodec::kNone && codec != BlockCodec::kZstd &&
      codec != BlockCodec::kTemplates3 && codec != BlockCodec::kTemplates4) {
    return false;  // an older layout: encoded again
  }
  // The filters: token filter, string filter, summary.
  const std::string_view filter_blob = from.FilterBlob(index);
  Decoder blob(filter_blob);
  std::string_view tokens = blob.LengthPrefixed();
  std::string_view strings = blob.LengthPrefixed();
  // A block without a token filter is copied only where this writer would
  // write none either (a small block full of records); otherwise it is
  // encoded again, and gets one.
  if (!blob.ok() || (tokens.empty() && source.raw_size >= options_.min_token_filter_raw_bytes)) {
    return false;
  }
  std::string_view summary_bytes = filter_blob.substr(blob.position());
  BlockSummary summary;
  std::vector<uint32_t> old_ids, new_ids;
  std::shared_ptr<const TemplateDictionary> source_dictionary;
  if (named) {
    source_dictionary = from.Dictionary();
    if (source_dictionary == nullptr ||
        !BlockDictionaryIds(bytes, source_dictionary->size(), old_ids).ok()) {
      return false;
    }
    // The templates not met in an earlier block of this source are looked
    // up (and added) in block order, as they would be one block at a time.
    std::vector<uint32_t>& known = CopiedIds(source_dictionary);
    std::vector<std::string_view> texts;
    std::vector<uint32_t> found;
    for (uint32_t id : old_ids) {
      if (known[id] == UINT32_MAX) texts.push_back(source_dictionary->parsed().templates[id].text);
    }
    if (!texts.empty()) {
      if (!dictionary_.FindOrAddAll(texts, found)) return false;
      size_t next = 0;
      for (uint32_t id : old_ids) {
        if (known[id] == UINT32_MAX) known[id] = found[next++];
      }
    }
    new_ids.reserve(old_ids.size());
    for (uint32_t id : old_ids) new_ids.push_back(known[id]);
  }
  if (!ParseBlockSummary(summary_bytes, source.records,
                         source_dictionary ? source_dictionary->size() : 0, summary)) {
    // Unreadable: a summary that makes readers read the block.
    summary = BlockSummary{};
    summary.has_metadata = true;
  }
  LODE_RETURN_IF_ERROR(FlushHeld());
  BlockMeta block = source;
  block.stream = static_cast<uint32_t>(streams_.size() - 1);
  block.offset = offset_ + buf_.size();
  const size_t before = buf_.size();
  if (named) {
    ReplaceBlockDictionaryIds(bytes, new_ids, options_.zstd_level, buf_);
  } else {
    buf_ += bytes;
  }
  block.size = buf_.size() - before;
  std::string filter;
  PutLengthPrefixed(filter, tokens);
  PutLengthPrefixed(filter, strings);
  if (summary.has_templates && named) {
    // The counts under this part's ids (ascending, as a summary lists them).
    std::vector<std::pair<uint32_t, uint32_t>> renamed(old_ids.size());  // (old id, new id)
    for (size_t k = 0; k < old_ids.size(); ++k) renamed[k] = {old_ids[k], new_ids[k]};
    std::sort(renamed.begin(), renamed.end());
    std::vector<std::pair<uint32_t, uint64_t>> counts;
    counts.reserve(summary.template_lines.size());
    for (const auto& [id, lines] : summary.template_lines) {
      auto at = std::lower_bound(renamed.begin(), renamed.end(), std::make_pair(id, uint32_t{0}));
      if (at == renamed.end() || at->first != id) {
        counts.clear();
        break;
      }
      counts.emplace_back(at->second, lines);
    }
    std::sort(counts.begin(), counts.end());
    PutBlockSummary(filter, summary.has_metadata, counts.empty() ? nullptr : &counts);
  } else {
    PutBlockSummary(filter, summary.has_metadata, nullptr);
  }
  LODE_RETURN_IF_ERROR(AddBlock(block, filter));
  return true;
}

std::vector<uint32_t>& PartWriter::CopiedIds(
    const std::shared_ptr<const TemplateDictionary>& source) {
  for (auto& [dictionary, ids] : copied_ids_) {
    if (dictionary == source) return ids;
  }
  copied_ids_.emplace_back(source, std::vector<uint32_t>(source->size(), UINT32_MAX));
  return copied_ids_.back().second;
}

Status PartWriter::WriteOut(bool force) {
  if (buf_.empty() || (!force && buf_.size() < kWriteChunk)) return Status::Ok();
  Status s = file_->Append(buf_);
  offset_ += buf_.size();
  buf_.clear();
  return s;
}

Status PartWriter::Finish(uint64_t wal_checkpoint, const std::vector<uint64_t>& replaces) {
  LODE_RETURN_IF_ERROR(FlushHeld());
  if (meta_.records == 0) meta_.min_time = meta_.max_time = 0;
  meta_.wal_checkpoint = wal_checkpoint;

  // The template dictionary: empty when no block uses it.
  uint64_t templates_offset = offset_ + buf_.size();
  if (dictionary_.size() > 0) {
    // Written once per part and a sixth of a small part: a dictionary of
    // up to 256 KiB is compressed at zstd's strongest level (a tenth of a
    // second at most) in merges and at a clean stop; on the 16 Loghub
    // samples that is a fifth smaller than at level 1. A larger one (a
    // busy day's, up to 8 MiB) at level 9 unless the part is cold: 19
    // took 0.6 s per MiB, a tenth of the server's time while ingesting
    // 1 GB, and its tables 35 MB for 2 MiB (level 9: 13 MB, 0.06 s per
    // MiB), for 14% off a section that is 0.3% of such a part.
    std::string texts = dictionary_.Serialize();
    // Not while ingesting: a head flush (level 1 or 2) keeps a fast level,
    // since level 19 there cost a tenth of the server's time.
    const int level = options_.zstd_level <= 2                        ? 3
                      : texts.size() <= (256u << 10) || options_.cold ? 19
                                                                      : 9;
    AppendSection(buf_, texts, level);
    if (options_.zstd_level < kStrongCompressionLevel) ReleaseStrongCompressionMemory();
  }
  uint32_t templates_crc = crc32c::Value(std::string_view(buf_).substr(templates_offset - offset_));
  uint64_t filters_offset = offset_ + buf_.size();
  uint32_t filters_crc = crc32c::Extend(filters_crc_, filters_.data(), filters_.size());
  if (filters_file_) {
    // The spilled filters, copied in a piece at a time.
    LODE_RETURN_IF_ERROR(WriteOut(/*force=*/true));
    LODE_RETURN_IF_ERROR(filters_file_->Close());
    filters_file_.reset();
    const std::string path = FiltersPath(path_);
    LODE_ASSIGN_OR_RETURN(auto spilled, env_->NewRandomAccessFile(path));
    if (spilled->Size() != filters_spilled_) {
      return Status::IOError("token filters spilled to " + path + " came back short");
    }
    std::string piece;
    for (uint64_t at = 0; at < filters_spilled_; at += piece.size()) {
      LODE_RETURN_IF_ERROR(spilled->Read(
          at, static_cast<size_t>(std::min<uint64_t>(kWriteChunk, filters_spilled_ - at)), piece));
      if (piece.empty()) return Status::IOError("token filters spilled to " + path + " are short");
      LODE_RETURN_IF_ERROR(file_->Append(piece));
      offset_ += piece.size();
    }
    spilled.reset();
    LODE_RETURN_IF_ERROR(env_->RemoveFile(path));
  }
  buf_ += filters_;
  filters_.clear();
  filters_.shrink_to_fit();
  uint64_t streams_offset = offset_ + buf_.size();
  size_t sections_start = buf_.size();
  PutVarint64(buf_, streams_.size());
  for (const Labels& labels : streams_) EncodeLabels(buf_, labels);
  uint64_t index_offset = offset_ + buf_.size();
  PutVarint64(buf_, blocks_.size());
  for (const BlockMeta& b : blocks_) {
    PutVarint64(buf_, b.stream);
    PutVarsint64(buf_, b.min_time);
    PutVarint64(buf_, static_cast<uint64_t>(b.max_time - b.min_time));
    PutVarint64(buf_, b.records);
    PutVarint64(buf_, b.offset);
    PutVarint64(buf_, b.size);
    PutVarint64(buf_, b.raw_size);
    PutVarint64(buf_, b.filter_offset);
    PutVarint64(buf_, b.filter_size);
  }
  uint64_t meta_offset = offset_ + buf_.size();
  PutVarint64(buf_, meta_.wal_checkpoint);
  PutVarsint64(buf_, meta_.min_time);
  PutVarsint64(buf_, meta_.max_time);
  PutVarint64(buf_, meta_.records);
  PutVarint64(buf_, replaces.size());
  for (uint64_t seq : replaces) PutVarint64(buf_, seq);
  PutVarint64(buf_, FormatFlags() | (options_.cold ? kPartFlagCold : 0));
  uint32_t sections_crc =
      crc32c::Extend(0, buf_.data() + sections_start, buf_.size() - sections_start);
  size_t footer_start = buf_.size();
  PutFixed64(buf_, templates_offset);
  PutFixed64(buf_, filters_offset);
  PutFixed64(buf_, streams_offset);
  PutFixed64(buf_, index_offset);
  PutFixed64(buf_, meta_offset);
  PutFixed32(buf_, sections_crc);
  PutFixed32(buf_, filters_crc);
  PutFixed32(buf_, templates_crc);
  PutFixed32(buf_, crc32c::Extend(0, buf_.data() + footer_start, buf_.size() - footer_start));
  buf_.append(kFooterMagic);

  LODE_RETURN_IF_ERROR(WriteOut(/*force=*/true));
  LODE_RETURN_IF_ERROR(file_->Sync());
  LODE_RETURN_IF_ERROR(file_->Close());
  LODE_RETURN_IF_ERROR(env_->RenameFile(path_ + ".tmp", path_));
  finished_ = true;
  size_t slash = path_.rfind('/');
  return env_->SyncDir(slash == std::string::npos ? "." : path_.substr(0, slash));
}

PartWriterOptions MergeWriterOptions(PartWriterOptions base, int zstd_level) {
  base.zstd_level = zstd_level;
  return base;
}

PartWriterOptions ColdWriterOptions(PartWriterOptions base, int zstd_level) {
  base.zstd_level = zstd_level;
  base.block_raw_bytes *= 8;
  base.block_max_records *= 8;
  base.cold = true;
  return base;
}

Status WritePart(Env* env, const std::string& path, const std::vector<StreamRecords>& streams,
                 uint64_t wal_checkpoint, const PartWriterOptions& options) {
  LODE_ASSIGN_OR_RETURN(auto writer, PartWriter::Create(env, path, options));
  for (const StreamRecords& stream : streams) {
    LODE_RETURN_IF_ERROR(writer->BeginStream(stream.labels));
    for (const RecordRef& r : stream.entries) LODE_RETURN_IF_ERROR(writer->AddRef(r));
  }
  return writer->Finish(wal_checkpoint, {}).WithContext("write part " + path);
}

}  // namespace lode::part
