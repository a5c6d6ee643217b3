#include "storage/part/block_codec.h"

#include <zstd.h>

#include <algorithm>
#include <cassert>
#include <memory>

#include "base/coding.h"
#include "base/crc32c.h"
#include "storage/part/line_templates.h"
#include "storage/part/part_format.h"
#include "storage/part/token_filter.h"

namespace lode::part {
namespace {

// zstd contexts, one per thread and reused: creating one per call costs
// an allocation of several hundred kilobytes (and its page faults) for
// every column of every block. High levels get a context of their own,
// which ReleaseStrongCompressionMemory frees: level 19's tables take 16 MiB
// for a 1 MiB input and about 100 MiB for 8 MiB, and a context keeps
// its largest tables for a long while after.
//
// Inputs under kSmallInput have a context of their own too: zstd frees
// and allocates again the tables of a context that were three times
// larger than its inputs needed for 128 calls in a row, and the small
// columns of blocks, between their large ones, made it do so over and
// over (fresh tables, and their page faults, were a third of the faults
// of a sustained ingest).
using CCtxPtr = std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)>;
thread_local CCtxPtr strong_cctx(nullptr, &ZSTD_freeCCtx);
constexpr size_t kSmallInput = 64u << 10;

ZSTD_CCtx* ThreadCCtx(int level, size_t input) {
  if (level >= kStrongCompressionLevel) {
    if (!strong_cctx) strong_cctx.reset(ZSTD_createCCtx());
    return strong_cctx.get();
  }
  thread_local CCtxPtr small(ZSTD_createCCtx(), &ZSTD_freeCCtx);
  thread_local CCtxPtr large(ZSTD_createCCtx(), &ZSTD_freeCCtx);
  return input < kSmallInput ? small.get() : large.get();
}

ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(),
                                                                      &ZSTD_freeDCtx);
  return ctx.get();
}

// Blocks are small enough to decompress in one call; a payload claiming
// more than this is corrupt.
constexpr uint64_t kMaxRawBlockSize = 256ull << 20;

void PutTimestamps(std::string& raw, const std::vector<RecordRef>& entries) {
  PutVarint64(raw, entries.size());
  TimestampNs previous = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    TimestampNs t = entries[i].timestamp;
    if (i == 0) {
      PutVarsint64(raw, t);
    } else {
      PutVarint64(raw, static_cast<uint64_t>(t - previous));
    }
    previous = t;
  }
}

void PutMetadata(std::string& raw, const std::vector<RecordRef>& entries) {
  bool any_metadata = false;
  for (const RecordRef& e : entries) any_metadata |= e.has_metadata();
  raw.push_back(any_metadata ? 1 : 0);
  if (!any_metadata) return;
  for (const RecordRef& e : entries) {
    if (!e.has_metadata()) {
      PutVarint64(raw, 0);
      continue;
    }
    PutVarint64(raw, e.metadata->size());
    for (const Label& l : *e.metadata) {
      PutLengthPrefixed(raw, l.name);
      PutLengthPrefixed(raw, l.value);
    }
  }
}

// Appends `raw` zstd-compressed at `level` and returns true when that is
// smaller than `raw`; otherwise appends `raw` as is and returns false.
// The caller records which one it was: the sizes alone cannot tell.
bool PutCompressed(std::string& out, std::string_view raw, int level) {
  size_t at = out.size();
  size_t bound = ZSTD_compressBound(raw.size());
  out.resize(at + bound);
  size_t n = ZSTD_compressCCtx(ThreadCCtx(level, raw.size()), out.data() + at, bound, raw.data(),
                               raw.size(), level);
  if (ZSTD_isError(n) || n >= raw.size()) {
    out.resize(at);
    out.append(raw);
    return false;
  }
  out.resize(at + n);
  return true;
}

// A section as stored: its mode, decoded size and stored bytes.
struct StoredSection {
  uint8_t mode = 0;
  uint64_t raw_size = 0;
  std::string_view stored;
};

