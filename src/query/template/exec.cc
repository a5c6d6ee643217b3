// Executes a parsed template over one record: the tree walk, variables,
// and the text/template builtins that need more than their evaluated
// arguments (and/or short-circuit; comparisons; index; len; print*).
#include <algorithm>
#include <cctype>
#include <cmath>

#include "query/labels_builder.h"
#include "query/template/internal.h"
#include "query/template/template.h"

namespace lode {
namespace tmpl {
namespace {

// Go's basic kinds, for comparisons.
enum class Basic { kBool, kInt, kFloat, kString, kOther };
Basic BasicKind(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kBool:
      return Basic::kBool;
    case Value::Kind::kInt:
      return Basic::kInt;
    case Value::Kind::kFloat:
      return Basic::kFloat;
    case Value::Kind::kString:
      return Basic::kString;
    default:
      return Basic::kOther;
  }
}

// What one record's template may do: a query runs it on every line.
constexpr int64_t kMaxRange = 100000;
constexpr size_t kMaxOutput = 16u << 20;

class Executor {
 public:
  Executor(const TemplateInput& input, std::string_view name, std::string_view source,
           Dialect dialect, std::string* out)
      : input_(input), name_(name), source_(source), dialect_(dialect), out_(out) {
    ctx_.input = &input_;
  }

  Status Run(const Node& root) {
    if (dialect_ == Dialect::kPrometheus) {
      // Prometheus runs "{{$labels := .Labels}}{{$externalLabels :=
      // .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value :=
      // .Value}}" before the template's own text.
      Value dot;
      dot.kind = Value::Kind::kAlert;
      vars_.push_back({"", dot});
      for (const char* name : kPrometheusVariables) {
        auto v = AlertField(name);
        vars_.push_back({name, v.ok() ? *v : Value()});
      }
      return Walk(root, dot);
    }
    vars_.push_back({"", Value::Map()});
    Value dot = Value::Map();
    return Walk(root, dot);
  }

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  // Where an error happened: a node of the template, as Go names it.
  struct Where {
    size_t pos = 0;
    std::string_view text;
  };

