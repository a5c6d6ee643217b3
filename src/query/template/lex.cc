// The lexer of the template language: the tokens of one `{{ action }}`,
// as Go's text/template lexes them (strings with Go's escapes, raw
// strings, character constants, numbers in every Go base, fields,
// variables, trim markers).
#include "query/template/lex.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "base/utf8.h"

namespace lode::tmpl {
namespace {

bool IsAlnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

Token MakeToken(Tok type, std::string text) {
  Token t;
  t.type = type;
  t.text = std::move(text);
  return t;
}

// Go's strconv.Unquote for "..." strings.
Result<std::string> UnquoteGo(std::string_view body) {
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= body.size()) return Status::InvalidArgument("unterminated quoted string");
    char e = body[i];
    // Reads `digits` digits after body[i] in `base`.
    auto hex = [&](size_t digits, int base) -> Result<uint32_t> {
      if (i + digits >= body.size()) return Status::InvalidArgument("invalid syntax");
      uint32_t v = 0;
      auto r = std::from_chars(body.data() + i + 1, body.data() + i + 1 + digits, v, base);
      if (r.ec != std::errc() || r.ptr != body.data() + i + 1 + digits) {
        return Status::InvalidArgument("invalid syntax");
      }
      i += digits;
      return v;
    };
    switch (e) {
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case '\'':
        out += '\'';
        break;
      case 'x': {
        LODE_ASSIGN_OR_RETURN(uint32_t v, hex(2, 16));
        out += static_cast<char>(v);
        break;
      }
      case 'u':
      case 'U': {
        size_t n = e == 'u' ? 4 : 8;
        LODE_ASSIGN_OR_RETURN(uint32_t v, hex(n, 16));
        if (v > 0x10FFFF) return Status::InvalidArgument("invalid syntax");
        AppendUtf8(v, &out);
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          --i;  // the first octal digit is e itself
          LODE_ASSIGN_OR_RETURN(uint32_t v, hex(3, 8));
          if (v > 255) return Status::InvalidArgument("invalid syntax");
          out += static_cast<char>(v);
          break;
        }
        return Status::InvalidArgument("invalid syntax");
    }
  }
  return out;
}

}  // namespace

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

