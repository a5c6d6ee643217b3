// Prometheus' template functions, for the labels and annotations of
// alerting and recording rules: the humanize family, toTime, title,
// toUpper, toLower, stripPort, stripDomain, safeHtml, parseDuration,
// graphLink, tableLink, pathPrefix, externalURL, urlQueryEscape (and
// reReplaceAll and match, in regex_functions.cc). Numbers print as Go's
// fmt prints them, so an annotation reads the same as under Prometheus.
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "base/time.h"
#include "query/template/functions.h"
#include "query/template/template.h"

namespace lode::tmpl {
namespace {

// Prometheus' convertToFloat: numbers as they are, strings parsed.
Result<double> ToFloat(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kFloat:
      return v.f;
    case Value::Kind::kInt:
      return static_cast<double>(v.i);
    case Value::Kind::kString: {
      char* end = nullptr;
      double f = std::strtod(v.s.c_str(), &end);
      if (v.s.empty() || end == nullptr || *end != '\0') {
        return Status::InvalidArgument("strconv.ParseFloat: parsing \"" + v.s +
                                       "\": invalid syntax");
      }
      return f;
    }
    default:
      return Status::InvalidArgument(std::string("can't convert ") + TypeName(v) + " to float");
  }
}

std::string G4(double v, std::string_view suffix = "") {
  std::string s = GoSprintf("%.4g", {Value::Float(v)}, nullptr);
  s.append(suffix);
  return s;
}

// The SI prefixes below 1: m, u, n, ...
std::string SmallPrefixed(double v, std::string_view unit) {
  static const char* const kPrefixes[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
  std::string prefix;
  for (const char* p : kPrefixes) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return G4(v, prefix + std::string(unit));
}

std::string Humanize(double v) {
  if (v == 0 || std::isnan(v) || std::isinf(v)) return G4(v);
  if (std::fabs(v) >= 1) {
    static const char* const kPrefixes[] = {"k", "M", "G", "T", "P", "E", "Z", "Y"};
    std::string prefix;
    for (const char* p : kPrefixes) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return G4(v, prefix);
  }
  return SmallPrefixed(v, "");
}

std::string Humanize1024(double v) {
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return G4(v);
  static const char* const kPrefixes[] = {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"};
  std::string prefix;
  for (const char* p : kPrefixes) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return G4(v, prefix);
}

std::string HumanizeDuration(double v) {
  if (std::isnan(v) || std::isinf(v)) return G4(v);
  if (v == 0) return G4(v, "s");
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    const int64_t d = static_cast<int64_t>(v);
    const int64_t seconds = d % 60, minutes = d / 60 % 60, hours = d / 3600 % 24, days = d / 86400;
    auto n = [](int64_t x) { return std::to_string(x); };
    if (days != 0) {
      return sign + n(days) + "d " + n(hours) + "h " + n(minutes) + "m " + n(seconds) + "s";
    }
    if (hours != 0) return sign + n(hours) + "h " + n(minutes) + "m " + n(seconds) + "s";
    if (minutes != 0) return sign + n(minutes) + "m " + n(seconds) + "s";
    return sign + G4(v, "s");
  }
  return SmallPrefixed(v, "s");
}

// Seconds since the epoch as a UTC time, as Prometheus' floatToTime.
Result<Value> SecondsToTime(double v) {
  if (std::isnan(v) || std::isinf(v)) return Status::InvalidArgument("value is NaN or Inf");
  const double ns = v * 1e9;
  if (ns > 9.2e18 || ns < -9.2e18) {
    return Status::InvalidArgument(
        GoSprintf("%v cannot be represented as a nanoseconds timestamp "
                  "since it overflows int64",
                  {Value::Float(v)}, nullptr));
  }
  return Value::Time(static_cast<int64_t>(std::llround(ns)));
}

// Go's net.SplitHostPort, enough for "host:port" and "[v6]:port".
bool SplitHostPort(std::string_view in, std::string_view* host, std::string_view* port) {
  if (in.starts_with("[")) {
    size_t close = in.find(']');
    if (close == std::string_view::npos || close + 1 >= in.size() || in[close + 1] != ':')
      return false;
    *host = in.substr(1, close - 1);
    *port = in.substr(close + 2);
    return true;
  }
  size_t colon = in.rfind(':');
  if (colon == std::string_view::npos) return false;
  if (in.substr(0, colon).find(':') != std::string_view::npos) return false;  // bare IPv6
  *host = in.substr(0, colon);
  *port = in.substr(colon + 1);
  return true;
}

bool IsIp(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return true;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

std::string QueryEscape(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// The path of the external URL ("http://host:3100/lode" -> "/lode").
std::string_view UrlPath(std::string_view url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t slash = url.find('/', start);
  if (slash == std::string_view::npos) return "";
  std::string_view path = url.substr(slash);
  size_t q = path.find_first_of("?#");
  return q == std::string_view::npos ? path : path.substr(0, q);
}

using FloatFunction = std::string (*)(double);

void AddFloatFunction(FunctionTable& f, const char* name, FloatFunction fn) {
  f[name] = [name, fn](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 1) return WrongCount(name, 1, a.size());
    LODE_ASSIGN_OR_RETURN(double v, ToFloat(a[0]));
    return Value::String(fn(v));
  };
}

std::string Title(std::string_view s) {
  // strings.Title: the first letter of each word upper-cased; a word is
  // letters, digits and '_' (so "o'neil" is "O'Neil"). Letters beyond
  // ASCII are left as they are.
  std::string out(s);
  bool start = true;
  for (char& c : out) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '_' || u >= 0x80) {
      if (start && u < 0x80) c = static_cast<char>(std::toupper(u));
      start = false;
    } else {
      start = true;
    }
  }
  return out;
}

}  // namespace

