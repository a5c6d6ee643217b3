#include "logql/lexer.h"

#include <cstdint>
#include <cstdio>

namespace lode::logql {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsIdentStart(char c) { return IsLetter(c) || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Consumes a decimal number (digits, optional fraction) at the start of `s`;
// returns how many bytes, 0 if `s` does not start with a digit.
size_t DecimalPrefix(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsDigit(s[i])) ++i;
  if (i == 0) return 0;
  if (i + 1 < s.size() && s[i] == '.' && IsDigit(s[i + 1])) {
    i += 2;
    while (i < s.size() && IsDigit(s[i])) ++i;
  }
  return i;
}

// One or more <decimal><unit> pairs: 5m, 1h30m, 1.5s, 250ms.
bool IsDuration(std::string_view s) {
  if (s.empty()) return false;
  while (!s.empty()) {
    size_t n = DecimalPrefix(s);
    if (n == 0) return false;
    s.remove_prefix(n);
    size_t u = 0;
    while (u < s.size() && IsLetter(s[u])) ++u;
    std::string_view unit = s.substr(0, u);
    if (unit != "ns" && unit != "us" && unit != "ms" && unit != "s" && unit != "m" && unit != "h" &&
        unit != "d" && unit != "w" && unit != "y") {
      return false;
    }
    s.remove_prefix(u);
  }
  return true;
}

// <decimal><unit> with a case-insensitive SI or IEC byte unit: 10KB, 5MiB.
bool IsByteSize(std::string_view s) {
  size_t n = DecimalPrefix(s);
  if (n == 0) return false;
  std::string unit;
  for (char c : s.substr(n)) unit.push_back(static_cast<char>(c | 0x20));  // ASCII lower
  static constexpr std::string_view kUnits[] = {"b",  "kb",  "kib", "mb",  "mib", "gb", "gib",
                                                "tb", "tib", "pb",  "pib", "eb",  "eib"};
  for (std::string_view u : kUnits) {
    if (unit == u) return true;
  }
  return false;
}

std::string DescribeChar(char c) {
  auto u = static_cast<unsigned char>(c);
  char buf[16];
  if (u >= 0x20 && u < 0x7F) {
    std::snprintf(buf, sizeof(buf), "'%c'", c);
  } else {
    std::snprintf(buf, sizeof(buf), "'\\x%02x'", u);
  }
  return buf;
}

}  // namespace

const char* TokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEnd:
      return "$end";
    case TokenKind::kIdentifier:
      return "IDENTIFIER";
    case TokenKind::kString:
      return "STRING";
    case TokenKind::kNumber:
      return "NUMBER";
    case TokenKind::kDuration:
      return "DURATION";
    case TokenKind::kBytes:
      return "BYTES";
    case TokenKind::kOpenBrace:
      return "{";
    case TokenKind::kCloseBrace:
      return "}";
    case TokenKind::kOpenBracket:
      return "[";
    case TokenKind::kCloseBracket:
      return "]";
    case TokenKind::kOpenParen:
      return "(";
    case TokenKind::kCloseParen:
      return ")";
    case TokenKind::kComma:
      return ",";
    case TokenKind::kDot:
      return ".";
    case TokenKind::kPipe:
      return "|";
    case TokenKind::kPipeExact:
      return "|=";
    case TokenKind::kPipeMatch:
      return "|~";
    case TokenKind::kPipePattern:
      return "|>";
    case TokenKind::kNotPattern:
      return "!>";
    case TokenKind::kEq:
      return "=";
    case TokenKind::kNeq:
      return "!=";
    case TokenKind::kRe:
      return "=~";
    case TokenKind::kNre:
      return "!~";
    case TokenKind::kCmpEq:
      return "==";
    case TokenKind::kGt:
      return ">";
    case TokenKind::kGte:
      return ">=";
    case TokenKind::kLt:
      return "<";
    case TokenKind::kLte:
      return "<=";
    case TokenKind::kAdd:
      return "+";
    case TokenKind::kSub:
      return "-";
    case TokenKind::kMul:
      return "*";
    case TokenKind::kDiv:
      return "/";
    case TokenKind::kMod:
      return "%";
    case TokenKind::kPow:
      return "^";
  }
  return "UNKNOWN";
}

Status ParseErrorAt(Position pos, std::string_view what) {
  return Status::InvalidArgument("parse error at line " + std::to_string(pos.line) + ", col " +
                                 std::to_string(pos.column) + ": " + std::string(what));
}

Status ParseError(std::string_view what) {
  return Status::InvalidArgument("parse error : " + std::string(what));
}

void Lexer::Advance() {
  if (input_[pos_] == '\n') {
    ++line_;
    line_start_ = pos_ + 1;
  }
  ++pos_;
}

Position Lexer::PositionOf(size_t offset) const {
  return Position{line_, static_cast<int>(offset - line_start_) + 1};
}

