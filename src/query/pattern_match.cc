#include "query/pattern_match.h"

namespace lode {

PatternMatcher::PatternMatcher(std::string_view pattern)
    : parts_(logql::SplitPattern(pattern)), empty_(pattern.empty()) {}

void PatternMatcher::Captures(
    std::string_view line, std::vector<std::pair<std::string_view, std::string_view>>* out) const {
  out->clear();
  if (line.empty() || parts_.empty()) return;
  size_t i = 0, pos = 0;
  if (!parts_[0].capture) {
    if (!line.starts_with(parts_[0].text)) return;
    pos = parts_[0].text.size();
    i = 1;
  }
  // Parts alternate from here: a capture, then the literal that ends it.
  while (i < parts_.size()) {
    const logql::PatternPart& capture = parts_[i];
    if (i + 1 >= parts_.size()) {
      out->emplace_back(capture.text, line.substr(pos));
      return;
    }
    const std::string& literal = parts_[i + 1].text;
    size_t hit = line.find(literal, pos);
    if (hit == std::string_view::npos) {
      out->emplace_back(capture.text, line.substr(pos));
      return;
    }
    out->emplace_back(capture.text, line.substr(pos, hit - pos));
    pos = hit + literal.size();
    i += 2;
  }
}

bool PatternMatcher::Test(std::string_view line) const {
  if (empty_) return line.empty();
  if (line.empty()) return false;
  size_t pos = 0;
  for (size_t i = 0; i < parts_.size(); ++i) {
    if (parts_[i].capture) continue;
    size_t hit = line.find(parts_[i].text, pos);
    if (hit == std::string_view::npos) return false;
    // A capture before this literal must match something.
    if (i > 0 && hit == pos) return false;
    pos = hit + parts_[i].text.size();
  }
  return parts_.back().capture ? pos < line.size() : pos == line.size();
}

}  // namespace lode
