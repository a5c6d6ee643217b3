// A block's summary, kept beside its filters: whether its records carry
// structured metadata, and, for a block naming its templates in the
// part's dictionary, how many of its lines use each template. A count
// over a time window that holds the whole block is then answered without
// reading the block: every line, or the lines of the templates whose
// text holds the query's literals (docs/format/part.md, "Block summary").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lode::part {

class TemplateDictionary;

struct BlockSummary {
  bool has_metadata = false;
  bool has_templates = false;
  // (dictionary id, lines), ids ascending; with has_templates.
  std::vector<std::pair<uint32_t, uint64_t>> template_lines;
};

// Appends a summary; `template_lines` null for a block whose lines are not
// dictionary templates.
void PutBlockSummary(std::string& out, bool has_metadata,
                     const std::vector<std::pair<uint32_t, uint64_t>>* template_lines);

// Parses a summary of a block of `records` records whose template ids
// are below `dictionary_size`: false (and nothing to trust) when it is
// malformed, or its counts do not add up to `records`.
bool ParseBlockSummary(std::string_view bytes, uint64_t records, size_t dictionary_size,
                       BlockSummary& out);

// The lines of a summarized block (without metadata) that hold every
// literal of `literals`, decided from its templates alone, or nullopt
// when some template's lines may hold them only through their variables
// (the block must be read). `fragments` are the literals' fragments
// (LiteralFragments), `string_filter` the block's string filter. With no
// literals, every line.
std::optional<uint64_t> LinesHoldingLiterals(const BlockSummary& summary, uint64_t records,
                                             const TemplateDictionary* dictionary,
                                             const std::vector<std::string_view>& literals,
                                             const std::vector<std::string_view>& fragments,
                                             std::string_view string_filter);

}  // namespace lode::part
