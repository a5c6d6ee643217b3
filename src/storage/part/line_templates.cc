// The template codec: SplitLineTemplates cuts a block's lines into
// templates and variable columns, JoinLineTemplates rebuilds them (all,
// or only those that can hold a query's literals, judged by
// line_templates_pruning.cc).
#include "storage/part/line_templates.h"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "base/coding.h"
#include "storage/part/bit_packing.h"
#include "storage/part/hex_strings.h"
#include "storage/part/line_templates_internal.h"
#include "storage/part/template_dictionary.h"
#include "storage/part/token_filter.h"

namespace lode::part {
namespace {

// Per byte: 0 part of a word, 1 a digit (also part of a word), 2 a
// delimiter, 3 a delimiter that a template stores escaped (0x01..0x03);
// one lookup classifies a byte while a line is cut into tokens.
constexpr std::array<uint8_t, 256> MakeByteClasses() {
  std::array<uint8_t, 256> classes{};
  for (int c = 0; c < 256; ++c) {
    classes[c] = c >= 0x01 && c <= 0x03 ? 3 : kDelimiter[c] ? 2 : (c >= '0' && c <= '9') ? 1 : 0;
  }
  return classes;
}
constexpr std::array<uint8_t, 256> kByteClass = MakeByteClasses();

// A token's bytes are word bytes, digits and '-'; only '-' is not a byte
// of the token filter's tokens (token_filter.h), so a token without one
// is a single filter token. Per byte: bit 0 a word byte, bit 1 a digit,
// bit 2 a '-' (bits of kByteClass + 1 for the others).
constexpr std::array<uint8_t, 256> MakeTokenBits() {
  std::array<uint8_t, 256> bits{};
  for (int c = 0; c < 256; ++c) {
    bits[c] = kByteClass[c] < 2 ? static_cast<uint8_t>(kByteClass[c] + 1) : 0;
  }
  bits['-'] |= 4;
  return bits;
}
constexpr std::array<uint8_t, 256> kTokenBits = MakeTokenBits();

// Adds the token-filter keys of `token` (one of ours) given the bits
// of its bytes (kTokenBits, or-ed).
void AddKeysOfToken(std::string_view token, uint8_t seen, std::vector<uint64_t>& keys,
                    KeyScheme scheme) {
  if (seen & 4) {
    AddLineKeys(token, keys, scheme);  // several filter tokens
  } else {
    AddTokenKeys(token, !(seen & 1), keys, scheme);
  }
}

// Tokens of up to 16 bytes whose filter keys a block already has,
// direct-mapped: a number or id that repeats line after line (the hour,
// a status code, a date) is hashed once per block, not once per line,
// and so is a word that many of a block's templates share.
// The Bloom filter is a set, so leaving out a repeat changes nothing.
// A slot holds a token's bytes padded with zeros: tokens hold no zero
// byte (a delimiter), so the padding also tells its length, and a slot
// is 16 bytes (32 KiB in all, within a first-level cache).
class SeenTokens {
 public:
  void Clear() { slots_.fill(Slot{}); }
  // True when `token` was seen since Clear(); otherwise remembers it.
  // `end` is where the bytes readable from `token`'s start end.
  bool CheckAndAdd(std::string_view token, const char* end) {
    const size_t n = token.size();
    if (n > 16 || n == 0) return false;
    uint64_t a = 0, b = 0;
    if (end - token.data() >= 16) {
      memcpy(&a, token.data(), 8);
      memcpy(&b, token.data() + 8, 8);
      a = LowBytes(a, std::min<size_t>(n, 8));
      b = LowBytes(b, n > 8 ? n - 8 : 0);
    } else {
      char bytes[16] = {};
      memcpy(bytes, token.data(), n);
      memcpy(&a, bytes, 8);
      memcpy(&b, bytes + 8, 8);
    }
    const uint64_t h = (a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full);
    Slot& slot = slots_[(h * 0xFF51AFD7ED558CCDull) >> (64 - kBits)];
    if (slot.a == a && slot.b == b) return true;
    slot = Slot{a, b};
    return false;
  }

 private:
  // The first `k` (0 to 8) bytes of `v` as loaded, the rest zero.
  static uint64_t LowBytes(uint64_t v, size_t k) {
    return k == 8 ? v : v & ((uint64_t{1} << (8 * k)) - 1);
  }
  static constexpr int kBits = 11;
  struct Slot {
    uint64_t a = 0, b = 0;  // both 0: empty (a token's first byte is not 0)
  };
  std::array<Slot, size_t{1} << kBits> slots_{};
};

// Whether a token holding digits and other bytes is numbers joined by
// single '-' or '_' (two or more numbers of at most kMaxDigitRun digits),
// with at most a word without digits before the first and after the
// last: its numbers are then integers of a k2 template.
bool SplitsAsNumbers(std::string_view token) {
  size_t i = 0, numbers = 0;
  while (i < token.size() && !IsDigit(token[i])) ++i;  // the word before
  while (i < token.size()) {
    size_t j = i;
    while (j < token.size() && IsDigit(token[j])) ++j;
    if (j - i > kMaxDigitRun) return false;
    ++numbers;
    if (j + 1 < token.size() && (token[j] == '-' || token[j] == '_') && IsDigit(token[j + 1])) {
      i = j + 1;
      continue;
    }
    // The word after: no digit.
    for (size_t k = j; k < token.size(); ++k) {
      if (IsDigit(token[k])) return false;
    }
    break;
  }
  return numbers >= 2;
}

// The '"' that closes a double-quoted string whose bytes start at `p`
// (a backslash escapes the byte after it), or null when none does.
const char* ClosingQuote(const char* p, const char* end) {
  while (p < end) {
    if (*p == '"') return p;
    p += *p == '\\' ? 2 : 1;
  }
  return nullptr;
}

// The tokens of `line` without a digit, each with its kTokenBits or-ed:
// the text tokens of a line cut by tokens alone (SplitMode::kTokens).
void TextTokens(std::string_view line, std::vector<std::pair<std::string_view, uint8_t>>& out) {
  out.clear();
  const char* p = line.data();
  const char* const end = p + line.size();
  while (p < end) {
    if (kTokenBits[static_cast<uint8_t>(*p)] == 0) {
      ++p;
      continue;
    }
    const char* const begin = p;
    uint8_t seen = 0, bits;
    while (p < end && (bits = kTokenBits[static_cast<uint8_t>(*p)]) != 0) {
      seen |= bits;
      ++p;
    }
    if (!(seen & 2))
      out.emplace_back(std::string_view(begin, static_cast<size_t>(p - begin)), seen);
  }
}

// One distinct template while splitting: its text and the variables of
// every line using it, line-major: integers parsed (while the line's bytes
// are in cache), strings as views into the lines.
struct Template {
  std::string text;
  uint32_t int_count = 0, str_count = 0;  // per line
  std::vector<uint64_t> ints;
  std::vector<std::string_view> strs;
  size_t lines = 0;
};

// Template text -> index, open addressing over the first size() entries
// of a pool of templates that is reused block after block (their strings
// and vectors keep their memory).
class TemplateTable {
 public:
  explicit TemplateTable(std::vector<Template>& pool) : pool_(pool) { slots_.assign(64, 0); }