Result<StoredSection> NextSection(Decoder& d) {
  if (d.remaining() == 0) return Status::Corruption("missing block section");
  StoredSection s;
  s.mode = d.Fixed8();
  s.raw_size = d.Varint64();
  s.stored = d.LengthPrefixed();
  if (!d.ok() || s.raw_size > kMaxRawBlockSize) return Status::Corruption("bad block section");
  if (s.mode > 1) return Status::Corruption("unknown section mode");
  if (s.mode == 0 && s.stored.size() != s.raw_size) {
    return Status::Corruption("bad stored section size");
  }
  return s;
}

Result<std::string_view> Unpack(const StoredSection& s, std::string& storage) {
  if (s.mode == 0) return s.stored;
  storage.resize(s.raw_size);
  size_t n = ZSTD_decompressDCtx(ThreadDCtx(), storage.data(), s.raw_size, s.stored.data(),
                                 s.stored.size());
  if (ZSTD_isError(n) || n != s.raw_size) return Status::Corruption("section does not decompress");
  return std::string_view(storage);
}

size_t EncodePlain(std::string& out, const std::vector<RecordRef>& entries, int level) {
  std::string raw;
  PutTimestamps(raw, entries);
  for (const RecordRef& e : entries) PutVarint64(raw, e.line.size());
  PutMetadata(raw, entries);
  for (const RecordRef& e : entries) raw.append(e.line);
  size_t at = out.size();
  out.push_back(static_cast<char>(BlockCodec::kZstd));
  PutVarint64(out, raw.size());
  if (!PutCompressed(out, raw, level)) out[at] = static_cast<char>(BlockCodec::kNone);
  return raw.size();
}

// Head section of a template block: count, timestamps and metadata.
// Plain blocks also hold the line lengths there. Sets *end to the offset
// just past the metadata.
Status DecodeHead(std::string_view head, size_t expected_records, DecodedBlock& out,
                  std::vector<uint64_t>* lengths, size_t* end) {
  Decoder d(head);
  uint64_t count = d.Varint64();
  if (!d.ok() || count != expected_records || count > d.remaining()) {
    return Status::Corruption("block record count does not match its index");
  }
  out.timestamps.resize(count);
  for (uint64_t i = 0; i < count; ++i) {
    out.timestamps[i] =
        // Wrapping addition: a corrupt delta must not be undefined
        // behaviour (the block's checksum has usually caught it already).
        i == 0 ? d.Varsint64()
               : static_cast<int64_t>(static_cast<uint64_t>(out.timestamps[i - 1]) + d.Varint64());
  }
  if (lengths != nullptr) {
    lengths->resize(count);
    for (uint64_t& len : *lengths) {
      len = d.Varint64();
      if (len > head.size()) return Status::Corruption("line length past the block");
    }
  }
  if (!d.ok() || d.remaining() == 0) return Status::Corruption("truncated block columns");
  uint8_t has_metadata = d.Fixed8();
  if (has_metadata == 1) {
    out.metadata.resize(count);
    for (Labels& labels : out.metadata) {
      uint64_t pairs = d.Varint64();
      if (!d.ok() || pairs > d.remaining()) return Status::Corruption("bad metadata column");
      std::vector<Label> items;
      for (uint64_t k = 0; k < pairs; ++k) {
        std::string_view name = d.LengthPrefixed();
        std::string_view value = d.LengthPrefixed();
        items.push_back(Label{std::string(name), std::string(value)});
      }
      if (!d.ok()) return Status::Corruption("bad metadata column");
      labels = Labels(std::move(items));
    }
  } else if (has_metadata != 0) {
    return Status::Corruption("bad metadata flag");
  }
  if (!d.ok()) return Status::Corruption("bad metadata column");
  *end = d.position();
  return Status::Ok();
}

