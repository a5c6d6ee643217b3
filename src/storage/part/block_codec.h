// Encoding of one block: the records of one stream, in time order, as
// columns (timestamps delta-coded, line lengths, metadata, line bytes),
// then compressed and checksummed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/record.h"
#include "storage/part/line_templates.h"
#include "storage/part/token_filter.h"

namespace lode::part {

class TemplateDictionary;
class TemplateDictionaryBuilder;

// A record to encode, as views into memory its owner keeps alive.
struct RecordRef {
  TimestampNs timestamp = 0;
  std::string_view line;
  const Labels* metadata = nullptr;  // null: none

  static RecordRef Of(const Entry& e) { return RecordRef{e.timestamp, e.line, &e.metadata}; }
  bool has_metadata() const { return metadata != nullptr && !metadata->empty(); }
};

// A decoded block. Lines are kept as offsets into `data` (not views), so
// the block can be moved freely.
struct DecodedBlock {
  std::vector<TimestampNs> timestamps;
  std::vector<Labels> metadata;        // empty when no record has any
  std::vector<uint64_t> line_offsets;  // records + 1 offsets into data
  std::string data;                    // may run past the last line
  // Empty: every line was rebuilt. Otherwise one flag per record: 1
  // rebuilt; 0 a line left empty because it cannot contain the literals
  // the block was decoded for; 2 a line left empty that certainly holds
  // them (see DecodeBlockInto).
  std::vector<uint8_t> rebuilt;

  bool line_rebuilt(size_t i) const { return rebuilt.empty() || rebuilt[i] == 1; }
  bool line_holds_literals(size_t i) const { return !rebuilt.empty() && rebuilt[i] == 2; }

  size_t size() const { return timestamps.size(); }
  std::string_view line(size_t i) const {
    return std::string_view(data).substr(line_offsets[i], line_offsets[i + 1] - line_offsets[i]);
  }
};

// Appends the on-disk form of `entries` (sorted by timestamp) to `out`:
// codec byte, compressed payload, crc32c trailer. Returns the raw
// (uncompressed) payload size. With `dictionary` (the part's), a template
// block's templates go there and the block names them by id. With
// `token_keys`, appends the token-filter keys of the lines (AddLineKeys),
// found while the lines are cut into templates; with `string_keys`, the
// string-filter keys of its string variables. `layout` and `key_scheme`
// other than the current ones write blocks as older versions did (tests).
// With `template_lines`, sets the (dictionary id, lines) of a block that
// names its templates in the dictionary (BlockSummary), else clears it.
// Without `templates`, the lines are stored as they are (benchmarks).
size_t EncodeBlock(std::string& out, const std::vector<RecordRef>& entries, int zstd_level,
                   TemplateDictionaryBuilder* dictionary = nullptr,
                   std::vector<uint64_t>* token_keys = nullptr,
                   TemplateLayout layout = kCurrentTemplateLayout,
                   KeyScheme key_scheme = kCurrentKeyScheme,
                   std::vector<uint64_t>* string_keys = nullptr,
                   std::vector<std::pair<uint32_t, uint64_t>>* template_lines = nullptr,
                   bool templates = true);

// Checks a stored block's length and checksum (codec byte through
// trailer): Corruption when it is too short or the checksum fails.
Status VerifyBlockChecksum(std::string_view block);

// The part-dictionary ids a stored block (codec byte through trailer,
// checksum verified) names, in the block's order; for codecs 3, 5 and 7
// only (others: InvalidArgument). Corruption when malformed.
Status BlockDictionaryIds(std::string_view block, size_t dictionary_size,
                          std::vector<uint32_t>& ids);
// `block` (as above, already checked) with its template ids replaced by
// `ids` (one per template, in the block's order; distinct), for another
// part's dictionary: its other sections are copied as they are and its
// checksum recomputed. Appended to `out`.
void ReplaceBlockDictionaryIds(std::string_view block, const std::vector<uint32_t>& ids,
                               int zstd_level, std::string& out);

// A compressed section: u8 mode (0 stored, 1 zstd), varint(raw size),
// varint(stored size), stored bytes. The columns of template blocks are
// sections, and so is a part's template dictionary.
void AppendSection(std::string& out, std::string_view raw, int zstd_level);
// Levels from this one up are "strong": see ReleaseStrongCompressionMemory.
inline constexpr int kStrongCompressionLevel = 10;
// Frees this thread's context for strong compression levels (a part's
// template dictionary, cold parts): tens of megabytes that would
// otherwise stay with the thread.
void ReleaseStrongCompressionMemory();
// Decodes `bytes`, exactly one section, into `out`. Corruption when it is
// malformed, has bytes after it, or holds more than `max_raw` bytes.
Status DecodeSection(std::string_view bytes, uint64_t max_raw, std::string& out);

// Decodes a block read from disk (codec byte through trailer). Corruption
// for a bad checksum or any malformed byte; never reads out of bounds.
Result<DecodedBlock> DecodeBlock(std::string_view block, size_t expected_records);

// The same, into `out`, reusing the memory it holds (a reader decoding
// block after block keeps one DecodedBlock). On error `out` holds nothing
// usable. With `fragments` (LiteralFragments, then DigitFragments, of
// the literals every wanted line contains), a template block rebuilds
// only the lines that can hold all of them and flags the others in
// `out.rebuilt`; when its template texts and string variables show that
// no line can, it returns NotFound having decompressed only those (most
// blocks of a needle query stop there). Without `with_lines`,
// a template block decodes only timestamps and metadata, and every line
// comes out empty (plain blocks, one compressed stream, keep their lines).
// A block naming its templates in the part's dictionary needs
// `dictionary` to rebuild lines (Corruption without it; a read without
// lines does not need it). With `held_literals` (the literals the
// fragments came from), lines whose template text holds them all are not
// rebuilt but flagged 2 (JoinLineTemplates). `string_filter`: the
// block's (token_filter.h); where it shows no string variable holds a
// fragment, the string columns are decompressed only to rebuild lines.
Status DecodeBlockInto(std::string_view block, size_t expected_records, DecodedBlock& out,
                       const std::vector<std::string_view>& fragments = {}, bool with_lines = true,
                       const TemplateDictionary* dictionary = nullptr,
                       const std::vector<std::string_view>& held_literals = {},
                       std::string_view string_filter = kUnknownStringFilter);

}  // namespace lode::part