Result<std::vector<Token>> LexAction(Cursor& cursor) {
  std::vector<Token> out;
  int parens = 0;
  while (true) {
    while (cursor.pos < cursor.text.size() && IsSpace(cursor.text[cursor.pos])) {
      if (cursor.text[cursor.pos] == '\n') ++cursor.line;
      // ` -}}`: the end with a trim marker.
      if (cursor.text.substr(cursor.pos + 1).starts_with("-}}")) {
        cursor.pos += 4;
        cursor.trim_next = true;
        out.push_back(MakeToken(Tok::kEnd, ""));
        if (parens > 0) return Status::InvalidArgument("unclosed left paren");
        return out;
      }
      ++cursor.pos;
    }
    if (cursor.pos >= cursor.text.size()) return Status::InvalidArgument("unclosed action");
    const bool spaced = cursor.pos > 0 && IsSpace(cursor.text[cursor.pos - 1]);
    const size_t before = out.size();
    const size_t token_start = cursor.pos;
    std::string_view rest = cursor.text.substr(cursor.pos);
    if (rest.starts_with("}}")) {
      cursor.pos += 2;
      if (parens > 0) return Status::InvalidArgument("unclosed left paren");
      out.push_back(MakeToken(Tok::kEnd, ""));
      return out;
    }
    char c = rest[0];
    if (c == '|') {
      out.push_back(MakeToken(Tok::kPipe, ""));
      ++cursor.pos;
    } else if (c == '(') {
      ++parens;
      out.push_back(MakeToken(Tok::kLeftParen, ""));
      ++cursor.pos;
    } else if (c == ')') {
      if (--parens < 0) return Status::InvalidArgument("unexpected right paren");
      out.push_back(MakeToken(Tok::kRightParen, ""));
      ++cursor.pos;
    } else if (c == ',') {
      out.push_back(MakeToken(Tok::kComma, ""));
      ++cursor.pos;
    } else if (rest.starts_with(":=")) {
      out.push_back(MakeToken(Tok::kDeclare, ""));
      cursor.pos += 2;
    } else if (c == '=') {
      out.push_back(MakeToken(Tok::kAssign, ""));
      ++cursor.pos;
    } else if (c == '"') {
      size_t j = 1;
      while (j < rest.size() && rest[j] != '"') {
        if (rest[j] == '\\') ++j;
        if (j < rest.size() && rest[j] == '\n')
          return Status::InvalidArgument("unterminated quoted string");
        ++j;
      }
      if (j >= rest.size()) return Status::InvalidArgument("unterminated quoted string");
      auto s = UnquoteGo(rest.substr(1, j - 1));
      if (!s.ok()) return Status::InvalidArgument(s.status().message());
      out.push_back(MakeToken(Tok::kString, *s));
      cursor.pos += j + 1;
    } else if (c == '`') {
      size_t close = rest.find('`', 1);
      if (close == std::string_view::npos)
        return Status::InvalidArgument("unterminated raw quoted string");
      std::string s(rest.substr(1, close - 1));
      for (char ch : s) {
        if (ch == '\n') ++cursor.line;
      }
      s.erase(std::remove(s.begin(), s.end(), '\r'), s.end());
      out.push_back(MakeToken(Tok::kString, s));
      cursor.pos += close + 1;
    } else if (c == '\'') {
      size_t j = 1;
      while (j < rest.size() && rest[j] != '\'') {
        if (rest[j] == '\\') ++j;
        ++j;
      }
      if (j >= rest.size()) return Status::InvalidArgument("unterminated character constant");
      auto s = UnquoteGo(rest.substr(1, j - 1));
      // One rune, as Go's strconv.UnquoteChar reads it.
      if (!s.ok() || s->empty()) return Status::InvalidArgument("invalid syntax");
      if (Utf8LeadLength(static_cast<unsigned char>((*s)[0])) != s->size()) {
        return Status::InvalidArgument("malformed character constant: " +
                                       std::string(rest.substr(0, j + 1)));
      }
      out.push_back(MakeToken(Tok::kChar, *s));
      cursor.pos += j + 1;
    } else if (c == '$') {
      size_t j = 1;
      while (j < rest.size() && IsAlnum(rest[j])) ++j;
      out.push_back(MakeToken(Tok::kVariable, std::string(rest.substr(1, j - 1))));
      cursor.pos += j;
    } else if (c == '.' &&
               (rest.size() < 2 || !std::isdigit(static_cast<unsigned char>(rest[1])))) {
      size_t j = 1;
      while (j < rest.size() && IsAlnum(rest[j])) ++j;
      if (j == 1) {
        out.push_back(MakeToken(Tok::kDot, ""));
      } else {
        out.push_back(MakeToken(Tok::kField, std::string(rest.substr(1, j - 1))));
      }
      cursor.pos += j;
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               ((c == '-' || c == '+' || c == '.') && rest.size() > 1 &&
                (std::isdigit(static_cast<unsigned char>(rest[1])) || rest[1] == '.'))) {
      size_t j = 1;
      while (j < rest.size() &&
             (IsAlnum(rest[j]) || rest[j] == '.' ||
              ((rest[j] == '-' || rest[j] == '+') && (rest[j - 1] == 'e' || rest[j - 1] == 'E' ||
                                                      rest[j - 1] == 'p' || rest[j - 1] == 'P')))) {
        ++j;
      }
      out.push_back(MakeToken(Tok::kNumber, std::string(rest.substr(0, j))));
      cursor.pos += j;
    } else if (IsAlnum(c)) {
      size_t j = 0;
      while (j < rest.size() && IsAlnum(rest[j])) ++j;
      out.push_back(MakeToken(Tok::kIdentifier, std::string(rest.substr(0, j))));
      cursor.pos += j;
    } else {
      return Status::InvalidArgument(std::string("unrecognized character in action: '") + c + "'");
    }
    if (out.size() > before) {
      out.back().spaced = spaced;
      out.back().pos = token_start;
      out.back().raw = std::string(cursor.text.substr(token_start, cursor.pos - token_start));
    }
  }
}

}  // namespace lode::tmpl