  size_t size() const { return count_; }
  // XXH3_64bits of each template's text, by index.
  const std::vector<uint64_t>& hashes() const { return hashes_; }
  void Clear() {
    count_ = 0;
    hashes_.clear();
    slots_.assign(64, 0);
  }

  // Index of `text`, adding a new template (with these variable counts)
  // when it is not there yet.
  uint32_t FindOrAdd(std::string_view text, uint32_t int_count, uint32_t str_count) {
    uint64_t h = XXH3_64bits(text.data(), text.size());
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      uint32_t slot = slots_[i];
      if (slot == 0) break;
      if (hashes_[slot - 1] == h && pool_[slot - 1].text == text) return slot - 1;
    }
    if (count_ == pool_.size()) pool_.emplace_back();
    Template& t = pool_[count_];
    t.text.assign(text);
    t.int_count = int_count;
    t.str_count = str_count;
    t.ints.clear();
    t.strs.clear();
    t.lines = 0;
    hashes_.push_back(h);
    uint32_t index = static_cast<uint32_t>(count_++);
    if (count_ * 2 > slots_.size()) {
      Rehash(slots_.size() * 2);
    } else {
      Insert(h, index);
    }
    return index;
  }

 private:
  void Insert(uint64_t h, uint32_t index) {
    size_t mask = slots_.size() - 1;
    size_t i = h & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = index + 1;
  }
  void Rehash(size_t size) {
    slots_.assign(size, 0);
    for (uint32_t i = 0; i < count_; ++i) Insert(hashes_[i], i);
  }