Status DecodePlain(std::string_view payload, bool zstd, uint64_t raw_size, size_t expected_records,
                   DecodedBlock& out) {
  if (zstd) {
    out.data.resize(raw_size);
    size_t n = ZSTD_decompressDCtx(ThreadDCtx(), out.data.data(), raw_size, payload.data(),
                                   payload.size());
    if (ZSTD_isError(n) || n != raw_size) return Status::Corruption("block does not decompress");
  } else {
    if (payload.size() != raw_size) return Status::Corruption("bad uncompressed block size");
    out.data.assign(payload);
  }
  std::vector<uint64_t> lengths;
  size_t lines_at = 0;
  if (Status s = DecodeHead(out.data, expected_records, out, &lengths, &lines_at); !s.ok()) {
    return s;
  }
  uint64_t pos = lines_at;
  uint64_t total = 0;
  for (uint64_t len : lengths) total += len;
  if (out.data.size() - pos != total) {
    return Status::Corruption("line bytes do not match their lengths");
  }
  out.line_offsets.reserve(lengths.size() + 1);
  for (uint64_t len : lengths) {
    out.line_offsets.push_back(pos);
    pos += len;
  }
  out.line_offsets.push_back(pos);
  return Status::Ok();
}

TemplateLayout LayoutOf(BlockCodec codec) {
  switch (codec) {
    case BlockCodec::kTemplates4:
    case BlockCodec::kDictionaryTemplates4:
      return TemplateLayout::k4;
    case BlockCodec::kTemplates3:
    case BlockCodec::kDictionaryTemplates3:
      return TemplateLayout::k3;
    case BlockCodec::kTemplates2:
    case BlockCodec::kDictionaryTemplates2:
      return TemplateLayout::k2;
    default:
      return TemplateLayout::k1;
  }
}

