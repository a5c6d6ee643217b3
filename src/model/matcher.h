// Matcher: one label condition of a stream selector, such as env=~"prod|dev".
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "model/labels.h"

namespace re2 {
class RE2;
}

namespace lode {

enum class MatchType { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

// "=", "!=", "=~", "!~".
const char* MatchTypeOperator(MatchType type);

// Immutable after construction; safe to share between threads.
class Matcher {
 public:
  // Compiles the regex for =~ and !~ (anchored at both ends, as Prometheus
  // does); fails with InvalidArgument naming the bad pattern.
  static Result<Matcher> Create(MatchType type, std::string name, std::string value);

  Matcher(const Matcher&) = default;
  Matcher& operator=(const Matcher&) = default;
  Matcher(Matcher&&) = default;
  Matcher& operator=(Matcher&&) = default;
  ~Matcher();

  // A missing label counts as the empty string, as in Prometheus.
  bool Matches(std::string_view value) const;
  bool MatchesLabels(const Labels& labels) const { return Matches(labels.Get(name_)); }

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }

  // `name="value"` with the value quoted and escaped.
  std::string ToString() const;

 private:
  Matcher(MatchType type, std::string name, std::string value);

  MatchType type_;
  std::string name_;
  std::string value_;
  std::shared_ptr<const re2::RE2> regex_;  // shared: compiled once, copied cheaply
};

}  // namespace lode
