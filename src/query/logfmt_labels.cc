#include "query/logfmt_labels.h"

#include <cstdint>
#include <cstdio>

#include "query/label_text.h"
#include "query/labels_builder.h"

namespace lode {
namespace {

// One pass over a logfmt line, a pair at a time.
class Decoder {
 public:
  // `want_errors`: whether syntax errors are worded (for --strict); a
  // lenient parse only skips the bad pair.
  Decoder(std::string_view line, bool want_errors) : line_(line), want_errors_(want_errors) {}

  bool AtEnd() const { return pos_ >= line_.size(); }
  const std::string& error() const { return error_; }
  bool had_error() const { return had_error_; }
  std::string_view key() const { return key_; }
  // The value; has_value() false for a key without one (also `k=` and `k=""`).
  std::string_view value() const { return value_; }
  bool has_value() const { return has_value_; }

  // Reads the next pair; false on a syntax error (the pair is skipped) or
  // when only white space was left.
  bool Next() {
    key_ = {};
    value_ = {};
    has_value_ = false;
    while (pos_ < line_.size() && static_cast<unsigned char>(line_[pos_]) <= ' ') ++pos_;
    if (pos_ >= line_.size()) return false;
    const size_t start = pos_;
    bool multibyte = false;
    for (; pos_ < line_.size(); ++pos_) {
      const unsigned char c = static_cast<unsigned char>(line_[pos_]);
      if (c == '=') {
        if (pos_ == start) return Unexpected(c);
        key_ = line_.substr(start, pos_ - start);
        if (multibyte && HasInvalidUtf8(key_)) return SyntaxError("invalid key");
        return AfterEqual();
      }
      if (c == '"') return Unexpected(c);
      if (c <= ' ') break;
      if (c >= 0x80) multibyte = true;
    }
    key_ = line_.substr(start, pos_ - start);
    if (multibyte && HasInvalidUtf8(key_)) return SyntaxError("invalid key");
    return true;
  }

 private:
  bool AfterEqual() {
    ++pos_;
    if (pos_ >= line_.size()) return true;
    const unsigned char first = static_cast<unsigned char>(line_[pos_]);
    if (first <= ' ') return true;
    if (first == '"') return Quoted();
    const size_t start = pos_;
    for (; pos_ < line_.size(); ++pos_) {
      const unsigned char c = static_cast<unsigned char>(line_[pos_]);
      if (c == '=' || c == '"') return Unexpected(c);
      if (c <= ' ') break;
    }
    value_ = line_.substr(start, pos_ - start);
    has_value_ = !value_.empty();
    return true;
  }

  bool Quoted() {
    const size_t start = pos_;  // the opening quote
    bool has_escape = false, escaped = false;
    for (size_t i = pos_ + 1; i < line_.size(); ++i) {
      const char c = line_[i];
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        has_escape = escaped = true;
      } else if (c == '"') {
        pos_ = i + 1;
        std::string_view body = line_.substr(start + 1, i - start - 1);
        if (has_escape) {
          if (!Unquote(body, &unquoted_)) return SyntaxError("invalid quoted value");
          value_ = unquoted_;
        } else {
          value_ = body;
        }
        has_value_ = !value_.empty();
        return true;
      }
    }
    pos_ = line_.size();
    return SyntaxError("unterminated quoted value");
  }

  // JSON-style escapes, plus \' ; invalid UTF-8 is kept for the caller
  // to clean.
  static bool Unquote(std::string_view body, std::string* out) {
    std::string tmp;
    out->clear();
    for (size_t i = 0; i < body.size(); ++i) {
      if (body[i] != '\\') {
        out->push_back(body[i]);
        continue;
      }
      if (i + 1 < body.size() && body[i + 1] == '\'') {
        out->push_back('\'');
        ++i;
        continue;
      }
      // Decode one escape with the JSON rules.
      size_t len = 2;
      if (i + 1 < body.size() && body[i + 1] == 'u') {
        len = 6;
        if (i + 12 <= body.size() && body[i + 6] == '\\' && body[i + 7] == 'u') len = 12;
      }
      if (i + len > body.size()) len = body.size() - i;
      if (!JsonUnescape(body.substr(i, len), &tmp)) {
        if (len == 12 && JsonUnescape(body.substr(i, 6), &tmp)) {
          len = 6;
        } else if (len >= 6 && body[i + 1] == 'u') {
          // A lone or broken surrogate reads as U+FFFD.
          out->append("\xEF\xBF\xBD");
          i += 5;
          continue;
        } else {
          return false;
        }
      }
      out->append(tmp);
      i += len - 1;
    }
    return true;
  }

