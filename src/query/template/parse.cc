// The parser of the template language: text with `{{ actions }}`,
// following Go's text/template grammar (trim markers, comments, pipelines,
// variables, if/else if/with/range/break/continue). lex.cc cuts each
// action into tokens.
#include <cerrno>
#include <cstdlib>

#include "base/quote.h"
#include "base/utf8.h"
#include "query/template/internal.h"
#include "query/template/lex.h"

namespace lode::tmpl {
namespace {

// The code point of the one rune in `s` (the lexer checked there is one);
// a byte that starts no valid sequence stands for itself.
int64_t RuneValue(std::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const size_t len = Utf8SequenceLength(s, 0);
  if (len <= 1) return byte(0);
  int64_t v = byte(0) & (0x7F >> len);
  for (size_t i = 1; i < len; ++i) v = v << 6 | (byte(i) & 0x3F);
  return v;
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view name, Dialect dialect)
      : text_(text), name_(name), dialect_(dialect) {
    cursor_.text = text;
    if (dialect == Dialect::kPrometheus) {
      for (const char* v : kPrometheusVariables) declared_.push_back(v);
    }
  }

  Result<std::shared_ptr<Node>> Parse() {
    auto root = std::make_shared<Node>();
    root->kind = Node::Kind::kList;
    std::string stop;
    LODE_RETURN_IF_ERROR(ParseList(root.get(), &stop));
    if (!stop.empty()) return Error("unexpected {{" + stop + "}}");
    return root;
  }

 private:
  Status Error(const std::string& what) const {
    return Status::InvalidArgument("template: " + std::string(name_) + ":" +
                                   std::to_string(cursor_.line) + ": " + what);
  }

  // Parses text and actions into `list` until {{end}} / {{else ...}} or
  // the input's end; *stop is "end", "else" (with pending_ the rest of the
  // else action's tokens) or "" at the end.
  Status ParseList(Node* list, std::string* stop) {
    stop->clear();
    while (true) {
      size_t open = text_.find("{{", cursor_.pos);
      std::string_view text =
          text_.substr(cursor_.pos, open == std::string_view::npos ? std::string_view::npos
                                                                   : open - cursor_.pos);
      // `{{- `: trims the whitespace before the action.
      const bool trim_left = open != std::string_view::npos && open + 3 < text_.size() &&
                             text_[open + 2] == '-' && IsSpace(text_[open + 3]);
      if (trim_left) {
        while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
      }
      if (cursor_.trim_next) {
        while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
        cursor_.trim_next = false;
      }
      if (!text.empty()) {
        auto n = std::make_shared<Node>();
        n->kind = Node::Kind::kText;
        n->text = std::string(text);
        list->list.push_back(std::move(n));
      }
      for (char c :
           text_.substr(cursor_.pos, open == std::string_view::npos ? std::string_view::npos
                                                                    : open - cursor_.pos)) {
        if (c == '\n') ++cursor_.line;
      }
      if (open == std::string_view::npos) {
        cursor_.pos = text_.size();
        return Status::Ok();
      }
      cursor_.pos = open + (trim_left ? 4 : 2);
      action_start_ = open;
      // A comment: {{/* ... */}}, with optional trim markers.
      size_t p = cursor_.pos;
      while (p < text_.size() && IsSpace(text_[p]) && trim_left) ++p;
      if (text_.substr(p).starts_with("/*")) {
        size_t close = text_.find("*/", p + 2);
        if (close == std::string_view::npos) return Error("unclosed comment");
        size_t q = close + 2;
        bool trim_right = false;
        if (text_.substr(q).starts_with(" -}}")) {
          trim_right = true;
          q += 4;
        } else if (text_.substr(q).starts_with("}}")) {
          q += 2;
        } else {
          return Error("comment ends before closing delimiter");
        }
        for (char c : text_.substr(cursor_.pos, q - cursor_.pos)) {
          if (c == '\n') ++cursor_.line;
        }
        cursor_.pos = q;
        cursor_.trim_next = trim_right;
        continue;
      }
      auto lexed = LexAction(cursor_);
      if (!lexed.ok()) return Error(lexed.status().message());
      std::vector<Token> tokens = std::move(*lexed);
      if (tokens.size() == 1 && tokens[0].type == Tok::kEnd)
        return Error("missing value for command");
      const Token& first = tokens[0];
      if (first.type == Tok::kIdentifier) {
        const std::string& kw = first.text;
        if (kw == "end") {
          if (tokens.size() != 2) return Error("unexpected " + Describe(tokens[1]) + " in end");
          *stop = "end";
          return Status::Ok();
        }
        if (kw == "else") {
          *stop = "else";
          pending_.assign(tokens.begin() + 1, tokens.end());
          return Status::Ok();
        }
        if (kw == "if" || kw == "with" || kw == "range") {
          Node::Kind kind = kw == "if"     ? Node::Kind::kIf
                            : kw == "with" ? Node::Kind::kWith
                                           : Node::Kind::kRange;
          LODE_ASSIGN_OR_RETURN(auto node, ParseControl(kind, tokens, 1));
          list->list.push_back(std::move(node));
          continue;
        }
        if (kw == "break" || kw == "continue") {
          if (range_depth_ == 0) return Error("{{" + kw + "}} outside {{range}}");
          if (tokens.size() != 2) return Error("unexpected " + Describe(tokens[1]) + " in " + kw);
          auto n = std::make_shared<Node>();
          n->kind = kw == "break" ? Node::Kind::kBreak : Node::Kind::kContinue;
          list->list.push_back(std::move(n));
          continue;
        }
        if (kw == "define" || kw == "template" || kw == "block") {
          return Error("{{" + kw + "}} is not supported in LogQL templates");
        }
      }
      auto n = std::make_shared<Node>();
      n->kind = Node::Kind::kAction;
      n->line = cursor_.line;
      n->source = ActionSource();
      size_t i = 0;
      LODE_ASSIGN_OR_RETURN(n->pipeline, ParsePipeline(tokens, &i, "command", true));
      if (tokens[i].type != Tok::kEnd)
        return Error("unexpected " + Describe(tokens[i]) + " in command");
      list->list.push_back(std::move(n));
    }
  }

