#include "query/json_labels.h"

#include <cstring>

#include "query/label_text.h"
#include "query/labels_builder.h"

namespace lode {
namespace {

constexpr const char* kMalformedObject =
    "Value looks like object, but can't find closing '}' symbol";
constexpr const char* kMalformedJson = "Malformed JSON error";
constexpr const char* kMalformedArray = "Value is array, but can't find closing ']' symbol";
constexpr const char* kMalformedString = "Value is string, but can't find closing '\"' symbol";
constexpr const char* kMalformedEscape = "Encountered an invalid escape sequence in a string";
constexpr const char* kUnknownType = "Unknown value type";

enum class JType { kString, kNumber, kObject, kArray, kBoolean, kNull };

bool IsJsonSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Offset of the first non-space byte, or -1.
long NextToken(std::string_view d) {
  for (size_t i = 0; i < d.size(); ++i) {
    if (!IsJsonSpace(d[i])) return static_cast<long>(i);
  }
  return -1;
}

// d starts just after an opening quote: the offset just past the closing
// quote, or -1; *escaped says whether the string holds a backslash.
long StringEnd(std::string_view d, bool* escaped) {
  *escaped = false;
  size_t i = 0;
  while (i < d.size()) {
    const void* q = std::memchr(d.data() + i, '"', d.size() - i);
    if (q == nullptr) return -1;
    const size_t quote = static_cast<size_t>(static_cast<const char*>(q) - d.data());
    // Escaped when an odd number of backslashes precedes it.
    size_t backslashes = 0;
    while (backslashes < quote - i && d[quote - 1 - backslashes] == '\\') ++backslashes;
    if (!*escaped && std::memchr(d.data() + i, '\\', quote - i) != nullptr) *escaped = true;
    if (backslashes % 2 == 0) return static_cast<long>(quote + 1);
    i = quote + 1;
  }
  return -1;
}

// d starts at `open`: the offset just past its matching `close`, or -1.
// Only brackets of the same kind are counted; strings are skipped.
long BlockEnd(std::string_view d, char open, char close) {
  int level = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    char c = d[i];
    if (c == '"') {
      bool esc;
      long se = StringEnd(d.substr(i + 1), &esc);
      if (se < 0) return -1;
      i += static_cast<size_t>(se);
    } else if (c == open) {
      ++level;
    } else if (c == close) {
      if (--level == 0) return static_cast<long>(i + 1);
    }
  }
  return -1;
}

size_t TokenEnd(std::string_view d) {
  for (size_t i = 0; i < d.size(); ++i) {
    char c = d[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == ',' || c == '}' || c == ']')
      return i;
  }
  return d.size();
}

struct JValue {
  std::string_view raw;  // strings: the body without quotes
  JType type = JType::kNull;
  bool escaped = false;  // strings: holds a backslash
};

// Reads the value starting at the first non-space byte of d; *end is the
// offset just past it (within d).
const char* GetValue(std::string_view d, JValue* v, size_t* end) {
  long t = NextToken(d);
  if (t < 0) return kMalformedJson;
  const size_t off = static_cast<size_t>(t);
  const char c = d[off];
  if (c == '"') {
    long se = StringEnd(d.substr(off + 1), &v->escaped);
    if (se < 0) return kMalformedString;
    v->type = JType::kString;
    v->raw = d.substr(off + 1, static_cast<size_t>(se) - 1);
    *end = off + 1 + static_cast<size_t>(se);
    return nullptr;
  }
  if (c == '[' || c == '{') {
    long be = BlockEnd(d.substr(off), c, c == '[' ? ']' : '}');
    if (be < 0) return c == '[' ? kMalformedArray : kMalformedObject;
    v->type = c == '[' ? JType::kArray : JType::kObject;
    v->raw = d.substr(off, static_cast<size_t>(be));
    *end = off + static_cast<size_t>(be);
    return nullptr;
  }
  const size_t te = TokenEnd(d.substr(off));
  std::string_view tok = d.substr(off, te);
  switch (c) {
    case 't':
    case 'f':
      if (tok != "true" && tok != "false") return kUnknownType;
      v->type = JType::kBoolean;
      break;
    case 'u':
    case 'n':
      if (tok != "null") return kUnknownType;
      v->type = JType::kNull;
      break;
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
      v->type = JType::kNumber;
      break;
    default:
      return kUnknownType;
  }
  v->raw = tok;
  *end = off + te;
  return nullptr;
}

// Calls fn(key, value) for each member of the object that starts at d's
// first non-space byte; fn returns an error or nullptr. Keys are
// unescaped into a scratch string.
// Returned to stop a scan early without an error.
constexpr const char* kStopScan = "";

// `stop()` is asked before each member: true ends the scan (kStopScan).
template <typename Fn, typename Stop>
const char* ObjectEach(std::string_view d, Fn&& fn, Stop&& stop) {
  long t = NextToken(d);
  if (t < 0 || d[static_cast<size_t>(t)] != '{') return kMalformedObject;
  size_t off = static_cast<size_t>(t) + 1;
  t = NextToken(d.substr(off));
  if (t < 0) return kMalformedJson;
  off += static_cast<size_t>(t);
  if (d[off] == '}') return nullptr;
  std::string key_buf;
  while (off < d.size()) {
    if (d[off] == '}') return nullptr;
    if (stop()) return kStopScan;
    if (d[off] != '"') return kMalformedObject;
    ++off;
    bool escaped;
    long se = StringEnd(d.substr(off), &escaped);
    if (se < 0) return kMalformedJson;
    std::string_view key = d.substr(off, static_cast<size_t>(se) - 1);
    off += static_cast<size_t>(se);
    if (escaped) {
      if (!JsonUnescape(key, &key_buf)) return kMalformedEscape;
      key = key_buf;
    }
    t = NextToken(d.substr(off));
    if (t < 0) return kMalformedJson;
    off += static_cast<size_t>(t);
    if (d[off] != ':') return kMalformedJson;
    ++off;
    JValue v;
    size_t end;
    if (const char* e = GetValue(d.substr(off), &v, &end)) return e;
    if (const char* e = fn(key, v)) return e;
    off += end;
    t = NextToken(d.substr(off));
    if (t < 0) return kMalformedArray;
    off += static_cast<size_t>(t);
    if (d[off] == '}') return nullptr;
    if (d[off] != ',') return kMalformedObject;
    ++off;
    t = NextToken(d.substr(off));
    if (t < 0) return kMalformedArray;
    off += static_cast<size_t>(t);
  }
  return kMalformedObject;
}

template <typename Fn>
const char* ObjectEach(std::string_view d, Fn&& fn) {
  return ObjectEach(d, std::forward<Fn>(fn), [] { return false; });
}

// Calls fn(index, value) for each element of the array at d; stops early
// when fn returns true.
template <typename Fn>
const char* ArrayEach(std::string_view d, Fn&& fn) {
  long t = NextToken(d);
  if (t < 0) return kMalformedJson;
  size_t off = static_cast<size_t>(t) + 1;
  t = NextToken(d.substr(off));
  if (t < 0) return kMalformedJson;
  off += static_cast<size_t>(t);
  if (d[off] == ']') return nullptr;
  for (size_t i = 0;; ++i) {
    JValue v;
    size_t end;
    if (const char* e = GetValue(d.substr(off), &v, &end)) return e;
    if (fn(i, v)) return nullptr;
    off += end;
    t = NextToken(d.substr(off));
    if (t < 0) return kMalformedArray;
    off += static_cast<size_t>(t);
    if (d[off] == ']') return nullptr;
    if (d[off] != ',') return kMalformedArray;
    ++off;
  }
}

// A string value as the parsers store it: unescaped ("" on a bad
// escape), with invalid UTF-8 shown as spaces.
void StringValue(const JValue& v, std::string* out) {
  if (v.escaped) {
    if (!JsonUnescape(v.raw, out)) {
      out->clear();
      return;
    }
  } else {
    out->assign(v.raw);
  }
  ReplaceInvalidUtf8WithSpace(out);
}

class Flattener {
 public:
  explicit Flattener(LabelsBuilder& labels) : labels_(labels) {}

