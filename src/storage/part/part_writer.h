// PartWriter writes one part file record by record, holding one block in
// memory at a time, and publishes it atomically (temporary name, fsync,
// rename, fsync of the directory), so a reader or a restart sees either
// the whole part or none of it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "io/env.h"
#include "model/record.h"
#include "storage/part/block_codec.h"
#include "storage/part/part_format.h"
#include "storage/part/part_reader.h"
#include "storage/part/template_dictionary.h"

namespace lode::part {

struct PartWriterOptions {
  size_t block_raw_bytes = 1u << 20;  // a block closes at this many line bytes
  size_t block_max_records = 16384;
  // A stream with no more lines than this in the part is one block, not
  // several: a block is compressed alone, and what repeats across a small
  // stream's events (Windows event JSON, access logs) then costs once.
  // A query decodes at most this much of such a stream per block.
  // Off when not above block_raw_bytes and block_max_records.
  size_t stream_block_raw_bytes = 8u << 20;
  size_t stream_block_max_records = 131072;
  // Head flushes write at level 2: on template columns it compresses
  // about as fast as 1 and 1% smaller (200 MB of Loghub-derived lines:
  // 32.0 MB against 32.3 MB; level 3 is 0.4% smaller again but a third
  // slower). A merge copies the full blocks of large streams as they are
  // (PartWriter::CopyBlock), so most of a large stream keeps this level.
  int zstd_level = 2;
  // A block whose raw size (head and lines) is under this has no token
  // filter (a reader then decodes it for any literal). Keyed on every word and id, the
  // filter is a sixth or more of such a block's size, while reading and
  // decoding the whole block costs a query about 0.1 ms: for a small
  // stream (a 100 KB CloudTrail file), the filter alone was what kept it
  // above zstd -9 of the same lines.
  size_t min_token_filter_raw_bytes = 128u << 10;
  // Token filters past this many bytes wait in a temporary file, not in
  // memory, until the part is finished.
  size_t filter_spill_bytes = 4u << 20;
  // Blocks and token filters as they were written before
  // TemplateLayout::k2 and KeyScheme::kAffixes: only for tests that
  // check such parts are still read.
  bool legacy_encoding = false;
  // The token filters' keys: an older scheme only for tests that check
  // such parts are still read (kTokenAndAffixes comes with
  // legacy_encoding, which overrides this).
  KeyScheme key_scheme = kCurrentKeyScheme;
  // Flags the part kPartFlagCold (ColdWriterOptions).
  bool cold = false;
  // Off only in benchmarks that price what each costs a flush (BM_FlushPart):
  // without line_templates, blocks hold their lines as they are (zstd);
  // without token_filters, blocks have no token or string filter, and a
  // reader decodes each for any literal.
  bool line_templates = true;
  bool token_filters = true;
};

// The options a merge writes with: `base` at `zstd_level`.
PartWriterOptions MergeWriterOptions(PartWriterOptions base, int zstd_level);

// The options cold compaction writes with (a past day's parts rewritten
// once): `base` at `zstd_level` (19 by default), with blocks eight times
// as large (8 MiB of lines), flagged kPartFlagCold. A larger window finds
// what repeats across a day's events: Windows event JSON comes out at
// 0.81x zstd -9 of the same file instead of 1.7x, Apache access logs at
// 0.98x instead of 1.3x; a needle query decodes more per block it hits.
PartWriterOptions ColdWriterOptions(PartWriterOptions base, int zstd_level);

class PartWriter {
 public:
  // Starts writing `path` (as `path`.tmp, replacing any leftover).
  static Result<std::unique_ptr<PartWriter>> Create(Env* env, std::string path,
                                                    const PartWriterOptions& options);
  ~PartWriter();  // removes the temporary file unless Finish succeeded

  // Streams must come in label order, each once; a stream's records in
  // time order (ties in append order).
  // `raw_bytes`, when known (a merge's inputs tell), is about how many
  // line bytes the stream has: one past stream_block_raw_bytes is cut
  // from its first record instead of being held until it proves large.
  Status BeginStream(const Labels& labels, uint64_t raw_bytes = 0);
  Status Add(TimestampNs timestamp, std::string_view line, const Labels& metadata);
  // The same without copying the line: `r`'s line must stay valid until
  // the writer is finished or destroyed (a head's lines, when flushed).
  Status AddRef(const RecordRef& r);
  // Writes block `index` of `from` (a block of the current stream, all
  // of whose records come after those added so far and before those
  // added next) as it is stored, with its filters, instead of decoding
  // and encoding its records again: a merge copies its inputs' full
  // blocks. The block's template ids are mapped to this part's
  // dictionary. False, with nothing written, when encoding would give
  // another block (a stream held as one block, a cold part, a block
  // under half full) or the block cannot be copied (a part of other
  // flags or older codecs, a damaged block or filter, a full
  // dictionary): the caller then adds its records.
  Result<bool> CopyBlock(const PartReader& from, size_t index);
  // Writes the index and footer and publishes the part. `replaces` lists
  // the sequence numbers of parts this one supersedes (a merge's inputs).
  Status Finish(uint64_t wal_checkpoint, const std::vector<uint64_t>& replaces);

