// Reads and writes rule files with yaml-cpp, then checks each group and
// rule as Prometheus' rulefmt does, with LogQL in place of PromQL.
#include "ruler/rule_file.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "base/time.h"
#include "logql/parser.h"
#include "model/labels.h"
#include "query/template/template.h"

namespace lode {
namespace {

// Where an error is: "line:col: " of a node (yaml-cpp counts from 0).
std::string At(const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  if (m.is_null()) return "";
  return std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": ";
}

std::string Prefix(std::string_view file) {
  return file.empty() ? std::string() : std::string(file) + ":";
}

bool IsMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Errors in one rule name it as promtool does.
class RuleErrors {
 public:
  RuleErrors(std::string_view file, std::string group, size_t index, std::string name)
      : file_(file), group_(std::move(group)), index_(index), name_(std::move(name)) {}
  Status Error(const YAML::Node& where, const std::string& what) const {
    return Status::InvalidArgument(Prefix(file_) + At(where) + "group \"" + group_ + "\", rule " +
                                   std::to_string(index_) + ", \"" + name_ + "\": " + what);
  }

 private:
  std::string_view file_;
  std::string group_;
  size_t index_;
  std::string name_;
};

// `located`: the error starts with file:line:col (a rule's errors say
// where themselves).
Result<int64_t> Duration(const YAML::Node& node, std::string_view file, std::string_view what,
                         bool located = true) {
  if (!node.IsScalar()) {
    return Status::InvalidArgument((located ? Prefix(file) + At(node) : std::string()) +
                                   std::string(what) + " must be a duration");
  }
  const std::string text = node.Scalar();
  auto d = ParseModelDuration(text);
  if (!d.ok()) {
    return Status::InvalidArgument((located ? Prefix(file) + At(node) : std::string()) +
                                   "invalid " + std::string(what) + ": " + d.status().message());
  }
  return *d;
}

Result<std::vector<std::pair<std::string, std::string>>> StringMap(const YAML::Node& node,
                                                                   const RuleErrors& errors,
                                                                   std::string_view what) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!node || node.IsNull()) return out;
  if (!node.IsMap()) return errors.Error(node, std::string(what) + " must be a map");
  std::set<std::string> seen;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar() || !kv.second.IsScalar()) {
      return errors.Error(kv.first, std::string(what) + " must map names to strings");
    }
    const std::string& name = kv.first.Scalar();
    if (!seen.insert(name).second) {
      return errors.Error(kv.first, "duplicate " + std::string(what) + " name: " + name);
    }
    out.emplace_back(name, kv.second.Scalar());
  }
  return out;
}

Status CheckTemplate(const std::string& text, const std::string& rule_name,
                     const RuleErrors& errors, const YAML::Node& where, const char* what,
                     const std::string& key) {
  auto t = Template::ParsePrometheus(text, "__alert_" + rule_name);
  if (!t.ok()) {
    return errors.Error(where, std::string(what) + " \"" + key + "\": " + t.status().message());
  }
  return Status::Ok();
}

