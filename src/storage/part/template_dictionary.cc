#include "storage/part/template_dictionary.h"

#include <xxhash.h>

#include <algorithm>

#include "base/coding.h"
#include "storage/part/line_templates.h"

namespace lode::part {

Status ParsedTemplates::Parse(Decoder& d, uint64_t count, const char* in_place) {
  constexpr uint32_t kMaxLength = (1u << 30) - 1;
  // Grown as texts are read, not sized from `count` up front: a damaged
  // count must not allocate for templates that are not there.
  templates.clear();
  var_counts.clear();
  templates.reserve(std::min<uint64_t>(count, 4096));
  var_counts.reserve(std::min<uint64_t>(count, 4096));
  pieces.clear();
  literals.clear();
  // Appends the n literal bytes at p to the template's last piece, or
  // starts a new piece when the last is a variable or the bytes do not
  // follow it.
  auto add_literal = [&](const Template& t, const char* p, size_t n) {
    uint32_t offset;
    if (in_place != nullptr) {
      offset = static_cast<uint32_t>(p - in_place);
    } else {
      offset = static_cast<uint32_t>(literals.size());
      literals.append(p, n);
    }
    if (pieces.size() > t.first_piece) {
      TemplatePiece& last = pieces.back();
      if (last.kind == 0 && last.offset + last.length == offset && last.length + n <= kMaxLength) {
        last.length += static_cast<uint32_t>(n);
        return;
      }
    }
    pieces.push_back(TemplatePiece{offset, static_cast<uint32_t>(n), 0});
  };
  for (size_t k = 0; k < count; ++k) {
    std::string_view text = d.LengthPrefixed();
    if (!d.ok()) return Status::Corruption("truncated template");
    Template& t = templates.emplace_back();
    VarCounts& counts = var_counts.emplace_back();
    if (text.size() > kMaxLength) return Status::Corruption("template too long");
    t.text = text;
    t.first_piece = static_cast<uint32_t>(pieces.size());
    for (size_t i = 0; i < text.size();) {
      char c = text[i];
      if (c == kIntVar || c == kStrVar) {
        uint32_t index = c == kIntVar ? counts.ints++ : counts.strs++;
        pieces.push_back(TemplatePiece{0, index, static_cast<uint32_t>(c)});
        ++i;
        continue;
      }
      if (c == kEscape) {
        if (++i == text.size()) return Status::Corruption("template ends in an escape");
        add_literal(t, text.data() + i, 1);
        ++i;
        continue;
      }
      // A run of plain bytes (not 0x01..0x03), added at once.
      size_t j = i + 1;
      while (j < text.size() && static_cast<uint8_t>(text[j] - 1) >= 3) ++j;
      add_literal(t, text.data() + i, j - i);
      i = j;
    }
    t.end_piece = static_cast<uint32_t>(pieces.size());
    for (uint32_t p = t.first_piece; p < t.end_piece; ++p) {
      if (pieces[p].kind == 0) t.literal_bytes += pieces[p].length;
    }
  }
  if (in_place != nullptr) {
    literal_base_ = in_place;
  } else {
    literals.append(kCopySlack, '\0');
    literal_base_ = literals.data();
  }
  return Status::Ok();
}

void ParsedTemplates::ShrinkToFit() {
  templates.shrink_to_fit();
  var_counts.shrink_to_fit();
  pieces.shrink_to_fit();
  literals.shrink_to_fit();
  if (!literals.empty()) literal_base_ = literals.data();
}

uint32_t TemplateDictionaryBuilder::Find(std::string_view text, uint64_t hash) const {
  if (slots_.empty()) return UINT32_MAX;
  size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    uint32_t slot = slots_[i];
    if (slot == 0) return UINT32_MAX;
    if (hashes_[slot - 1] == hash && texts_[slot - 1] == text) return slot - 1;
  }
}

void TemplateDictionaryBuilder::Insert(uint64_t hash, uint32_t id) {
  size_t mask = slots_.size() - 1;
  size_t i = hash & mask;
  while (slots_[i] != 0) i = (i + 1) & mask;
  slots_[i] = id + 1;
}