  std::vector<Template>& pool_;
  size_t count_ = 0;
  std::vector<uint64_t> hashes_;  // of each template's text
  std::vector<uint32_t> slots_;
};

// Moves `p` past `n` varints (each ends at a byte below 0x80); false if
// `end` comes first. Eight bytes at a time while more than eight remain.
bool SkipVarints(const char*& p, const char* end, uint64_t n) {
  while (n >= 8 && end - p >= 8) {
    uint64_t word;
    memcpy(&word, p, 8);
    // One bit per ending byte, summed by a multiply (no popcount
    // instruction is assumed).
    uint64_t ends = (((~word & 0x8080808080808080ull) >> 7) * 0x0101010101010101ull) >> 56;
    if (ends > n) break;
    n -= ends;
    p += 8;
  }
  while (n > 0) {
    if (p == end) return false;
    n -= static_cast<uint8_t>(*p++) < 0x80;
  }
  return true;
}

// Buffers of JoinLineTemplates, kept per thread so that decoding block
// after block reuses memory instead of faulting in fresh pages.
constexpr size_t kCopySlack = ParsedTemplates::kCopySlack;

struct JoinScratch {
  ParsedTemplates own;  // a block's own template texts, parsed
  std::vector<uint32_t> dictionary_ids;
  std::vector<BlockTemplate> templates;
  std::vector<uint32_t> ids;
  std::vector<int64_t> ints;
  std::vector<uint64_t> str_offsets;  // of each stored string value, and the end
  std::vector<uint32_t> str_slot;     // string variable -> stored value; empty: the same
  std::vector<uint64_t> seen;
  CandidateScratch candidates;
  std::vector<uint8_t> template_kept;           // per template: a line of it is rebuilt
  std::vector<uint8_t> template_holds;          // per template: its text holds the literals
  std::vector<StringColumnsOf> string_columns;  // k4: per template, to expand hex columns
  std::string hex_lengths, hex_bytes;           // k4: the string columns as k3
};

// The distinct values of a string column, each numbered in order of
// first use: open addressing over their hashes, reused column after
// column (a std::unordered_map allocated a node per value). Clearing it
// touches only the slots the last column filled.
class DistinctValues {
 public:
  void Clear() {
    for (size_t i : used_) slots_[i] = Slot{};
    used_.clear();
  }
  // The number of `value`: its index in `stored` (the values numbered
  // since Clear), appended when new.
  uint32_t FindOrAdd(std::string_view value, std::vector<std::string_view>& stored) {
    if (slots_.empty()) slots_.resize(64);
    const uint64_t h = XXH3_64bits(value.data(), value.size());
    size_t mask = slots_.size() - 1;
    size_t i = h & mask;
    for (;; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (slot.index == 0) break;
      if (slot.hash == h && stored[slot.index - 1] == value) return slot.index - 1;
    }
    stored.push_back(value);
    const uint32_t index = static_cast<uint32_t>(stored.size());
    if (2 * stored.size() <= slots_.size()) {
      slots_[i] = Slot{h, index};
      used_.push_back(i);
    } else {
      // Twice the room: every value placed again.
      std::vector<Slot> old = std::move(slots_);
      slots_.assign(2 * old.size(), Slot{});
      used_.clear();
      mask = slots_.size() - 1;
      auto place = [&](const Slot& s) {
        size_t j = s.hash & mask;
        while (slots_[j].index != 0) j = (j + 1) & mask;
        slots_[j] = s;
        used_.push_back(j);
      };
      for (const Slot& s : old) {
        if (s.index != 0) place(s);
      }
      place(Slot{h, index});
    }
    return index - 1;
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t index = 0;  // one more than the value's; 0: empty
  };
  std::vector<Slot> slots_;
  std::vector<size_t> used_;
};

// Appends one string column of the k3 layout: `count` values, `stride`
// apart. Where at most half of them are distinct, varint(d) and the d
// distinct lengths (in order of first use) to `lengths` and their bytes
// to `bytes`, then each value's index among them to `lengths`; otherwise
// varint(0), then each value's length and bytes as in k2.
// With `nibbles` (k4), values that share a hex shape (hex_strings.h) are
// written as varint(count + 1 + d), their shape and their digits to
// `nibbles`, then the indexes if d > 0.
void PutStringColumn(const std::string_view* values, size_t stride, size_t count,
                     std::string& lengths, std::string& bytes, std::string* nibbles) {
  thread_local DistinctValues index;
  thread_local std::vector<uint32_t> indexes;
  thread_local std::vector<std::string_view> stored;  // each value, or the distinct ones
  thread_local std::string shape;
  index.Clear();
  indexes.clear();
  stored.clear();
  const size_t max_distinct = count / 2;
  for (size_t i = 0; count >= 4 && i < count && stored.size() <= max_distinct; ++i) {
    indexes.push_back(index.FindOrAdd(values[i * stride], stored));
  }
  const bool distinct_coded = count >= 4 && stored.size() <= max_distinct;
  const bool may_be_hex = nibbles != nullptr && count > 0 && MayStartHexColumn(values[0]);
  if (!distinct_coded) {
    stored.clear();
    for (size_t i = 0; may_be_hex && i < count; ++i) stored.push_back(values[i * stride]);
  }
  const uint64_t d = distinct_coded ? stored.size() : 0;
  if (may_be_hex && HexShapeOf(stored, shape)) {
    PutVarint64(lengths, count + 1 + d);
    PutHexValues(stored, shape, lengths, bytes, *nibbles);
  } else if (distinct_coded) {
    PutVarint64(lengths, d);
    for (std::string_view v : stored) {
      PutVarint64(lengths, v.size());
      bytes.append(v);
    }
  } else {
    PutVarint64(lengths, 0);
    for (size_t i = 0; i < count; ++i) {
      PutVarint64(lengths, values[i * stride].size());
      bytes.append(values[i * stride]);
    }
  }
  if (distinct_coded) {
    for (uint32_t v : indexes) PutVarint64(lengths, v);
  }
}

// Appends one integer column of the k2 layout: `count` values, `stride`
// apart from `values` on (docs/format/part.md). One value is a varint.
// More: a header byte (bit 7: deltas; bits 0-6: a width), then either
// varint(min) and every value less min bit-packed at the width, or
// varint(first value), varint(min delta) and the zigzag deltas from each
// value to the next less that min, packed: whichever is narrower. Random
// ids take the bits of their range; counters and clocks, of their steps.
void PutPackedColumn(const uint64_t* values, size_t stride, size_t count, std::string& out) {
  if (count == 0) return;
  if (count == 1) {
    PutVarint64(out, values[0]);
    return;
  }
  thread_local std::vector<uint64_t> plain, deltas;
  plain.resize(count);
  deltas.resize(count - 1);
  uint64_t plain_min = ~uint64_t{0}, plain_max = 0, delta_min = ~uint64_t{0}, delta_max = 0;
  for (size_t i = 0; i < count; ++i) {
    const uint64_t v = values[i * stride];
    plain[i] = v;
    plain_min = std::min(plain_min, v);
    plain_max = std::max(plain_max, v);
    if (i == 0) continue;
    const uint64_t d = ZigZag(static_cast<int64_t>(v - plain[i - 1]));
    deltas[i - 1] = d;
    delta_min = std::min(delta_min, d);
    delta_max = std::max(delta_max, d);
  }
  // Exact widths, except for columns that often repeat the value before
  // (a client's address over its consecutive requests): whole bytes let
  // zstd find those repeats. Exact widths suit random ids; with this
  // rule an Apache access log's integers came out 14% smaller than with
  // exact widths throughout, and Loghub's 2.5% smaller.
  int plain_width = BitWidth(plain_max - plain_min);
  int delta_width = BitWidth(delta_max - delta_min);
  size_t repeats = 0;
  for (size_t i = 1; i < count; ++i) repeats += plain[i] == plain[i - 1];
  if (repeats * 3 >= count) {
    plain_width = (plain_width + 7) / 8 * 8;
    delta_width = (delta_width + 7) / 8 * 8;
  }
  // Deltas store one value fewer and one varint more: narrower or bust.
  if (delta_width < plain_width) {
    out.push_back(static_cast<char>(0x80 | delta_width));
    PutVarint64(out, plain[0]);
    PutVarint64(out, delta_min);
    PackBits(deltas.data(), count - 1, delta_min, delta_width, out);
  } else {
    out.push_back(static_cast<char>(plain_width));
    PutVarint64(out, plain_min);
    PackBits(plain.data(), count, plain_min, plain_width, out);
  }
}

// Reads one column of PutPackedColumn's into `out` (`count` values), or,
// with `out` null, only steps over it. Advances `p`.
Status GetPackedColumn(const char*& p, const char* end, size_t count, int64_t* out) {
  if (count == 0) return Status::Ok();
  Decoder d(std::string_view(p, static_cast<size_t>(end - p)));
  auto* values = reinterpret_cast<uint64_t*>(out);
  if (count == 1) {
    const uint64_t v = d.Varint64();
    if (!d.ok()) return Status::Corruption("bad integer column");
    if (values != nullptr) values[0] = v;
    p += d.position();
    return Status::Ok();
  }
  const uint8_t header = d.Fixed8();
  const bool use_deltas = (header & 0x80) != 0;
  const int width = header & 0x7f;
  const uint64_t first = use_deltas ? d.Varint64() : 0;
  const uint64_t base = d.Varint64();
  if (!d.ok() || width > 64) return Status::Corruption("bad integer column");
  const size_t packed_count = use_deltas ? count - 1 : count;
  const uint64_t bytes = PackedBytes(packed_count, width);
  if (bytes > d.remaining()) return Status::Corruption("integer column is short");
  const char* packed = p + d.position();
  p = packed + bytes;
  if (values == nullptr) return Status::Ok();
  std::string_view bits(packed, static_cast<size_t>(bytes));
  if (!use_deltas) {
    UnpackBits(bits, count, width, base, values);
    return Status::Ok();
  }
  UnpackBits(bits, packed_count, width, base, values + 1);
  // Unsigned sums wrap instead of overflowing on damaged deltas.
  values[0] = first;
  for (size_t i = 1; i < count; ++i) {
    values[i] = values[i - 1] + static_cast<uint64_t>(UnZigZag(values[i]));
  }
  return Status::Ok();
}

}  // namespace

void PutDictionaryIds(const std::vector<uint32_t>& ids, std::string& out) {
  const bool ascending = std::is_sorted(ids.begin(), ids.end());
  if (ascending && !ids.empty()) {
    PutVarint64(out, ids.size());
    uint64_t next = 0;
    for (uint32_t id : ids) {
      PutVarint64(out, id - next);
      next = id + 1ull;
    }
    return;
  }
  PutVarint64(out, 0);
  PutVarint64(out, ids.size());
  for (uint32_t id : ids) PutVarint64(out, id);
}

