// How template values print: Go's fmt rules for %v and Sprintf's verbs,
// flags and error forms, so a line_format output reads as Loki's does.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "base/utf8.h"
#include "query/labels_builder.h"
#include "query/template/internal.h"

namespace lode::tmpl {

const char* TypeName(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNoValue:
    case Value::Kind::kNil:
      return "<nil>";
    case Value::Kind::kBool:
      return "bool";
    case Value::Kind::kInt:
      return "int";
    case Value::Kind::kFloat:
      return "float64";
    case Value::Kind::kString:
      return "string";
    case Value::Kind::kTime:
      return "time.Time";
    case Value::Kind::kMap:
      return "map[string]string";
    case Value::Kind::kAlert:
      return "*template.tmplData";
  }
  return "?";
}

bool Truth(const Value& v, const LabelsBuilder* labels) {
  switch (v.kind) {
    case Value::Kind::kNoValue:
    case Value::Kind::kNil:
      return false;
    case Value::Kind::kBool:
      return v.b;
    case Value::Kind::kInt:
      return v.i != 0;
    case Value::Kind::kFloat:
      return v.f != 0;
    case Value::Kind::kString:
      return !v.s.empty();
    case Value::Kind::kTime:
      return true;
    case Value::Kind::kMap:
      if (v.map != nullptr) labels = v.map;
      return labels != nullptr && labels->size() > 0;
    case Value::Kind::kAlert:
      return true;
  }
  return false;
}

void AppendGoFloat(double f, std::string* out) {
  if (std::isnan(f)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(f)) {
    out->append(f > 0 ? "+Inf" : "-Inf");
    return;
  }
  // The shortest digits that read back as f, then Go's choice of form:
  // an exponent when it is below -4 or at least 6 (%g, shortest).
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::scientific);
  std::string_view sci(buf, r.ptr - buf);
  size_t e = sci.find('e');
  int exp = std::atoi(std::string(sci.substr(e + 1)).c_str());
  if (exp < -4 || exp >= 6) {
    out->append(sci);
    return;
  }
  r = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::fixed);
  out->append(buf, r.ptr - buf);
}

void AppendGoTime(const Value& t, std::string* out) {
  out->append(FormatGoTime(t, "2006-01-02 15:04:05.999999999 -0700 MST"));
}