  // "template: line:1:3: executing "line" at <div 1 0>: ..." (the column
  // counts bytes from 0).
  Status Error(const Where& w, const std::string& what) const {
    size_t line = 1, line_start = 0;
    for (size_t i = 0; i < w.pos && i < source_.size(); ++i) {
      if (source_[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    std::string msg = "template: " + std::string(name_) + ":" + std::to_string(line) + ":" +
                      std::to_string(w.pos - line_start) + ": executing \"" + std::string(name_) +
                      "\" at <" + std::string(w.text) + ">";
    return Status::InvalidArgument(msg + ": " + what);
  }
  Status Error(const Node* node, const std::string& what) const {
    Where w;
    if (node != nullptr && node->pipeline && !node->pipeline->commands.empty()) {
      w.pos = node->pipeline->commands[0].pos;
      w.text = node->pipeline->text;
    }
    return Error(w, what);
  }

  // The labels a kMap value reads.
  const LabelsBuilder* MapOf(const Value& v) const {
    return v.map != nullptr ? v.map : input_.labels;
  }

  // A field of the alert template's dot (Go's tmplData), by its field or
  // its variable name.
  Result<Value> AlertField(std::string_view name) const {
    static const LabelsBuilder* const kNoLabels = new LabelsBuilder();
    const AlertTemplateData* a = input_.alert;
    if (name == "Labels" || name == "labels") return Value::Map(input_.labels);
    if (name == "ExternalLabels" || name == "externalLabels") {
      return Value::Map(a != nullptr && a->external_labels != nullptr ? a->external_labels
                                                                      : kNoLabels);
    }
    if (name == "ExternalURL" || name == "externalURL") {
      return Value::String(a != nullptr ? std::string(a->external_url) : std::string());
    }
    if (name == "Value" || name == "value") return Value::Float(a != nullptr ? a->value : 0);
    return Error(where_,
                 "can't evaluate field " + std::string(name) + " in type *template.tmplData");
  }

  Status Walk(const Node& node, const Value& dot) {
    Status s = WalkFlow(node, dot);
    return s;
  }

  Status WalkFlow(const Node& node, const Value& dot) {
    switch (node.kind) {
      case Node::Kind::kList:
        for (const auto& child : node.list) {
          LODE_RETURN_IF_ERROR(WalkFlow(*child, dot));
          if (flow_ != Flow::kNormal) return Status::Ok();
        }
        return Status::Ok();
      case Node::Kind::kText:
        out_->append(node.text);
        return Status::Ok();
      case Node::Kind::kAction: {
        const Pipeline& p = *node.pipeline;
        // The common `{{.label}}`: appended without building a value.
        if (p.decl.empty() && p.commands.size() == 1 && p.commands[0].args.size() == 1) {
          const Arg& a = p.commands[0].args[0];
          if (a.kind == Arg::Kind::kField && a.fields.size() == 1 &&
              dot.kind == Value::Kind::kMap && MapOf(dot) != nullptr) {
            if (auto v = MapOf(dot)->Get(a.fields[0])) out_->append(*v);
            return Status::Ok();
          }
        }
        LODE_ASSIGN_OR_RETURN(Value v, EvalPipeline(p, dot));
        if (p.decl.empty()) AppendValue(v, input_.labels, out_);
        return Status::Ok();
      }
      case Node::Kind::kIf:
      case Node::Kind::kWith: {
        const size_t mark = vars_.size();
        LODE_ASSIGN_OR_RETURN(Value v, EvalPipeline(*node.pipeline, dot));
        const bool truth = Truth(v, input_.labels);
        Status s;
        if (truth) {
          s = WalkFlow(*node.list[0], node.kind == Node::Kind::kWith ? v : dot);
        } else if (node.else_list) {
          s = WalkFlow(*node.else_list, dot);
        }
        vars_.resize(mark);
        return s;
      }
      case Node::Kind::kRange:
        return WalkRange(node, dot);
      case Node::Kind::kBreak:
        flow_ = Flow::kBreak;
        return Status::Ok();
      case Node::Kind::kContinue:
        flow_ = Flow::kContinue;
        return Status::Ok();
    }
    return Status::Ok();
  }

  Status WalkRange(const Node& node, const Value& dot) {
    const size_t mark = vars_.size();
    const Pipeline& p = *node.pipeline;
    // The declared variables are set per element, not to the pipeline's value.
    Pipeline bare = p;
    bare.decl.clear();
    LODE_ASSIGN_OR_RETURN(Value v, EvalPipeline(bare, dot));
    auto one = [&](Value key, Value elem) -> Status {
      vars_.resize(mark);
      if (p.decl.size() == 1) {
        vars_.push_back({p.decl[0], elem});
      } else if (p.decl.size() == 2) {
        vars_.push_back({p.decl[0], key});
        vars_.push_back({p.decl[1], elem});
      }
      Status s = WalkFlow(*node.list[0], elem);
      return s;
    };
    size_t count = 0;
    Status s;
    if (v.kind == Value::Kind::kMap) {
      Labels labels = MapOf(v) != nullptr ? MapOf(v)->Build() : Labels();
      for (const Label& l : labels) {
        ++count;
        s = one(Value::String(l.name), Value::String(l.value));
        if (!s.ok() || flow_ == Flow::kBreak) break;
        flow_ = Flow::kNormal;
      }
    } else if (v.kind == Value::Kind::kInt) {
      if (v.i > kMaxRange) {
        vars_.resize(mark);
        return Error(&node, "range over " + std::to_string(v.i) + " iterations is more than " +
                                std::to_string(kMaxRange) + " allowed");
      }
      for (int64_t k = 0; k < v.i; ++k) {
        if (out_->size() > kMaxOutput) {
          s = Error(&node, "template output exceeds " + std::to_string(kMaxOutput) + " bytes");
          break;
        }
        ++count;
        s = one(Value::Int(k), Value::Int(k));
        if (!s.ok() || flow_ == Flow::kBreak) break;
        flow_ = Flow::kNormal;
      }
    } else if (v.kind != Value::Kind::kNil && v.kind != Value::Kind::kNoValue) {
      vars_.resize(mark);
      return Error(&node, std::string("range can't iterate over ") + Print(v));
    }
    flow_ = Flow::kNormal;
    vars_.resize(mark);
    LODE_RETURN_IF_ERROR(s);
    if (count == 0 && node.else_list) return WalkFlow(*node.else_list, dot);
    return Status::Ok();
  }

  std::string Print(const Value& v) const {
    std::string s;
    AppendValue(v, input_.labels, &s);
    return s;
  }

  Result<Value> EvalPipeline(const Pipeline& p, const Value& dot) {
    Value final;
    bool has_final = false;
    for (const Command& c : p.commands) {
      LODE_ASSIGN_OR_RETURN(final, EvalCommand(c, dot, has_final ? &final : nullptr));
      has_final = true;
    }
    for (const std::string& name : p.decl) {
      if (p.assign) {
        for (size_t i = vars_.size(); i-- > 0;) {
          if (vars_[i].first == name) {
            vars_[i].second = final;
            break;
          }
        }
      } else {
        vars_.push_back({name, final});
      }
    }
    return final;
  }

  Result<Value> EvalCommand(const Command& c, const Value& dot, const Value* final) {
    const Arg& first = c.args[0];
    where_ = Where{c.pos, c.text};
    if (first.kind == Arg::Kind::kFunction) return CallFunction(first.name, c, dot, final);
    const Where at_first{first.pos, first.text};
    if (first.kind == Arg::Kind::kNil) return Error(at_first, "nil is not a command");
    if (c.args.size() > 1 || final != nullptr) {
      // Go names the operand, not the whole command: at <.foo>.
      if (!first.fields.empty()) {
        return Error(at_first, first.fields.back() + " is not a method but has arguments");
      }
      if (first.kind == Arg::Kind::kVariable || first.kind == Arg::Kind::kDot) {
        return Error(at_first, "can't give argument to non-function " + first.text);
      }
      return Error(where_, "can't give argument to non-function " + Print(EvalConst(first)));
    }
    return EvalArg(first, dot);
  }

  static Value EvalConst(const Arg& a) {
    if (a.kind == Arg::Kind::kNil) return Value::Nil();
    return a.constant;
  }

  Result<Value> EvalArg(const Arg& a, const Value& dot) {
    switch (a.kind) {
      case Arg::Kind::kDot:
        return dot;
      case Arg::Kind::kField:
        where_ = Where{a.pos, a.text};
        return EvalFields(dot, a.fields);
      case Arg::Kind::kVariable: {
        where_ = Where{a.pos, a.text};
        Value base;
        bool found = false;
        for (size_t i = vars_.size(); i-- > 0;) {
          if (vars_[i].first == a.name) {
            base = vars_[i].second;
            found = true;
            break;
          }
        }
        if (!found) return Error(where_, "undefined variable: $" + a.name);
        return EvalFields(base, a.fields);
      }
      case Arg::Kind::kFunction: {
        // A function without arguments, as an operand: called through a
        // command made for the call, which where_ must not outlive.
        Command c;
        c.args.push_back(a);
        c.pos = a.pos;
        c.text = a.text;
        auto v = CallFunction(a.name, c, dot, nullptr);
        where_ = Where{a.pos, a.text};
        return v;
      }
      case Arg::Kind::kPipeline: {
        const size_t mark = vars_.size();
        auto v = EvalPipeline(*a.pipeline, dot);
        vars_.resize(mark);
        if (!v.ok()) return v.status();
        return EvalFields(*v, a.fields);
      }
      case Arg::Kind::kNil:
        return Value::Nil();
      default:
        return a.constant;
    }
  }

  Result<Value> EvalFields(Value v, const std::vector<std::string>& fields) {
    for (const std::string& f : fields) {
      if (v.kind == Value::Kind::kMap) {
        // A missing label reads as the empty string.
        const LabelsBuilder* map = MapOf(v);
        auto got = map != nullptr ? map->Get(f) : std::nullopt;
        v = Value::String(got ? std::string(*got) : std::string());
        continue;
      }
      if (v.kind == Value::Kind::kAlert) {
        // Go's fields are capitalised; the variables are not.
        if (f.empty() || !std::isupper(static_cast<unsigned char>(f[0]))) {
          return Error(where_, "can't evaluate field " + f + " in type *template.tmplData");
        }
        LODE_ASSIGN_OR_RETURN(v, AlertField(f));
        continue;
      }
      if (v.kind == Value::Kind::kNil || v.kind == Value::Kind::kNoValue) {
        return Error(where_, "nil pointer evaluating interface {}." + f);
      }
      return Error(where_, "can't evaluate field " + f + " in type " + TypeName(v));
    }
    return v;
  }

  // Evaluates the arguments of a call (the command's operands after the
  // function, then the piped value).
  Result<std::vector<Value>> EvalArgs(const Command& c, const Value& dot, const Value* final) {
    std::vector<Value> args;
    args.reserve(c.args.size());
    for (size_t i = 1; i < c.args.size(); ++i) {
      LODE_ASSIGN_OR_RETURN(Value v, EvalArg(c.args[i], dot));
      args.push_back(std::move(v));
    }
    if (final != nullptr) args.push_back(*final);
    return args;
  }

  Result<Value> CallFunction(const std::string& name, const Command& c, const Value& dot,
                             const Value* final) {
    where_ = Where{c.args[0].pos, c.args[0].text};
    // and / or evaluate their operands only as far as needed.
    if (name == "and" || name == "or") {
      const size_t n = c.args.size() - 1 + (final != nullptr ? 1 : 0);
      if (n < 1)
        return Error(where_, "wrong number of args for " + name + ": want at least 1 got 0");
      Value v;
      for (size_t i = 1; i <= n; ++i) {
        if (i < c.args.size()) {
          LODE_ASSIGN_OR_RETURN(v, EvalArg(c.args[i], dot));
        } else {
          v = *final;
        }
        const bool t = Truth(v, input_.labels);
        if ((name == "and" && !t) || (name == "or" && t)) return v;
      }
      return v;
    }
    LODE_ASSIGN_OR_RETURN(std::vector<Value> args, EvalArgs(c, dot, final));
    const Where command{c.pos, c.text};
    const Where function{c.args[0].pos, c.args[0].text};
    where_ = function;
    call_ = command;
    auto want = [&](size_t n) -> Status {
      if (args.size() != n) {
        return Error(where_, "wrong number of args for " + name + ": want " + std::to_string(n) +
                                 " got " + std::to_string(args.size()));
      }
      return Status::Ok();
    };
    if (name == "not") {
      LODE_RETURN_IF_ERROR(want(1));
      return Value::Bool(!Truth(args[0], input_.labels));
    }
    if (name == "len") {
      LODE_RETURN_IF_ERROR(want(1));
      if (args[0].kind == Value::Kind::kString)
        return Value::Int(static_cast<int64_t>(args[0].s.size()));
      if (args[0].kind == Value::Kind::kMap) {
        const LabelsBuilder* map = MapOf(args[0]);
        return Value::Int(static_cast<int64_t>(map != nullptr ? map->size() : 0));
      }
      return Error(command, "error calling len: len of type " + std::string(TypeName(args[0])));
    }
    if (name == "index") {
      if (args.empty())
        return Error(where_, "wrong number of args for index: want at least 1 got 0");
      Value v = args[0];
      for (size_t i = 1; i < args.size(); ++i) {
        if (v.kind == Value::Kind::kMap) {
          if (args[i].kind != Value::Kind::kString) {
            return Error(command, "error calling index: value has type " +
                                      std::string(TypeName(args[i])) + "; should be string");
          }
          const LabelsBuilder* map = MapOf(v);
          auto got = map != nullptr ? map->Get(args[i].s) : std::nullopt;
          v = Value::String(got ? std::string(*got) : std::string());
        } else if (v.kind == Value::Kind::kString) {
          if (args[i].kind != Value::Kind::kInt) {
            return Error(command, "error calling index: cannot index slice/array with type " +
                                      std::string(TypeName(args[i])));
          }
          if (args[i].i < 0 || args[i].i >= static_cast<int64_t>(v.s.size())) {
            return Error(command,
                         "error calling index: index out of range: " + std::to_string(args[i].i));
          }
          v = Value::Int(static_cast<unsigned char>(v.s[args[i].i]));
        } else if (v.kind == Value::Kind::kNil || v.kind == Value::Kind::kNoValue) {
          return Error(command, "error calling index: index of untyped nil");
        } else {
          return Error(command,
                       "error calling index: can't index item of type " + std::string(TypeName(v)));
        }
      }
      return v;
    }
    if (name == "slice") {
      if (args.empty() || args[0].kind != Value::Kind::kString) {
        return Error(command, "error calling slice: can't slice item of type " +
                                  std::string(args.empty() ? "nil" : TypeName(args[0])));
      }
      // A string takes [i] and [i:j], not [i:j:k].
      if (args.size() == 4)
        return Error(command, "error calling slice: cannot 3-index slice a string");
      if (args.size() > 4)
        return Error(command, "error calling slice: too many slice indexes: " +
                                  std::to_string(args.size() - 1));
      const int64_t len = static_cast<int64_t>(args[0].s.size());
      int64_t idx[2] = {0, len};
      for (size_t i = 1; i < args.size(); ++i) {
        if (args[i].kind != Value::Kind::kInt)
          return Error(command, "error calling slice: cannot index slice/array with type " +
                                    std::string(TypeName(args[i])));
        if (args[i].i < 0 || args[i].i > len)
          return Error(command,
                       "error calling slice: index out of range: " + std::to_string(args[i].i));
        idx[i - 1] = args[i].i;
      }
      if (idx[0] > idx[1])
        return Error(command, "error calling slice: invalid slice index: " +
                                  std::to_string(idx[0]) + " > " + std::to_string(idx[1]));
      return Value::String(args[0].s.substr(idx[0], idx[1] - idx[0]));
    }
    if (name == "print" || name == "println") {
      std::string s;
      for (size_t i = 0; i < args.size(); ++i) {
        const bool is_str = args[i].kind == Value::Kind::kString;
        const bool prev_str = i > 0 && args[i - 1].kind == Value::Kind::kString;
        if (i > 0 && (name == "println" || (!is_str && !prev_str))) s += ' ';
        AppendValue(args[i], input_.labels, &s);
      }
      if (name == "println") s += '\n';
      return Value::String(std::move(s));
    }
    if (name == "printf") {
      if (args.empty())
        return Error(where_, "wrong number of args for printf: want at least 1 got 0");
      if (args[0].kind != Value::Kind::kString) {
        return Error(where_, "wrong type for value; expected string; got " +
                                 std::string(args.empty() ? "nil" : TypeName(args[0])));
      }
      std::vector<Value> rest(args.begin() + 1, args.end());
      return Value::String(GoSprintf(args[0].s, rest, input_.labels));
    }
    if (name == "eq") {
      if (args.size() < 2)
        return Error(command, "error calling eq: missing argument for comparison");
      for (size_t i = 1; i < args.size(); ++i) {
        LODE_ASSIGN_OR_RETURN(int c2, Compare(name, args[0], args[i], true));
        if (c2 == 0) return Value::Bool(true);
      }
      return Value::Bool(false);
    }
    if (name == "ne" || name == "lt" || name == "le" || name == "gt" || name == "ge") {
      LODE_RETURN_IF_ERROR(want(2));
      LODE_ASSIGN_OR_RETURN(int c2, Compare(name, args[0], args[1], name == "ne"));
      if (name == "ne") return Value::Bool(c2 != 0);
      if (name == "lt") return Value::Bool(c2 < 0);
      if (name == "le") return Value::Bool(c2 <= 0);
      if (name == "gt") return Value::Bool(c2 > 0);
      return Value::Bool(c2 >= 0);
    }
    if (name == "call") return Error(command, "error calling call: call of nil");
    const Function* fn = FindFunction(name, dialect_);
    if (fn == nullptr) return Error(where_, "function \"" + name + "\" not defined");
    auto r = (*fn)(ctx_, args);
    if (!r.ok()) {
      // Argument checks are the engine's; anything else is the function's
      // own error.
      const std::string& m = r.status().message();
      if (m.starts_with("wrong number of args") || m.starts_with("wrong type for value")) {
        return Error(function, m);
      }
      return Error(command, "error calling " + name + ": " + m);
    }
    return r;
  }

  // -1, 0, 1; or an error for values Go cannot compare. `equality_only`
  // allows bools (eq, ne).
  Result<int> Compare(const std::string& name, const Value& a, const Value& b, bool equality_only) {
    Basic ka = BasicKind(a), kb = BasicKind(b);
    if (ka == Basic::kOther || kb == Basic::kOther) {
      if (equality_only && a.kind == b.kind) {
        if (a.kind == Value::Kind::kTime) return a.i == b.i ? 0 : 1;
        if (a.kind == Value::Kind::kNil || a.kind == Value::Kind::kNoValue) return 0;
      }
      if (!equality_only)
        return Error(call_, "error calling " + name + ": invalid type for comparison");
      return Error(call_, "error calling " + name + ": incompatible types for comparison");
    }
    if (ka != kb) {
      return Error(call_, "error calling " + name + ": incompatible types for comparison");
    }
    switch (ka) {
      case Basic::kBool:
        if (!equality_only)
          return Error(call_, "error calling " + name + ": invalid type for comparison");
        return a.b == b.b ? 0 : 1;
      case Basic::kInt:
        return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
      case Basic::kFloat:
        return a.f < b.f ? -1 : a.f > b.f ? 1 : 0;
      case Basic::kString:
        return a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
      default:
        return 0;
    }
  }

  const TemplateInput& input_;
  std::string_view name_;
  std::string_view source_;  // the template's text
  Dialect dialect_;
  std::string* out_;
  CallContext ctx_;
  Where where_;  // the node being evaluated, for errors
  Where call_;   // the command of the builtin being called
  std::vector<std::pair<std::string, Value>> vars_;
  Flow flow_ = Flow::kNormal;
};

bool IsConstant(const Node& n) {
  if (n.kind == Node::Kind::kText) return true;
  if (n.kind != Node::Kind::kList) return false;
  for (const auto& c : n.list) {
    if (!IsConstant(*c)) return false;
  }
  return true;
}

bool PipelineUsesLine(const Pipeline& p);
bool NodeUsesLine(const Node& n) {
  if (n.pipeline && PipelineUsesLine(*n.pipeline)) return true;
  for (const auto& c : n.list) {
    if (NodeUsesLine(*c)) return true;
  }
  return n.else_list && NodeUsesLine(*n.else_list);
}
bool PipelineUsesLine(const Pipeline& p) {
  for (const Command& c : p.commands) {
    for (const Arg& a : c.args) {
      if (a.kind == Arg::Kind::kFunction && a.name == "__line__") return true;
      if (a.pipeline && PipelineUsesLine(*a.pipeline)) return true;
    }
  }
  return false;
}

}  // namespace
}  // namespace tmpl

Result<Template> Template::Parse(std::string_view text, std::string_view name) {
  return ParseDialect(text, name, tmpl::Dialect::kLogql);
}

Result<Template> Template::ParsePrometheus(std::string_view text, std::string_view name) {
  return ParseDialect(text, name, tmpl::Dialect::kPrometheus);
}

Result<Template> Template::ParseDialect(std::string_view text, std::string_view name,
                                        tmpl::Dialect dialect) {
  LODE_ASSIGN_OR_RETURN(auto root, tmpl::ParseTemplate(text, name, dialect));
  Template t;
  t.dialect_ = dialect;
  t.root_ = std::move(root);
  t.name_ = std::string(name);
  t.source_ = std::string(text);
  t.constant_ = tmpl::IsConstant(*t.root_);
  t.uses_line_ = tmpl::NodeUsesLine(*t.root_);
  return t;
}

Status Template::Execute(const TemplateInput& input, std::string* out) const {
  tmpl::Executor e(input, name_, source_, dialect_, out);
  return e.Run(*root_);
}

}  // namespace lode
