#include "logql/printer.h"

#include <charconv>

#include "model/labels.h"
#include "model/matcher.h"

namespace lode::logql {

namespace {

void PrintNumber(std::string& out, double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}

void PrintLabelList(std::string& out, const std::vector<std::string>& labels) {
  out += '(';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    out += labels[i];
  }
  out += ')';
}

void PrintMatcher(std::string& out, const Matcher& m) {
  out += m.name();
  out += MatchTypeOperator(m.type());
  AppendQuoted(out, m.value());
}

void PrintLabelFilter(std::string& out, const LabelFilterExpr& f, bool inside_and) {
  using Kind = LabelFilterExpr::Kind;
  switch (f.kind) {
    case Kind::kAnd: {
      // Both operators group to the left: a right child of the same kind
      // keeps its parentheses.
      PrintLabelFilter(out, f.children[0], true);
      out += " and ";
      const bool nested = f.children[1].kind == Kind::kAnd;
      if (nested) out += '(';
      PrintLabelFilter(out, f.children[1], true);
      if (nested) out += ')';
      return;
    }
    case Kind::kOr: {
      if (inside_and) out += '(';
      PrintLabelFilter(out, f.children[0], false);
      out += " or ";
      const bool nested = f.children[1].kind == Kind::kOr;
      if (nested) out += '(';
      PrintLabelFilter(out, f.children[1], false);
      if (nested) out += ')';
      if (inside_and) out += ')';
      return;
    }
    case Kind::kString:
      PrintMatcher(out, *f.matcher);
      return;
    case Kind::kIp:
      out += f.name;
      out += f.op == CompareOp::kNeq ? " != ip(" : " = ip(";
      AppendQuoted(out, f.text);
      out += ')';
      return;
    case Kind::kNumber:
    case Kind::kDuration:
    case Kind::kBytes:
      out += f.name;
      out += ' ';
      out += CompareOperator(f.op);
      out += ' ';
      out += f.literal;
      return;
  }
}

void PrintExtractions(std::string& out, const std::vector<LabelExtraction>& extractions) {
  for (size_t i = 0; i < extractions.size(); ++i) {
    out += i == 0 ? " " : ", ";
    out += extractions[i].label;
    if (!extractions[i].bare) {
      out += '=';
      AppendQuoted(out, extractions[i].expression);
    }
  }
}

struct StagePrinter {
  std::string& out;

  void operator()(const LineFilter& f) const {
    out += ' ';
    out += LineFilterOperator(f.op);
    for (size_t i = 0; i < f.values.size(); ++i) {
      out += i == 0 ? " " : " or ";
      if (f.IsIp(i)) out += "ip(";
      AppendQuoted(out, f.values[i]);
      if (f.IsIp(i)) out += ')';
    }
  }
  void operator()(const LabelParser& p) const {
    switch (p.kind) {
      case LabelParser::Kind::kJson:
        out += " | json";
        PrintExtractions(out, p.extractions);
        return;
      case LabelParser::Kind::kLogfmt:
        out += " | logfmt";
        if (p.strict) out += " --strict";
        if (p.keep_empty) out += " --keep-empty";
        PrintExtractions(out, p.extractions);
        return;
      case LabelParser::Kind::kRegexp:
        out += " | regexp ";
        AppendQuoted(out, p.param);
        return;
      case LabelParser::Kind::kPattern:
        out += " | pattern ";
        AppendQuoted(out, p.param);
        return;
      case LabelParser::Kind::kUnpack:
        out += " | unpack";
        return;
    }
  }
  void operator()(const LabelFilterExpr& f) const {
    out += " | ";
    PrintLabelFilter(out, f, false);
  }
  void operator()(const LineFormat& f) const {
    out += " | line_format ";
    AppendQuoted(out, f.tmpl);
  }
  void operator()(const LabelFormat& f) const {
    out += " | label_format";
    for (size_t i = 0; i < f.items.size(); ++i) {
      out += i == 0 ? " " : ", ";
      out += f.items[i].dst;
      out += '=';
      if (f.items[i].is_template) {
        AppendQuoted(out, f.items[i].value);
      } else {
        out += f.items[i].value;
      }
    }
  }
  void operator()(const LabelSelection& s) const {
    out += s.keep ? " | keep" : " | drop";
    for (size_t i = 0; i < s.items.size(); ++i) {
      out += i == 0 ? " " : ", ";
      if (s.items[i].matcher) {
        PrintMatcher(out, *s.items[i].matcher);
      } else {
        out += s.items[i].name;
      }
    }
  }
  void operator()(const Decolorize&) const { out += " | decolorize"; }
};

void PrintLog(std::string& out, const LogSelectorExpr& expr) {
  out += '{';
  for (size_t i = 0; i < expr.matchers.size(); ++i) {
    if (i > 0) out += ", ";
    PrintMatcher(out, expr.matchers[i]);
  }
  out += '}';
  for (const Stage& stage : expr.pipeline) std::visit(StagePrinter{out}, stage);
}

void PrintGrouping(std::string& out, const Grouping& g) {
  out += g.without ? "without " : "by ";
  PrintLabelList(out, g.labels);
}

void PrintExpr(std::string& out, const Expr& expr);

// Precedence of an expression as an operand: binary expressions have
// their operator's, everything else binds tightest.
int OperandPrecedence(const Expr& e) {
  if (const auto* b = std::get_if<BinaryExpr>(&e.node)) return BinaryPrecedence(b->op);
  if (const auto* n = std::get_if<NumberLiteral>(&e.node); n && n->value < 0) {
    return 6;  // `-1` as an operand of ^ would read as -(1 ^ x)
  }
  return 7;
}

void PrintOperand(std::string& out, const Expr& e, bool parens) {
  if (parens) out += '(';
  PrintExpr(out, e);
  if (parens) out += ')';
}

struct ExprPrinter {
  std::string& out;