Status DecodeTemplates(std::string_view payload, uint64_t raw_size, size_t expected_records,
                       const std::vector<std::string_view>& fragments, bool with_lines,
                       const TemplateDictionary* dictionary, TemplateLayout layout,
                       const std::vector<std::string_view>& held_literals,
                       std::string_view string_filter, DecodedBlock& out) {
  Decoder d(payload);
  // Sections: head, templates, ids, ints, str_lengths, str_bytes, and in
  // k4 str_nibbles. Decompressed ones are kept per thread so that their
  // memory is reused.
  constexpr int kNibbles = 6;
  const int section_count = layout == TemplateLayout::k4 ? 7 : 6;
  thread_local std::string storage[7];
  StoredSection stored[7];
  uint64_t unpacked_total = 0;
  for (int i = 0; i < section_count; ++i) {
    LODE_ASSIGN_OR_RETURN(stored[i], NextSection(d));
    unpacked_total += stored[i].raw_size;
  }
  if (d.remaining() != 0) return Status::Corruption("bytes after the block's sections");
  // Columns hold at most a varint per digit run and a few bytes per line,
  // so a small multiple of the block's size bounds them; a damaged size
  // field must not make the reader allocate gigabytes.
  if (unpacked_total > 16 * raw_size + (1u << 20)) {
    return Status::Corruption("block sections are larger than the block");
  }
  std::string_view sections[7];
  // When the block's string filter shows that no string variable holds
  // any fragment, the string columns are not decompressed to rule lines
  // in or out (only to rebuild one, below).
  bool defer_strs = false;
  if (with_lines && !fragments.empty()) {
    defer_strs = std::none_of(fragments.begin(), fragments.end(), [&](std::string_view f) {
      return StringsMayContain(string_filter, StringKeys(f));
    });
    // The template texts and string variables alone can show that no
    // line holds a fragment: then nothing else is decompressed. (In k4,
    // the string bytes hold hex columns' shapes, which the packed digits
    // complete: HexShapesMayContain.)
    LODE_ASSIGN_OR_RETURN(sections[1], Unpack(stored[1], storage[1]));
    const bool hex = !defer_strs && section_count > kNibbles;
    if (!defer_strs) {
      LODE_ASSIGN_OR_RETURN(sections[5], Unpack(stored[5], storage[5]));
    }
    if (hex) {
      LODE_ASSIGN_OR_RETURN(sections[kNibbles], Unpack(stored[kNibbles], storage[kNibbles]));
    }
    for (std::string_view fragment : fragments) {
      if (!TemplatesMayContainToken(sections[1], sections[5], fragment, dictionary,
                                    hex ? &sections[kNibbles] : nullptr)) {
        return Status::NotFound("no line of the block can hold the literals");
      }
    }
  }
  // With held literals most blocks rebuild no line with an integer: the
  // integers are decompressed only once a line needs them.
  const bool defer_ints = with_lines && !held_literals.empty();
  for (int i = 0; i < (with_lines ? section_count : 1); ++i) {
    if (sections[i].data() != nullptr) continue;  // unpacked above
    if ((i == 3 && defer_ints) || ((i == 4 || i == 5 || i == kNibbles) && defer_strs)) continue;
    LODE_ASSIGN_OR_RETURN(sections[i], Unpack(stored[i], storage[i]));
  }
  if (sections[0].size() > raw_size) return Status::Corruption("bad block size");
  size_t head_end = 0;
  if (Status s = DecodeHead(sections[0], expected_records, out, nullptr, &head_end); !s.ok()) {
    return s;
  }
  if (head_end != sections[0].size()) return Status::Corruption("bytes after the metadata");
  if (!with_lines) {
    out.line_offsets.assign(out.timestamps.size() + 1, 0);
    return Status::Ok();
  }
  TemplateColumnsView columns{sections[1], sections[2], sections[3], sections[4],       sections[5],
                              layout,      defer_ints,  defer_strs,  sections[kNibbles]};
  const size_t offsets_before = out.line_offsets.size();
  Status s =
      JoinLineTemplates(columns, expected_records, raw_size - sections[0].size(), out.data,
                        out.line_offsets, fragments, &out.rebuilt, dictionary, held_literals);
  if (s.code() == StatusCode::kUnavailable && (defer_ints || defer_strs)) {
    // A line to rebuild needs what was left out.
    if (defer_ints) {
      LODE_ASSIGN_OR_RETURN(columns.ints, Unpack(stored[3], storage[3]));
    }
    if (defer_strs) {
      LODE_ASSIGN_OR_RETURN(columns.str_lengths, Unpack(stored[4], storage[4]));
      LODE_ASSIGN_OR_RETURN(columns.str_bytes, Unpack(stored[5], storage[5]));
      if (section_count > kNibbles) {
        LODE_ASSIGN_OR_RETURN(columns.str_nibbles, Unpack(stored[kNibbles], storage[kNibbles]));
      }
    }
    columns.ints_deferred = columns.strs_deferred = false;
    out.line_offsets.resize(offsets_before);
    s = JoinLineTemplates(columns, expected_records, raw_size - sections[0].size(), out.data,
                          out.line_offsets, fragments, &out.rebuilt, dictionary, held_literals);
  }
  if (!s.ok()) return s;
  // Lines left out do not add up; the checksum has vouched for the bytes.
  if (out.rebuilt.empty() && out.line_offsets.back() != raw_size - sections[0].size()) {
    return Status::Corruption("lines do not add up to the block's size");
  }
  return Status::Ok();
}

}  // namespace

void ReleaseStrongCompressionMemory() { strong_cctx.reset(); }

void AppendSection(std::string& out, std::string_view raw, int zstd_level) {
  thread_local std::string packed;  // reused: no fresh pages per section
  packed.clear();
  bool zstd = PutCompressed(packed, raw, zstd_level);
  out.push_back(zstd ? 1 : 0);
  PutVarint64(out, raw.size());
  PutLengthPrefixed(out, packed);
}

Status DecodeSection(std::string_view bytes, uint64_t max_raw, std::string& out) {
  Decoder d(bytes);
  LODE_ASSIGN_OR_RETURN(StoredSection section, NextSection(d));
  if (d.remaining() != 0) return Status::Corruption("bytes after the section");
  if (section.raw_size > max_raw) return Status::Corruption("section too large");
  std::string storage;
  LODE_ASSIGN_OR_RETURN(std::string_view raw, Unpack(section, storage));
  if (section.mode == 0) {
    out.assign(raw);
  } else {
    out = std::move(storage);
  }
  return Status::Ok();
}