namespace {

// Go's strconv.Quote: printable runes kept, others escaped.
std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\a':
        out += "\\a";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '\v':
        out += "\\v";
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

struct Spec {
  bool minus = false, plus = false, space = false, zero = false, sharp = false;
  int width = -1, prec = -1;
};

void Pad(const Spec& spec, std::string s, std::string* out, bool numeric) {
  const int n = static_cast<int>(s.size());
  if (spec.width <= n) {
    out->append(s);
    return;
  }
  const size_t fill = static_cast<size_t>(spec.width - n);
  if (spec.minus) {
    out->append(s);
    out->append(fill, ' ');
  } else if (spec.zero && numeric) {
    // Zeros go after the sign.
    size_t sign = (!s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) ? 1 : 0;
    out->append(s.substr(0, sign));
    out->append(fill, '0');
    out->append(s.substr(sign));
  } else {
    out->append(fill, ' ');
    out->append(s);
  }
}

std::string IntText(int64_t v, int base, bool upper, const Spec& spec) {
  uint64_t u = v < 0 ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
  char buf[80];
  auto r = std::to_chars(buf, buf + sizeof(buf), u, base);
  std::string digits(buf, r.ptr - buf);
  if (upper) {
    for (char& c : digits) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (spec.prec >= 0 && static_cast<int>(digits.size()) < spec.prec) {
    digits.insert(0, static_cast<size_t>(spec.prec) - digits.size(), '0');
  }
  if (spec.sharp) {
    if (base == 16) digits.insert(0, upper ? "0X" : "0x");
    if (base == 8 && digits[0] != '0') digits.insert(0, "0");
    if (base == 2) digits.insert(0, "0b");
  }
  if (v < 0) return "-" + digits;
  if (spec.plus) return "+" + digits;
  if (spec.space) return " " + digits;
  return digits;
}

std::string FloatText(double f, char verb, const Spec& spec) {
  if (std::isnan(f) || std::isinf(f)) {
    std::string s = std::isnan(f) ? "NaN" : (f > 0 ? (spec.plus ? "+Inf" : "Inf") : "-Inf");
    if (std::isnan(f) && spec.plus) s = "+NaN";
    return s;
  }
  std::string s;
  if ((verb == 'g' || verb == 'G' || verb == 'v') && spec.prec < 0) {
    AppendGoFloat(f, &s);
    if (verb == 'G') {
      for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  } else {
    char fmt[16];
    std::snprintf(fmt, sizeof(fmt), "%%%s.*%c", spec.sharp ? "#" : "", verb == 'v' ? 'g' : verb);
    char buf[512];
    int prec = spec.prec >= 0 ? spec.prec : 6;
    std::snprintf(buf, sizeof(buf), fmt, prec, f);
    s = buf;
  }
  if (!s.empty() && s[0] != '-') {
    if (spec.plus)
      s.insert(0, "+");
    else if (spec.space)
      s.insert(0, " ");
  }
  return s;
}

// The first `prec` runes of s (all of it when prec < 0), as fmt's
// precision cuts %s, %v and %q.
std::string TruncateRunes(std::string s, int prec) {
  if (prec < 0) return s;
  size_t at = 0;
  for (int n = 0; n < prec && at < s.size(); ++n) {
    at += Utf8LeadLength(static_cast<unsigned char>(s[at]));
  }
  if (at < s.size()) s.resize(at);
  return s;
}

void BadVerb(char verb, const Value& v, const LabelsBuilder* labels, std::string* out) {
  out->append("%!");
  out->push_back(verb);
  out->push_back('(');
  if (v.kind == Value::Kind::kNil || v.kind == Value::Kind::kNoValue) {
    out->append("<nil>");
  } else {
    out->append(TypeName(v));
    out->push_back('=');
    AppendValue(v, labels, out);
  }
  out->push_back(')');
}

}  // namespace

void AppendValue(const Value& v, const LabelsBuilder* labels, std::string* out) {
  switch (v.kind) {
    case Value::Kind::kNoValue:
      out->append("<no value>");
      return;
    case Value::Kind::kNil:
      out->append("<nil>");
      return;
    case Value::Kind::kBool:
      out->append(v.b ? "true" : "false");
      return;
    case Value::Kind::kInt:
      out->append(std::to_string(v.i));
      return;
    case Value::Kind::kFloat:
      AppendGoFloat(v.f, out);
      return;
    case Value::Kind::kString:
      out->append(v.s);
      return;
    case Value::Kind::kTime:
      AppendGoTime(v, out);
      return;
    case Value::Kind::kAlert:
      out->append("{...}");
      return;
    case Value::Kind::kMap: {
      if (v.map != nullptr) labels = v.map;
      out->append("map[");
      bool first = true;
      if (labels != nullptr) {
        labels->ForEach([&](std::string_view name, std::string_view value, LabelCategory) {
          if (!first) out->push_back(' ');
          first = false;
          out->append(name);
          out->push_back(':');
          out->append(value);
        });
      }
      out->push_back(']');
      return;
    }
  }
}

std::string GoSprintf(std::string_view format, const std::vector<Value>& args,
                      const LabelsBuilder* labels) {
  std::string out;
  size_t argi = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    char c = format[i];
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    if (++i >= format.size()) {
      out.append("%!(NOVERB)");
      break;
    }
    Spec spec;
    for (; i < format.size(); ++i) {
      char f = format[i];
      if (f == '-')
        spec.minus = true;
      else if (f == '+')
        spec.plus = true;
      else if (f == ' ')
        spec.space = true;
      else if (f == '0')
        spec.zero = true;
      else if (f == '#')
        spec.sharp = true;
      else
        break;
    }
    auto number = [&](int* dst) {
      if (i < format.size() && format[i] == '*') {
        ++i;
        if (argi < args.size() && args[argi].kind == Value::Kind::kInt) {
          *dst = static_cast<int>(args[argi].i);
          if (*dst < 0 && dst == &spec.width) {
            spec.minus = true;
            *dst = -*dst;
          }
        } else {
          out.append("%!(BADWIDTH)");
        }
        ++argi;
        return;
      }
      int v = -1;
      while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
        v = (v < 0 ? 0 : v * 10) + (format[i] - '0');
        if (v > 1000000) v = 1000000;
        ++i;
      }
      *dst = v;
    };
    number(&spec.width);
    if (i < format.size() && format[i] == '.') {
      ++i;
      number(&spec.prec);
      if (spec.prec < 0) spec.prec = 0;
    }
    if (i >= format.size()) {
      out.append("%!(NOVERB)");
      break;
    }
    char verb = format[i];
    if (verb == '%') {
      out.push_back('%');
      continue;
    }
    if (argi >= args.size()) {
      out.append("%!");
      out.push_back(verb);
      out.append("(MISSING)");
      continue;
    }
    const Value& v = args[argi++];
    // nil prints only through %v and %T.
    if (v.kind == Value::Kind::kNil && verb != 'v' && verb != 'T') {
      BadVerb(verb, v, labels, &out);
      continue;
    }
    const bool is_int = v.kind == Value::Kind::kInt;
    const bool is_float = v.kind == Value::Kind::kFloat;
    const bool is_string = v.kind == Value::Kind::kString;
    switch (verb) {
      case 'v':
      case 's':
        if (verb == 's' && (is_int || is_float || v.kind == Value::Kind::kBool)) {
          BadVerb(verb, v, labels, &out);
          break;
        }
        if (is_float) {
          Pad(spec, FloatText(v.f, 'g', spec), &out, true);
        } else if (is_int) {
          Pad(spec, IntText(v.i, 10, false, spec), &out, true);
        } else {
          std::string s;
          AppendValue(v, labels, &s);
          Pad(spec, TruncateRunes(std::move(s), spec.prec), &out, false);
        }
        break;
      case 'd':
      case 'b':
      case 'o':
      case 'O':
        if (!is_int) {
          BadVerb(verb, v, labels, &out);
          break;
        }
        if (verb == 'O') {
          Pad(spec, (v.i < 0 ? "-0o" : "0o") + IntText(v.i < 0 ? -v.i : v.i, 8, false, Spec{}),
              &out, true);
        } else {
          Pad(spec, IntText(v.i, verb == 'd' ? 10 : verb == 'b' ? 2 : 8, false, spec), &out, true);
        }
        break;
      case 'x':
      case 'X':
        if (is_int) {
          Pad(spec, IntText(v.i, 16, verb == 'X', spec), &out, true);
        } else if (is_string) {
          std::string hex;
          const char* digits = verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
          // The precision counts the bytes encoded.
          const size_t n =
              spec.prec >= 0 ? std::min(v.s.size(), static_cast<size_t>(spec.prec)) : v.s.size();
          for (size_t k = 0; k < n; ++k) {
            if (spec.space && k > 0) hex.push_back(' ');
            unsigned char b = static_cast<unsigned char>(v.s[k]);
            hex.push_back(digits[b >> 4]);
            hex.push_back(digits[b & 15]);
          }
          Pad(spec, std::move(hex), &out, false);
        } else if (is_float) {
          char buf[64];
          std::snprintf(buf, sizeof(buf), verb == 'x' ? "%a" : "%A", v.f);
          // Go writes the exponent with two digits at least: 0x1.8p+00.
          std::string hex = buf;
          const size_t p = hex.find_first_of("pP");
          if (p != std::string::npos && p + 3 == hex.size()) hex.insert(p + 2, "0");
          Pad(spec, std::move(hex), &out, true);
        } else {
          BadVerb(verb, v, labels, &out);
        }
        break;
      case 'c':
        if (!is_int) {
          BadVerb(verb, v, labels, &out);
          break;
        }
        {
          std::string s;
          AppendUtf8(static_cast<uint32_t>(v.i), &s);
          Pad(spec, std::move(s), &out, false);
        }
        break;
      case 'U':
        if (!is_int) {
          BadVerb(verb, v, labels, &out);
          break;
        }
        {
          char buf[32];
          std::snprintf(buf, sizeof(buf), "U+%04llX", static_cast<unsigned long long>(v.i));
          Pad(spec, buf, &out, false);
        }
        break;
      case 'q':
        if (is_string) {
          Pad(spec, GoQuote(TruncateRunes(v.s, spec.prec)), &out, false);
        } else if (is_int) {
          std::string s = "'";
          AppendUtf8(static_cast<uint32_t>(v.i), &s);
          s += "'";
          Pad(spec, std::move(s), &out, false);
        } else {
          BadVerb(verb, v, labels, &out);
        }
        break;
      case 't':
        if (v.kind != Value::Kind::kBool) {
          BadVerb(verb, v, labels, &out);
          break;
        }
        Pad(spec, v.b ? "true" : "false", &out, false);
        break;
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G':
        if (is_float) {
          Pad(spec, FloatText(v.f, verb == 'F' ? 'f' : verb, spec), &out, true);
        } else {
          BadVerb(verb, v, labels, &out);
        }
        break;
      case 'T':
        Pad(spec, TypeName(v), &out, false);
        break;
      default:
        BadVerb(verb, v, labels, &out);
        break;
    }
  }
  if (argi < args.size()) {
    out.append("%!(EXTRA ");
    for (size_t k = argi; k < args.size(); ++k) {
      if (k > argi) out.append(", ");
      out.append(TypeName(args[k]));
      out.push_back('=');
      AppendValue(args[k], labels, &out);
    }
    out.push_back(')');
  }
  return out;
}

}  // namespace lode::tmpl
