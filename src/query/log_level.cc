#include "query/log_level.h"

#include <cctype>
#include <string>

namespace lode {
namespace {

constexpr std::string_view kLevelKeys[] = {"level", "detected_level", "severity",
                                           "lvl",   "loglevel",       "log_level"};

// ASCII classes, without the C library's locale lookups (this runs on
// every line a patterns query reads).
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsWordByte(char c) { return IsAlpha(c) || (c >= '0' && c <= '9') || c == '_'; }

// The value of `key=` or `"key":"` at a word boundary in the line.
std::string_view FieldValue(std::string_view line, std::string_view key) {
  size_t from = 0;
  while (from < line.size()) {
    const size_t at = line.find(key, from);
    if (at == std::string_view::npos) return {};
    from = at + 1;
    if (at > 0 && IsWordByte(line[at - 1])) continue;
    size_t p = at + key.size();
    if (p < line.size() && line[p] == '"') ++p;  // "level":
    if (p >= line.size() || (line[p] != '=' && line[p] != ':')) continue;
    ++p;
    while (p < line.size() && (line[p] == ' ' || line[p] == '"')) ++p;
    size_t end = p;
    while (end < line.size() && IsWordByte(line[end])) ++end;
    if (end > p) return line.substr(p, end - p);
  }
  return {};
}

}  // namespace

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
    case LogLevel::kCritical:
      return "critical";
    case LogLevel::kUnknown:
      break;
  }
  return "unknown";
}

LogLevel ParseLogLevel(std::string_view name) {
  std::string n;
  for (char c : name) n.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (n == "trace") return LogLevel::kTrace;
  if (n == "debug" || n == "dbg") return LogLevel::kDebug;
  if (n == "info" || n == "information" || n == "notice" || n == "inf") return LogLevel::kInfo;
  if (n == "warn" || n == "warning" || n == "wrn") return LogLevel::kWarn;
  if (n == "error" || n == "err" || n == "eror") return LogLevel::kError;
  if (n == "critical" || n == "crit" || n == "fatal" || n == "panic" || n == "emerg" ||
      n == "emergency" || n == "alert") {
    return LogLevel::kCritical;
  }
  return LogLevel::kUnknown;
}

LogLevel DetectLogLevel(const Labels& stream, const Labels& metadata, std::string_view line) {
  for (const Labels* labels : {&metadata, &stream}) {
    for (std::string_view key : kLevelKeys) {
      std::string_view v = labels->Get(key);
      if (!v.empty()) {
        LogLevel l = ParseLogLevel(v);
        if (l != LogLevel::kUnknown) return l;
      }
    }
  }
  for (std::string_view key :
       {std::string_view("level"), std::string_view("severity"), std::string_view("lvl")}) {
    std::string_view v = FieldValue(line, key);
    if (!v.empty()) {
      LogLevel l = ParseLogLevel(v);
      if (l != LogLevel::kUnknown) return l;
    }
  }
  // A level word standing alone, within the first 200 bytes (the
  // header, where loggers put it).
  const std::string_view head = line.substr(0, 200);
  size_t i = 0;
  while (i < head.size()) {
    while (i < head.size() && !IsAlpha(head[i])) ++i;
    size_t j = i;
    while (j < head.size() && IsWordByte(head[j])) ++j;
    if (j - i >= 4 && j - i <= 8 && (i == 0 || !IsWordByte(head[i - 1]))) {
      const std::string_view word = head.substr(i, j - i);
      // Loggers write levels in capitals, or as the word in brackets.
      bool upper = true;
      for (char c : word) upper &= !IsLower(c);
      const bool bracketed = i > 0 && (head[i - 1] == '[' || head[i - 1] == '<');
      if (upper || bracketed) {
        LogLevel l = ParseLogLevel(word);
        if (l != LogLevel::kUnknown) return l;
      }
    }
    i = j;
  }
  return LogLevel::kUnknown;
}

}  // namespace lode
