// Rule files: Prometheus' rule-file format with LogQL expressions, as
// Loki's ruler reads them. A file holds `groups:`, each with a `name`, an
// optional `interval` and `limit`, and `rules`, each an alerting rule
// (`alert`, `expr`, `for`, `keep_firing_for`, `labels`, `annotations`) or
// a recording rule (`record`, `expr`, `labels`).
//
// Parsing checks everything promtool checks (the YAML, unknown fields,
// names, durations, duplicate groups, each LogQL expression, each
// template) and names the file, line and rule in its error:
//   rules/fake/shop.yaml:7:13: group "shop", rule 1, "ShopErrors": could not parse expression: ...
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace lode {

struct RuleDefinition {
  enum class Kind : uint8_t { kAlert, kRecord };
  Kind kind = Kind::kAlert;
  std::string name;  // the alert's or the recorded series' name
  std::string expr;  // LogQL, a metric expression
  int64_t for_ns = 0;
  int64_t keep_firing_for_ns = 0;
  // In the file's order; names are unique.
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<std::pair<std::string, std::string>> annotations;
  int line = 0;  // of the rule in its file (1-based; 0 when not from a file)
};

struct RuleGroupDefinition {
  std::string name;
  int64_t interval_ns = 0;  // 0: the ruler's evaluation_interval
  int64_t limit = 0;        // alerts or series a rule may produce; 0: no limit
  std::vector<RuleDefinition> rules;
  int line = 0;
};

// The groups of a rule file. `file` names the file in errors.
Result<std::vector<RuleGroupDefinition>> ParseRuleFile(std::string_view yaml,
                                                       std::string_view file);

// One group, as the ruler API takes it (the group itself at the top, not
// under `groups:`).
Result<RuleGroupDefinition> ParseRuleGroup(std::string_view yaml);

// YAML, as Loki's ruler API answers and as rule files are written.
std::string FormatRuleFile(const std::vector<RuleGroupDefinition>& groups);
std::string FormatRuleGroup(const RuleGroupDefinition& group);
// `name: [groups...]` for each namespace: the ruler API's listing.
std::string FormatNamespaces(
    const std::vector<std::pair<std::string, std::vector<RuleGroupDefinition>>>& namespaces);

// A duration as Prometheus prints one: "1m", "1h30m", "500ms", "0s".
std::string FormatPromDuration(int64_t ns);

}  // namespace lode
