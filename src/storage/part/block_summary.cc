#include "storage/part/block_summary.h"

#include "base/coding.h"
#include "storage/part/line_templates.h"
#include "storage/part/template_dictionary.h"
#include "storage/part/token_filter.h"

namespace lode::part {

namespace {
constexpr uint8_t kHasMetadata = 1;
constexpr uint8_t kHasTemplates = 2;
}  // namespace

void PutBlockSummary(std::string& out, bool has_metadata,
                     const std::vector<std::pair<uint32_t, uint64_t>>* template_lines) {
  out.push_back(static_cast<char>((has_metadata ? kHasMetadata : 0) |
                                  (template_lines != nullptr ? kHasTemplates : 0)));
  if (template_lines == nullptr) return;
  PutVarint64(out, template_lines->size());
  uint64_t next = 0;
  for (const auto& [id, lines] : *template_lines) {
    PutVarint64(out, id - next);
    PutVarint64(out, lines);
    next = id + 1ull;
  }
}

bool ParseBlockSummary(std::string_view bytes, uint64_t records, size_t dictionary_size,
                       BlockSummary& out) {
  Decoder d(bytes);
  const uint8_t flags = d.Fixed8();
  if (!d.ok() || (flags & ~(kHasMetadata | kHasTemplates)) != 0) return false;
  out.has_metadata = (flags & kHasMetadata) != 0;
  out.has_templates = (flags & kHasTemplates) != 0;
  out.template_lines.clear();
  if (out.has_templates) {
    const uint64_t n = d.Varint64();
    if (!d.ok() || n > d.remaining() / 2 || n > dictionary_size) return false;
    uint64_t next = 0, total = 0;
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t id = next + d.Varint64();
      const uint64_t lines = d.Varint64();
      if (!d.ok() || id < next || id >= dictionary_size || lines == 0 || lines > records) {
        return false;
      }
      total += lines;
      out.template_lines.emplace_back(static_cast<uint32_t>(id), lines);
      next = id + 1;
    }
    if (total != records) return false;
  }
  return d.ok() && d.remaining() == 0;
}

std::optional<uint64_t> LinesHoldingLiterals(const BlockSummary& summary, uint64_t records,
                                             const TemplateDictionary* dictionary,
                                             const std::vector<std::string_view>& literals,
                                             const std::vector<std::string_view>& fragments,
                                             std::string_view string_filter) {
  if (summary.has_metadata) return std::nullopt;
  if (literals.empty()) return records;
  if (!summary.has_templates || dictionary == nullptr || fragments.empty()) return std::nullopt;
  for (std::string_view literal : literals) {
    if (literal.empty()) return std::nullopt;
  }
  // Per fragment: which templates' text may hold it, and whether any
  // string variable of the block may.
  std::vector<std::shared_ptr<const std::vector<uint8_t>>> in_text, held;
  std::vector<bool> in_strings;
  for (std::string_view f : fragments) {
    in_text.push_back(dictionary->FragmentHits(f));
    in_strings.push_back(StringsMayContain(string_filter, StringKeys(f)));
  }
  for (std::string_view literal : literals) held.push_back(dictionary->HeldHits(literal));
  const auto& var_counts = dictionary->parsed().var_counts;
  uint64_t holding = 0;
  for (const auto& [id, lines] : summary.template_lines) {
    if (id >= var_counts.size()) return std::nullopt;
    bool all_held = true;
    for (const auto& h : held) all_held = all_held && id < h->size() && (*h)[id] != 0;
    if (all_held) {
      holding += lines;
      continue;
    }
    // A line holds a fragment in its template's text or in one of its
    // string variables: with neither possible for some fragment, no line
    // of this template holds the literals.
    bool ruled_out = false;
    for (size_t k = 0; k < fragments.size() && !ruled_out; ++k) {
      const bool text = id >= in_text[k]->size() || (*in_text[k])[id] != 0;
      ruled_out = !text && (var_counts[id].strs == 0 || !in_strings[k]);
    }
    if (!ruled_out) return std::nullopt;
  }
  return holding;
}

}  // namespace lode::part