  const char* Object(std::string_view d) {
    // When the query needs only some labels and has them all, the rest of
    // the object is not read (nor checked), as in LogQL.
    auto stop = [this] { return labels_.AllNeededParsed(); };
    return ObjectEach(
        d,
        [this](std::string_view key, const JValue& v) -> const char* {
          switch (v.type) {
            case JType::kString:
            case JType::kNumber:
            case JType::kBoolean: {
              const size_t len = prefix_.size();
              if (!prefix_.empty()) prefix_.push_back('_');
              AppendSanitizedLabelName(&prefix_, key);
              if (!labels_.WantsParsed(prefix_)) {
                // Not needed by the query: its value is not worked out.
              } else if (v.type == JType::kString) {
                StringValue(v, &value_);
                labels_.SetParsed(prefix_, value_, false);
              } else {
                labels_.SetParsed(prefix_, v.raw, false);
              }
              prefix_.resize(len);
              return nullptr;
            }
            case JType::kObject: {
              const size_t len = prefix_.size();
              // A key that sanitizes to nothing adds no level to the name.
              if (!prefix_.empty()) prefix_.push_back('_');
              const size_t before = prefix_.size();
              AppendSanitizedLabelName(&prefix_, key);
              if (prefix_.size() == before && before > 0) prefix_.pop_back();
              const char* e = Object(v.raw);
              prefix_.resize(len);
              return e == kStopScan && !labels_.AllNeededParsed() ? nullptr : e;
            }
            default:
              return nullptr;  // arrays and nulls give no labels
          }
        },
        stop);
  }

