// The table of the functions a template may call, built once from every
// family: LogQL's own (ToUpper, regexReplaceAll, unixEpochMillis,
// alignLeft, __line__, ...) and the sprig functions LogQL exposes (lower,
// trunc, add, addf, date, default, ...). text/template's builtins (and,
// eq, index, printf, ...) are the executor's (exec.cc).
#include "query/template/functions.h"

namespace lode::tmpl {
namespace {

FunctionTable BuildFunctions() {
  FunctionTable table;
  AddStringFunctions(table);
  AddMathFunctions(table);
  AddRegexFunctions(table);
  AddEncodingFunctions(table);
  AddDateFunctions(table);
  AddRecordFunctions(table);
  return table;
}

}  // namespace

const Function* FindFunction(std::string_view name) {
  static const auto* const kFunctions = new FunctionTable(BuildFunctions());
  auto it = kFunctions->find(name);
  return it == kFunctions->end() ? nullptr : &it->second;
}

}  // namespace lode::tmpl
