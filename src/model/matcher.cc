#include "model/matcher.h"

#include <re2/re2.h>

#include "model/regex_error.h"

namespace lode {

const char* MatchTypeOperator(MatchType type) {
  switch (type) {
    case MatchType::kEqual:
      return "=";
    case MatchType::kNotEqual:
      return "!=";
    case MatchType::kRegexMatch:
      return "=~";
    case MatchType::kRegexNoMatch:
      return "!~";
  }
  return "?";
}

Matcher::Matcher(MatchType type, std::string name, std::string value)
    : type_(type), name_(std::move(name)), value_(std::move(value)) {}

Matcher::~Matcher() = default;

Result<Matcher> Matcher::Create(MatchType type, std::string name, std::string value) {
  Matcher m(type, std::move(name), std::move(value));
  if (type == MatchType::kRegexMatch || type == MatchType::kRegexNoMatch) {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_dot_nl(true);  // Prometheus matchers use (?s)
    auto re = std::make_shared<RE2>("^(?:" + m.value_ + ")$", options);
    if (!re->ok()) {
      // The error names the user's regex, not its anchored form.
      RE2 bare(m.value_, options);
      return Status::InvalidArgument(DescribeRegexError(bare.ok() ? *re : bare));
    }
    m.regex_ = std::move(re);
  }
  return m;
}

bool Matcher::Matches(std::string_view value) const {
  switch (type_) {
    case MatchType::kEqual:
      return value == value_;
    case MatchType::kNotEqual:
      return value != value_;
    case MatchType::kRegexMatch:
      return RE2::FullMatch(value, *regex_);
    case MatchType::kRegexNoMatch:
      return !RE2::FullMatch(value, *regex_);
  }
  return false;
}

std::string Matcher::ToString() const {
  std::string out = name_;
  out += MatchTypeOperator(type_);
  AppendQuoted(out, value_);
  return out;
}

}  // namespace lode