 private:
  LabelsBuilder& labels_;
  std::string prefix_;
  std::string value_;
};

}  // namespace

bool ExtractJsonLabels(std::string_view line, LabelsBuilder& labels, std::string* error) {
  Flattener f(labels);
  if (const char* e = f.Object(line); e != nullptr && e != kStopScan) {
    error->assign(e);
    return false;
  }
  return true;
}

// The path grammar and its error messages are those of Loki's `jsonexpr`
// (a goyacc parser): tokens FIELD, STRING, INDEX, DOT, LSB, RSB, then
//   values: field | [key] | [index] | values [key] | values [index] | values . field
// A lexer error ends the input; it is the error unless the parser then
// fails on that end.
Result<JsonPath> ParseJsonPath(std::string_view expression) {
  enum class Tok { kEnd, kDot, kLsb, kRsb, kString, kField, kIndex };
  auto name = [](Tok t) -> const char* {
    switch (t) {
      case Tok::kEnd:
        return "$end";
      case Tok::kDot:
        return "DOT";
      case Tok::kLsb:
        return "LSB";
      case Tok::kRsb:
        return "RSB";
      case Tok::kString:
        return "STRING";
      case Tok::kField:
        return "FIELD";
      case Tok::kIndex:
        return "INDEX";
    }
    return "?";
  };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  size_t i = 0;
  std::string lex_error;  // set with a kEnd that ends the input early
  std::string text;       // a STRING's or FIELD's text
  uint64_t index = 0;
  auto next = [&]() -> Tok {
    while (i < expression.size() && IsExpressionSpace(expression[i])) ++i;
    if (i >= expression.size()) return Tok::kEnd;
    const char c = expression[i];
    if (digit(c)) {
      index = 0;
      while (i < expression.size()) {
        const char d = expression[i];
        if (IsExpressionSpace(d) || d == ']') break;
        if (d == '.') {
          lex_error = "cannot use float as array index";
          return Tok::kEnd;
        }
        if (!digit(d)) {
          lex_error = std::string("non-integer value: ") + d;
          return Tok::kEnd;
        }
        index = index * 10 + static_cast<uint64_t>(d - '0');
        ++i;
      }
      return Tok::kIndex;
    }
    if (size_t n = ExpressionFieldLength(expression, i); n > 0) {
      text.assign(expression.substr(i, n));
      i += n;
      return Tok::kField;
    }
    if (c == '"') {
      text.assign(ExpressionString(expression, i, &i));
      return Tok::kString;
    }
    ++i;
    if (c == '[') return Tok::kLsb;
    if (c == ']') return Tok::kRsb;
    if (c == '.') return Tok::kDot;
    lex_error = std::string("unexpected char ") + c;
    return Tok::kEnd;
  };
  auto fail = [&](const std::string& what) {
    return Status::InvalidArgument("cannot parse expression [" + std::string(expression) +
                                   "]: " + what);
  };
  auto unexpected = [&](Tok t, const char* expecting) {
    std::string what = std::string("syntax error: unexpected ") + name(t);
    if (expecting != nullptr) what += std::string(", expecting ") + expecting;
    return fail(what);
  };

  JsonPath path;
  // One element: a FIELD (first, or after DOT) or a bracketed key/index.
  auto bracket = [&]() -> Status {
    Tok t = next();
    if (t != Tok::kString && t != Tok::kIndex) return unexpected(t, "STRING or INDEX");
    JsonPath::Element e;
    e.is_index = t == Tok::kIndex;
    if (e.is_index) {
      e.index = index;
    } else {
      e.key = text;
    }
    Tok close = next();
    if (close != Tok::kRsb) return unexpected(close, "RSB");
    path.elements.push_back(std::move(e));
    return Status::Ok();
  };
  Tok t = next();
  if (t == Tok::kField) {
    path.elements.push_back(JsonPath::Element{false, 0, text});
  } else if (t == Tok::kLsb) {
    LODE_RETURN_IF_ERROR(bracket());
  } else {
    return unexpected(t, "LSB or FIELD");
  }
  while (true) {
    t = next();
    if (t == Tok::kEnd) break;
    if (t == Tok::kLsb) {
      LODE_RETURN_IF_ERROR(bracket());
    } else if (t == Tok::kDot) {
      Tok f = next();
      if (f != Tok::kField) return unexpected(f, "FIELD");
      path.elements.push_back(JsonPath::Element{false, 0, text});
    } else {
      // This state reduces by default, so goyacc names no expected token.
      return unexpected(t, nullptr);
    }
  }
  if (!lex_error.empty()) return fail(lex_error);
  return path;
}

