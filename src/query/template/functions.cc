// The table of the functions a template may call, built once from every
// family: LogQL's own (ToUpper, regexReplaceAll, unixEpochMillis,
// alignLeft, __line__, ...) and the sprig functions LogQL exposes (lower,
// trunc, add, addf, date, default, ...); and, apart, Prometheus' for the
// templates of alerting and recording rules (humanize, reReplaceAll, ...). text/template's builtins
// (and, eq, index, printf, ...) are the executor's (exec.cc).
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

const Function* FindFunction(std::string_view name, Dialect dialect) {
  static const auto* const kFunctions = new FunctionTable(BuildFunctions());
  static const auto* const kPrometheus = new FunctionTable([] {
    FunctionTable table;
    AddPrometheusFunctions(table);
    return table;
  }());
  const FunctionTable& table = dialect == Dialect::kPrometheus ? *kPrometheus : *kFunctions;
  auto it = table.find(name);
  return it == table.end() ? nullptr : &it->second;
}

}  // namespace lode::tmpl
