#include "storage/literal_keys.h"

#include "storage/part/line_templates.h"
#include "storage/part/part_format.h"

namespace lode {

LiteralKeys::LiteralKeys(const std::vector<std::string>& literals,
                         const std::string& record_contains) {
  for (const std::string& literal : literals) {
    for (std::string_view f : part::LiteralFragments(literal)) {
      fragments_.emplace_back(f);
      fragment_keys_.push_back(part::StringKeys(f));
    }
  }
  for (int s = 0; s < part::kKeySchemes; ++s) {
    const auto scheme = static_cast<part::KeyScheme>(s);
    for (const std::string& literal : literals) {
      auto keys = part::RequiredKeys(literal, scheme);
      required_[s].insert(required_[s].end(), keys.begin(), keys.end());
    }
    // As a whole word: non-word bytes around it make every one of its
    // tokens a whole token, which the filters hold.
    if (!record_contains.empty()) {
      record_[s] = part::RequiredKeys(" " + record_contains + " ", scheme);
    }
  }
}

bool LiteralKeys::MayHoldFragments(const BlockRef& block) const {
  std::string_view strings = block.part->BlockStringFilter(block.index);
  if (strings == part::kUnknownStringFilter) return true;
  std::vector<uint8_t>* in_templates = nullptr;
  for (size_t i = 0; i < fragments_.size(); ++i) {
    if (part::StringsMayContain(strings, fragment_keys_[i])) continue;
    // No string variable holds it: only the templates could.
    if (in_templates == nullptr) {
      auto [it, fresh] = in_templates_.try_emplace(block.part);
      if (fresh) {
        for (const std::string& f : fragments_) {
          it->second.push_back(block.part->TemplatesMayContain(f) ? 1 : 0);
        }
      }
      in_templates = &it->second;
    }
    if (!(*in_templates)[i]) return false;
  }
  return true;
}

bool LiteralKeys::MayContainAll(const BlockRef& block) const {
  const uint64_t flags = block.part->meta().flags;
  const int scheme = static_cast<int>(part::KeySchemeOfPart(flags));
  // An id kept as metadata is in the filters of newer parts only.
  const bool record_keys =
      !record_[scheme].empty() && (flags & part::kPartFlagMetadataInFilters) != 0;
  if (!fragments_.empty() && !MayHoldFragments(block)) return false;
  if (required_[scheme].empty() && !record_keys) return true;
  std::string_view filter = block.part->BlockFilter(block.index);
  if (record_keys) {
    for (const part::KeyGroup& group : record_[scheme]) {
      if (!part::BloomMayContainAny(filter, group)) return false;
    }
  }
  for (const part::KeyGroup& group : required_[scheme]) {
    if (!part::BloomMayContainAny(filter, group)) return false;
  }
  return true;
}

}  // namespace lode
