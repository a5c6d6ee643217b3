// A part's template dictionary: every distinct line template of the
// part's template blocks, stored once in the part instead of once per
// block. Logs of one service repeat a few thousand templates across every
// block of a day; a block then names its templates by number, and a
// reader parses each template once per part instead of once per block.
// docs/format/part.md gives the byte layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"

namespace lode {
class Decoder;
}

namespace lode::part {

// A piece of a parsed template: literal text (offset into the literal
// bytes and length) or a variable (its index among its kind). Eight
// bytes: a dictionary holds hundreds of thousands of them.
struct TemplatePiece {
  uint32_t offset;       // literal: into ParsedTemplates::literal_base()
  uint32_t length : 30;  // literal length, or the variable's index
  uint32_t kind : 2;     // 0 literal, kIntVar, kStrVar
};

// Template texts parsed into pieces, ready to rebuild lines from.
struct ParsedTemplates {
  struct Template {
    std::string_view text;  // as stored, escapes included
    uint32_t first_piece = 0, end_piece = 0;
    uint32_t literal_bytes = 0;  // of the text, unescaped
  };
  // Bytes of slack after the literals: short literals are copied this
  // many bytes at a time.
  static constexpr size_t kCopySlack = 16;

  // Each template's variable counts, in an array of their own: a block
  // reads the counts of all its templates, but the text of only a few.
  struct VarCounts {
    uint32_t ints = 0, strs = 0;
  };

  std::vector<Template> templates;
  std::vector<VarCounts> var_counts;  // one per template
  std::vector<TemplatePiece> pieces;
  std::string literals;  // the unescaped literals, when not read in place

  // Replaces the contents with `count` length-prefixed template texts read
  // from `d` (the views point into d's bytes). Corruption for a truncated
  // text or one ending in an escape.
  //
  // With `in_place` (a pointer at or before d's bytes), literal pieces
  // point into d's bytes, as offsets from `in_place`, instead of into a
  // copy of them; the caller keeps the bytes alive and guarantees
  // kCopySlack readable bytes after d's last one.
  Status Parse(Decoder& d, uint64_t count, const char* in_place = nullptr);

  // Where literal pieces' offsets point: `literals`, or d's bytes.
  const char* literal_base() const { return literal_base_; }
  // Frees the memory vectors hold beyond their size (for parsed texts
  // kept for long).
  void ShrinkToFit();

 private:
  const char* literal_base_ = nullptr;
};

// Collects a part's templates while it is written. Bounded: once the
// texts reach `max_bytes`, nothing more is added, and blocks with new
// templates keep their templates to themselves.
class TemplateDictionaryBuilder {
 public:
  explicit TemplateDictionaryBuilder(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Sets ids[i] to the number of texts[i], adding the texts not there
  // yet. False (and nothing added) when they do not all fit. `hashes`,
  // when the caller has them: XXH3_64bits of each text.
  bool FindOrAddAll(const std::vector<std::string_view>& texts, std::vector<uint32_t>& ids,
                    const std::vector<uint64_t>* hashes = nullptr);

  size_t size() const { return texts_.size(); }
  // varint(n) then n length-prefixed texts, in id order.
  std::string Serialize() const;

 private:
  uint32_t Find(std::string_view text, uint64_t hash) const;  // UINT32_MAX if absent
  void Insert(uint64_t hash, uint32_t id);

  size_t max_bytes_;
  size_t bytes_ = 0;
  std::vector<std::string> texts_;
  std::vector<uint64_t> hashes_;
  std::vector<uint32_t> slots_;  // open addressing: id + 1, 0 empty
};

// A part's dictionary as read back, parsed once and shared by every
// block of the part that uses it.
class TemplateDictionary {
 public:
  // Parses the serialized form (see TemplateDictionaryBuilder::Serialize).
  static Result<std::shared_ptr<const TemplateDictionary>> Parse(std::string serialized);

  const ParsedTemplates& parsed() const { return parsed_; }
  size_t size() const { return parsed_.templates.size(); }
  // Memory held, for caches that keep dictionaries within a budget.
  size_t memory_bytes() const;

  // One flag per template: whether lines of that template can hold
  // `fragment` outside their string variables (TemplateTextMayContain).
  // Kept for the last few fragments, so that a query checks each
  // template once per part rather than once per block.
  std::shared_ptr<const std::vector<uint8_t>> FragmentHits(std::string_view fragment) const;
  // One flag per template: whether its own text holds `literal` between
  // its variables (TemplateTextHolds), so that every line of it does.
  std::shared_ptr<const std::vector<uint8_t>> HeldHits(std::string_view literal) const;

 private:
  TemplateDictionary() = default;

  std::string serialized_;
  ParsedTemplates parsed_;
  mutable Mutex mu_;
  // Kept per question: its kind ('f' fragment, 'h' held) then its text.
  mutable std::vector<std::pair<std::string, std::shared_ptr<const std::vector<uint8_t>>>> hits_
      GUARDED_BY(mu_);
  std::shared_ptr<const std::vector<uint8_t>> Hits(char kind, std::string_view text) const;
};

}  // namespace lode::part