Result<RuleDefinition> ParseRule(const YAML::Node& node, std::string_view file,
                                 const std::string& group, size_t index) {
  RuleDefinition rule;
  rule.line = node.Mark().is_null() ? 0 : node.Mark().line + 1;
  const YAML::Node alert = node["alert"], record = node["record"];
  std::string name;
  if (alert && alert.IsScalar()) name = alert.Scalar();
  if (record && record.IsScalar()) name = record.Scalar();
  RuleErrors errors(file, group, index, name);
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    static const std::set<std::string> kKnown = {"alert",           "record", "expr",       "for",
                                                 "keep_firing_for", "labels", "annotations"};
    if (!kKnown.contains(key)) {
      return errors.Error(kv.first, "field " + key + " not found in type rulefmt.Rule");
    }
  }
  if (alert && record) return errors.Error(node, "only one of 'record' and 'alert' must be set");
  if (!alert && !record) return errors.Error(node, "one of 'record' or 'alert' must be set");
  rule.kind = alert ? RuleDefinition::Kind::kAlert : RuleDefinition::Kind::kRecord;
  rule.name = name;
  const YAML::Node expr = node["expr"];
  if (!expr || !expr.IsScalar() || expr.Scalar().empty()) {
    return errors.Error(node, "field 'expr' must be set in rule");
  }
  rule.expr = expr.Scalar();
  auto parsed = logql::ParseQuery(rule.expr);
  if (!parsed.ok()) {
    return errors.Error(expr, "could not parse expression: " + parsed.status().message());
  }
  if (parsed->is_log()) {
    return errors.Error(expr,
                        "could not parse expression: rule expressions must be metric "
                        "queries (sample expressions), not log queries");
  }
  if (rule.kind == RuleDefinition::Kind::kRecord) {
    if (name.empty()) return errors.Error(node, "field 'record' must be set in rule");
    if (!IsMetricName(name)) return errors.Error(record, "invalid recording rule name: " + name);
    if (node["annotations"]) {
      return errors.Error(node["annotations"], "invalid field 'annotations' in recording rule");
    }
    // As Prometheus, a zero duration is no duration.
    for (const char* field : {"for", "keep_firing_for"}) {
      if (!node[field]) continue;
      auto d = Duration(node[field], "", field, false);
      if (!d.ok() || *d != 0) {
        return errors.Error(node[field],
                            "invalid field '" + std::string(field) + "' in recording rule");
      }
    }
  } else {
    if (name.empty()) return errors.Error(node, "field 'alert' must be set in rule");
    if (node["for"]) {
      auto d = Duration(node["for"], "", "for", false);
      if (!d.ok()) return errors.Error(node["for"], d.status().message());
      rule.for_ns = *d;
    }
    if (node["keep_firing_for"]) {
      auto d = Duration(node["keep_firing_for"], "", "keep_firing_for", false);
      if (!d.ok()) return errors.Error(node["keep_firing_for"], d.status().message());
      rule.keep_firing_for_ns = *d;
    }
  }
  LODE_ASSIGN_OR_RETURN(rule.labels, StringMap(node["labels"], errors, "label"));
  LODE_ASSIGN_OR_RETURN(rule.annotations, StringMap(node["annotations"], errors, "annotation"));
  for (const auto& [k, v] : rule.labels) {
    if (!IsValidLabelName(k) || k == "__name__") {
      return errors.Error(node["labels"], "invalid label name: " + k);
    }
    if (rule.kind == RuleDefinition::Kind::kAlert) {
      LODE_RETURN_IF_ERROR(CheckTemplate(v, name, errors, node["labels"][k], "label", k));
    }
  }
  for (const auto& [k, v] : rule.annotations) {
    if (!IsValidLabelName(k)) {
      return errors.Error(node["annotations"], "invalid annotation name: " + k);
    }
    LODE_RETURN_IF_ERROR(CheckTemplate(v, name, errors, node["annotations"][k], "annotation", k));
  }
  return rule;
}

Result<RuleGroupDefinition> ParseGroup(const YAML::Node& node, std::string_view file) {
  if (!node.IsMap()) {
    return Status::InvalidArgument(Prefix(file) + At(node) + "a rule group must be a map");
  }
  RuleGroupDefinition group;
  group.line = node.Mark().is_null() ? 0 : node.Mark().line + 1;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (key != "name" && key != "interval" && key != "limit" && key != "rules") {
      return Status::InvalidArgument(Prefix(file) + At(kv.first) + "field " + key +
                                     " not found in type rulefmt.RuleGroup");
    }
  }
  if (node["name"] && node["name"].IsScalar()) group.name = node["name"].Scalar();
  if (group.name.empty()) {
    return Status::InvalidArgument(Prefix(file) + At(node) + "Groupname must not be empty");
  }
  if (node["interval"]) {
    LODE_ASSIGN_OR_RETURN(group.interval_ns, Duration(node["interval"], file, "interval"));
  }
  if (node["limit"]) {
    const YAML::Node limit = node["limit"];
    int64_t n = -1;
    if (limit.IsScalar()) {
      try {
        n = limit.as<int64_t>();
      } catch (const YAML::Exception&) {
      }
    }
    if (n < 0) {
      return Status::InvalidArgument(Prefix(file) + At(limit) +
                                     "limit must be a non-negative integer");
    }
    group.limit = n;
  }
  const YAML::Node rules = node["rules"];
  if (rules && !rules.IsNull()) {
    if (!rules.IsSequence()) {
      return Status::InvalidArgument(Prefix(file) + At(rules) + "rules must be a list");
    }
    size_t index = 0;
    for (const auto& r : rules) {
      ++index;
      if (!r.IsMap()) {
        return Status::InvalidArgument(Prefix(file) + At(r) + "group \"" + group.name +
                                       "\", rule " + std::to_string(index) + ": not a map");
      }
      LODE_ASSIGN_OR_RETURN(RuleDefinition rule, ParseRule(r, file, group.name, index));
      group.rules.push_back(std::move(rule));
    }
  }
  return group;
}

Result<YAML::Node> Load(std::string_view yaml, std::string_view file) {
  try {
    return YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    std::string where = e.mark.is_null() ? std::string()
                                         : std::to_string(e.mark.line + 1) + ":" +
                                               std::to_string(e.mark.column + 1) + ": ";
    return Status::InvalidArgument(Prefix(file) + where + "invalid YAML: " + e.msg);
  }
}