  uint64_t bytes_written() const { return offset_; }

 private:
  PartWriter(Env* env, std::string path, const PartWriterOptions& options)
      : env_(env), path_(std::move(path)), options_(options) {}
  // Writes held_[begin, end) as one block.
  Status FlushBlock(size_t begin, size_t end);
  // Writes every held entry as one block.
  Status FlushHeld();
  // Writes the held entries of a stream found too large for one block as
  // blocks of block_raw_bytes, keeping the rest held.
  Status CutHeld();
  Status WriteOut(bool force);
  // Records `block` (its bytes already in buf_) and its filter.
  Status AddBlock(BlockMeta block, std::string_view filter);
  uint64_t FormatFlags() const;

  Env* env_;
  std::string path_;
  PartWriterOptions options_;
  std::unique_ptr<WritableFile> file_;
  bool finished_ = false;

  std::vector<Labels> streams_;
  // The current stream's entries not yet in a block. They are held until the
  // stream ends (one block) or outgrows stream_block_raw_bytes; a larger
  // stream (stream_cut_) is cut every block_raw_bytes.
  // Lines given by Add are copied into one buffer (a merge's input blocks
  // do not outlive the next record): no allocation per line, and no
  // per-line string memory kept between blocks. Lines given by AddRef
  // (a head's, alive until the part is written) are not copied.
  struct Held {
    TimestampNs timestamp;
    uint64_t line;  // the line's address (kLineByRef) or offset into held_lines_
    uint32_t length;
    uint32_t flags;  // kLineByRef | index + 1 into held_metadata_ (0: none)
  };
  static constexpr uint32_t kLineByRef = 1u << 31;
  std::string_view HeldLine(const Held& h) const;
  Status Hold(TimestampNs timestamp, std::string_view line, const Labels* metadata, bool by_ref);
  std::vector<Held> held_;
  std::string held_lines_;
  std::vector<Labels> held_metadata_;
  size_t block_bytes_ = 0;       // line bytes of held_
  std::vector<RecordRef> refs_;  // the block being encoded, as views
  bool stream_cut_ = false;
  std::vector<std::pair<uint32_t, uint64_t>> template_lines_;
  std::vector<BlockMeta> blocks_;
  TemplateDictionaryBuilder dictionary_{kMaxTemplateDictionaryBytes};
  // For each source dictionary CopyBlock has copied blocks of: this
  // part's id of each of its ids (UINT32_MAX: not looked up yet), so that
  // a merge looks each template up once per input, not once per block.
  // The shared_ptr keeps the source from being freed and its address
  // reused for another.
  std::vector<std::pair<std::shared_ptr<const TemplateDictionary>, std::vector<uint32_t>>>
      copied_ids_;
  std::vector<uint32_t>& CopiedIds(const std::shared_ptr<const TemplateDictionary>& source);
  Status SpillFilters();

  // The blocks' token filters, written after the blocks: they are a fifth
  // of a part, so past filter_spill_bytes they go to a temporary file
  // beside the part (`path`.filters.tmp) and are copied in at Finish; a
  // merge into a large part then holds little of them in memory.
  std::string filters_;
  std::unique_ptr<WritableFile> filters_file_;
  uint64_t filters_spilled_ = 0;       // bytes in filters_file_
  uint32_t filters_crc_ = 0;           // of the spilled bytes
  std::vector<uint64_t> keys_;         // token-filter keys of the block being encoded
  std::vector<uint64_t> string_keys_;  // and its string-filter keys
  std::string buf_;                    // encoded, not yet written
  uint64_t offset_ = 0;                // bytes written to the file so far
  PartMeta meta_;
};

struct StreamRecords {
  Labels labels;
  std::vector<RecordRef> entries;  // sorted by timestamp, ties in append order
};

// Writes `streams` (sorted by labels; each non-empty) as one part.
Status WritePart(Env* env, const std::string& path, const std::vector<StreamRecords>& streams,
                 uint64_t wal_checkpoint, const PartWriterOptions& options);

}  // namespace lode::part
