// The checks that let a query skip what cannot match before rebuilding
// lines: whether a block's templates and string variables can hold a
// token (TemplatesMayContainToken, TemplateTextMayContain), the fragments
// of a literal (LiteralFragments), and which lines of a block can hold
// them (MarkCandidateLines, for JoinLineTemplates).
#include <algorithm>
#include <string>

#include "storage/part/hex_strings.h"
#include "storage/part/line_templates.h"
#include "storage/part/line_templates_internal.h"
#include "storage/part/template_dictionary.h"

namespace lode::part {

bool IsTemplateToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (kDelimiter[static_cast<uint8_t>(c)]) return false;
  }
  return true;
}

namespace {

bool Contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

}  // namespace

// Every run of digits of a line is an integer variable or inside a string
// variable, never template text: a token's digit runs are placeholders in
// any template text that holds it ("web-79" as "web-\x01", "2020-09-04"
// as "\x01-\x01-\x01"), a run cut at the token's edge included.
bool TemplateTextMayContain(std::string_view text, std::string_view token) {
  if (!HasDigit(token)) return Contains(text, token);
  thread_local std::string shape;
  shape.clear();
  for (size_t i = 0; i < token.size();) {
    if (!IsDigit(token[i])) {
      shape.push_back(token[i++]);
      continue;
    }
    while (i < token.size() && IsDigit(token[i])) ++i;
    shape.push_back(kIntVar);
  }
  return Contains(text, shape);
}

bool TemplateTextHolds(std::string_view text, std::string_view literal) {
  if (literal.empty()) return true;
  // The text's runs between variables, unescaped, one at a time.
  thread_local std::string run;
  run.clear();
  for (size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : kIntVar;
    if (c == kEscape && i + 1 < text.size()) {
      run.push_back(text[++i]);
    } else if (c == kIntVar || c == kStrVar) {
      if (run.size() >= literal.size() && Contains(run, literal)) return true;
      run.clear();
    } else {
      run.push_back(c);
    }
  }
  return false;
}

bool TemplatesMayContainToken(std::string_view templates, std::string_view str_bytes,
                              std::string_view token, const TemplateDictionary* dictionary,
                              const std::string_view* hex_nibbles) {
  // Where a token of a line can be: in its template's text (no digit), in
  // a string variable, in an integer (digits only), or across a word glued
  // to an integer.
  if (AllDigits(token)) return true;
  if (hex_nibbles != nullptr ? HexShapesMayContain(str_bytes, *hex_nibbles, token)
                             : Contains(str_bytes, token)) {
    return true;
  }
  if (dictionary == nullptr) return TemplateTextMayContain(templates, token);
  thread_local std::vector<uint32_t> ids;
  if (!DecodeDictionaryIds(templates, dictionary->size(), ids).ok()) return true;
  auto hits = dictionary->FragmentHits(token);
  for (uint32_t id : ids) {
    if ((*hits)[id]) return true;
  }
  return false;
}

std::vector<std::string_view> LiteralFragments(std::string_view literal) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < literal.size()) {
    if (kDelimiter[static_cast<uint8_t>(literal[i])]) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < literal.size() && !kDelimiter[static_cast<uint8_t>(literal[j])]) ++j;
    std::string_view fragment = literal.substr(i, j - i);
    if (!AllDigits(fragment)) out.push_back(fragment);
    i = j;
  }
  return out;
}

void MarkCandidateLines(const std::vector<std::string_view>& fragments,
                        std::vector<BlockTemplate>& templates, const std::vector<uint32_t>& ids,
                        std::string_view str_bytes, const std::vector<uint64_t>& str_offsets,
                        const std::vector<uint32_t>& str_slot, const TemplateDictionary* dictionary,
                        CandidateScratch& scratch, std::vector<uint8_t>& keep) {
  const size_t count = ids.size();
  // The j-th line using template t is by_template[start of t + j].
  std::vector<uint32_t>& by_template = scratch.by_template;
  by_template.resize(count);
  std::vector<uint64_t>& cursor = scratch.cursor;
  cursor.resize(templates.size());
  uint64_t start = 0;
  for (size_t t = 0; t < templates.size(); ++t) {
    cursor[t] = templates[t].line_start = start;
    start += templates[t].lines;
  }
  for (size_t i = 0; i < count; ++i) by_template[cursor[ids[i]]++] = static_cast<uint32_t>(i);
  auto& owners = scratch.str_owners;
  owners.clear();
  for (size_t t = 0; t < templates.size(); ++t) {
    if (templates[t].strs > 0 && templates[t].lines > 0) {
      owners.emplace_back(templates[t].str_base, static_cast<uint32_t>(t));
    }
  }
  std::vector<uint8_t>& template_hit = scratch.template_hit;
  std::vector<uint8_t>& line_hit = scratch.line_hit;
  for (std::string_view fragment : fragments) {
    template_hit.resize(templates.size());
    if (dictionary != nullptr) {
      auto hits = dictionary->FragmentHits(fragment);
      for (size_t t = 0; t < templates.size(); ++t) {
        template_hit[t] = (*hits)[templates[t].dictionary_id];
      }
    } else {
      for (size_t t = 0; t < templates.size(); ++t) {
        template_hit[t] = TemplateTextMayContain(templates[t].text, fragment);
      }
    }
    line_hit.resize(count);
    for (size_t i = 0; i < count; ++i) line_hit[i] = template_hit[ids[i]];
    // A fragment inside a string variable: find the variable, its
    // template and its line. With dictionary-coded columns, find the
    // stored values first, then every variable that is one of them.
    const size_t str_total = str_offsets.size() - 1;
    std::vector<uint8_t>& value_hit = scratch.value_hit;
    if (!str_slot.empty()) value_hit.assign(str_total, 0);
    bool any_value_hit = false;
    size_t pos = 0;
    while ((pos = str_bytes.find(fragment, pos)) != std::string_view::npos) {
      size_t k = static_cast<size_t>(
          std::upper_bound(str_offsets.begin(), str_offsets.begin() + str_total, pos) -
          str_offsets.begin() - 1);
      if (pos + fragment.size() > str_offsets[k + 1]) {
        ++pos;  // across two values: no variable holds it here
      } else if (!str_slot.empty()) {
        value_hit[k] = 1;
        any_value_hit = true;
        pos = str_offsets[k + 1];
      } else {
        auto owner = std::upper_bound(owners.begin(), owners.end(),
                                      std::make_pair(static_cast<uint64_t>(k), UINT32_MAX)) -
                     1;
        const BlockTemplate& t = templates[owner->second];
        line_hit[by_template[t.line_start + (k - t.str_base) % t.lines]] = 1;
        pos = str_offsets[k + 1];  // the rest of this variable adds nothing
      }
    }
    if (any_value_hit) {
      for (const BlockTemplate& t : templates) {
        const uint32_t* slots = str_slot.data() + t.str_base;
        for (uint64_t k = 0; k < t.strs; ++k, slots += t.lines) {
          for (uint64_t j = 0; j < t.lines; ++j) {
            if (value_hit[slots[j]]) line_hit[by_template[t.line_start + j]] = 1;
          }
        }
      }
    }
    for (size_t i = 0; i < count; ++i) keep[i] &= line_hit[i];
  }
}

}  // namespace lode::part
