// LabelsBuilder: the labels of one record while a log pipeline runs over
// it. It starts from the record's stream labels and structured metadata;
// parsers add labels, label_format renames them, drop/keep remove them,
// and a failing stage records an error (`__error__`, `__error__details__`).
//
// A pipeline runs it over millions of records, so it is reset and reused:
// its strings keep their capacity and a record costs no allocation once
// the builder has warmed up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels.h"

namespace lode {

// Where a label came from, for the categorised response form (Loki's
// `categorize-labels`: stream, structuredMetadata, parsed).
enum class LabelCategory : uint8_t { kStream, kMetadata, kParsed };

inline constexpr std::string_view kErrorLabel = "__error__";
inline constexpr std::string_view kErrorDetailsLabel = "__error_details__";

class LabelsBuilder {
 public:
  // Starts a record: its stream labels and structured metadata. A
  // metadata name that is also a stream label gets the suffix
  // `_extracted`; metadata named `__error__` / `__error_details__` set
  // the error.
  void Reset(const Labels& stream, const Labels& metadata);

  // The value of `name`, or nullopt when absent. `__error__` and
  // `__error_details__` are labels like any other here.
  std::optional<std::string_view> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  // Whether `name` is one of the record's stream labels (not metadata,
  // not parsed), as it was at Reset.
  bool IsStreamLabel(std::string_view name) const;

  // Adds or replaces a label; a replaced label takes the new category. A
  // parsed label (label_format's) counts as extracted, as for SetParsed.
  void Set(LabelCategory category, std::string_view name, std::string_view value);
  // Sets a label a parser extracted. A name that is a stream label or
  // structured metadata gets the suffix `_extracted` (once: an existing
  // `x_extracted` is replaced), so a parser never hides either. The
  // implicit parsers (json and logfmt without arguments, regexp, pattern,
  // unpack) skip a name already extracted for this record, by an earlier
  // stage or earlier in the same line (`overwrite` false): the first
  // value wins, as a repeated key in one line keeps its first value.
  // Extraction expressions overwrite.
  void SetParsed(std::string_view name, std::string_view value, bool overwrite);
  // As SetParsed, with the suffix already decided by the caller (unpack
  // decides it on the key before sanitizing).
  void SetParsedExact(std::string_view name, std::string_view value, bool overwrite);
  // Whether `name` is a label of this record's structured metadata now.
  bool IsMetadataLabel(std::string_view name) const;
  // The name a parsed `name` is stored under: `name_extracted` when it
  // is a stream label or structured metadata.
  std::string_view ParsedName(std::string_view name);
  void Delete(std::string_view name);

  // Records a stage's failure. Parsers and unwrap replace an earlier
  // error (`replace`); label filters keep the first. Empty details leave
  // earlier details in place.
  void SetError(std::string_view error, std::string_view details, bool replace);
  bool HasError() const { return Has(kErrorLabel); }

  // Parsers extract only these names from here on (null: all), when a
  // query needs only some labels (`sum by (level) (... | json ...)`).
  // The vector must outlive the builder's use.
  void RestrictParsed(const std::vector<std::string>* names) {
    needed_ = names;
    needed_count_ = 0;
    if (names == nullptr) return;
    for (const std::string& n : *names) {
      if (!n.starts_with("__")) ++needed_count_;
    }
  }
  // Whether every needed name has been parsed for this record, so a
  // parser may stop early (never without a restriction).
  bool AllNeededParsed() const {
    return needed_ != nullptr && needed_count_ > 0 && needed_found_ >= needed_count_;
  }

  // Whether SetParsed(name, ...) would keep the label (under a
  // restriction, only needed names are), so a parser can skip computing
  // values nobody reads.
  bool WantsParsed(std::string_view name) const {
    if (needed_ == nullptr) return true;
    for (const std::string& n : *needed_) {
      if (n == name) return true;
      if (n.size() == name.size() + 10 && n.starts_with(name) && n.ends_with("_extracted"))
        return true;
    }
    return false;
  }

  // Calls fn(name, value) for each label, in no particular order.
  template <typename Fn>
  void ForEachUnsorted(Fn&& fn) const {
    for (size_t i = 0; i < used_; ++i) fn(entries_[i].name, entries_[i].value);
  }
  // Calls fn(name, value, category) for each label, sorted by name.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    SortIfNeeded();
    for (size_t i : order_) fn(entries_[i].name, entries_[i].value, entries_[i].category);
  }
  // The labels, sorted; only those of `category` with the second form.
  Labels Build() const;
  Labels Build(LabelCategory category) const;
  // A hash of the current labels (names and values), to key series
  // without building them.
  uint64_t Hash() const;
  size_t size() const { return used_; }

 private:
  struct Entry {
    std::string name;
    std::string value;
    LabelCategory category = LabelCategory::kStream;
    bool extracted = false;  // set by a parser or label_format
  };
  int Find(std::string_view name) const;
  void RebuildSlots() const;
  void IndexSlot(size_t i) const;
  // From this many labels on (a wide JSON line), names are found through
  // an open-addressing table of entry indexes instead of a scan.
  static constexpr size_t kIndexFrom = 16;
  void Append(LabelCategory category, std::string_view name, std::string_view value);
  // Whether `name` was extracted for this record: its entry says so, or
  // it was extracted and then deleted.
  bool WasExtracted(int index, std::string_view name) const;
  void SortIfNeeded() const;

  // entries_[0, used_) are live, in no order; order_ indexes them sorted
  // by name (rebuilt when dirty_). Entries past used_ keep their string
  // buffers for reuse.
  std::vector<Entry> entries_;
  size_t used_ = 0;
  const Labels* stream_ = nullptr;  // the record's, alive while it is processed
  std::string suffixed_;            // scratch for `name_extracted`
  // Names extracted for this record and deleted since (by drop, keep or a
  // label_format rename), so that no implicit parser sets them again;
  // [0, dropped_used_) are live.
  std::vector<std::string> dropped_;
  size_t dropped_used_ = 0;
  const std::vector<std::string>* needed_ = nullptr;
  size_t needed_count_ = 0;             // of needed_, the names a parser may set
  size_t needed_found_ = 0;             // of those, set for this record
  mutable std::vector<int32_t> slots_;  // entry index or -1; size a power of two
  mutable bool slots_valid_ = false;
  mutable std::vector<uint32_t> order_;
  mutable bool dirty_ = false;
};

}  // namespace lode
