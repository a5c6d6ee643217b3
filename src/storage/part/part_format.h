// The part file format: an immutable, compressed file of one tenant's
// records of one day, grouped by stream into blocks. The byte layout is
// specified in docs/format/part.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "model/record.h"
#include "storage/part/token_filter.h"

namespace lode::part {

constexpr std::string_view kHeaderMagic = "LODEPART";
// Version 2 added the template dictionary; version 1 parts (no
// dictionary, a shorter footer) are still read.
constexpr uint32_t kFormatVersion = 2;
constexpr size_t kHeaderSize = 12;  // magic + u32 version
constexpr std::string_view kFooterMagic = "LODEPRT2";
constexpr size_t kFooterSize = 64;
constexpr std::string_view kFooterMagicV1 = "LODEPRT1";
constexpr size_t kFooterSizeV1 = 52;
// The template dictionary's texts stop growing at this many bytes.
constexpr size_t kMaxTemplateDictionaryBytes = 8u << 20;
constexpr size_t kBlockTrailerSize = 4;  // crc32c

// Compression of a block's payload (first byte of the block).
// kTemplates: lines as templates and variable columns (line_templates.h).
// kDictionaryTemplates: the same, with templates named by their id in the
// part's template dictionary (template_dictionary.h).
// kTemplates2, kDictionaryTemplates2: the same in TemplateLayout::k2
// (digit runs as integers, bit-packed integer columns).
// kTemplates3, kDictionaryTemplates3: the same in TemplateLayout::k3
// (string columns may be dictionary-coded).
// kTemplates4, kDictionaryTemplates4: the same in TemplateLayout::k4
// (string columns of hex ids may be stored as nibbles, in a seventh
// section).
enum class BlockCodec : uint8_t {
  kNone = 0,
  kZstd = 1,
  kTemplates = 2,
  kDictionaryTemplates = 3,
  kTemplates2 = 4,
  kDictionaryTemplates2 = 5,
  kTemplates3 = 6,
  kDictionaryTemplates3 = 7,
  kTemplates4 = 8,
  kDictionaryTemplates4 = 9,
};

// Whether a block of this codec names its templates in the part's
// template dictionary.
inline bool NamesDictionaryTemplates(BlockCodec codec) {
  return codec == BlockCodec::kDictionaryTemplates || codec == BlockCodec::kDictionaryTemplates2 ||
         codec == BlockCodec::kDictionaryTemplates3 || codec == BlockCodec::kDictionaryTemplates4;
}

// What the block index says about one block; enough to skip it.
struct BlockMeta {
  uint32_t stream = 0;  // index into the part's stream table
  TimestampNs min_time = 0;
  TimestampNs max_time = 0;
  uint32_t records = 0;
  uint64_t offset = 0;         // of the codec byte
  uint64_t size = 0;           // codec byte + payload + crc trailer
  uint64_t raw_size = 0;       // uncompressed payload bytes
  uint64_t filter_offset = 0;  // of the block's token filter, in the filters section
  uint64_t filter_size = 0;
};

// Part-wide facts, kept in the meta section.
struct PartMeta {
  // Every record of the tenant's WAL segments up to and including this
  // index is in this part or an older one (0: none).
  uint64_t wal_checkpoint = 0;
  TimestampNs min_time = 0;
  TimestampNs max_time = 0;
  uint64_t records = 0;
  // Sequence numbers of the parts this one replaces (a merge's inputs):
  // if any of them still exists when the tenant opens, it is deleted.
  std::vector<uint64_t> replaces;
  // kPartFlag* bits (0 in parts written before the flags existed).
  uint64_t flags = 0;
};

// The blocks' token filters also hold the tokens of every structured
// metadata value, so a search for an id kept as metadata may skip blocks.
constexpr uint64_t kPartFlagMetadataInFilters = 1;
// The token filters hold keys of KeyScheme::kAffixes (token_filter.h);
// without this flag, of kTokenAndAffixes.
constexpr uint64_t kPartFlagAffixKeys = 2;
// Each block's filter is varint(n), its token filter (n bytes), then its
// string filter (token_filter.h); without this flag, the token filter
// alone.
constexpr uint64_t kPartFlagStringFilters = 4;
// Written by cold compaction (PartSet::MaybeCompactCold): not compacted
// again.
constexpr uint64_t kPartFlagCold = 8;
// With kPartFlagStringFilters: each block's filter is varint(n), its token
// filter, varint(m), its string filter (m bytes), then its summary
// (block_summary.h).
constexpr uint64_t kPartFlagBlockSummaries = 16;
// With kPartFlagAffixKeys: the token filters hold keys of
// KeyScheme::kDigitRuns (token_filter.h).
constexpr uint64_t kPartFlagDigitRunKeys = 32;
// With kPartFlagDigitRunKeys: the token filters hold keys of
// KeyScheme::kDottedPairs.
constexpr uint64_t kPartFlagDottedPairKeys = 64;

// The key scheme of a part's token filters, from its flags.
constexpr KeyScheme KeySchemeOfPart(uint64_t flags) {
  if ((flags & kPartFlagAffixKeys) == 0) return KeyScheme::kTokenAndAffixes;
  if ((flags & kPartFlagDigitRunKeys) == 0) return KeyScheme::kAffixes;
  if ((flags & kPartFlagDottedPairKeys) == 0) return KeyScheme::kDigitRuns;
  return KeyScheme::kDottedPairs;
}

}  // namespace lode::part
