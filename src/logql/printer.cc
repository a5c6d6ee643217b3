#include "logql/printer.h"

#include <cstdint>

#include "model/labels.h"
#include "model/matcher.h"

namespace lode::logql {

std::string Print(const LogSelectorExpr& expr) {
  std::string out = "{";
  for (size_t i = 0; i < expr.matchers.size(); ++i) {
    const Matcher& m = expr.matchers[i];
    if (i > 0) out += ", ";
    out += m.name();
    out += MatchTypeOperator(m.type());
    AppendQuoted(out, m.value());
  }
  out += '}';
  for (const LineFilter& f : expr.filters) {
    out += ' ';
    out += LineFilterOperator(f.op);
    for (size_t i = 0; i < f.values.size(); ++i) {
      out += i == 0 ? " " : " or ";
      AppendQuoted(out, f.values[i]);
    }
  }
  return out;
}

}  // namespace lode::logql
