// ReadablePart: one part as reads see it: its index (time range, stream
// table, block summaries, token filters) and a way to read one block.
// Reads (PartSnapshot, MergeIterator) use nothing else of a part, so
// where its bytes live is the implementation's business: LocalPart reads
// a file of the tenant's directory; a part kept in an object store
// behind a block cache would implement the same.
//
// Immutable once readers can see it; safe to use from several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/labels.h"
#include "storage/part/block_codec.h"
#include "storage/part/part_format.h"

namespace lode {

class ReadablePart {
 public:
  virtual ~ReadablePart() = default;

  // Unique within the tenant, and larger for a newer part: of records
  // with equal timestamps, an older part's come first.
  virtual uint64_t seq() const = 0;
  // Part-wide facts: time range, record count, WAL checkpoint.
  virtual const part::PartMeta& meta() const = 0;
  // The stream table, and the tenant's StreamIndex id of each of its
  // streams (in the same order).
  virtual const std::vector<Labels>& streams() const = 0;
  virtual const std::vector<uint32_t>& stream_ids() const = 0;
  // The block index: each block's stream, time range, records and sizes.
  virtual const std::vector<part::BlockMeta>& blocks() const = 0;
  // The token filter of block `index` (token_filter.h); empty when it
  // cannot be had, which rules nothing out.
  virtual std::string_view BlockFilter(size_t index) const = 0;
  // Block `index`'s string filter (part::kUnknownStringFilter when it
  // has none): with TemplatesMayContain, whether a block may hold a
  // fragment of a literal, without reading it.
  virtual std::string_view BlockStringFilter(size_t index) const = 0;
  // False when no template of the part's dictionary can hold `fragment`
  // (part::TemplateTextMayContain); true when unsure.
  virtual bool TemplatesMayContain(std::string_view fragment) const = 0;
  // Reads block `index` and decodes it into `out`, reusing the memory of
  // `out` and of `scratch` (the stored bytes). `fragments` and
  // `with_lines` and `held_literals` as part::DecodeBlockInto: NotFound
  // means the fragments rule out every line, and nothing else (a block
  // that cannot be had is another error). Corruption says where the
  // block is.
  virtual Status ReadBlock(size_t index, const std::vector<std::string_view>& fragments,
                           bool with_lines, const std::vector<std::string_view>& held_literals,
                           std::string& scratch, part::DecodedBlock& out) const = 0;
  // How many lines of block `index` hold every literal of `literals`
  // (`fragments` theirs, part::LiteralFragments), told by the block's
  // summary without reading the block (part::LinesHoldingLiterals); with
  // no literals, its records. Nullopt when the summary cannot tell: none
  // kept, records with structured metadata (a count would lose them), or
  // lines that may hold the literals only in their variables.
  virtual std::optional<uint64_t> CountFromSummary(
      size_t /*index*/, const std::vector<std::string_view>& /*literals*/,
      const std::vector<std::string_view>& /*fragments*/) const {
    return std::nullopt;
  }
};

// One block of a part: which, and what the part's index says of it.
struct BlockRef {
  const ReadablePart* part = nullptr;
  size_t index = 0;  // in part->blocks()

  const part::BlockMeta& meta() const { return part->blocks()[index]; }
  const Labels& stream() const { return part->streams()[meta().stream]; }
};

}  // namespace lode
