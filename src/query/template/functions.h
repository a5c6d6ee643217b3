// The template engine's function library: the table the parser and the
// executor look names up in (FindFunction, internal.h), and what its
// families share to register functions and read their arguments. Each
// family has a file of its own, grouped as Loki's documentation groups
// them: strings, math, regular expressions, encodings, dates and times,
// and the record's own line and timestamp.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "query/template/internal.h"

namespace lode::tmpl {

using Args = std::vector<Value>;
using FunctionTable = std::map<std::string, Function, std::less<>>;

void AddStringFunctions(FunctionTable& table);    // string_functions.cc
void AddMathFunctions(FunctionTable& table);      // math_functions.cc
void AddRegexFunctions(FunctionTable& table);     // regex_functions.cc
void AddEncodingFunctions(FunctionTable& table);  // encoding_functions.cc
void AddDateFunctions(FunctionTable& table);      // date_functions.cc
void AddRecordFunctions(FunctionTable& table);    // record_functions.cc
// Prometheus' alert template functions, a dialect of their own.
void AddPrometheusFunctions(FunctionTable& table);       // prometheus_functions.cc
void AddPrometheusRegexFunctions(FunctionTable& table);  // regex_functions.cc

// ---- Arguments, as Go's reflection passes them to a function. ----

// text/template's errors for arguments that do not fit the function; the
// executor reports these at the function's name rather than as "error
// calling f".
Status WrongType(const char* want, const Value& got);
Status WrongCount(std::string_view name, size_t want, size_t got, bool at_least = false);

// A parameter typed `string`, `int` or `time.Time` in Go.
Result<std::string_view> StringArg(const Value& v);
Result<int64_t> IntArg(const Value& v);
Result<int64_t> TimeArg(const Value& v);  // nanoseconds since the epoch

// spf13/cast's conversions, which sprig's numeric functions apply to
// `interface{}` parameters: cast.ToInt64 and cast.ToFloat64.
int64_t ToInt64(const Value& v);
double ToFloat64(const Value& v);

// Registers `name`, a function of `arity` parameters all typed `string`.
using StringsFunction = std::function<Result<Value>(const std::vector<std::string_view>&)>;
void AddStringsFunction(FunctionTable& table, const char* name, size_t arity, StringsFunction fn);

}  // namespace lode::tmpl