size_t EncodeBlock(std::string& out, const std::vector<RecordRef>& entries, int zstd_level,
                   TemplateDictionaryBuilder* dictionary, std::vector<uint64_t>* token_keys,
                   TemplateLayout layout, KeyScheme key_scheme, std::vector<uint64_t>* string_keys,
                   std::vector<std::pair<uint32_t, uint64_t>>* template_lines, bool templates) {
  size_t start = out.size();
  size_t raw_size = 0;
  // Kept per thread: their memory serves block after block.
  thread_local TemplateColumns columns;
  columns.template_count = 0;
  if (template_lines != nullptr) template_lines->clear();
  if (templates && TemplatesPay(1, entries.size())) {
    std::vector<std::string_view> lines;
    lines.reserve(entries.size());
    for (const RecordRef& e : entries) lines.push_back(e.line);
    SplitLineTemplates(lines, columns, dictionary, token_keys, layout, key_scheme, string_keys,
                       PackedInts(layout) ? SplitMode::kAuto : SplitMode::kTokens);
  } else if (token_keys != nullptr) {
    for (const RecordRef& e : entries) AddLineKeys(e.line, *token_keys, key_scheme);
  }
  if (!TemplatesPay(columns.template_count, entries.size())) {
    raw_size = EncodePlain(out, entries, zstd_level);
  } else {
    thread_local std::string head;
    head.clear();
    PutTimestamps(head, entries);
    PutMetadata(head, entries);
    raw_size = head.size();
    for (const RecordRef& e : entries) raw_size += e.line.size();
    const bool named = columns.dictionary_ids;
    BlockCodec codec;
    switch (columns.layout) {
      case TemplateLayout::k4:
        codec = named ? BlockCodec::kDictionaryTemplates4 : BlockCodec::kTemplates4;
        break;
      case TemplateLayout::k3:
        codec = named ? BlockCodec::kDictionaryTemplates3 : BlockCodec::kTemplates3;
        break;
      case TemplateLayout::k2:
        codec = named ? BlockCodec::kDictionaryTemplates2 : BlockCodec::kTemplates2;
        break;
      default:
        codec = named ? BlockCodec::kDictionaryTemplates : BlockCodec::kTemplates;
    }
    out.push_back(static_cast<char>(codec));
    PutVarint64(out, raw_size);
    if (template_lines != nullptr && columns.dictionary_ids) {
      *template_lines = columns.dictionary_lines;
    }
    AppendSection(out, head, zstd_level);
    AppendSection(out, columns.templates, zstd_level);
    AppendSection(out, columns.ids, zstd_level);
    AppendSection(out, columns.ints, zstd_level);
    AppendSection(out, columns.str_lengths, zstd_level);
    AppendSection(out, columns.str_bytes, zstd_level);
    if (columns.layout == TemplateLayout::k4) AppendSection(out, columns.str_nibbles, zstd_level);
  }
  PutFixed32(out, crc32c::Extend(0, out.data() + start, out.size() - start));
  return raw_size;
}

Status VerifyBlockChecksum(std::string_view block) {
  if (block.size() < 1 + kBlockTrailerSize) return Status::Corruption("block too short");
  std::string_view body = block.substr(0, block.size() - kBlockTrailerSize);
  if (crc32c::Value(body) != DecodeFixed32(block.data() + body.size())) {
    return Status::Corruption("block checksum mismatch");
  }
  return Status::Ok();
}