void AddPrometheusFunctions(FunctionTable& f) {
  AddFloatFunction(f, "humanize", Humanize);
  AddFloatFunction(f, "humanize1024", Humanize1024);
  AddFloatFunction(f, "humanizeDuration", HumanizeDuration);
  AddFloatFunction(f, "humanizePercentage", [](double v) { return G4(v * 100, "%"); });
  f["humanizeTimestamp"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 1) return WrongCount("humanizeTimestamp", 1, a.size());
    LODE_ASSIGN_OR_RETURN(double v, ToFloat(a[0]));
    if (std::isnan(v) || std::isinf(v)) return Value::String(G4(v));
    LODE_ASSIGN_OR_RETURN(Value t, SecondsToTime(v));
    std::string out;
    AppendGoTime(t, &out);
    return Value::String(std::move(out));
  };
  f["toTime"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 1) return WrongCount("toTime", 1, a.size());
    LODE_ASSIGN_OR_RETURN(double v, ToFloat(a[0]));
    return SecondsToTime(v);
  };
  AddStringsFunction(f, "title", 1,
                     [](auto& s) -> Result<Value> { return Value::String(Title(s[0])); });
  AddStringsFunction(f, "toUpper", 1, [](auto& s) -> Result<Value> {
    std::string out(s[0]);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return Value::String(std::move(out));
  });
  AddStringsFunction(f, "toLower", 1, [](auto& s) -> Result<Value> {
    std::string out(s[0]);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return Value::String(std::move(out));
  });
  AddStringsFunction(f, "stripPort", 1, [](auto& s) -> Result<Value> {
    std::string_view host, port;
    if (!SplitHostPort(s[0], &host, &port)) return Value::String(std::string(s[0]));
    return Value::String(std::string(host));
  });
  AddStringsFunction(f, "stripDomain", 1, [](auto& s) -> Result<Value> {
    std::string_view host = s[0], port;
    const bool has_port = SplitHostPort(s[0], &host, &port);
    if (IsIp(host)) return Value::String(std::string(s[0]));
    std::string out(host.substr(0, host.find('.')));
    if (has_port) out += ":" + std::string(port);
    return Value::String(std::move(out));
  });
  AddStringsFunction(f, "safeHtml", 1,
                     [](auto& s) -> Result<Value> { return Value::String(std::string(s[0])); });
  AddStringsFunction(f, "urlQueryEscape", 1,
                     [](auto& s) -> Result<Value> { return Value::String(QueryEscape(s[0])); });
  AddStringsFunction(f, "parseDuration", 1, [](auto& s) -> Result<Value> {
    auto d = ParseDuration(s[0]);
    if (!d.ok()) return d.status();
    return Value::Float(static_cast<double>(*d) / 1e9);
  });
  AddStringsFunction(f, "graphLink", 1, [](auto& s) -> Result<Value> {
    return Value::String("/graph?g0.expr=" + QueryEscape(s[0]) + "&g0.tab=0");
  });
  AddStringsFunction(f, "tableLink", 1, [](auto& s) -> Result<Value> {
    return Value::String("/graph?g0.expr=" + QueryEscape(s[0]) + "&g0.tab=1");
  });
  f["externalURL"] = [](const CallContext& c, Args& a) -> Result<Value> {
    if (!a.empty()) return WrongCount("externalURL", 0, a.size());
    const AlertTemplateData* alert = c.input != nullptr ? c.input->alert : nullptr;
    return Value::String(alert != nullptr ? std::string(alert->external_url) : std::string());
  };
  f["pathPrefix"] = [](const CallContext& c, Args& a) -> Result<Value> {
    if (!a.empty()) return WrongCount("pathPrefix", 0, a.size());
    const AlertTemplateData* alert = c.input != nullptr ? c.input->alert : nullptr;
    return Value::String(alert != nullptr ? std::string(UrlPath(alert->external_url))
                                          : std::string());
  };
  AddPrometheusRegexFunctions(f);
}

}  // namespace lode::tmpl
