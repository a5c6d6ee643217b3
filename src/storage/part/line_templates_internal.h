// What the line template files share (line_templates.cc, the codec;
// line_templates_pruning.cc, the checks that skip blocks and lines):
// how bytes split lines into tokens, the integers a template stores, and
// a block's templates as the decoder lays them out. Not for other files.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "storage/part/line_templates.h"

namespace lode::part {

class TemplateDictionary;

// Bytes that end a token: control bytes, space, DEL and ASCII punctuation
// except '-' and '_' (which join the parts of names and ids). '.' splits,
// so an IPv4 address or a version number becomes several small integers.
constexpr std::array<bool, 256> MakeDelimiters() {
  std::array<bool, 256> d{};
  for (int c = 0; c <= 0x20; ++c) d[c] = true;
  d[0x7f] = true;
  for (char c : std::string_view("!\"#$%&'()*+,./:;<=>?@[\\]^`{|}~")) {
    d[static_cast<uint8_t>(c)] = true;
  }
  return d;
}
inline constexpr std::array<bool, 256> kDelimiter = MakeDelimiters();

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Canonical decimal integers (no sign, no leading zero, at most 18 digits)
// print back byte for byte from their value.
inline bool IsCanonicalInt(std::string_view token) {
  if (token.empty() || token.size() > 18) return false;
  if (token[0] == '0' && token.size() > 1) return false;
  for (char c : token) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// The longest run of digits a k2 template stores as an integer (its value,
// 10^n + the run, stays below 2^63).
inline constexpr size_t kMaxDigitRun = 18;

// A run of 1..kMaxDigitRun digits as a k2 integer: the run read as a
// number with a 1 before it, so that leading zeros print back.
inline uint64_t DigitRunValue(std::string_view digits) {
  uint64_t v = 1;
  for (char c : digits) v = v * 10 + static_cast<uint64_t>(c - '0');
  return v;
}

inline bool HasDigit(std::string_view s) {
  for (char c : s) {
    if (IsDigit(c)) return true;
  }
  return false;
}

inline uint64_t ParseInt(std::string_view token) {
  uint64_t v = 0;
  for (char c : token) v = v * 10 + static_cast<uint64_t>(c - '0');
  return v;
}

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

inline bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// A template as one block uses it: its shape (copied from the block's
// own parsed templates or the part's dictionary) and where its lines and
// variables are in the block's columns.
struct BlockTemplate {
  std::string_view text;  // as stored, escapes included
  uint32_t first_piece = 0, end_piece = 0;
  uint32_t ints = 0, strs = 0;  // variables of each kind
  uint32_t literal_bytes = 0;   // of its text, unescaped
  uint32_t dictionary_id = 0;   // index in the templates it was copied from
  uint64_t line_start = 0;      // set by MarkCandidateLines
  uint64_t lines = 0;           // lines of the block using it
  uint64_t int_base = 0, str_base = 0;
};

// Buffers MarkCandidateLines reuses block after block.
struct CandidateScratch {
  std::vector<uint32_t> by_template;  // line indexes grouped by template
  std::vector<uint64_t> cursor;
  std::vector<uint8_t> template_hit, line_hit;
  std::vector<uint8_t> value_hit;  // per stored string value (dictionary-coded columns)
  std::vector<std::pair<uint64_t, uint32_t>> str_owners;  // (str_base, template)
  // Per line: bit d set when the d-th all-digit fragment is still to be
  // looked for in the line's integers (CheckIntegerCandidates).
  std::vector<uint64_t> int_pending;
  bool any_int_pending = false;
};

// Marks in `keep` (one flag per line, all set on entry) only the lines
// that can contain every fragment, judged from their templates and
// string variables; see JoinLineTemplates. Sets each template's
// line_start. A line that may hold an all-digit fragment only in one of
// its integers stays marked, and is noted in scratch.int_pending for
// CheckIntegerCandidates.
void MarkCandidateLines(const std::vector<std::string_view>& fragments,
                        std::vector<BlockTemplate>& templates, const std::vector<uint32_t>& ids,
                        std::string_view str_bytes, const std::vector<uint64_t>& str_offsets,
                        const std::vector<uint32_t>& str_slot, const TemplateDictionary* dictionary,
                        CandidateScratch& scratch, std::vector<uint8_t>& keep);

// Once the integers of the lines MarkCandidateLines left marked are
// decoded (`ints`, template by template as JoinLineTemplates lays them
// out), unmarks in `keep` the lines whose integers hold none of the
// all-digit fragments noted for them. `digit_runs`: the integers are
// digit runs stored with a 1 before them (k2 and later), not canonical
// integers (k1).
void CheckIntegerCandidates(const std::vector<std::string_view>& fragments,
                            const std::vector<BlockTemplate>& templates,
                            const std::vector<uint32_t>& ids, const std::vector<int64_t>& ints,
                            bool digit_runs, CandidateScratch& scratch, uint8_t* keep);

// Whether the digits of integer `value` as a line shows it hold
// `fragment` (all digits). `digit_run`: as CheckIntegerCandidates.
bool DigitsOfIntegerContain(int64_t value, bool digit_run, std::string_view fragment);

}  // namespace lode::part