Status DecodeDictionaryIds(std::string_view column, size_t dictionary_size,
                           std::vector<uint32_t>& ids) {
  Decoder d(column);
  uint64_t n = d.Varint64();
  // A leading 0 (no block has no template): the ids follow as they are,
  // in any order (a block copied from another part by a merge).
  const bool in_any_order = d.ok() && n == 0 && d.remaining() > 0;
  if (in_any_order) n = d.Varint64();
  if (!d.ok() || n > column.size() || n > dictionary_size) {
    return Status::Corruption("bad template count");
  }
  ids.resize(n);
  uint64_t next = 0;  // the smallest id the next entry may have
  for (uint32_t& id : ids) {
    uint64_t v = d.Varint64();
    if (in_any_order) {
      if (!d.ok() || v >= dictionary_size) return Status::Corruption("bad template dictionary id");
      id = static_cast<uint32_t>(v);
      continue;
    }
    if (!d.ok() || v >= dictionary_size - next) {
      return Status::Corruption("bad template dictionary id");
    }
    id = static_cast<uint32_t>(next + v);
    next = id + 1ull;
  }
  if (d.remaining() != 0) return Status::Corruption("bytes after the template ids");
  if (in_any_order) {
    // Each id once, as in the ascending form.
    thread_local std::vector<uint32_t> sorted;
    sorted.assign(ids.begin(), ids.end());
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
      return Status::Corruption("a template dictionary id named twice");
    }
  }
  return Status::Ok();
}

