#include "query/labels_builder.h"

#include <xxhash.h>

#include <algorithm>

namespace lode {

void LabelsBuilder::Reset(const Labels& stream, const Labels& metadata) {
  stream_ = &stream;
  used_ = 0;
  extracted_used_ = 0;
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

int LabelsBuilder::Find(std::string_view name) const {
  for (size_t i = 0; i < used_; ++i) {
    if (entries_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

void LabelsBuilder::Append(LabelCategory category, std::string_view name, std::string_view value) {
  if (used_ == entries_.size()) entries_.emplace_back();
  Entry& e = entries_[used_++];
  e.name.assign(name);
  e.value.assign(value);
  e.category = category;
  dirty_ = true;
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

bool LabelsBuilder::WasExtracted(std::string_view name) const {
  for (size_t i = 0; i < extracted_used_; ++i) {
    if (extracted_[i] == name) return true;
  }
  return false;
}

void LabelsBuilder::RecordExtracted(std::string_view name) {
  if (WasExtracted(name)) return;
  if (extracted_used_ == extracted_.size()) extracted_.emplace_back();
  extracted_[extracted_used_++].assign(name);
}

void LabelsBuilder::Set(LabelCategory category, std::string_view name, std::string_view value) {
  if (category == LabelCategory::kParsed && name != kErrorLabel && name != kErrorDetailsLabel) {
    RecordExtracted(name);
  }
  int i = Find(name);
  if (i < 0) {
    Append(category, name, value);
    return;
  }
  entries_[i].value.assign(value);
  entries_[i].category = category;
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
  const bool first = !WasExtracted(key);
  if (!first && !overwrite) return;
  if (first) {
    if (needed_ != nullptr) ++needed_found_;
    RecordExtracted(key);
  }
  int i = Find(key);
  if (i < 0) {
    Append(LabelCategory::kParsed, key, value);
    return;
  }
  // What is here is a stream label or metadata of this very name (the
  // suffix was added once, not again), or an earlier extraction being
  // overwritten: the parsed value takes its place.
  Entry& e = entries_[i];
  e.value.assign(value);
  e.category = LabelCategory::kParsed;
}

void LabelsBuilder::Delete(std::string_view name) {
  int i = Find(name);
  if (i < 0) return;
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