  std::string ActionSource() const {
    return std::string(text_.substr(action_start_, cursor_.pos - action_start_));
  }

  // if/with/range: `{{kw pipeline}} list [{{else [kw pipeline]}} list] {{end}}`.
  Result<std::shared_ptr<Node>> ParseControl(Node::Kind kind, const std::vector<Token>& tokens,
                                             size_t i) {
    auto node = std::make_shared<Node>();
    node->kind = kind;
    node->line = cursor_.line;
    node->source = ActionSource();
    const char* ctx = kind == Node::Kind::kIf ? "if" : kind == Node::Kind::kWith ? "with" : "range";
    LODE_ASSIGN_OR_RETURN(node->pipeline,
                          ParsePipeline(tokens, &i, ctx, kind == Node::Kind::kRange));
    if (tokens[i].type != Tok::kEnd)
      return Error("unexpected " + Describe(tokens[i]) + " in " + ctx);
    auto body = std::make_shared<Node>();
    body->kind = Node::Kind::kList;
    if (kind == Node::Kind::kRange) ++range_depth_;
    std::string stop;
    Status s = ParseList(body.get(), &stop);
    if (kind == Node::Kind::kRange) --range_depth_;
    LODE_RETURN_IF_ERROR(s);
    node->list.push_back(body);
    if (stop.empty()) return Error("unexpected EOF");
    if (stop == "else") {
      std::vector<Token> rest = std::move(pending_);
      pending_.clear();
      auto else_list = std::make_shared<Node>();
      else_list->kind = Node::Kind::kList;
      if (rest.size() > 1 && rest[0].type == Tok::kIdentifier &&
          ((rest[0].text == "if" && kind == Node::Kind::kIf) ||
           (rest[0].text == "with" && kind == Node::Kind::kWith))) {
        // `{{else if p}}`: an if nested in the else branch, sharing our {{end}}.
        LODE_ASSIGN_OR_RETURN(auto nested, ParseControl(kind, rest, 1));
        else_list->list.push_back(std::move(nested));
        node->else_list = else_list;
        return node;
      }
      if (rest.size() != 1) return Error("unexpected " + Describe(rest[0]) + " in else");
      // {{break}} and {{continue}} belong to the range's body, not its else.
      s = ParseList(else_list.get(), &stop);
      LODE_RETURN_IF_ERROR(s);
      if (stop != "end")
        return Error(stop.empty() ? "unexpected EOF" : "expected end; found {{else}}");
      node->else_list = else_list;
    }
    return node;
  }