void Lexer::SkipSpaceAndComments() {
  while (!AtEnd()) {
    char c = PeekChar();
    if (IsSpace(c)) {
      Advance();
    } else if (c == '#') {
      while (!AtEnd() && PeekChar() != '\n') Advance();
    } else {
      return;
    }
  }
}

Result<Token> Lexer::Next() {
  SkipSpaceAndComments();
  Token tok;
  tok.pos = PositionOf(pos_);
  const size_t start = pos_;
  if (AtEnd()) {
    tok.kind = TokenKind::kEnd;
    return tok;
  }
  char c = PeekChar();
  if (IsIdentStart(c)) {
    while (!AtEnd() && IsIdentChar(PeekChar())) Advance();
    tok.kind = TokenKind::kIdentifier;
  } else if (IsDigit(c) || (c == '.' && IsDigit(PeekChar(1)))) {
    // `.5` is a number too.
    LODE_RETURN_IF_ERROR(ScanNumber());
    std::string_view text = input_.substr(start, pos_ - start);
    if (IsDuration(text)) {
      tok.kind = TokenKind::kDuration;
    } else if (IsByteSize(text)) {
      tok.kind = TokenKind::kBytes;
    } else {
      tok.kind = TokenKind::kNumber;
    }
  } else if (c == '"') {
    LODE_ASSIGN_OR_RETURN(tok.value, ScanQuoted());
    tok.kind = TokenKind::kString;
  } else if (c == '`') {
    LODE_ASSIGN_OR_RETURN(tok.value, ScanRaw());
    tok.kind = TokenKind::kString;
  } else {
    LODE_ASSIGN_OR_RETURN(tok.kind, ScanOperator());
  }
  tok.text = input_.substr(start, pos_ - start);
  return tok;
}

// An exponent, `e`/`E` (or `p`/`P` after a hexadecimal mantissa), an
// optional sign and digits; nothing when what follows is not one.
void Lexer::ScanExponent(char letter) {
  const char c = PeekChar();
  if (c != letter && c != letter - 32) return;
  const bool sign = PeekChar(1) == '+' || PeekChar(1) == '-';
  if (!IsDigit(PeekChar(sign ? 2 : 1))) return;
  Advance();
  if (sign) Advance();
  while (IsDigit(PeekChar())) Advance();
}

// Leaves pos_ after the number and any unit suffix; the caller classifies.
Status Lexer::ScanNumber() {
  const size_t start = pos_;
  if (PeekChar() == '0' && (PeekChar(1) == 'x' || PeekChar(1) == 'X') &&
      (IsHexDigit(PeekChar(2)) || (PeekChar(2) == '.' && IsHexDigit(PeekChar(3))))) {
    // A hexadecimal number, as Go scans it: 0x1p3, 0x1.8p-2, 0xff. The
    // parser takes it as a float only with its p exponent.
    Advance();
    Advance();
    while (IsHexDigit(PeekChar())) Advance();
    if (PeekChar() == '.') {
      Advance();
      while (IsHexDigit(PeekChar())) Advance();
    }
    ScanExponent('p');
    if (!IsIdentChar(PeekChar())) return Status::Ok();
    while (IsIdentChar(PeekChar())) Advance();
    return ParseErrorAt(
        PositionOf(start),
        "invalid number \"" + std::string(input_.substr(start, pos_ - start)) + "\"");
  }
  while (IsDigit(PeekChar())) Advance();
  if (PeekChar() == '.' && IsDigit(PeekChar(1))) {
    Advance();
    while (IsDigit(PeekChar())) Advance();
  }
  ScanExponent('e');
  if (!IsIdentStart(PeekChar())) return Status::Ok();
  // A unit suffix: the whole run must read as a duration or a byte size.
  while (IsIdentChar(PeekChar()) || (PeekChar() == '.' && IsDigit(PeekChar(1)))) Advance();
  std::string_view text = input_.substr(start, pos_ - start);
  if (IsDuration(text) || IsByteSize(text)) return Status::Ok();
  return ParseErrorAt(PositionOf(start),
                      "invalid number, duration or byte size \"" + std::string(text) + "\"");
}

Result<std::string> Lexer::ScanQuoted() {
  const size_t start = pos_;
  Advance();  // opening quote
  std::string out;
  while (!AtEnd()) {
    char c = PeekChar();
    if (c == '"') {
      Advance();
      return out;
    }
    if (c == '\n') break;
    if (c == '\\') {
      LODE_RETURN_IF_ERROR(ScanEscape(out));
      continue;
    }
    out.push_back(c);
    Advance();
  }
  return ParseErrorAt(PositionOf(start), "unterminated string");
}