void SplitLineTemplates(const std::vector<std::string_view>& lines, TemplateColumns& out,
                        TemplateDictionaryBuilder* dictionary, std::vector<uint64_t>* token_keys,
                        TemplateLayout layout, KeyScheme key_scheme,
                        std::vector<uint64_t>* string_keys, SplitMode mode) {
  const bool k2 = PackedInts(layout);
  const bool string_dictionaries = layout >= TemplateLayout::k3;
  const bool hex_strings = layout >= TemplateLayout::k4;
  // Whether a run of digits is an integer variable, and its value.
  auto is_int = [k2](std::string_view digits) {
    return k2 ? !digits.empty() && digits.size() <= kMaxDigitRun : IsCanonicalInt(digits);
  };
  auto int_value = [k2](std::string_view digits) {
    return k2 ? DigitRunValue(digits) : ParseInt(digits);
  };
  // The columns' strings keep their memory from the block before.
  out.layout = layout;
  out.templates.clear();
  out.dictionary_ids = false;
  out.dictionary_lines.clear();
  out.ids.clear();
  out.ints.clear();
  out.str_lengths.clear();
  out.str_bytes.clear();
  out.str_nibbles.clear();
  out.template_count = 0;
  // Buffers kept per thread: a part writer splits block after block.
  thread_local std::vector<Template> templates;
  thread_local std::vector<uint32_t> line_ids;
  // A line's template text is written through a pointer into this buffer
  // (at most two bytes per line byte: an escape and the byte).
  thread_local std::string text_buffer;
  thread_local std::vector<uint64_t> line_ints;
  thread_local std::vector<std::string_view> line_strs;
  TemplateTable table(templates);
  // Token-filter keys: a filter token never spans a delimiter of ours
  // (see token_filter.h), so a line's keys are those of its tokens. Those
  // of its text tokens are its template's, added once per template; those
  // of tokens holding a variable are added line by line.
  thread_local std::vector<std::pair<std::string_view, uint8_t>> text_tokens;  // and kTokenBits
  thread_local SeenTokens seen_tokens;
  const bool keyed = token_keys != nullptr || string_keys != nullptr;
  const bool pair_keys = token_keys != nullptr && key_scheme >= KeyScheme::kDottedPairs;
  bool saw_quote = false;
  auto split_all = [&](bool quoted_strings) {
    line_ids.clear();
    line_ids.reserve(lines.size());
    table.Clear();
    if (keyed) seen_tokens.Clear();
    for (std::string_view line : lines) {
      line_ints.clear();
      line_strs.clear();
      text_tokens.clear();
      if (text_buffer.size() < 2 * line.size()) text_buffer.resize(2 * line.size());
      char* const text = text_buffer.data();
      char* w = text;
      const char* p = line.data();
      const char* const end = p + line.size();
      const char* key_quote = nullptr;  // the closing quote of a JSON key
      std::string_view number;          // the last all-digit token, for dotted pairs
      while (p < end) {
        uint8_t byte_class = kByteClass[static_cast<uint8_t>(*p)];
        if (byte_class >= 2) {
          if (*p == '"') saw_quote = true;
          if (quoted_strings && *p == '"' && p != key_quote) {
            const char* close = ClosingQuote(p + 1, end);
            if (close != nullptr && close > p + 1 && !(close + 1 < end && close[1] == ':')) {
              std::string_view value(p + 1, static_cast<size_t>(close - p - 1));
              *w++ = '"';
              *w++ = kStrVar;
              *w++ = '"';
              line_strs.push_back(value);
              if (token_keys != nullptr) AddLineKeys(value, *token_keys, key_scheme);
              if (string_keys != nullptr) AddStringKeys(value, *string_keys);
              p = close + 1;
              continue;
            }
            key_quote = close;
          }
          if (byte_class == 3) *w++ = kEscape;
          *w++ = *p++;
          continue;
        }
        // A token; `seen` or-s the kTokenBits of its bytes. Its bytes are
        // copied to the text as they are scanned (most tokens are words of
        // the template), and taken back if it turns out to hold a digit.
        const char* const token_begin = p;
        char* const text_at = w;
        uint8_t seen = 0, bits;
        while (p < end && (bits = kTokenBits[static_cast<uint8_t>(*p)]) != 0) {
          seen |= bits;
          *w++ = *p++;
        }
        std::string_view token(token_begin, static_cast<size_t>(p - token_begin));
        if (!(seen & 2)) {
          // Cut by tokens, a line's text tokens are found again only for
          // a new template (below): most lines' templates are known.
          if (quoted_strings) text_tokens.emplace_back(token, seen);
          continue;
        }
        w = text_at;
        // A token's keys (and, as a string variable, its string keys)
        // depend on its bytes alone: a repeat adds none.
        const bool repeat = keyed && seen_tokens.CheckAndAdd(token, end);
        if (token_keys != nullptr && !repeat) {
          AddKeysOfToken(token, seen, *token_keys, key_scheme);
        }
        if (pair_keys && seen == 2) {
          // Two numbers with dots around both (".196.181."): their pair
          // key (token_filter.h), as AddLineKeys finds it.
          std::string_view pair = DottedPair(line, number, token);
          if (!pair.empty() && !seen_tokens.CheckAndAdd(pair, end)) {
            token_keys->push_back(DottedPairKey(pair));
          }
          number = token;
        }
        if (!(seen & 1)) {  // digits only
          if (is_int(token)) {
            *w++ = kIntVar;
            line_ints.push_back(int_value(token));
          } else {
            *w++ = kStrVar;
            line_strs.push_back(token);
            if (string_keys != nullptr && !repeat) AddStringKeys(token, *string_keys);
          }
          continue;
        }
        // A number with a word glued before or after it ("web-79", "8601ms")
        // keeps the word in the template and the number in the ints.
        size_t k = token.size();
        while (k > 0 && IsDigit(token[k - 1])) --k;
        size_t m = 0;
        while (m < token.size() && IsDigit(token[m])) ++m;
        if (k > 0 && k < token.size() && is_int(token.substr(k)) && !HasDigit(token.substr(0, k))) {
          memcpy(w, token.data(), k);
          w += k;
          *w++ = kIntVar;
          line_ints.push_back(int_value(token.substr(k)));
        } else if (m > 0 && m < token.size() && is_int(token.substr(0, m)) &&
                   !HasDigit(token.substr(m))) {
          *w++ = kIntVar;
          line_ints.push_back(int_value(token.substr(0, m)));
          memcpy(w, token.data() + m, token.size() - m);
          w += token.size() - m;
        } else if (k2 && SplitsAsNumbers(token)) {
          // Numbers joined by '-' or '_', maybe with a word before and
          // after ("2020-09-04", "host-10-105-160-95"): each number is an
          // integer, the rest template text.
          for (size_t i = 0; i < token.size();) {
            if (!IsDigit(token[i])) {
              *w++ = token[i++];
              continue;
            }
            size_t j = i;
            while (j < token.size() && IsDigit(token[j])) ++j;
            *w++ = kIntVar;
            line_ints.push_back(int_value(token.substr(i, j - i)));
            i = j;
          }
        } else {
          *w++ = kStrVar;
          line_strs.push_back(token);
          if (string_keys != nullptr && !repeat) AddStringKeys(token, *string_keys);
        }
      }
      const size_t known = table.size();
      uint32_t index = table.FindOrAdd(std::string_view(text, static_cast<size_t>(w - text)),
                                       static_cast<uint32_t>(line_ints.size()),
                                       static_cast<uint32_t>(line_strs.size()));
      if (token_keys != nullptr && table.size() > known) {
        if (!quoted_strings) TextTokens(line, text_tokens);
        // A block's new templates share most of their words ("INFO", a
        // class name): each word's keys are added once per block, as a
        // variable's are.
        for (auto [token, seen] : text_tokens) {
          if (!seen_tokens.CheckAndAdd(token, end)) {
            AddKeysOfToken(token, seen, *token_keys, key_scheme);
          }
        }
      }
      Template& t = templates[index];
      t.ints.insert(t.ints.end(), line_ints.begin(), line_ints.end());
      t.strs.insert(t.strs.end(), line_strs.begin(), line_strs.end());
      ++t.lines;
      line_ids.push_back(index);
    }
  };
  const size_t token_keys_before = token_keys != nullptr ? token_keys->size() : 0;
  const size_t string_keys_before = string_keys != nullptr ? string_keys->size() : 0;
  split_all(mode == SplitMode::kQuotedStrings);
  // Lines that share few templates, as when words vary inside quoted
  // values (access logs' paths and user agents, JSON strings): split again
  // with each quoted string one variable. (Windows event JSON pays as
  // tokens although its templates hold a quarter of its bytes: its
  // messages then cost once in the dictionary, and the part is 10% smaller
  // than with quoted strings.)
  if (mode == SplitMode::kAuto && saw_quote && !TemplatesPay(table.size(), lines.size())) {
    if (token_keys != nullptr) token_keys->resize(token_keys_before);
    if (string_keys != nullptr) string_keys->resize(string_keys_before);
    split_all(true);
  }

  // The block's templates in the order their columns are laid out: as
  // found, or by dictionary id (ascending ids are cheap to store).
  const size_t n = table.size();
  std::vector<uint32_t> order(n), rank(n);
  for (uint32_t i = 0; i < n; ++i) order[i] = i;
  std::vector<std::string_view> texts;
  std::vector<uint32_t> dictionary_ids;
  if (dictionary != nullptr && TemplatesPay(n, lines.size())) {
    for (size_t i = 0; i < n; ++i) texts.push_back(templates[i].text);
    out.dictionary_ids = dictionary->FindOrAddAll(texts, dictionary_ids, &table.hashes());
  }
  out.template_count = n;
  PutVarint64(out.templates, n);
  if (out.dictionary_ids) {
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return dictionary_ids[a] < dictionary_ids[b]; });
    uint64_t next = 0;
    for (uint32_t i : order) {
      PutVarint64(out.templates, dictionary_ids[i] - next);
      next = dictionary_ids[i] + 1ull;
      out.dictionary_lines.emplace_back(dictionary_ids[i], templates[i].lines);
    }
  } else {
    for (size_t i = 0; i < n; ++i) PutLengthPrefixed(out.templates, templates[i].text);
  }
  for (uint32_t k = 0; k < n; ++k) rank[order[k]] = k;
  for (uint32_t index : line_ids) PutVarint64(out.ids, rank[index]);
  // Each kind's columns go to their own stream, in the template's order.
  for (uint32_t i : order) {
    const Template& t = templates[i];
    for (size_t k = 0; k < t.int_count; ++k) {
      if (k2) {
        PutPackedColumn(t.ints.data() + k, t.int_count, t.lines, out.ints);
        continue;
      }
      uint64_t previous = 0;
      for (size_t line = 0; line < t.lines; ++line) {
        uint64_t value = t.ints[line * t.int_count + k];
        PutVarint64(out.ints, ZigZag(static_cast<int64_t>(value - previous)));
        previous = value;
      }
    }
    for (size_t k = 0; k < t.str_count; ++k) {
      if (string_dictionaries) {
        PutStringColumn(t.strs.data() + k, t.str_count, t.lines, out.str_lengths, out.str_bytes,
                        hex_strings ? &out.str_nibbles : nullptr);
        continue;
      }
      for (size_t line = 0; line < t.lines; ++line) {
        std::string_view v = t.strs[line * t.str_count + k];
        PutVarint64(out.str_lengths, v.size());
        out.str_bytes.append(v);
      }
    }
  }
  // Without a hex column the block is the same in k3, one section shorter.
  if (hex_strings && out.str_nibbles.empty()) out.layout = TemplateLayout::k3;
  // The pool keeps each slot's largest vectors; across blocks whose
  // templates differ, that adds up. Past a bound, it lets them go.
  constexpr size_t kMaxPoolBytes = 4u << 20;
  size_t pool_bytes = 0;
  for (const Template& t : templates) {
    pool_bytes += t.text.capacity() + t.ints.capacity() * sizeof(uint64_t) +
                  t.strs.capacity() * sizeof(std::string_view);
  }
  if (pool_bytes > kMaxPoolBytes) {
    templates.clear();
    templates.shrink_to_fit();
  }
}