  // pipeline := [decl] command ('|' command)*; stops before `)` or `}}`.
  Result<std::shared_ptr<Pipeline>> ParsePipeline(const std::vector<Token>& t, size_t* i,
                                                  const char* ctx, bool allow_two_vars) {
    auto p = std::make_shared<Pipeline>();
    // Declarations: `$x :=`, `$x =`, `$i, $e :=`.
    size_t j = *i;
    if (t[j].type == Tok::kVariable) {
      std::vector<std::string> vars{t[j].text};
      size_t k = j + 1;
      if (allow_two_vars && t[k].type == Tok::kComma && t[k + 1].type == Tok::kVariable) {
        vars.push_back(t[k + 1].text);
        k += 2;
      }
      if (t[k].type == Tok::kDeclare || t[k].type == Tok::kAssign) {
        p->decl = vars;
        p->assign = t[k].type == Tok::kAssign;
        if (!p->assign) {
          for (const std::string& v : vars) declared_.push_back(v);
        } else {
          for (const std::string& v : vars) {
            if (!Declared(v)) return Error("undefined variable \"$" + v + "\"");
          }
        }
        *i = k + 1;
      } else if (vars.size() == 2) {
        return Error("too many declarations in " + std::string(ctx));
      }
    }
    while (true) {
      Command cmd;
      while (t[*i].type != Tok::kPipe && t[*i].type != Tok::kRightParen &&
             t[*i].type != Tok::kEnd) {
        LODE_ASSIGN_OR_RETURN(Arg a, ParseOperand(t, i));
        cmd.args.push_back(std::move(a));
      }
      if (cmd.args.empty()) {
        if (p->commands.empty() && t[*i].type != Tok::kPipe) {
          return Error("missing value for " + std::string(ctx));
        }
        return Error("missing command");
      }
      // Only a function takes arguments.
      if (cmd.args.size() > 1 && cmd.args[0].kind != Arg::Kind::kFunction) {
        const Arg& a = cmd.args[0];
        if (a.kind == Arg::Kind::kField || a.kind == Arg::Kind::kVariable ||
            a.kind == Arg::Kind::kDot) {
          // Go reports this when it runs; so do we (Execute).
        } else {
          return Error("can't give argument to non-function " + DescribeArg(a));
        }
      }
      // A later stage receives the value piped in: a constant or the dot
      // cannot take it.
      if (!p->commands.empty() && cmd.args[0].kind != Arg::Kind::kFunction &&
          cmd.args[0].kind != Arg::Kind::kField && cmd.args[0].kind != Arg::Kind::kVariable) {
        return Error("non executable command in pipeline stage " +
                     std::to_string(p->commands.size() + 1));
      }
      cmd.pos = cmd.args[0].pos;
      for (const Arg& a : cmd.args) cmd.text += (cmd.text.empty() ? "" : " ") + a.text;
      p->text += (p->text.empty() ? "" : " | ") + cmd.text;
      p->commands.push_back(std::move(cmd));
      if (t[*i].type != Tok::kPipe) break;
      ++*i;
    }
    return p;
  }

  Result<Arg> ParseOperand(const std::vector<Token>& t, size_t* i) {
    const Token& tok = t[*i];
    Arg a;
    a.pos = tok.pos;
    a.text = tok.raw;
    switch (tok.type) {
      case Tok::kDot:
        a.kind = Arg::Kind::kDot;
        ++*i;
        break;
      case Tok::kField:
        a.kind = Arg::Kind::kField;
        a.fields.push_back(tok.text);
        ++*i;
        break;
      case Tok::kVariable:
        if (!Declared(tok.text)) return Error("undefined variable \"$" + tok.text + "\"");
        a.kind = Arg::Kind::kVariable;
        a.name = tok.text;
        ++*i;
        break;
      case Tok::kIdentifier:
        if (tok.text == "true" || tok.text == "false") {
          a.kind = Arg::Kind::kBool;
          a.constant = Value::Bool(tok.text == "true");
        } else if (tok.text == "nil") {
          a.kind = Arg::Kind::kNil;
        } else {
          if (!IsBuiltin(tok.text) && FindFunction(tok.text, dialect_) == nullptr) {
            return Error("function \"" + tok.text + "\" not defined");
          }
          a.kind = Arg::Kind::kFunction;
          a.name = tok.text;
        }
        ++*i;
        break;
      case Tok::kString:
        a.kind = Arg::Kind::kString;
        a.constant = Value::String(tok.text);
        ++*i;
        break;
      case Tok::kChar:
      case Tok::kNumber: {
        a.kind = Arg::Kind::kNumber;
        LODE_ASSIGN_OR_RETURN(a.constant, NumberValue(tok));
        ++*i;
        break;
      }
      case Tok::kLeftParen: {
        ++*i;
        a.kind = Arg::Kind::kPipeline;
        LODE_ASSIGN_OR_RETURN(a.pipeline, ParsePipeline(t, i, "parenthesized pipeline", false));
        if (t[*i].type != Tok::kRightParen) return Error("unclosed left paren");
        a.text = "(" + a.pipeline->text + ")";
        ++*i;
        break;
      }
      default:
        return Error("unexpected " + Describe(tok) + " in operand");
    }
    // Fields chained on the operand: `$x.a`, `(pipeline).a`.
    bool chained = false;
    while (t[*i].type == Tok::kField && !t[*i].spaced) {
      if (a.kind == Arg::Kind::kFunction) {
        return Error("unexpected . after term " + DescribeArg(a));
      }
      if (a.kind == Arg::Kind::kString || a.kind == Arg::Kind::kNumber ||
          a.kind == Arg::Kind::kBool || a.kind == Arg::Kind::kNil) {
        // Go quotes the term as written (%q): `"\"a\""`.
        std::string term;
        AppendQuoted(term, a.text);
        return Error("unexpected . after term " + term);
      }
      if (a.kind == Arg::Kind::kDot) a.kind = Arg::Kind::kField;
      // Go places a chain at its first chained field (`.x` of `.app.x`).
      if (!chained) a.pos = t[*i].pos;
      chained = true;
      a.fields.push_back(t[*i].text);
      a.text += t[*i].raw;
      ++*i;
    }
    return a;
  }

