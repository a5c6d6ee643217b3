// The token-filter keys of a read's literals, under every key scheme a
// part's filters may use (token_filter.h): whether a block may hold
// every literal (and a record_contains word), from its filter alone.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "storage/part/token_filter.h"
#include "storage/readable_part.h"

namespace lode {

class LiteralKeys {
 public:
  // `record_contains`: a whole word, or empty.
  LiteralKeys(const std::vector<std::string>& literals, const std::string& record_contains);

  // False when the block's filter shows it holds no line with every
  // literal (or no record with the word).
  bool MayContainAll(const BlockRef& block) const;

 private:
  // Whether the block may hold every fragment of the literals, by its
  // string filter and its part's dictionary.
  bool MayHoldFragments(const BlockRef& block) const;

  std::vector<std::string> fragments_;
  std::vector<std::vector<uint64_t>> fragment_keys_;  // StringKeys of each
  // Per part: whether its dictionary may hold each fragment (one
  // question per part, not per block). Used on one thread.
  mutable std::unordered_map<const ReadablePart*, std::vector<uint8_t>> in_templates_;
  // Indexed by part::KeyScheme.
  std::vector<part::KeyGroup> required_[part::kKeySchemes];
  std::vector<part::KeyGroup> record_[part::kKeySchemes];
};

}  // namespace lode