Status JoinLineTemplates(const TemplateColumnsView& given, size_t count, size_t max_bytes,
                         std::string& data, std::vector<uint64_t>& offsets,
                         const std::vector<std::string_view>& fragments,
                         std::vector<uint8_t>* rebuilt, const TemplateDictionary* dictionary,
                         const std::vector<std::string_view>& held_literals) {
  if (rebuilt != nullptr) rebuilt->clear();
  thread_local JoinScratch scratch;
  TemplateColumnsView columns = given;
  // Templates: parsed here from the block's own texts, or already parsed
  // in the part's dictionary.
  const ParsedTemplates* parsed = &scratch.own;
  std::vector<BlockTemplate>& templates = scratch.templates;
  templates.clear();
  if (dictionary != nullptr) {
    parsed = &dictionary->parsed();
    LODE_RETURN_IF_ERROR(
        DecodeDictionaryIds(columns.templates, dictionary->size(), scratch.dictionary_ids));
  } else {
    Decoder td(columns.templates);
    uint64_t n = td.Varint64();
    if (!td.ok() || n > columns.templates.size()) return Status::Corruption("bad template count");
    LODE_RETURN_IF_ERROR(scratch.own.Parse(td, n));
    if (td.remaining() != 0) return Status::Corruption("bytes after the templates");
    scratch.dictionary_ids.resize(n);
    for (uint32_t i = 0; i < n; ++i) scratch.dictionary_ids[i] = i;
  }
  const uint64_t template_count = scratch.dictionary_ids.size();
  templates.resize(template_count);
  // The shape of a template (text, pieces) is copied only where it is
  // used: for every template of the block's own, but from a part's
  // dictionary (thousands of templates, a few of them with a candidate
  // line) only the variable counts, from their compact array, at first.
  auto copy_shape = [&](BlockTemplate& t) {
    const ParsedTemplates::Template& shape = parsed->templates[t.dictionary_id];
    t.text = shape.text;
    t.first_piece = shape.first_piece;
    t.end_piece = shape.end_piece;
    t.literal_bytes = shape.literal_bytes;
  };
  for (size_t i = 0; i < template_count; ++i) {
    BlockTemplate& t = templates[i];
    t = BlockTemplate{};
    t.dictionary_id = scratch.dictionary_ids[i];
    const ParsedTemplates::VarCounts& counts = parsed->var_counts[t.dictionary_id];
    t.ints = counts.ints;
    t.strs = counts.strs;
    if (dictionary == nullptr || fragments.empty() || rebuilt == nullptr) copy_shape(t);
  }

  if (count > columns.ids.size()) return Status::Corruption("template index column is short");
  std::vector<uint32_t>& ids = scratch.ids;
  ids.resize(count);
  Decoder id(columns.ids);
  for (uint32_t& v : ids) {
    uint64_t x = id.Varint64();
    if (!id.ok() || x >= template_count) return Status::Corruption("bad template index");
    v = static_cast<uint32_t>(x);
    ++templates[v].lines;
  }
  if (id.remaining() != 0) return Status::Corruption("bytes after the template indexes");

  // Variable columns: template by template, each of its variables for
  // every line using it.
  uint64_t int_total = 0, str_total = 0;
  for (BlockTemplate& t : templates) {
    t.int_base = int_total;
    t.str_base = str_total;
    int_total += t.ints * t.lines;
    str_total += t.strs * t.lines;
  }
  if (columns.layout == TemplateLayout::k4) {
    // Hex columns spelled out as text first: rebuilding and searching then
    // read k3 columns, whatever the values' storage.
    if (!columns.strs_deferred) {
      std::vector<StringColumnsOf>& shapes = scratch.string_columns;
      shapes.clear();
      for (const BlockTemplate& t : templates) shapes.push_back({t.lines, t.strs});
      LODE_RETURN_IF_ERROR(ExpandHexStrings(shapes, columns.str_lengths, columns.str_bytes,
                                            columns.str_nibbles, max_bytes, scratch.hex_lengths,
                                            scratch.hex_bytes));
      columns.str_lengths = scratch.hex_lengths;
      columns.str_bytes = scratch.hex_bytes;
    }
    columns.str_nibbles = {};
    columns.layout = TemplateLayout::k3;
  } else if (!columns.str_nibbles.empty()) {
    return Status::Corruption("hex digits in a block without hex columns");
  }
  // Every variable adds a byte or more to the lines; in k1 each integer
  // also takes a byte or more of its column.
  const bool k2 = PackedInts(columns.layout);
  if ((k2 ? int_total + str_total > max_bytes : int_total > columns.ints.size()) ||
      (str_total > columns.str_lengths.size() && !columns.strs_deferred)) {
    return Status::Corruption("variable columns are short");
  }
  // String variable i (template by template, column by column, line by
  // line) is stored value str_slot[i] (i itself when str_slot is empty),
  // the bytes str_bytes[str_offsets[v], str_offsets[v + 1]).
  std::vector<uint64_t>& str_offsets = scratch.str_offsets;
  std::vector<uint32_t>& str_slot = scratch.str_slot;
  str_slot.clear();
  auto read_str_offsets = [&]() -> Status {
    Decoder sl(columns.str_lengths);
    uint64_t str_at = 0;
    auto put_lengths = [&](uint64_t n) -> Status {
      for (uint64_t i = 0; i < n; ++i) {
        str_offsets.push_back(str_at);
        uint64_t length = sl.Varint64();
        if (!sl.ok() || length > columns.str_bytes.size() -
                                     std::min<uint64_t>(str_at, columns.str_bytes.size())) {
          return Status::Corruption("bad string length");
        }
        str_at += length;
      }
      return Status::Ok();
    };
    str_offsets.clear();
    if (columns.layout < TemplateLayout::k3) {
      str_offsets.reserve(str_total + 1);
      LODE_RETURN_IF_ERROR(put_lengths(str_total));
    } else {
      bool any_dictionary = false;
      str_slot.resize(str_total);
      uint32_t* slot_of = str_slot.data();
      for (const BlockTemplate& t : templates) {
        for (uint32_t k = 0; k < t.strs; ++k) {
          const uint64_t distinct = sl.Varint64();
          if (!sl.ok() || distinct > t.lines) return Status::Corruption("bad string column");
          const uint64_t first = str_offsets.size();
          if (distinct == 0) {
            LODE_RETURN_IF_ERROR(put_lengths(t.lines));
            for (uint64_t j = 0; j < t.lines; ++j) *slot_of++ = static_cast<uint32_t>(first + j);
            continue;
          }
          any_dictionary = true;
          LODE_RETURN_IF_ERROR(put_lengths(distinct));
          for (uint64_t j = 0; j < t.lines; ++j) {
            const uint64_t v = sl.Varint64();
            if (!sl.ok() || v >= distinct) return Status::Corruption("bad string index");
            *slot_of++ = static_cast<uint32_t>(first + v);
          }
        }
      }
      // Without dictionary-coded columns each variable is its own value:
      // no mapping to look through when rebuilding and searching.
      if (!any_dictionary) str_slot.clear();
    }
    str_offsets.push_back(str_at);
    if (!sl.ok() || sl.remaining() != 0 || str_at != columns.str_bytes.size()) {
      return Status::Corruption("string columns do not match");
    }
    return Status::Ok();
  };
  // The string offsets place a fragment found in a string variable, and
  // rebuild lines. A search whose fragments are in no string variable
  // and that rebuilds no line (counting lines decided from their
  // templates) never reads them.
  bool offsets_read = false;
  if (columns.strs_deferred) {
    // Deferred only for a search whose fragments no string holds.
    if (fragments.empty() || rebuilt == nullptr) {
      return Status::Unavailable("the string columns are needed");
    }
    str_offsets.assign(1, 0);
  } else if (fragments.empty() || rebuilt == nullptr ||
             std::any_of(fragments.begin(), fragments.end(), [&](std::string_view f) {
               return columns.str_bytes.find(f) != std::string_view::npos;
             })) {
    LODE_RETURN_IF_ERROR(read_str_offsets());
    offsets_read = true;
  } else {
    str_offsets.assign(1, 0);  // no variable is looked up
  }

  const uint8_t* keep = nullptr;
  std::vector<uint8_t>& template_kept = scratch.template_kept;
  if (!fragments.empty() && rebuilt != nullptr) {
    rebuilt->assign(count, 1);
    MarkCandidateLines(fragments, templates, ids, columns.str_bytes, str_offsets, str_slot,
                       dictionary, scratch.candidates, *rebuilt);
    if (!held_literals.empty()) {
      // A template whose own text holds every literal: each of its lines
      // holds them all, whatever its variables, and is not rebuilt.
      std::vector<uint8_t>& holds = scratch.template_holds;
      holds.assign(template_count, 1);
      for (std::string_view literal : held_literals) {
        if (dictionary != nullptr) {
          auto hits = dictionary->HeldHits(literal);
          for (size_t t = 0; t < template_count; ++t) {
            holds[t] &= (*hits)[templates[t].dictionary_id];
          }
        } else {
          for (size_t t = 0; t < template_count; ++t) {
            if (holds[t]) holds[t] = TemplateTextHolds(templates[t].text, literal);
          }
        }
      }
      uint8_t* flags = rebuilt->data();
      for (size_t i = 0; i < count; ++i) {
        if (flags[i] == 1 && holds[ids[i]]) flags[i] = 2;
      }
    }
    keep = rebuilt->data();
    template_kept.assign(template_count, 0);
    for (size_t i = 0; i < count; ++i) template_kept[ids[i]] |= keep[i] == 1;
    if (dictionary != nullptr) {
      for (size_t t = 0; t < template_count; ++t) {
        if (template_kept[t]) copy_shape(templates[t]);
      }
    }
  }

  if (keep != nullptr &&
      std::none_of(template_kept.begin(), template_kept.end(), [](uint8_t k) { return k != 0; })) {
    // No line to rebuild: every one comes out empty.
    offsets.resize(offsets.size() + count + 1, 0);
    return Status::Ok();
  }
  if (columns.strs_deferred) {
    // As the integers below: a rebuilt line with a string variable needs
    // the string columns.
    for (size_t t = 0; t < template_count; ++t) {
      if ((keep == nullptr || template_kept[t]) && templates[t].strs > 0 &&
          templates[t].lines > 0) {
        return Status::Unavailable("the string columns are needed");
      }
    }
  } else if (!offsets_read) {
    LODE_RETURN_IF_ERROR(read_str_offsets());
  }
  if (columns.ints_deferred) {
    // The integers were not decompressed in the hope that no line would
    // need them: any rebuilt line of a template with integers does.
    for (size_t t = 0; t < template_count; ++t) {
      if ((keep == nullptr || template_kept[t]) && templates[t].ints > 0 &&
          templates[t].lines > 0) {
        return Status::Unavailable("the integer columns are needed");
      }
    }
  }

  // Integer columns; only those of templates with a line to rebuild are
  // decoded, the others are stepped over (a needle query rebuilds a few
  // lines of a block, and decoding every integer would cost most of it).
  std::vector<int64_t>& ints = scratch.ints;
  ints.resize(int_total);
  const char* ip = columns.ints.data();
  const char* const ints_end = ip + columns.ints.size();
  size_t at = 0;
  // Deferred: no line to rebuild has an integer (checked above).
  for (size_t ti = 0; ti < template_count && !columns.ints_deferred; ++ti) {
    const BlockTemplate& t = templates[ti];
    const uint64_t values = t.ints * t.lines;
    if (k2) {
      const bool skip = keep != nullptr && !template_kept[ti];
      for (uint32_t k = 0; k < t.ints; ++k, at += t.lines) {
        // A pointer, not &ints[at]: a template of no lines may sit at the end.
        LODE_RETURN_IF_ERROR(
            GetPackedColumn(ip, ints_end, t.lines, skip ? nullptr : ints.data() + at));
      }
      continue;
    }
    if (keep != nullptr && !template_kept[ti]) {
      if (!SkipVarints(ip, ints_end, values)) return Status::Corruption("bad integer column");
      at += values;
      continue;
    }
    Decoder iv(std::string_view(ip, static_cast<size_t>(ints_end - ip)));
    for (uint32_t k = 0; k < t.ints; ++k) {
      // Unsigned sums wrap instead of overflowing on damaged deltas.
      uint64_t value = 0;
      for (uint64_t line = 0; line < t.lines; ++line) {
        value += static_cast<uint64_t>(UnZigZag(iv.Varint64()));
        ints[at++] = static_cast<int64_t>(value);
      }
    }
    if (!iv.ok()) return Status::Corruption("bad integer column");
    ip += iv.position();
  }
  if (ip != ints_end && !columns.ints_deferred) return Status::Corruption("bad integer column");
  if (keep != nullptr && !columns.ints_deferred) {
    CheckIntegerCandidates(fragments, templates, ids, ints, k2, scratch.candidates,
                           rebuilt->data());
  }

  // Lines, in order: the k-th variable of the j-th line using template t
  // is entry j of that template's k-th column of its kind. Written through
  // a pointer into `data`, grown once to the most it may hold.
  std::vector<uint64_t>& seen = scratch.seen;
  seen.assign(template_count, 0);
  offsets.reserve(offsets.size() + count + 1);
  // Room for the lines: all of them take max_bytes; a few candidates
  // take at most their templates' text, 20 digits per integer and their
  // strings, often far less than the block (zero-filling a buffer the
  // size of the block would cost more than rebuilding them).
  size_t room = max_bytes;
  if (keep != nullptr) {
    uint64_t bound = 0;
    for (size_t line = 0; line < count; ++line) {
      const BlockTemplate& t = templates[ids[line]];
      const uint64_t j = seen[ids[line]]++;  // the line is t's j-th
      if (keep[line] != 1) continue;
      bound += t.literal_bytes + 20ull * t.ints;  // 20: the longest int64
      for (uint64_t k = 0, at = t.str_base + j; k < t.strs; ++k, at += t.lines) {
        const uint64_t v = str_slot.empty() ? at : str_slot[at];
        bound += str_offsets[v + 1] - str_offsets[v];
      }
    }
    room = static_cast<size_t>(std::min<uint64_t>(bound, max_bytes));
    seen.assign(template_count, 0);  // counted again while rebuilding
  }
  // `data` only grows: a reader decoding block after block into the same
  // buffer then never pays for zero-filling it again.
  if (data.size() < room + kCopySlack) data.resize(room + kCopySlack);
  char* const begin = data.data();
  char* w = begin;
  char* const end = w + room;
  // Plain pointers: the writes through `w` (a char*) could alias any
  // vector's internals, which would make the compiler reload them.
  const char* const lit = parsed->literal_base();
  const char* const strs = columns.str_bytes.data();
  const int64_t* const int_values = ints.data();
  const uint64_t* const str_at_ = str_offsets.data();
  const uint32_t* const slot_list = str_slot.empty() ? nullptr : str_slot.data();
  const TemplatePiece* const piece_list = parsed->pieces.data();
  const BlockTemplate* const template_list = templates.data();
  uint64_t* const seen_list = seen.data();
  const uint32_t* const id_list = ids.data();
  bool overflow = false;
  for (size_t line = 0; line < count; ++line) {
    const uint32_t index = id_list[line];
    const BlockTemplate& t = template_list[index];
    const uint64_t j = seen_list[index]++;
    const uint64_t lines = t.lines;
    // Indexes, not pointers: a block without variables has null columns,
    // and even forming a pointer past null is undefined.
    const uint64_t line_ints = t.int_base + j;
    const uint64_t line_strs = t.str_base + j;
    offsets.push_back(static_cast<uint64_t>(w - begin));
    if (keep != nullptr && keep[line] != 1) continue;
    for (const TemplatePiece* piece = piece_list + t.first_piece; piece != piece_list + t.end_piece;
         ++piece) {
      if (piece->kind == 0) {
        if (static_cast<size_t>(end - w) < piece->length) {
          overflow = true;
          break;
        }
        // Most literals are short: one fixed-size copy (inlined, no call)
        // that may write past the piece into the slack, which the next
        // piece overwrites.
        if (piece->length <= kCopySlack) {
          memcpy(w, lit + piece->offset, kCopySlack);
        } else {
          memcpy(w, lit + piece->offset, piece->length);
        }
        w += piece->length;
      } else if (piece->kind == kIntVar && k2) {
        // A run of digits with a 1 before it: 1..9 digits are written
        // from the value directly, longer ones through to_chars.
        const uint64_t value = static_cast<uint64_t>(int_values[line_ints + piece->length * lines]);
        if (value >= 10 && value < 20) {
          if (w >= end) {
            overflow = true;
            break;
          }
          *w++ = static_cast<char>('0' + (value - 10));
        } else if (value >= 100 && value < 200) {
          if (end - w < 2) {
            overflow = true;
            break;
          }
          w[0] = static_cast<char>('0' + (value - 100) / 10);
          w[1] = static_cast<char>('0' + value % 10);
          w += 2;
        } else {
          char digits[24];
          auto r = std::to_chars(digits, digits + sizeof digits, value);
          const size_t n = static_cast<size_t>(r.ptr - digits);
          if (n < 2 || digits[0] != '1') return Status::Corruption("bad integer variable");
          if (static_cast<size_t>(end - w) < n - 1) {
            overflow = true;
            break;
          }
          memcpy(w, digits + 1, n - 1);
          w += n - 1;
        }
      } else if (piece->kind == kIntVar) {
        const int64_t value = int_values[line_ints + piece->length * lines];
        // Most numbers in logs are short (ports, octets, counts): one or
        // two digits are written directly, which is much cheaper than a
        // general conversion. `end` has kCopySlack bytes of slack after it.
        if (static_cast<uint64_t>(value) < 10) {
          if (w >= end) {
            overflow = true;
            break;
          }
          *w++ = static_cast<char>('0' + value);
        } else if (static_cast<uint64_t>(value) < 100) {
          if (end - w < 2) {
            overflow = true;
            break;
          }
          w[0] = static_cast<char>('0' + value / 10);
          w[1] = static_cast<char>('0' + value % 10);
          w += 2;
        } else {
          auto r = std::to_chars(w, end, value);
          if (r.ec != std::errc()) {
            overflow = true;
            break;
          }
          w = r.ptr;
        }
      } else {
        uint64_t v = line_strs + piece->length * lines;
        if (slot_list != nullptr) v = slot_list[v];
        const uint64_t* at_str = str_at_ + v;
        size_t n = at_str[1] - at_str[0];
        if (static_cast<size_t>(end - w) < n) {
          overflow = true;
          break;
        }
        memcpy(w, strs + at_str[0], n);
        w += n;
      }
    }
    if (overflow) {
      return Status::Corruption("lines larger than the block allows");
    }
  }
  offsets.push_back(static_cast<uint64_t>(w - begin));
  return Status::Ok();
}

}  // namespace lode::part
