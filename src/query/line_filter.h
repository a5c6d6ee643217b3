// Compiled line filters: the `|= "x"`, `!= "x"`, `|~ "re"`, `!~ "re"`
// stages of a log query, evaluated against each line in order.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "logql/ast.h"

namespace re2 {
class RE2;
}

namespace lode {

// Immutable once compiled; safe to use from several threads.
class LineFilterChain {
 public:
  static Result<LineFilterChain> Compile(const std::vector<logql::LineFilter>& filters);

  LineFilterChain(LineFilterChain&&);
  LineFilterChain& operator=(LineFilterChain&&);
  ~LineFilterChain();

  // True when the line passes every filter.
  bool Matches(std::string_view line) const;
  // The same for `count` lines at once: line i is data[offsets[i],
  // offsets[i + 1]); clears keep[i] for each line that fails. Literals and
  // most regexes are searched for in the whole range in one pass, which
  // is much faster than a call per line.
  void FilterBlock(std::string_view data, const uint64_t* offsets, size_t count,
                   uint8_t* keep) const;
  bool empty() const { return stages_.empty(); }

 private:
  struct Stage {
    bool negate = false;
    std::vector<std::string> literals;               // contains any (for |= / !=)
    std::vector<std::unique_ptr<re2::RE2>> regexes;  // matches any (for |~ / !~)
    // Per regex: whether a match found in lines laid end to end is a
    // match of the line it starts in (no anchors or word boundaries, no
    // empty match), so that a block can be searched in one pass.
    std::vector<bool> searchable_across_lines;
    // Per regex: the longest literal it requires (regex_literals.h), or
    // empty. A block is searched for it first, and the regex runs only on
    // the lines that hold it.
    std::vector<std::string> required;
  };
  LineFilterChain() = default;

  std::vector<Stage> stages_;
};

// Literals every line passing `filters` contains, for the skip index
// (SelectRequest::line_contains): those of single-valued `|=` filters and
// those a single-valued `|~` regex requires.
std::vector<std::string> RequiredLineLiterals(const std::vector<logql::LineFilter>& filters);

}  // namespace lode