// At a backslash inside a double-quoted string; appends the decoded bytes.
Status Lexer::ScanEscape(std::string& out) {
  const Position start = PositionOf(pos_);
  auto bad = [&] { return ParseErrorAt(start, "invalid char escape"); };
  Advance();  // backslash
  const char c = PeekChar();
  if (AtEnd()) return ParseErrorAt(start, "unterminated string");
  char simple = '\0';
  switch (c) {
    case 'a':
      simple = '\a';
      break;
    case 'b':
      simple = '\b';
      break;
    case 'f':
      simple = '\f';
      break;
    case 'n':
      simple = '\n';
      break;
    case 'r':
      simple = '\r';
      break;
    case 't':
      simple = '\t';
      break;
    case 'v':
      simple = '\v';
      break;
    case '\\':
      simple = '\\';
      break;
    case '"':
      simple = '"';
      break;
    default:
      break;
  }
  if (simple != '\0') {
    out.push_back(simple);
    Advance();
    return Status::Ok();
  }
  if (c == 'x' || c == 'u' || c == 'U') {
    const int digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
    Advance();
    uint32_t v = 0;
    for (int i = 0; i < digits; ++i) {
      int h = HexValue(PeekChar());
      if (h < 0) return bad();
      v = v * 16 + static_cast<uint32_t>(h);
      Advance();
    }
    if (c == 'x') {
      out.push_back(static_cast<char>(v));
    } else if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
      return ParseErrorAt(start, "escape sequence is invalid Unicode code point");
    } else {
      AppendUtf8(out, v);
    }
    return Status::Ok();
  }
  // Octal: exactly three digits.
  uint32_t v = 0;
  for (int i = 0; i < 3; ++i) {
    char d = PeekChar();
    if (d < '0' || d > '7') return bad();
    v = v * 8 + static_cast<uint32_t>(d - '0');
    Advance();
  }
  if (v > 255) return ParseErrorAt(start, "octal escape value > 255");
  out.push_back(static_cast<char>(v));
  return Status::Ok();
}

Result<std::string> Lexer::ScanRaw() {
  const Position start = PositionOf(pos_);
  Advance();  // opening backtick
  std::string out;
  while (!AtEnd()) {
    char c = PeekChar();
    Advance();
    if (c == '`') return out;
    if (c != '\r') out.push_back(c);  // Go drops CR from raw strings
  }
  return ParseErrorAt(start, "unterminated raw string");
}

Result<TokenKind> Lexer::ScanOperator() {
  const size_t start = pos_;
  char c = PeekChar();
  char n = PeekChar(1);
  TokenKind kind;
  int len = 2;
  if (c == '|' && n == '=') {
    kind = TokenKind::kPipeExact;
  } else if (c == '|' && n == '~') {
    kind = TokenKind::kPipeMatch;
  } else if (c == '|' && n == '>') {
    kind = TokenKind::kPipePattern;
  } else if (c == '!' && n == '=') {
    kind = TokenKind::kNeq;
  } else if (c == '!' && n == '~') {
    kind = TokenKind::kNre;
  } else if (c == '!' && n == '>') {
    kind = TokenKind::kNotPattern;
  } else if (c == '=' && n == '~') {
    kind = TokenKind::kRe;
  } else if (c == '=' && n == '=') {
    kind = TokenKind::kCmpEq;
  } else if (c == '>' && n == '=') {
    kind = TokenKind::kGte;
  } else if (c == '<' && n == '=') {
    kind = TokenKind::kLte;
  } else {
    len = 1;
    switch (c) {
      case '{':
        kind = TokenKind::kOpenBrace;
        break;
      case '}':
        kind = TokenKind::kCloseBrace;
        break;
      case '[':
        kind = TokenKind::kOpenBracket;
        break;
      case ']':
        kind = TokenKind::kCloseBracket;
        break;
      case '(':
        kind = TokenKind::kOpenParen;
        break;
      case ')':
        kind = TokenKind::kCloseParen;
        break;
      case ',':
        kind = TokenKind::kComma;
        break;
      case '.':
        kind = TokenKind::kDot;
        break;
      case '|':
        kind = TokenKind::kPipe;
        break;
      case '=':
        kind = TokenKind::kEq;
        break;
      case '>':
        kind = TokenKind::kGt;
        break;
      case '<':
        kind = TokenKind::kLt;
        break;
      case '+':
        kind = TokenKind::kAdd;
        break;
      case '-':
        kind = TokenKind::kSub;
        break;
      case '*':
        kind = TokenKind::kMul;
        break;
      case '/':
        kind = TokenKind::kDiv;
        break;
      case '%':
        kind = TokenKind::kMod;
        break;
      case '^':
        kind = TokenKind::kPow;
        break;
      default:
        return ParseErrorAt(PositionOf(start), "unexpected character " + DescribeChar(c));
    }
  }
  for (int i = 0; i < len; ++i) Advance();
  return kind;
}

Result<std::vector<Token>> Tokenize(std::string_view input) {
  Lexer lexer(input);
  std::vector<Token> tokens;
  while (true) {
    LODE_ASSIGN_OR_RETURN(Token tok, lexer.Next());
    bool end = tok.kind == TokenKind::kEnd;
    tokens.push_back(std::move(tok));
    if (end) return tokens;
  }
}

}  // namespace lode::logql
