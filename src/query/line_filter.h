// Compiled line filters: the `|= "x"`, `!= "x"`, `|~ "re"`, `!~ "re"`
// stages of a log query, evaluated against each line in order.
#pragma once

#include <memory>
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
  bool empty() const { return stages_.empty(); }

 private:
  struct Stage {
    bool negate = false;
    std::vector<std::string> literals;               // contains any (for |= / !=)
    std::vector<std::unique_ptr<re2::RE2>> regexes;  // matches any (for |~ / !~)
  };
  LineFilterChain() = default;

  std::vector<Stage> stages_;
};

}  // namespace lode