bool TemplateDictionaryBuilder::FindOrAddAll(const std::vector<std::string_view>& texts,
                                             std::vector<uint32_t>& ids,
                                             const std::vector<uint64_t>* given) {
  ids.assign(texts.size(), UINT32_MAX);
  thread_local std::vector<uint64_t> computed;
  if (given == nullptr) {
    computed.resize(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
      computed[i] = XXH3_64bits(texts[i].data(), texts[i].size());
    }
  }
  const std::vector<uint64_t>& hashes = given != nullptr ? *given : computed;
  size_t new_bytes = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    ids[i] = Find(texts[i], hashes[i]);
    if (ids[i] == UINT32_MAX) new_bytes += texts[i].size() + 1;
  }
  if (new_bytes == 0) return true;
  if (bytes_ + new_bytes > max_bytes_) return false;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (ids[i] != UINT32_MAX) continue;
    // The same text twice among `texts` gets one id.
    if ((ids[i] = Find(texts[i], hashes[i])) != UINT32_MAX) continue;
    ids[i] = static_cast<uint32_t>(texts_.size());
    texts_.emplace_back(texts[i]);
    hashes_.push_back(hashes[i]);
    bytes_ += texts[i].size() + 1;
    if (texts_.size() * 2 > slots_.size()) {
      slots_.assign(std::max<size_t>(64, slots_.size() * 2), 0);
      for (uint32_t id = 0; id < texts_.size(); ++id) Insert(hashes_[id], id);
    } else {
      Insert(hashes[i], ids[i]);
    }
  }
  return true;
}

std::string TemplateDictionaryBuilder::Serialize() const {
  std::string out;
  PutVarint64(out, texts_.size());
  for (const std::string& text : texts_) PutLengthPrefixed(out, text);
  return out;
}

Result<std::shared_ptr<const TemplateDictionary>> TemplateDictionary::Parse(
    std::string serialized) {
  std::shared_ptr<TemplateDictionary> dict(new TemplateDictionary());
  const size_t size = serialized.size();
  // Literal pieces point into the texts themselves, which need
  // kCopySlack bytes after them (added before any view is taken).
  serialized.append(ParsedTemplates::kCopySlack, '\0');
  serialized.shrink_to_fit();
  dict->serialized_ = std::move(serialized);
  Decoder d(std::string_view(dict->serialized_.data(), size));
  uint64_t count = d.Varint64();
  if (!d.ok() || count > d.remaining()) return Status::Corruption("bad template dictionary size");
  LODE_RETURN_IF_ERROR(dict->parsed_.Parse(d, count, dict->serialized_.data()));
  if (d.remaining() != 0) return Status::Corruption("bytes after the template dictionary");
  dict->parsed_.ShrinkToFit();
  return std::shared_ptr<const TemplateDictionary>(std::move(dict));
}

size_t TemplateDictionary::memory_bytes() const {
  return sizeof(*this) + serialized_.capacity() + parsed_.literals.capacity() +
         parsed_.templates.capacity() * sizeof(ParsedTemplates::Template) +
         parsed_.var_counts.capacity() * sizeof(ParsedTemplates::VarCounts) +
         parsed_.pieces.capacity() * sizeof(TemplatePiece);
}

std::shared_ptr<const std::vector<uint8_t>> TemplateDictionary::FragmentHits(
    std::string_view fragment) const {
  return Hits('f', fragment);
}

std::shared_ptr<const std::vector<uint8_t>> TemplateDictionary::HeldHits(
    std::string_view literal) const {
  return Hits('h', literal);
}

std::shared_ptr<const std::vector<uint8_t>> TemplateDictionary::Hits(char kind,
                                                                     std::string_view text) const {
  constexpr size_t kKept = 8;
  std::string key(1, kind);
  key.append(text);
  {
    MutexLock lock(mu_);
    for (const auto& [kept, hits] : hits_) {
      if (kept == key) return hits;
    }
  }
  auto hits = std::make_shared<std::vector<uint8_t>>(parsed_.templates.size());
  for (size_t t = 0; t < parsed_.templates.size(); ++t) {
    const std::string_view shape = parsed_.templates[t].text;
    (*hits)[t] = kind == 'f' ? TemplateTextMayContain(shape, text) : TemplateTextHolds(shape, text);
  }
  MutexLock lock(mu_);
  if (hits_.size() >= kKept) hits_.erase(hits_.begin());
  hits_.emplace_back(std::move(key), hits);
  return hits;
}

}  // namespace lode::part
