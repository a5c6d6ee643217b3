// The parts of the template engine (template.h) shared by its parser,
// executor and function library: values, the parse tree, functions.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace lode {
class LabelsBuilder;
struct TemplateInput;
}  // namespace lode

namespace lode::tmpl {

// Which language a template is written in: LogQL's line_format (its
// functions, the dot is the record's labels) or Prometheus' alert and
// recording rule templates (Prometheus' functions, $labels, $value, ...).
enum class Dialect : uint8_t { kLogql, kPrometheus };

// Go's zero time (0001-01-01 00:00:00 UTC), what failed date parsing
// gives: earlier than nanoseconds in an int64 reach, so marked apart.
inline constexpr int64_t kZeroTime = INT64_MIN;

// A value while a template runs. Go's text/template is dynamically typed;
// these are the kinds LogQL templates meet.
struct Value {
  enum class Kind : uint8_t {
    kNoValue,  // a missing value: prints as "<no value>"
    kNil,
    kBool,
    kInt,
    kFloat,
    kString,
    kTime,   // i: nanoseconds since the epoch; offset_s / zone: its zone
    kMap,    // labels: the record's (map == null) or those `map` points to
    kAlert,  // the dot of an alert template: .Labels, .Value, .ExternalLabels, .ExternalURL
  };
  Kind kind = Kind::kNoValue;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;
  int32_t offset_s = 0;                // kTime: the zone's offset east of UTC
  std::string zone;                    // kTime: the zone's name ("UTC" when empty)
  const LabelsBuilder* map = nullptr;  // kMap: null for the record's labels

  static Value Bool(bool v) {
    Value x;
    x.kind = Kind::kBool;
    x.b = v;
    return x;
  }
  static Value Int(int64_t v) {
    Value x;
    x.kind = Kind::kInt;
    x.i = v;
    return x;
  }
  static Value Float(double v) {
    Value x;
    x.kind = Kind::kFloat;
    x.f = v;
    return x;
  }
  static Value String(std::string v) {
    Value x;
    x.kind = Kind::kString;
    x.s = std::move(v);
    return x;
  }
  static Value Time(int64_t ns) {
    Value x;
    x.kind = Kind::kTime;
    x.i = ns;
    return x;
  }
  static Value Nil() {
    Value x;
    x.kind = Kind::kNil;
    return x;
  }
  static Value Map(const LabelsBuilder* labels = nullptr) {
    Value x;
    x.kind = Kind::kMap;
    x.map = labels;
    return x;
  }
};

// Go's name for a value's type, as error messages print it.
const char* TypeName(const Value& v);
// Go's truth: false, 0, "", nil and an empty map are false. `labels` are
// the record's, which a kMap without its own `map` reads.
bool Truth(const Value& v, const LabelsBuilder* labels);
// Appends v as fmt.Print would (`{{ x }}`).
void AppendValue(const Value& v, const LabelsBuilder* labels, std::string* out);
// Go's %v of a float64 (strconv 'g' shortest, exponent from 1e21 or
// below 1e-4).
void AppendGoFloat(double f, std::string* out);
// time.Time.String(): "2006-01-02 15:04:05.999999999 -0700 MST".
void AppendGoTime(const Value& t, std::string* out);
// fmt.Sprintf with Go's verbs, flags and error forms (%!d(string=x)).
std::string GoSprintf(std::string_view format, const std::vector<Value>& args,
                      const LabelsBuilder* labels);

// Formats a time with a Go reference layout ("2006-01-02T15:04:05Z07:00").
std::string FormatGoTime(const Value& t, std::string_view layout);
// Parses `text` with a Go layout; times without a zone are in
// `default_offset_s` / `default_zone`.
Result<Value> ParseGoTime(std::string_view layout, std::string_view text,
                          int32_t default_offset_s = 0, std::string_view default_zone = "UTC");

// ---- Parse tree. ----

struct Pipeline;

// One operand of a command.
struct Arg {
  enum class Kind : uint8_t {
    kDot,       // .
    kField,     // .a.b (fields on the dot)
    kVariable,  // $x.a (fields on a variable; $ alone is the root)
    kFunction,  // an identifier: a function name
    kString,
    kNumber,
    kBool,
    kNil,
    kPipeline,  // ( pipeline ), optionally followed by .fields
  };
  Kind kind = Kind::kDot;
  std::string name;                 // variable or function name
  std::vector<std::string> fields;  // field chain
  Value constant;                   // kString, kNumber, kBool
  std::shared_ptr<Pipeline> pipeline;
  size_t pos = 0;    // offset in the template, for error messages
  std::string text;  // as errors show it ("div", ".a.b", "(len .x)")
};

// `f a b c` or a lone operand.
struct Command {
  std::vector<Arg> args;
  size_t pos = 0;
  std::string text;  // "div 1 0"
};

// `$x := cmd | cmd | cmd`.
struct Pipeline {
  std::vector<std::string> decl;  // variables declared or assigned
  bool assign = false;            // `=` rather than `:=`
  std::vector<Command> commands;
  std::string text;  // for error messages
};

struct Node {
  enum class Kind : uint8_t { kList, kText, kAction, kIf, kWith, kRange, kBreak, kContinue };
  Kind kind = Kind::kList;
  std::string text;                         // kText
  std::shared_ptr<Pipeline> pipeline;       // kAction, kIf, kWith, kRange
  std::vector<std::shared_ptr<Node>> list;  // kList; the body of if/with/range
  std::shared_ptr<Node> else_list;          // if/with/range: may be null
  int line = 1;                             // for error messages
  std::string source;                       // the action's text, for error messages
};

// Parses a template; errors read like Go's: `template: line:1: ...`.
Result<std::shared_ptr<Node>> ParseTemplate(std::string_view text, std::string_view name,
                                            Dialect dialect = Dialect::kLogql);

// The variables a Prometheus template starts with.
inline constexpr const char* kPrometheusVariables[] = {"labels", "externalLabels", "externalURL",
                                                       "value"};

// ---- Functions. ----

// What a function sees besides its arguments.
struct CallContext {
  const TemplateInput* input = nullptr;
};

using Function = std::function<Result<Value>(const CallContext&, std::vector<Value>& args)>;

// The function of that name in the dialect (LogQL's and sprig's, or
// Prometheus'), or null. text/template's builtins are the executor's.
const Function* FindFunction(std::string_view name, Dialect dialect = Dialect::kLogql);

}  // namespace lode::tmpl