namespace {

// Finds the value at path[k..] inside the value `v`. Returns false when
// the path is missing; *error on malformed JSON met on the way.
bool Walk(const JValue& v, const JsonPath& path, size_t k, JValue* out, const char** error) {
  if (k == path.elements.size()) {
    *out = v;
    return true;
  }
  const JsonPath::Element& e = path.elements[k];
  bool found = false;
  if (!e.is_index) {
    if (v.type != JType::kObject) return false;
    static const char kStop[] = "";
    const char* err =
        ObjectEach(v.raw, [&](std::string_view key, const JValue& member) -> const char* {
          if (key != e.key) return nullptr;
          // The first member of that name decides, found or not.
          found = Walk(member, path, k + 1, out, error);
          return kStop;
        });
    if (err != nullptr && err != kStop && *error == nullptr && !found) *error = err;
    return found;
  }
  if (v.type != JType::kArray) return false;
  const char* err = ArrayEach(v.raw, [&](size_t i, const JValue& elem) {
    if (i != e.index) return false;
    found = Walk(elem, path, k + 1, out, error);
    return true;
  });
  if (err != nullptr && *error == nullptr && !found) *error = err;
  return found;
}

}  // namespace

bool ExtractJsonPaths(std::string_view line, const std::vector<JsonExtraction>& paths,
                      LabelsBuilder& labels, std::string* error) {
  if (line.empty()) return true;
  const char first = line[0];
  if (first != '"' && first != '{' && first != '[') {
    error->clear();
    return false;
  }
  JValue root;
  size_t end;
  const char* root_error = GetValue(line, &root, &end);
  if (root_error == kMalformedObject || root_error == kMalformedArray) {
    // A cut-off document (a line truncated at a length limit): a path met
    // before the cut still has its value, as Loki's parser walks only as
    // far as the paths it looks for; one past it is an error.
    root.type = first == '{' ? JType::kObject : JType::kArray;
    root.raw = line;
    root_error = nullptr;
  }
  bool ok = true;
  std::string value;
  for (const JsonExtraction& x : paths) {
    JValue v;
    const char* err = root_error;
    bool found = false;
    if (err == nullptr) found = Walk(root, x.path, 0, &v, &err);
    if (err != nullptr) {
      ok = false;
      error->assign(err);
      if (!labels.Has(x.label)) labels.SetParsed(x.label, "", true);
      continue;
    }
    if (!found) {
      if (!labels.Has(x.label)) labels.SetParsed(x.label, "", true);
      continue;
    }
    switch (v.type) {
      case JType::kNull:
        value.clear();
        break;
      case JType::kString:
        StringValue(v, &value);
        break;
      case JType::kArray:
        // Arrays come back with their escapes undone.
        if (!JsonUnescape(v.raw, &value)) value.assign(v.raw);
        ReplaceInvalidUtf8WithSpace(&value);
        break;
      default:
        value.assign(v.raw);
        break;
    }
    labels.SetParsed(x.label, value, true);
  }
  return ok;
}

bool Unpack(std::string_view line, LabelsBuilder& labels, std::string* new_line, bool* replaced,
            std::string* error) {
  *replaced = false;
  if (line.empty()) return true;
  if (line[0] != '{') {
    error->assign("expecting json object(6), but it is not");
    return false;
  }
  std::vector<std::pair<std::string, std::string>> fields;
  bool has_entry = false;
  std::string value;
  const char* err = ObjectEach(line, [&](std::string_view key, const JValue& v) -> const char* {
    if (v.type != JType::kString) return nullptr;
    StringValue(v, &value);
    if (key == "_entry") {
      has_entry = true;
      *new_line = value;
      return nullptr;
    }
    fields.emplace_back(std::string(key), value);
    return nullptr;
  });
  if (err != nullptr) {
    error->assign(err);
    return false;
  }
  if (!has_entry) return true;
  // The suffix is decided on the raw key, then the name sanitized. Unlike
  // the other parsers, unpack keeps a repeated key's last value (it
  // collects the line first); a name an earlier stage extracted stays.
  std::vector<std::pair<std::string, std::string*>> named;
  named.reserve(fields.size());
  for (auto it = fields.rbegin(); it != fields.rend(); ++it) {
    std::string name = SanitizeLabelName(labels.ParsedName(it->first));
    bool seen = false;
    for (const auto& n : named) seen = seen || n.first == name;
    if (!seen) named.emplace_back(std::move(name), &it->second);
  }
  for (auto it = named.rbegin(); it != named.rend(); ++it) {
    labels.SetParsedExact(it->first, *it->second, false);
  }
  *replaced = true;
  return true;
}

}  // namespace lode