void EmitGroup(YAML::Emitter& out, const RuleGroupDefinition& group) {
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << group.name;
  if (group.interval_ns > 0) {
    out << YAML::Key << "interval" << YAML::Value << FormatPromDuration(group.interval_ns);
  }
  if (group.limit > 0) out << YAML::Key << "limit" << YAML::Value << group.limit;
  out << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
  for (const RuleDefinition& r : group.rules) {
    out << YAML::BeginMap;
    out << YAML::Key << (r.kind == RuleDefinition::Kind::kAlert ? "alert" : "record") << YAML::Value
        << r.name;
    out << YAML::Key << "expr" << YAML::Value << r.expr;
    if (r.for_ns > 0) out << YAML::Key << "for" << YAML::Value << FormatPromDuration(r.for_ns);
    if (r.keep_firing_for_ns > 0) {
      out << YAML::Key << "keep_firing_for" << YAML::Value
          << FormatPromDuration(r.keep_firing_for_ns);
    }
    for (const auto* map : {&r.labels, &r.annotations}) {
      if (map->empty()) continue;
      out << YAML::Key << (map == &r.labels ? "labels" : "annotations") << YAML::Value
          << YAML::BeginMap;
      for (const auto& [k, v] : *map) out << YAML::Key << k << YAML::Value << v;
      out << YAML::EndMap;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
}

std::string Finish(YAML::Emitter& out) {
  std::string s = out.c_str();
  if (!s.empty() && s.back() != '\n') s += '\n';
  return s;
}

}  // namespace

Result<std::vector<RuleGroupDefinition>> ParseRuleFile(std::string_view yaml,
                                                       std::string_view file) {
  LODE_ASSIGN_OR_RETURN(YAML::Node root, Load(yaml, file));
  std::vector<RuleGroupDefinition> groups;
  if (root.IsNull()) return groups;  // an empty file
  if (!root.IsMap()) {
    return Status::InvalidArgument(Prefix(file) + At(root) +
                                   "a rule file must be a map with "
                                   "`groups:`");
  }
  for (const auto& kv : root) {
    if (kv.first.Scalar() != "groups") {
      return Status::InvalidArgument(Prefix(file) + At(kv.first) + "field " + kv.first.Scalar() +
                                     " not found in type rulefmt.RuleGroups");
    }
  }
  const YAML::Node list = root["groups"];
  if (!list || list.IsNull()) return groups;
  if (!list.IsSequence()) {
    return Status::InvalidArgument(Prefix(file) + At(list) + "groups must be a list");
  }
  std::set<std::string> names;
  for (const auto& g : list) {
    LODE_ASSIGN_OR_RETURN(RuleGroupDefinition group, ParseGroup(g, file));
    if (!names.insert(group.name).second) {
      return Status::InvalidArgument(Prefix(file) + At(g) + "groupname: \"" + group.name +
                                     "\" is repeated in the same file");
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

Result<RuleGroupDefinition> ParseRuleGroup(std::string_view yaml) {
  LODE_ASSIGN_OR_RETURN(YAML::Node root, Load(yaml, ""));
  if (!root || root.IsNull()) return Status::InvalidArgument("the rule group is empty");
  return ParseGroup(root, "");
}

std::string FormatRuleFile(const std::vector<RuleGroupDefinition>& groups) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq;
  for (const auto& g : groups) EmitGroup(out, g);
  out << YAML::EndSeq << YAML::EndMap;
  return Finish(out);
}

std::string FormatRuleGroup(const RuleGroupDefinition& group) {
  YAML::Emitter out;
  EmitGroup(out, group);
  return Finish(out);
}

std::string FormatNamespaces(
    const std::vector<std::pair<std::string, std::vector<RuleGroupDefinition>>>& namespaces) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const auto& [ns, groups] : namespaces) {
    out << YAML::Key << ns << YAML::Value << YAML::BeginSeq;
    for (const auto& g : groups) EmitGroup(out, g);
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
  return Finish(out);
}

std::string FormatPromDuration(int64_t ns) {
  int64_t ms = ns / 1000000;
  if (ms == 0) return "0s";
  std::string r;
  auto unit = [&](const char* name, int64_t mult, bool exact) {
    if (exact && ms % mult != 0) return;
    if (int64_t v = ms / mult; v > 0) {
      r += std::to_string(v) + name;
      ms -= v * mult;
    }
  };
  constexpr int64_t kDay = 1000LL * 60 * 60 * 24;
  unit("y", kDay * 365, true);
  unit("w", kDay * 7, true);
  unit("d", kDay, false);
  unit("h", 1000LL * 60 * 60, false);
  unit("m", 1000LL * 60, false);
  unit("s", 1000, false);
  unit("ms", 1, false);
  return r;
}

}  // namespace lode
