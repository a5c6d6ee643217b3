#include "query/labels_builder.h"

#include <xxhash.h>

#include <algorithm>

namespace lode {

void LabelsBuilder::Reset(const Labels& stream, const Labels& metadata) {
  stream_ = &stream;
  used_ = 0;
  slots_valid_ = false;
  dropped_used_ = 0;
  needed_found_ = 0;
  for (const Label& l : stream) Append(LabelCategory::kStream, l.name, l.value);
  for (const Label& m : metadata) {
    if (m.name == kErrorLabel || m.name == kErrorDetailsLabel) {
      Set(LabelCategory::kParsed, m.name, m.value);
    } else if (stream.Has(m.name)) {
      std::string renamed = m.name + "_extracted";
      Append(LabelCategory::kMetadata, renamed, m.value);
    } else {
      Append(LabelCategory::kMetadata, m.name, m.value);
    }
  }
  dirty_ = true;
}

namespace {
size_t SlotOf(std::string_view name, size_t mask) {
  return XXH3_64bits(name.data(), name.size()) & mask;
}
}  // namespace

int LabelsBuilder::Find(std::string_view name) const {
  if (used_ < kIndexFrom) {
    for (size_t i = 0; i < used_; ++i) {
      if (entries_[i].name == name) return static_cast<int>(i);
    }
    return -1;
  }
  if (!slots_valid_) RebuildSlots();
  const size_t mask = slots_.size() - 1;
  for (size_t s = SlotOf(name, mask);; s = (s + 1) & mask) {
    const int32_t i = slots_[s];
    if (i < 0) return -1;
    if (entries_[static_cast<size_t>(i)].name == name) return i;
  }
}

void LabelsBuilder::RebuildSlots() const {
  size_t size = 64;
  while (size < used_ * 4) size *= 2;
  slots_.assign(size, -1);
  for (size_t i = 0; i < used_; ++i) IndexSlot(i);
  slots_valid_ = true;
}

void LabelsBuilder::IndexSlot(size_t i) const {
  const size_t mask = slots_.size() - 1;
  size_t s = SlotOf(entries_[i].name, mask);
  while (slots_[s] >= 0) s = (s + 1) & mask;
  slots_[s] = static_cast<int32_t>(i);
}

void LabelsBuilder::Append(LabelCategory category, std::string_view name, std::string_view value) {
  if (used_ == entries_.size()) entries_.emplace_back();
  Entry& e = entries_[used_++];
  e.name.assign(name);
  e.value.assign(value);
  e.category = category;
  e.extracted = false;
  dirty_ = true;
  if (slots_valid_) {
    if (used_ * 2 > slots_.size()) {
      slots_valid_ = false;  // rebuilt larger when next needed
    } else {
      IndexSlot(used_ - 1);
    }
  }
}

std::optional<std::string_view> LabelsBuilder::Get(std::string_view name) const {
  int i = Find(name);
  if (i < 0) return std::nullopt;
  return std::string_view(entries_[i].value);
}

bool LabelsBuilder::IsStreamLabel(std::string_view name) const {
  return stream_ != nullptr && stream_->Has(name);
}

bool LabelsBuilder::IsMetadataLabel(std::string_view name) const {
  int i = Find(name);
  return i >= 0 && entries_[i].category == LabelCategory::kMetadata;
}

bool LabelsBuilder::WasExtracted(int index, std::string_view name) const {
  if (index >= 0) return entries_[index].extracted;
  for (size_t i = 0; i < dropped_used_; ++i) {
    if (dropped_[i] == name) return true;
  }
  return false;
}

void LabelsBuilder::Set(LabelCategory category, std::string_view name, std::string_view value) {
  const bool extracted =
      category == LabelCategory::kParsed && name != kErrorLabel && name != kErrorDetailsLabel;
  int i = Find(name);
  if (i < 0) {
    Append(category, name, value);
    entries_[used_ - 1].extracted = extracted;
    return;
  }
  entries_[i].value.assign(value);
  entries_[i].category = category;
  entries_[i].extracted = entries_[i].extracted || extracted;
}

std::string_view LabelsBuilder::ParsedName(std::string_view name) {
  if (!IsStreamLabel(name) && !IsMetadataLabel(name)) return name;
  suffixed_.assign(name);
  suffixed_ += "_extracted";
  return suffixed_;
}

void LabelsBuilder::SetParsed(std::string_view name, std::string_view value, bool overwrite) {
  if (!WantsParsed(name)) return;
  SetParsedExact(ParsedName(name), value, overwrite);
}

void LabelsBuilder::SetParsedExact(std::string_view key, std::string_view value, bool overwrite) {
  if (needed_ != nullptr && std::find(needed_->begin(), needed_->end(), key) == needed_->end()) {
    return;
  }
  int i = Find(key);
  const bool first = !WasExtracted(i, key);
  if (!first && !overwrite) return;
  if (first && needed_ != nullptr) ++needed_found_;
  if (i < 0) {
    Append(LabelCategory::kParsed, key, value);
    entries_[used_ - 1].extracted = true;
    return;
  }
  // What is here is a stream label or metadata of this very name (the
  // suffix was added once, not again), or an earlier extraction being
  // overwritten: the parsed value takes its place.
  Entry& e = entries_[i];
  e.value.assign(value);
  e.category = LabelCategory::kParsed;
  e.extracted = true;
}

void LabelsBuilder::Delete(std::string_view name) {
  int i = Find(name);
  if (i < 0) return;
  if (entries_[i].extracted) {
    if (dropped_used_ == dropped_.size()) dropped_.emplace_back();
    dropped_[dropped_used_++].assign(name);
  }
  slots_valid_ = false;  // the last entry moves into the freed slot
  // The last live entry takes the slot; the freed one keeps its buffers.
  std::swap(entries_[i], entries_[used_ - 1]);
  --used_;
  dirty_ = true;
}

void LabelsBuilder::SetError(std::string_view error, std::string_view details, bool replace) {
  if (!replace && HasError()) return;
  Set(LabelCategory::kParsed, kErrorLabel, error);
  if (!details.empty()) Set(LabelCategory::kParsed, kErrorDetailsLabel, details);
}

void LabelsBuilder::SortIfNeeded() const {
  if (!dirty_) return;
  order_.resize(used_);
  for (size_t i = 0; i < used_; ++i) order_[i] = static_cast<uint32_t>(i);
  std::sort(order_.begin(), order_.end(),
            [this](uint32_t a, uint32_t b) { return entries_[a].name < entries_[b].name; });
  dirty_ = false;
}

Labels LabelsBuilder::Build() const {
  SortIfNeeded();
  std::vector<Label> out;
  out.reserve(used_);
  for (uint32_t i : order_) out.push_back(Label{entries_[i].name, entries_[i].value});
  return Labels(std::move(out));
}

Labels LabelsBuilder::Build(LabelCategory category) const {
  SortIfNeeded();
  std::vector<Label> out;
  for (uint32_t i : order_) {
    if (entries_[i].category == category) out.push_back(Label{entries_[i].name, entries_[i].value});
  }
  return Labels(std::move(out));
}

uint64_t LabelsBuilder::Hash() const {
  SortIfNeeded();
  // Each name and value is hashed seeded with the hash so far; the
  // lengths folded in keep ("ab","c") apart from ("a","bc").
  uint64_t h = 0x9e3779b97f4a7c15ull;
  for (uint32_t i : order_) {
    const Entry& e = entries_[i];
    h = XXH3_64bits_withSeed(e.name.data(), e.name.size(), h ^ e.name.size());
    h = XXH3_64bits_withSeed(e.value.data(), e.value.size(), h ^ (e.value.size() << 32));
  }
  return h;
}

}  // namespace lode