  Result<Value> NumberValue(const Token& tok) {
    if (tok.type == Tok::kChar) return Value::Int(RuneValue(tok.text));
    std::string s;
    for (char c : tok.text) {
      if (c != '_') s += c;
    }
    const bool has_float_chars =
        s.find_first_of(".eEpP") != std::string::npos &&
        !(s.size() > 2 && (s[1] == 'x' || s[1] == 'X' || (s[0] == '-' || s[0] == '+')));
    if (!has_float_chars) {
      errno = 0;
      char* end = nullptr;
      long long v = std::strtoll(s.c_str(), &end, 0);
      if (end != nullptr && *end == '\0' && errno == 0) {
        // Go reads 0x10, 0o17 and 017 alike; strtoll takes 0x and 017.
        return Value::Int(v);
      }
      if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
        std::string oct = "0" + s.substr(2);
        v = std::strtoll(oct.c_str(), &end, 8);
        if (*end == '\0') return Value::Int(v);
      }
      if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
        v = std::strtoll(s.c_str() + 2, &end, 2);
        if (*end == '\0') return Value::Int(v);
      }
    }
    char* end = nullptr;
    double f = std::strtod(s.c_str(), &end);
    if (end == nullptr || *end != '\0' || s.empty())
      return Error("bad number syntax: \"" + tok.text + "\"");
    return Value::Float(f);
  }

  static bool IsBuiltin(const std::string& name) {
    static const char* const kNames[] = {
        "and", "or", "not", "len", "index", "print", "printf",   "println", "eq",  "ne",
        "lt",  "le", "gt",  "ge",  "html",  "js",    "urlquery", "slice",   "call"};
    for (const char* n : kNames) {
      if (name == n) return true;
    }
    return false;
  }

  bool Declared(const std::string& v) const {
    if (v.empty()) return true;  // $ itself
    for (const std::string& d : declared_) {
      if (d == v) return true;
    }
    return false;
  }

  static std::string Describe(const Token& t) {
    switch (t.type) {
      case Tok::kEnd:
        return "\"}}\"";
      case Tok::kPipe:
        return "\"|\"";
      case Tok::kLeftParen:
        return "\"(\"";
      case Tok::kRightParen:
        return "\")\"";
      case Tok::kComma:
        return "\",\"";
      case Tok::kDeclare:
        return "\":=\"";
      case Tok::kAssign:
        return "\"=\"";
      case Tok::kDot:
        return "<.>";
      case Tok::kField:
        return "<." + t.text + ">";
      case Tok::kVariable:
        return "<$" + t.text + ">";
      case Tok::kString:
        return "\"" + t.text + "\"";
      default:
        return "<" + t.text + ">";
    }
  }
  static std::string DescribeArg(const Arg& a) {
    switch (a.kind) {
      case Arg::Kind::kString:
        return "\"" + a.constant.s + "\"";
      case Arg::Kind::kNumber:
        return a.constant.kind == Value::Kind::kInt ? std::to_string(a.constant.i) : "number";
      case Arg::Kind::kBool:
        return a.constant.b ? "true" : "false";
      case Arg::Kind::kNil:
        return "nil";
      default:
        return a.name;
    }
  }

  std::string_view text_;
  Cursor cursor_;  // text_, where the parser is
  std::string_view name_;
  Dialect dialect_;
  size_t action_start_ = 0;
  int range_depth_ = 0;
  std::vector<Token> pending_;         // the tokens after `else` in an {{else ...}}
  std::vector<std::string> declared_;  // variables declared so far (scopes are not tracked)
};

}  // namespace

Result<std::shared_ptr<Node>> ParseTemplate(std::string_view text, std::string_view name,
                                            Dialect dialect) {
  Parser p(text, name, dialect);
  return p.Parse();
}

}  // namespace lode::tmpl