  bool Unexpected(unsigned char c) {
    if (!want_errors_ || !error_.empty()) return SyntaxError("");
    char what[32];
    std::snprintf(what, sizeof(what), "unexpected '%c'", c);
    return SyntaxError(what);
  }

  bool SyntaxError(std::string_view msg) {
    had_error_ = true;
    if (want_errors_ && error_.empty()) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "logfmt syntax error at pos %zu : ", pos_ + 1);
      error_ = std::string(buf) + std::string(msg);
    }
    // The rest of the bad pair is skipped.
    while (pos_ < line_.size() && static_cast<unsigned char>(line_[pos_]) > ' ') ++pos_;
    return false;
  }

  std::string_view line_;
  size_t pos_ = 0;
  std::string_view key_, value_;
  bool has_value_ = false;
  std::string unquoted_;
  bool want_errors_;
  bool had_error_ = false;
  std::string error_;
};

}  // namespace

bool ExtractLogfmtLabels(std::string_view line, const LogfmtOptions& options, LabelsBuilder& labels,
                         std::string* error) {
  Decoder dec(line, options.strict);
  std::string name, value;
  const bool expressions = !options.extractions.empty();
  if (expressions) {
    for (const LogfmtOptions::Extraction& x : options.extractions) {
      if (!labels.IsStreamLabel(x.label) && !labels.IsMetadataLabel(x.label)) {
        labels.SetParsed(x.label, "", true);
      }
    }
  }
  while (!dec.AtEnd()) {
    if (labels.AllNeededParsed()) break;  // the query needs nothing more
    if (!dec.Next()) {
      if (dec.had_error() && options.strict) break;
      continue;
    }
    name.clear();
    AppendSanitizedLabelName(&name, dec.key());  // into a reused buffer
    if (name.empty()) continue;
    if (!expressions && !labels.WantsParsed(name)) continue;  // not needed by the query
    if (expressions) {
      const LogfmtOptions::Extraction* match = nullptr;
      for (const LogfmtOptions::Extraction& x : options.extractions) {
        if (x.key == name) {
          match = &x;
          break;
        }
      }
      if (match == nullptr) {
        for (const LogfmtOptions::Extraction& x : options.extractions) {
          if (x.label == name) {
            match = &x;
            break;
          }
        }
      }
      if (match == nullptr) continue;
      value.assign(dec.value());
      if (HasInvalidUtf8(value)) value.clear();
      labels.SetParsed(match->label, value, true);
      continue;
    }
    if (!dec.has_value() && !options.keep_empty) continue;
    value.assign(dec.value());
    ReplaceInvalidUtf8WithSpace(&value);
    labels.SetParsed(name, value, false);
  }
  if (options.strict && !dec.error().empty()) {
    *error = dec.error();
    return false;
  }
  return true;
}

Status CheckLogfmtExpression(std::string_view expression) {
  auto refuse = [&](std::string_view why) {
    return Status::InvalidArgument("cannot parse expression [" + std::string(expression) +
                                   "]: " + std::string(why));
  };
  int tokens = 0;
  size_t i = 0;
  while (i < expression.size()) {
    if (IsExpressionSpace(expression[i])) {
      ++i;
      continue;
    }
    if (expression[i] == '"') {
      ExpressionString(expression, i, &i);
    } else if (size_t n = ExpressionFieldLength(expression, i); n > 0) {
      if (tokens > 0) return refuse("syntax error: unexpected KEY");
      i += n;
    } else {
      return refuse(std::string("unexpected char ") + expression[i]);
    }
    ++tokens;
  }
  if (tokens == 0) return refuse("syntax error: unexpected $end");
  return Status::Ok();
}

}  // namespace lode
