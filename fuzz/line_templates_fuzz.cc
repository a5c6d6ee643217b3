// Fuzzes the template line encoding for losslessness: the input's lines
// (split at '\n') cut into templates and variable columns must rebuild
// byte for byte; and every one-token fragment of a line must be judged
// possibly present by TemplatesMayContainToken (no false negatives); and
// rebuilding only the lines that can hold a literal's fragments (the
// first line's leading bytes) must rebuild every line containing it. The
// same lines with their templates in a part's dictionary (the first half
// of the lines split first, so the second half finds some templates
// there) must rebuild too, and so must the lines cut in every layout and
// with quoted strings as variables. (The current layout stores columns of
// hex ids as nibbles: their fragments must still be judged present.)
// The token-filter keys found while cutting must hold every key that a
// substring of a line requires.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/part/line_templates.h"
#include "storage/part/template_dictionary.h"
#include "storage/part/token_filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  size_t total = 0;
  for (size_t start = 0;;) {
    size_t end = input.find('\n', start);
    lines.push_back(input.substr(start, end == std::string_view::npos ? end : end - start));
    total += lines.back().size();
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  lode::part::TemplateColumns columns;
  std::vector<uint64_t> keys;
  lode::part::SplitLineTemplates(lines, columns, nullptr, &keys);
  // The token-filter keys found while cutting: every substring of a line
  // finds the keys it requires among them (a key missing would skip a
  // block that holds a match).
  const std::string filter = lode::part::BuildBloom(keys);
  for (std::string_view line : lines) {
    for (size_t a = 0; a < line.size(); a += 1 + line.size() / 8) {
      for (size_t n : {line.size() - a, (line.size() - a) / 2, size_t{9}}) {
        for (const lode::part::KeyGroup& g : lode::part::RequiredKeys(line.substr(a, n))) {
          if (!lode::part::BloomMayContainAny(filter, g)) abort();
        }
      }
    }
  }
  std::string rebuilt;
  std::vector<uint64_t> offsets;
  lode::Status s = lode::part::JoinLineTemplates(lode::part::ViewOf(columns), lines.size(), total,
                                                 rebuilt, offsets);
  if (!s.ok() || offsets.size() != lines.size() + 1 || offsets.back() != total) abort();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (std::string_view(rebuilt).substr(offsets[i], offsets[i + 1] - offsets[i]) != lines[i]) {
      abort();
    }
  }
  // The layouts of older parts, and quoted strings as variables (whose
  // columns repeat more, so layout 3 dictionary-codes more of them),
  // still split and rebuild every line, and a literal's lines are kept.
  for (auto [layout, mode] :
       {std::pair{lode::part::TemplateLayout::k1, lode::part::SplitMode::kTokens},
        {lode::part::TemplateLayout::k2, lode::part::SplitMode::kQuotedStrings},
        {lode::part::TemplateLayout::k3, lode::part::SplitMode::kQuotedStrings},
        {lode::part::TemplateLayout::k4, lode::part::SplitMode::kQuotedStrings}}) {
    lode::part::TemplateColumns other;
    lode::part::SplitLineTemplates(lines, other, nullptr, nullptr, layout,
                                   lode::part::kCurrentKeyScheme, nullptr, mode);
    const lode::part::TemplateColumnsView view = lode::part::ViewOf(other);
    std::string back;
    std::vector<uint64_t> back_offsets;
    s = lode::part::JoinLineTemplates(view, lines.size(), total, back, back_offsets);
    if (!s.ok() || back_offsets.back() != total || back.compare(0, total, rebuilt, 0, total) != 0) {
      abort();
    }
    std::vector<uint8_t> flags;
    back_offsets.clear();
    std::string_view prefix = lines[0].substr(0, 12);
    s = lode::part::JoinLineTemplates(view, lines.size(), total, back, back_offsets,
                                      lode::part::LiteralFragments(prefix), &flags);
    if (!s.ok()) abort();
    for (size_t i = 0; i < lines.size() && !flags.empty(); ++i) {
      std::string_view got(back.data() + back_offsets[i], back_offsets[i + 1] - back_offsets[i]);
      if (flags[i] ? got != lines[i] : lines[i].find(prefix) != std::string_view::npos) abort();
    }
  }
  std::string_view literal = lines[0].substr(0, 12);
  // Its all-digit parts too: they are looked for in the integers.
  std::vector<std::string_view> fragments = lode::part::LiteralFragments(literal);
  for (std::string_view f : lode::part::DigitFragments(literal)) fragments.push_back(f);
  std::string some;
  std::vector<uint64_t> some_offsets;
  std::vector<uint8_t> kept;
  s = lode::part::JoinLineTemplates(lode::part::ViewOf(columns), lines.size(), total, some,
                                    some_offsets, fragments, &kept);
  if (!s.ok()) abort();
  for (size_t i = 0; i < lines.size() && !kept.empty(); ++i) {
    std::string_view got(some.data() + some_offsets[i], some_offsets[i + 1] - some_offsets[i]);
    if (kept[i] ? got != lines[i] : lines[i].find(literal) != std::string_view::npos) abort();
  }
  std::string_view nibbles = columns.str_nibbles;
  for (std::string_view line : lines) {
    for (size_t from = 0; from < line.size() && from < 24; ++from) {
      for (size_t len = 1; from + len <= line.size() && len < 24; ++len) {
        std::string_view fragment = line.substr(from, len);
        if (!lode::part::IsTemplateToken(fragment)) break;
        if (!lode::part::TemplatesMayContainToken(
                columns.templates, columns.str_bytes, fragment, nullptr,
                columns.layout == lode::part::TemplateLayout::k4 ? &nibbles : nullptr)) {
          abort();
        }
      }
    }
  }

  // Through a part's dictionary: the first half of the lines, then all.
  lode::part::TemplateDictionaryBuilder builder(1 << 20);
  std::vector<std::string_view> half(lines.begin(), lines.begin() + (lines.size() + 1) / 2);
  lode::part::TemplateColumns first;
  lode::part::SplitLineTemplates(half, first, &builder);
  lode::part::SplitLineTemplates(lines, columns, &builder);
  if (!lode::part::TemplatesPay(columns.template_count, lines.size())) return 0;
  if (!columns.dictionary_ids) abort();
  auto dictionary = lode::part::TemplateDictionary::Parse(builder.Serialize());
  if (!dictionary.ok()) abort();
  rebuilt.clear();
  offsets.clear();
  s = lode::part::JoinLineTemplates(lode::part::ViewOf(columns), lines.size(), total, rebuilt,
                                    offsets, {}, nullptr, dictionary->get());
  if (!s.ok() || offsets.size() != lines.size() + 1 || offsets.back() != total) abort();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (std::string_view(rebuilt).substr(offsets[i], offsets[i + 1] - offsets[i]) != lines[i]) {
      abort();
    }
  }
  some_offsets.clear();
  s = lode::part::JoinLineTemplates(lode::part::ViewOf(columns), lines.size(), total, some,
                                    some_offsets, fragments, &kept, dictionary->get());
  if (!s.ok()) abort();
  for (size_t i = 0; i < lines.size() && !kept.empty(); ++i) {
    std::string_view got(some.data() + some_offsets[i], some_offsets[i + 1] - some_offsets[i]);
    if (kept[i] ? got != lines[i] : lines[i].find(literal) != std::string_view::npos) abort();
  }
  nibbles = columns.str_nibbles;
  for (std::string_view fragment : fragments) {
    if (!lode::part::TemplatesMayContainToken(
            columns.templates, columns.str_bytes, fragment, dictionary->get(),
            columns.layout == lode::part::TemplateLayout::k4 ? &nibbles : nullptr) &&
        lines[0].find(fragment) != std::string_view::npos) {
      abort();
    }
  }
  return 0;
}