  void operator()(const LogSelectorExpr& e) const { PrintLog(out, e); }
  void operator()(const RangeAggregation& a) const {
    out += RangeOpName(a.op);
    out += '(';
    if (a.param) {
      PrintNumber(out, *a.param);
      out += ", ";
    }
    PrintLog(out, a.range.selector);
    if (a.range.unwrap) {
      const Unwrap& u = *a.range.unwrap;
      out += " | unwrap ";
      switch (u.conversion) {
        case Unwrap::Conversion::kNone:
          out += u.label;
          break;
        case Unwrap::Conversion::kBytes:
          out += "bytes(" + u.label + ")";
          break;
        case Unwrap::Conversion::kDuration:
          out += "duration(" + u.label + ")";
          break;
        case Unwrap::Conversion::kDurationSeconds:
          out += "duration_seconds(" + u.label + ")";
          break;
      }
      for (const LabelFilterExpr& f : u.post_filters) {
        out += " | ";
        PrintLabelFilter(out, f, false);
      }
    }
    out += '[';
    out += a.range.range_literal;
    out += ']';
    if (!a.range.offset_literal.empty()) {
      out += " offset ";
      out += a.range.offset_literal;
    }
    out += ')';
    if (a.grouping) {
      out += ' ';
      PrintGrouping(out, *a.grouping);
    }
  }
  void operator()(const VectorAggregation& a) const {
    out += VectorOpName(a.op);
    if (a.grouping) {
      out += ' ';
      PrintGrouping(out, *a.grouping);
      out += ' ';
    }
    out += '(';
    if (TakesK(a.op)) {
      out += std::to_string(a.param);
      out += ", ";
    }
    PrintExpr(out, *a.inner);
    out += ')';
  }
  void operator()(const BinaryExpr& b) const {
    const int p = BinaryPrecedence(b.op);
    const bool right_assoc = b.op == BinaryOp::kPow;
    const int lp = OperandPrecedence(*b.lhs), rp = OperandPrecedence(*b.rhs);
    PrintOperand(out, *b.lhs, right_assoc ? lp <= p : lp < p);
    out += ' ';
    out += BinaryOpName(b.op);
    if (b.return_bool) out += " bool";
    if (b.matching) {
      const VectorMatching& m = *b.matching;
      out += m.on ? " on " : " ignoring ";
      PrintLabelList(out, m.labels);
      if (m.group != VectorMatching::Group::kNone) {
        out += m.group == VectorMatching::Group::kLeft ? " group_left " : " group_right ";
        PrintLabelList(out, m.include);
      }
    }
    out += ' ';
    PrintOperand(out, *b.rhs, right_assoc ? rp < p : rp <= p);
  }
  void operator()(const NumberLiteral& n) const { PrintNumber(out, n.value); }
  void operator()(const VectorLiteral& v) const {
    out += "vector(";
    PrintNumber(out, v.value);
    out += ')';
  }
  void operator()(const LabelReplace& l) const {
    out += "label_replace(";
    PrintExpr(out, *l.inner);
    for (const std::string* s : {&l.dst, &l.replacement, &l.src, &l.regex}) {
      out += ", ";
      AppendQuoted(out, *s);
    }
    out += ')';
  }
};

void PrintExpr(std::string& out, const Expr& expr) { std::visit(ExprPrinter{out}, expr.node); }

}  // namespace

std::string Print(const LogSelectorExpr& expr) {
  std::string out;
  PrintLog(out, expr);
  return out;
}

std::string Print(const Expr& expr) {
  std::string out;
  PrintExpr(out, expr);
  return out;
}

}  // namespace lode::logql
