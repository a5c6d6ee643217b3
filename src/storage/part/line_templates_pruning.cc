// The checks that let a query skip what cannot match before rebuilding
// lines: whether a block's templates and string variables can hold a
// token (TemplatesMayContainToken, TemplateTextMayContain), the fragments
// of a literal (LiteralFragments, DigitFragments), and which lines of a
// block can hold them (MarkCandidateLines, then CheckIntegerCandidates
// for the digits, for JoinLineTemplates).
#include <algorithm>
#include <charconv>
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

namespace {

// The parts of `literal` between delimiters made of digits alone
// (`digits`), or those holding a non-digit.
std::vector<std::string_view> DelimitedParts(std::string_view literal, bool digits) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < literal.size()) {
    if (kDelimiter[static_cast<uint8_t>(literal[i])]) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < literal.size() && !kDelimiter[static_cast<uint8_t>(literal[j])]) ++j;
    std::string_view part = literal.substr(i, j - i);
    if (AllDigits(part) == digits) out.push_back(part);
    i = j;
  }
  return out;
}

}  // namespace

std::vector<std::string_view> LiteralFragments(std::string_view literal) {
  return DelimitedParts(literal, /*digits=*/false);
}

std::vector<std::string_view> DigitFragments(std::string_view literal) {
  std::vector<std::string_view> parts = DelimitedParts(literal, /*digits=*/true);
  std::erase_if(parts, [](std::string_view p) { return p.size() < kMinDigitFragment; });
  return parts;
}

namespace {

// The least value whose digits, as a line shows them, are `size` or more:
// a run of n digits is stored as 10^n + the run, a canonical integer of n
// digits is at least 10^(n-1). UINT64_MAX when no value has that many.
uint64_t LeastValueWithDigits(size_t size, bool digit_run) {
  static constexpr uint64_t kPow10[20] = {1ull,
                                          10ull,
                                          100ull,
                                          1000ull,
                                          10000ull,
                                          100000ull,
                                          1000000ull,
                                          10000000ull,
                                          100000000ull,
                                          1000000000ull,
                                          10000000000ull,
                                          100000000000ull,
                                          1000000000000ull,
                                          10000000000000ull,
                                          100000000000000ull,
                                          1000000000000000ull,
                                          10000000000000000ull,
                                          100000000000000000ull,
                                          1000000000000000000ull,
                                          10000000000000000000ull};
  if (size == 0) return 0;
  const size_t power = digit_run ? size : size - 1;
  if (power == 0) return 0;  // canonical: "0" is one digit too
  return power < 20 ? kPow10[power] : UINT64_MAX;
}

// DigitsOfIntegerContain once the value is known to be large enough.
bool PrintedDigitsContain(uint64_t value, bool digit_run, std::string_view fragment) {
  char text[24];
  const auto result = std::to_chars(text, text + sizeof(text), value);
  std::string_view digits(text, static_cast<size_t>(result.ptr - text));
  if (digit_run) digits.remove_prefix(1);  // the 1 put before the run
  return digits.find(fragment) != std::string_view::npos;
}

}  // namespace

bool DigitsOfIntegerContain(int64_t value, bool digit_run, std::string_view fragment) {
  if (fragment.empty()) return true;
  const uint64_t v = static_cast<uint64_t>(value);
  const uint64_t least = LeastValueWithDigits(fragment.size(), digit_run);
  if (v < least || least == UINT64_MAX) return false;
  return PrintedDigitsContain(v, digit_run, fragment);
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
  std::vector<uint64_t>& int_pending = scratch.int_pending;
  scratch.any_int_pending = false;
  size_t digit_fragments = 0;
  for (std::string_view fragment : fragments) {
    template_hit.resize(templates.size());
    // Digits lie in an integer or a string variable, never in template
    // text between variables (which is looked at all the same); other
    // fragments may also lie across a word and an integer.
    const bool digits = AllDigits(fragment);
    if (digits && digit_fragments == 0) int_pending.assign(count, 0);
    if (dictionary != nullptr) {
      auto hits = digits ? dictionary->HeldHits(fragment) : dictionary->FragmentHits(fragment);
      for (size_t t = 0; t < templates.size(); ++t) {
        template_hit[t] = (*hits)[templates[t].dictionary_id];
      }
    } else {
      for (size_t t = 0; t < templates.size(); ++t) {
        template_hit[t] = digits ? TemplateTextHolds(templates[t].text, fragment)
                                 : TemplateTextMayContain(templates[t].text, fragment);
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
    if (digits) {
      // A line not yet shown to hold the digits may hold them in one of
      // its integers: marked, and looked at once they are decoded
      // (CheckIntegerCandidates). Past 64 digit fragments, every line
      // with an integer stays a candidate for the rest.
      const uint64_t bit = digit_fragments < 64 ? uint64_t{1} << digit_fragments : 0;
      for (size_t i = 0; i < count; ++i) {
        if (line_hit[i] || templates[ids[i]].ints == 0) continue;
        line_hit[i] = 1;
        int_pending[i] |= bit;
        scratch.any_int_pending |= bit != 0;
      }
      ++digit_fragments;
    }
    for (size_t i = 0; i < count; ++i) keep[i] &= line_hit[i];
  }
}

void CheckIntegerCandidates(const std::vector<std::string_view>& fragments,
                            const std::vector<BlockTemplate>& templates,
                            const std::vector<uint32_t>& ids, const std::vector<int64_t>& ints,
                            bool digit_runs, CandidateScratch& scratch, uint8_t* keep) {
  if (!scratch.any_int_pending) return;
  std::vector<std::string_view> digit_fragments;
  std::vector<uint64_t> least;  // per fragment: most values are below it
  for (std::string_view f : fragments) {
    if (AllDigits(f) && digit_fragments.size() < 64) {
      digit_fragments.push_back(f);
      least.push_back(LeastValueWithDigits(f.size(), digit_runs));
    }
  }
  // Per line, the noted fragments not found yet; the integers are read
  // as they lie, template by template and column by column.
  std::vector<uint64_t>& missing = scratch.int_pending;
  std::vector<uint8_t>& looked_at = scratch.template_hit;  // per template
  looked_at.assign(templates.size(), 0);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (keep[i] != 1) missing[i] = 0;
    looked_at[ids[i]] |= missing[i] != 0;
  }
  const uint32_t* const by_template = scratch.by_template.data();
  uint64_t* const lines_missing = missing.data();
  for (size_t ti = 0; ti < templates.size(); ++ti) {
    if (!looked_at[ti]) continue;
    const BlockTemplate& t = templates[ti];
    const uint32_t* const lines = by_template + t.line_start;
    for (uint64_t k = 0; k < t.ints; ++k) {
      const int64_t* const column = ints.data() + t.int_base + k * t.lines;
      for (uint64_t j = 0; j < t.lines; ++j) {
        uint64_t& m = lines_missing[lines[j]];
        const uint64_t v = static_cast<uint64_t>(column[j]);
        for (uint64_t bits = m; bits != 0; bits &= bits - 1) {
          const size_t d = static_cast<size_t>(__builtin_ctzll(bits));
          if (v >= least[d] && least[d] != UINT64_MAX &&
              PrintedDigitsContain(v, digit_runs, digit_fragments[d])) {
            m &= ~(uint64_t{1} << d);
          }
        }
      }
    }
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    if (lines_missing[i] != 0) keep[i] = 0;
  }
}

}  // namespace lode::part
