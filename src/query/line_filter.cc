#include "query/line_filter.h"

#include <re2/re2.h>
#include <string.h>

#include <algorithm>

#include "model/regex_error.h"
#include "query/regex_literals.h"

namespace lode {
namespace {

// A regex whose matches do not depend on what surrounds them: without
// anchors or word-boundary assertions (judged from the pattern text, so
// an escaped '^' also counts: the cautious side) and unable to match the
// empty string. For it, the leftmost match in lines laid end to end starts
// in the first line that matches on its own.
bool SearchableAcrossLines(std::string_view pattern, const RE2& re) {
  if (pattern.find_first_of("^$") != std::string_view::npos) return false;
  for (size_t i = 0; i + 1 < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      char c = pattern[i + 1];
      if (c == 'b' || c == 'B' || c == 'A' || c == 'z') return false;
      ++i;
    }
  }
  return !RE2::PartialMatch("", re);
}

// Line index containing byte `pos`, searching forward from line `i`.
size_t LineAt(const uint64_t* offsets, size_t count, size_t i, uint64_t pos) {
  while (i < count && offsets[i + 1] <= pos) ++i;
  return i;
}

// Sets hit[i] for each line containing `literal`.
void MarkLiteral(std::string_view data, const uint64_t* offsets, size_t count,
                 std::string_view literal, uint8_t* hit) {
  if (literal.empty()) {
    std::fill(hit, hit + count, 1);
    return;
  }
  uint64_t pos = offsets[0];
  const uint64_t end = offsets[count];
  size_t line = 0;
  while (pos < end) {
    const void* found = memmem(data.data() + pos, end - pos, literal.data(), literal.size());
    if (found == nullptr) return;
    uint64_t at = static_cast<const char*>(found) - data.data();
    line = LineAt(offsets, count, line, at);
    if (line == count) return;
    if (at + literal.size() <= offsets[line + 1]) {
      hit[line] = 1;
      pos = offsets[line + 1];
    } else {
      pos = at + 1;  // it runs into the next line: not a match
    }
  }
}

// Sets hit[i] for each line in which `re` (searchable across lines)
// matches.
void MarkRegex(std::string_view data, const uint64_t* offsets, size_t count, const RE2& re,
               uint8_t* hit) {
  uint64_t pos = offsets[0];
  const uint64_t end = offsets[count];
  size_t line = 0;
  re2::StringPiece text(data.data(), end);
  while (pos < end) {
    re2::StringPiece match;
    if (!re.Match(text, pos, end, RE2::UNANCHORED, &match, 1)) return;
    uint64_t at = match.data() - data.data();
    line = LineAt(offsets, count, line, at);
    if (line == count) return;
    std::string_view one(data.data() + offsets[line], offsets[line + 1] - offsets[line]);
    // The match may run into the next line; the line alone decides.
    if (RE2::PartialMatch(one, re)) hit[line] = 1;
    pos = offsets[line + 1];
    ++line;
  }
}

}  // namespace

LineFilterChain::~LineFilterChain() = default;
LineFilterChain::LineFilterChain(LineFilterChain&&) = default;
LineFilterChain& LineFilterChain::operator=(LineFilterChain&&) = default;

Result<LineFilterChain> LineFilterChain::Compile(const std::vector<logql::LineFilter>& filters) {
  using Op = logql::LineFilter::Op;
  LineFilterChain chain;
  for (const logql::LineFilter& filter : filters) {
    Stage stage;
    stage.negate = filter.op == Op::kNotContains || filter.op == Op::kRegexNoMatch;
    bool regex = filter.op == Op::kRegexMatch || filter.op == Op::kRegexNoMatch;
    for (const std::string& value : filter.values) {
      if (!regex) {
        stage.literals.push_back(value);
        continue;
      }
      RE2::Options options;
      options.set_log_errors(false);
      auto re = std::make_unique<RE2>(value, options);
      if (!re->ok()) {
        return Status::InvalidArgument(DescribeRegexError(*re));
      }
      stage.searchable_across_lines.push_back(SearchableAcrossLines(value, *re));
      std::string longest;
      // Three bytes at least: memmem for one or two is barely faster than
      // the regex's own search.
      for (std::string& literal : RequiredLiterals(value, 3)) {
        if (literal.size() > longest.size()) longest = std::move(literal);
      }
      stage.required.push_back(std::move(longest));
      stage.regexes.push_back(std::move(re));
    }
    chain.stages_.push_back(std::move(stage));
  }
  return chain;
}

bool LineFilterChain::Matches(std::string_view line) const {
  for (const Stage& stage : stages_) {
    bool any = false;
    for (const std::string& literal : stage.literals) {
      if (line.find(literal) != std::string_view::npos) {
        any = true;
        break;
      }
    }
    if (!any) {
      for (const auto& re : stage.regexes) {
        if (RE2::PartialMatch(line, *re)) {
          any = true;
          break;
        }
      }
    }
    if (any == stage.negate) return false;
  }
  return true;
}

}  // namespace lode

namespace lode {

void LineFilterChain::FilterBlock(std::string_view data, const uint64_t* offsets, size_t count,
                                  uint8_t* keep) const {
  thread_local std::vector<uint8_t> hit, candidate;
  for (const Stage& stage : stages_) {
    hit.assign(count, 0);
    for (const std::string& literal : stage.literals) {
      MarkLiteral(data, offsets, count, literal, hit.data());
    }
    for (size_t r = 0; r < stage.regexes.size(); ++r) {
      const RE2& re = *stage.regexes[r];
      // Only lines holding the literal the regex requires can match:
      // found with memmem, far faster than the regex. When most lines hold
      // it, one search of the whole block is cheaper than a call per line.
      const uint8_t* holds = nullptr;
      bool whole_block = stage.searchable_across_lines[r];
      if (!stage.required[r].empty()) {
        candidate.assign(count, 0);
        MarkLiteral(data, offsets, count, stage.required[r], candidate.data());
        size_t candidates = 0;
        for (size_t i = 0; i < count; ++i) candidates += candidate[i] & keep[i] & !hit[i];
        whole_block = whole_block && candidates * 4 >= count;
        holds = candidate.data();
      }
      if (whole_block) {
        MarkRegex(data, offsets, count, re, hit.data());
        continue;
      }
      for (size_t i = 0; i < count; ++i) {
        if (!keep[i] || hit[i] || (holds != nullptr && !holds[i])) continue;
        std::string_view line(data.data() + offsets[i], offsets[i + 1] - offsets[i]);
        if (RE2::PartialMatch(line, re)) hit[i] = 1;
      }
    }
    bool any_left = false;
    for (size_t i = 0; i < count; ++i) {
      if (hit[i] == stage.negate) keep[i] = 0;
      any_left |= keep[i] != 0;
    }
    if (!any_left) return;
  }
}

std::vector<std::string> RequiredLineLiterals(const std::vector<logql::LineFilter>& filters) {
  std::vector<std::string> out;
  for (const logql::LineFilter& f : filters) {
    if (f.values.size() != 1) continue;
    if (f.op == logql::LineFilter::Op::kContains) {
      out.push_back(f.values[0]);
    } else if (f.op == logql::LineFilter::Op::kRegexMatch) {
      for (std::string& literal : RequiredLiterals(f.values[0])) out.push_back(std::move(literal));
    }
  }
  return out;
}

}  // namespace lode
