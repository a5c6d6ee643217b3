#include "query/line_filter.h"

#include <re2/re2.h>

namespace lode {

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
        return Status::InvalidArgument("invalid regex \"" + value + "\": " + re->error());
      }
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
