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

// Checked in the order Loki's pattern package checks, with its words.
Status CheckPattern(std::string_view pattern, PatternUse use) {
  std::vector<PatternPart> parts = SplitPattern(pattern);
  auto refuse = [&](const std::string& why) {
    return Status::InvalidArgument(std::string(use == PatternUse::kLineFilter
                                                   ? "invalid pattern filter \""
                                                   : "invalid pattern \"") +
                                   std::string(pattern) + "\": " + why);
  };
  // An empty filter matches empty lines; an empty parser is no pattern.
  if (parts.empty()) {
    if (use == PatternUse::kLineFilter) return Status::Ok();
    return refuse("syntax error: unexpected $end, expecting IDENTIFIER or LITERAL");
  }
  size_t named = 0;
  for (const PatternPart& p : parts) named += p.capture && p.text != "_";
  if (use == PatternUse::kParser && named == 0) {
    return refuse("at least one capture is required");
  }
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i].capture && parts[i + 1].capture) {
      return refuse("found consecutive capture '<" + parts[i].text + "><" + parts[i + 1].text +
                    ">': invalid expression");
    }
  }
  std::set<std::string> names;
  for (const PatternPart& p : parts) {
    if (!p.capture || p.text == "_") continue;
    if (use == PatternUse::kLineFilter) {
      return refuse("named captures are not allowed: found '<" + p.text + ">'");
    }
    if (!names.insert(p.text).second) {
      return refuse("duplicate capture name (" + p.text + "): invalid expression");
    }
  }
  return Status::Ok();
}

}  // namespace lode::logql
