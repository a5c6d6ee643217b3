#include "logql/pattern.h"

#include <set>

namespace lode::logql {

namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// The length of a capture `<name>` at the start of `s`, or 0.
size_t CaptureAt(std::string_view s) {
  if (s.size() < 3 || s[0] != '<' || !IsNameStart(s[1])) return 0;
  size_t i = 2;
  while (i < s.size() && IsNameChar(s[i])) ++i;
  return i < s.size() && s[i] == '>' ? i + 1 : 0;
}

}  // namespace

std::vector<PatternPart> SplitPattern(std::string_view pattern) {
  std::vector<PatternPart> parts;
  size_t i = 0;
  while (i < pattern.size()) {
    if (size_t n = CaptureAt(pattern.substr(i)); n > 0) {
      parts.push_back(PatternPart{true, std::string(pattern.substr(i + 1, n - 2))});
      i += n;
      continue;
    }
    if (parts.empty() || parts.back().capture) parts.push_back(PatternPart{});
    parts.back().text.push_back(pattern[i]);
    ++i;
  }
  return parts;
}

Status CheckPattern(std::string_view pattern, PatternUse use) {
  std::vector<PatternPart> parts = SplitPattern(pattern);
  std::set<std::string> names;
  bool named = false;
  for (size_t i = 0; i < parts.size(); ++i) {
    const PatternPart& p = parts[i];
    if (!p.capture) continue;
    if (i > 0 && parts[i - 1].capture) {
      return Status::InvalidArgument("invalid pattern \"" + std::string(pattern) +
                                     "\": consecutive capture not allowed");
    }
    if (p.text == "_") continue;
    if (use == PatternUse::kLineFilter) {
      return Status::InvalidArgument("invalid pattern filter \"" + std::string(pattern) +
                                     "\": only <_> placeholders are allowed, found <" + p.text +
                                     ">");
    }
    if (!names.insert(p.text).second) {
      return Status::InvalidArgument("invalid pattern \"" + std::string(pattern) +
                                     "\": duplicate capture name (" + p.text + ")");
    }
    named = true;
  }
  if (use == PatternUse::kParser && !named) {
    return Status::InvalidArgument("invalid pattern \"" + std::string(pattern) +
                                   "\": at least one capture is required");
  }
  return Status::Ok();
}

}  // namespace lode::logql