Status DecodeBlockInto(std::string_view block, size_t expected_records, DecodedBlock& out,
                       const std::vector<std::string_view>& fragments, bool with_lines,
                       const TemplateDictionary* dictionary,
                       const std::vector<std::string_view>& held_literals,
                       std::string_view string_filter) {
  out.rebuilt.clear();
  out.timestamps.clear();
  out.metadata.clear();
  out.line_offsets.clear();
  // out.data is kept: the codecs overwrite it, and it is only read
  // through line_offsets.
  LODE_RETURN_IF_ERROR(VerifyBlockChecksum(block));
  std::string_view body = block.substr(0, block.size() - kBlockTrailerSize);

  Decoder header(body.substr(1));
  uint64_t raw_size = header.Varint64();
  if (!header.ok() || raw_size > kMaxRawBlockSize) return Status::Corruption("bad block size");
  std::string_view payload = body.substr(1 + header.position());
  switch (static_cast<BlockCodec>(body[0])) {
    case BlockCodec::kNone:
      return DecodePlain(payload, false, raw_size, expected_records, out);
    case BlockCodec::kZstd:
      return DecodePlain(payload, true, raw_size, expected_records, out);
    case BlockCodec::kTemplates:
    case BlockCodec::kTemplates2:
    case BlockCodec::kTemplates3:
    case BlockCodec::kTemplates4:
      return DecodeTemplates(payload, raw_size, expected_records, fragments, with_lines, nullptr,
                             LayoutOf(static_cast<BlockCodec>(body[0])), held_literals,
                             string_filter, out);
    case BlockCodec::kDictionaryTemplates:
    case BlockCodec::kDictionaryTemplates2:
    case BlockCodec::kDictionaryTemplates3:
    case BlockCodec::kDictionaryTemplates4:
      if (dictionary == nullptr && with_lines) {
        return Status::Corruption("template block without its part's template dictionary");
      }
      return DecodeTemplates(payload, raw_size, expected_records, fragments, with_lines, dictionary,
                             LayoutOf(static_cast<BlockCodec>(body[0])), held_literals,
                             string_filter, out);
  }
  return Status::Corruption("unknown block codec " + std::to_string(body[0]));
}

namespace {

// A stored block's parts around its templates section: `before` from the
// codec byte through the head section, `templates` the templates
// section's stored form, `after` the other sections (not the trailer).
struct BlockPieces {
  std::string_view before;
  StoredSection templates;
  std::string_view after;
};

Status SplitDictionaryBlock(std::string_view block, BlockPieces& out) {
  if (block.size() < 1 + kBlockTrailerSize) return Status::Corruption("block too short");
  std::string_view body = block.substr(0, block.size() - kBlockTrailerSize);
  if (!NamesDictionaryTemplates(static_cast<BlockCodec>(body[0]))) {
    return Status::InvalidArgument("block names no dictionary templates");
  }
  Decoder d(body.substr(1));
  d.Varint64();  // raw_size
  if (!d.ok()) return Status::Corruption("bad block size");
  LODE_RETURN_IF_ERROR(NextSection(d).status());  // head
  const size_t templates_at = 1 + d.position();
  LODE_ASSIGN_OR_RETURN(out.templates, NextSection(d));
  const size_t after_at = 1 + d.position();
  out.before = body.substr(0, templates_at);
  out.after = body.substr(after_at);
  return Status::Ok();
}

}  // namespace

Status BlockDictionaryIds(std::string_view block, size_t dictionary_size,
                          std::vector<uint32_t>& ids) {
  BlockPieces pieces;
  LODE_RETURN_IF_ERROR(SplitDictionaryBlock(block, pieces));
  std::string storage;
  LODE_ASSIGN_OR_RETURN(std::string_view column, Unpack(pieces.templates, storage));
  return DecodeDictionaryIds(column, dictionary_size, ids);
}

void ReplaceBlockDictionaryIds(std::string_view block, const std::vector<uint32_t>& ids,
                               int zstd_level, std::string& out) {
  BlockPieces pieces;
  Status s = SplitDictionaryBlock(block, pieces);
  assert(s.ok());
  (void)s;
  const size_t start = out.size();
  out.append(pieces.before);
  std::string column;
  PutDictionaryIds(ids, column);
  AppendSection(out, column, zstd_level);
  out.append(pieces.after);
  PutFixed32(out, crc32c::Value(std::string_view(out).substr(start)));
}

Result<DecodedBlock> DecodeBlock(std::string_view block, size_t expected_records) {
  DecodedBlock out;
  LODE_RETURN_IF_ERROR(DecodeBlockInto(block, expected_records, out));
  return out;
}

}  // namespace lode::part
