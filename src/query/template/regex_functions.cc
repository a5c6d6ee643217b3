// The regular expression functions, LogQL's: regexReplaceAll and
// regexReplaceAllLiteral (Go's Regexp.ReplaceAllString and
// ReplaceAllLiteralString) and count (the number of matches). RE2 and
// Go's regexp share one syntax.
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "base/utf8.h"
#include "model/regex_error.h"
#include "query/template/functions.h"

namespace lode::tmpl {
namespace {

std::shared_ptr<const re2::RE2> CachedRegex(const std::string& pattern, std::string* error) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::shared_ptr<const re2::RE2>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(pattern);
  if (it != cache.end()) return it->second;
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>(pattern, options);
  if (!re->ok()) {
    *error = DescribeRegexError(*re);
    return nullptr;
  }
  if (cache.size() > 1000) cache.clear();
  cache.emplace(pattern, re);
  return re;
}

// Go's Regexp.Expand of a replacement template: $1, ${1}, $name, ${name}, $$.
void Expand(std::string_view repl, const re2::RE2& re, const std::vector<re2::StringPiece>& groups,
            std::string* out) {
  const auto& names = re.NamedCapturingGroups();
  for (size_t i = 0; i < repl.size(); ++i) {
    if (repl[i] != '$' || i + 1 >= repl.size()) {
      out->push_back(repl[i]);
      continue;
    }
    if (repl[i + 1] == '$') {
      out->push_back('$');
      ++i;
      continue;
    }
    std::string name;
    size_t end;
    if (repl[i + 1] == '{') {
      size_t close = repl.find('}', i + 2);
      if (close == std::string_view::npos) {
        out->push_back('$');
        continue;
      }
      name = std::string(repl.substr(i + 2, close - i - 2));
      bool valid = !name.empty();
      for (char c : name) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) valid = false;
      }
      if (!valid) {
        out->push_back('$');
        continue;
      }
      end = close;
    } else {
      size_t j = i + 1;
      while (j < repl.size() &&
             (std::isalnum(static_cast<unsigned char>(repl[j])) || repl[j] == '_'))
        ++j;
      if (j == i + 1) {
        out->push_back('$');
        continue;
      }
      name = std::string(repl.substr(i + 1, j - i - 1));
      end = j - 1;
    }
    i = end;
    int index = -1;
    if (std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      index = name.size() < 9 ? std::atoi(name.c_str()) : -1;
    } else if (auto it = names.find(name); it != names.end()) {
      index = it->second;
    }
    if (index >= 0 && static_cast<size_t>(index) < groups.size() &&
        groups[index].data() != nullptr) {
      out->append(groups[index].data(), groups[index].size());
    }
  }
}

// Go's ReplaceAllString / ReplaceAllLiteralString.
std::string RegexReplaceAll(const re2::RE2& re, std::string_view s, std::string_view repl,
                            bool literal) {
  std::string out;
  const int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(ngroups);
  size_t pos = 0, last_match_end = std::string::npos;
  size_t copied = 0;
  while (pos <= s.size()) {
    if (!re.Match(re2::StringPiece(s.data(), s.size()), pos, s.size(), re2::RE2::UNANCHORED,
                  groups.data(), ngroups)) {
      break;
    }
    size_t mstart = groups[0].data() - s.data();
    size_t mend = mstart + groups[0].size();
    // An empty match right after the previous match is ignored.
    if (!(groups[0].empty() && mstart == last_match_end)) {
      out.append(s.substr(copied, mstart - copied));
      if (literal) {
        out.append(repl);
      } else {
        Expand(repl, re, groups, &out);
      }
      copied = mend;
      last_match_end = mend;
    }
    if (mend > pos) {
      pos = mend;
    } else {
      // Step past one rune.
      pos += pos < s.size() ? Utf8LeadLength(static_cast<unsigned char>(s[pos])) : 1;
    }
  }
  if (copied < s.size()) out.append(s.substr(copied));
  return out;
}

size_t RegexCount(const re2::RE2& re, std::string_view s) {
  size_t n = 0, pos = 0, last_end = std::string::npos;
  re2::StringPiece m;
  while (pos <= s.size()) {
    if (!re.Match(re2::StringPiece(s.data(), s.size()), pos, s.size(), re2::RE2::UNANCHORED, &m, 1))
      break;
    size_t start = m.data() - s.data(), end = start + m.size();
    if (!(m.empty() && start == last_end)) {
      ++n;
      last_end = end;
    }
    // After an empty match, the next search starts a rune further on.
    pos = end > pos
              ? end
              : pos + (pos < s.size() ? Utf8LeadLength(static_cast<unsigned char>(s[pos])) : 1);
  }
  return n;
}

}  // namespace

void AddRegexFunctions(FunctionTable& f) {
  for (bool literal : {false, true}) {
    AddStringsFunction(f, literal ? "regexReplaceAllLiteral" : "regexReplaceAll", 3,
                       [literal](auto& s) -> Result<Value> {
                         std::string error;
                         auto re = CachedRegex(std::string(s[0]), &error);
                         if (re == nullptr) return Status::InvalidArgument(error);
                         return Value::String(RegexReplaceAll(*re, s[1], s[2], literal));
                       });
  }
  AddStringsFunction(f, "count", 2, [](auto& s) -> Result<Value> {
    std::string error;
    auto re = CachedRegex(std::string(s[0]), &error);
    if (re == nullptr) return Status::InvalidArgument(error);
    return Value::Int(static_cast<int64_t>(RegexCount(*re, s[1])));
  });
}

// Prometheus' names: reReplaceAll(pattern, replacement, text) and
// match(pattern, text).
void AddPrometheusRegexFunctions(FunctionTable& f) {
  AddStringsFunction(f, "reReplaceAll", 3, [](auto& s) -> Result<Value> {
    std::string error;
    auto re = CachedRegex(std::string(s[0]), &error);
    if (re == nullptr) return Status::InvalidArgument(error);
    return Value::String(RegexReplaceAll(*re, s[2], s[1], false));
  });
  AddStringsFunction(f, "match", 2, [](auto& s) -> Result<Value> {
    std::string error;
    auto re = CachedRegex(std::string(s[0]), &error);
    if (re == nullptr) return Status::InvalidArgument(error);
    return Value::Bool(re2::RE2::PartialMatch(s[1], *re));
  });
}

}  // namespace lode::tmpl
