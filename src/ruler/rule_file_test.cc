// Tests of rule files (rule_file.h): what ParseRuleFile and ParseRuleGroup
// read, the errors they give (the file, the line:col of the offending
// node, and the group and rule, as promtool names them), and the YAML
// FormatRuleFile / FormatRuleGroup / FormatNamespaces write back.
#include "ruler/rule_file.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/time.h"

namespace lode {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMinute = 60 * kSecond;

using StringPairs = std::vector<std::pair<std::string, std::string>>;

// The message of the error `yaml` gives when parsed as the file "f.yaml"
// ("" and a failure when it parses).
std::string FileError(std::string_view yaml) {
  auto groups = ParseRuleFile(yaml, "f.yaml");
  EXPECT_FALSE(groups.ok()) << yaml;
  if (groups.ok()) return "";
  EXPECT_EQ(groups.status().code(), StatusCode::kInvalidArgument) << groups.status().ToString();
  return groups.status().message();
}

// A file of one group "g" whose `rules:` are `rules` (their first line is
// the file's line 4; each rule starts "      - ", its fields are indented
// by 8 spaces).
std::string OneGroup(std::string_view rules) {
  return "groups:\n  - name: g\n    rules:\n" + std::string(rules);
}

void ExpectSameRule(const RuleDefinition& got, const RuleDefinition& want) {
  EXPECT_EQ(got.kind, want.kind) << want.name;
  EXPECT_EQ(got.name, want.name);
  EXPECT_EQ(got.expr, want.expr) << want.name;
  EXPECT_EQ(got.for_ns, want.for_ns) << want.name;
  EXPECT_EQ(got.keep_firing_for_ns, want.keep_firing_for_ns) << want.name;
  EXPECT_EQ(got.labels, want.labels) << want.name;
  EXPECT_EQ(got.annotations, want.annotations) << want.name;
}

void ExpectSameGroup(const RuleGroupDefinition& got, const RuleGroupDefinition& want) {
  EXPECT_EQ(got.name, want.name);
  EXPECT_EQ(got.interval_ns, want.interval_ns) << want.name;
  EXPECT_EQ(got.limit, want.limit) << want.name;
  ASSERT_EQ(got.rules.size(), want.rules.size()) << want.name;
  for (size_t i = 0; i < want.rules.size(); ++i) ExpectSameRule(got.rules[i], want.rules[i]);
}

constexpr char kShopFile[] = R"yaml(groups:
  - name: shop
    interval: 1m
    limit: 10
    rules:
      - alert: ShopErrors
        expr: 'sum(rate({app="shop"} |= "error" [5m])) > 1'
        for: 5m
        keep_firing_for: 10m
        labels:
          severity: page
          team: shop
        annotations:
          summary: '{{ $labels.app }} fails {{ humanize $value }} times a second'
      - record: shop:errors:rate5m
        expr: 'sum by (app) (rate({app="shop"} |= "error" [5m]))'
        labels:
          source: lode
  - name: other
    rules: []
)yaml";

// ---- Reading -----------------------------------------------------------------

TEST(RuleFileTest, ParsesGroupsAndTheirAlertingAndRecordingRules) {
  auto groups = ParseRuleFile(kShopFile, "rules/fake/shop.yaml");
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  ASSERT_EQ(groups->size(), 2u);

  const RuleGroupDefinition& shop = (*groups)[0];
  EXPECT_EQ(shop.name, "shop");
  EXPECT_EQ(shop.interval_ns, kMinute);
  EXPECT_EQ(shop.limit, 10);
  EXPECT_EQ(shop.line, 2);
  ASSERT_EQ(shop.rules.size(), 2u);

  const RuleDefinition& alert = shop.rules[0];
  EXPECT_EQ(alert.kind, RuleDefinition::Kind::kAlert);
  EXPECT_EQ(alert.name, "ShopErrors");
  EXPECT_EQ(alert.expr, R"(sum(rate({app="shop"} |= "error" [5m])) > 1)");
  EXPECT_EQ(alert.for_ns, 5 * kMinute);
  EXPECT_EQ(alert.keep_firing_for_ns, 10 * kMinute);
  EXPECT_EQ(alert.labels, (StringPairs{{"severity", "page"}, {"team", "shop"}}));
  EXPECT_EQ(
      alert.annotations,
      (StringPairs{{"summary", "{{ $labels.app }} fails {{ humanize $value }} times a second"}}));
  EXPECT_EQ(alert.line, 6);

  const RuleDefinition& record = shop.rules[1];
  EXPECT_EQ(record.kind, RuleDefinition::Kind::kRecord);
  EXPECT_EQ(record.name, "shop:errors:rate5m");
  EXPECT_EQ(record.expr, R"(sum by (app) (rate({app="shop"} |= "error" [5m])))");
  EXPECT_EQ(record.for_ns, 0);
  EXPECT_EQ(record.labels, (StringPairs{{"source", "lode"}}));
  EXPECT_TRUE(record.annotations.empty());
  EXPECT_EQ(record.line, 15);

  const RuleGroupDefinition& other = (*groups)[1];
  EXPECT_EQ(other.name, "other");
  EXPECT_EQ(other.interval_ns, 0);
  EXPECT_EQ(other.limit, 0);
  EXPECT_TRUE(other.rules.empty());
  EXPECT_EQ(other.line, 19);
}

TEST(RuleFileTest, LabelsAndAnnotationsKeepTheFilesOrder) {
  auto groups = ParseRuleFile(OneGroup("      - alert: A\n"
                                       "        expr: 'count_over_time({app=\"x\"}[1m]) > 0'\n"
                                       "        labels:\n"
                                       "          zeta: z\n"
                                       "          alpha: a\n"
                                       "        annotations:\n"
                                       "          summary: s\n"
                                       "          description: d\n"),
                              "f.yaml");
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  const RuleDefinition& rule = (*groups)[0].rules[0];
  EXPECT_EQ(rule.labels, (StringPairs{{"zeta", "z"}, {"alpha", "a"}}));
  EXPECT_EQ(rule.annotations, (StringPairs{{"summary", "s"}, {"description", "d"}}));
}

TEST(RuleFileTest, AnEmptyFileHasNoGroups) {
  for (const char* yaml : {"", "# only a comment\n", "groups:\n", "groups: []\n"}) {
    auto groups = ParseRuleFile(yaml, "f.yaml");
    ASSERT_TRUE(groups.ok()) << yaml << ": " << groups.status().ToString();
    EXPECT_TRUE(groups->empty()) << yaml;
  }
}

TEST(RuleFileTest, AnAlertingRuleMayUseEveryPrometheusTemplateFunction) {
  auto groups = ParseRuleFile(
      OneGroup("      - alert: A\n"
               "        expr: 'count_over_time({app=\"x\"}[1m]) > 0'\n"
               "        labels:\n"
               "          host: '{{ $labels.instance | stripPort }}'\n"
               "        annotations:\n"
               "          a: '{{ humanize $value }} {{ humanize1024 $value }}'\n"
               "          b: '{{ humanizeDuration $value }} {{ humanizePercentage $value }}'\n"
               "          c: '{{ humanizeTimestamp $value }} {{ $externalLabels.cluster }}'\n"
               "          d: '{{ reReplaceAll \"a\" \"b\" $labels.x }} {{ match \"a\" \"b\" }}'\n"
               "          e: '{{ graphLink \"x\" }} {{ tableLink \"x\" }} {{ pathPrefix }}'\n"
               "          f: '{{ $externalURL }} {{ externalURL }} {{ .Value }} {{ .Labels.x }}'\n"
               "          g: '{{ title \"x\" }} {{ toUpper \"x\" }} {{ toLower \"x\" }}'\n"
               "          h: '{{ stripDomain \"x\" }} {{ parseDuration \"1m\" }}'\n"),
      "f.yaml");
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  EXPECT_EQ((*groups)[0].rules[0].annotations.size(), 8u);
}

TEST(RuleFileTest, ParseRuleGroupReadsOneGroupAtTheTop) {
  auto group = ParseRuleGroup(
      "name: g\n"
      "interval: 30s\n"
      "limit: 3\n"
      "rules:\n"
      "  - alert: A\n"
      "    expr: 'count_over_time({app=\"x\"}[1m]) > 0'\n"
      "    for: 2m\n");
  ASSERT_TRUE(group.ok()) << group.status().ToString();
  EXPECT_EQ(group->name, "g");
  EXPECT_EQ(group->interval_ns, 30 * kSecond);
  EXPECT_EQ(group->limit, 3);
  ASSERT_EQ(group->rules.size(), 1u);
  EXPECT_EQ(group->rules[0].name, "A");
  EXPECT_EQ(group->rules[0].for_ns, 2 * kMinute);
  EXPECT_EQ(group->rules[0].line, 5);
}

// ---- Errors ------------------------------------------------------------------

TEST(RuleFileTest, AnUnknownRuleFieldIsAnError) {
  EXPECT_EQ(FileError(OneGroup("      - alert: A\n"
                               "        expr: 'count_over_time({app=\"x\"}[1m]) > 0'\n"
                               "        bogus: 1\n")),
            "f.yaml:6:9: group \"g\", rule 1, \"A\": field bogus not found in type rulefmt.Rule");
}

TEST(RuleFileTest, AnUnknownGroupFieldIsAnError) {
  EXPECT_EQ(FileError("groups:\n"
                      "  - name: g\n"
                      "    interva: 1m\n"
                      "    rules: []\n"),
            "f.yaml:3:5: field interva not found in type rulefmt.RuleGroup");
}

TEST(RuleFileTest, AnUnknownTopLevelFieldIsAnError) {
  EXPECT_EQ(FileError("group:\n  - name: g\n"),
            "f.yaml:1:1: field group not found in type rulefmt.RuleGroups");
}

TEST(RuleFileTest, ARuleWithBothAlertAndRecordIsAnError) {
  const std::string error =
      FileError(OneGroup("      - alert: A\n"
                         "        record: b\n"
                         "        expr: 'count_over_time({app=\"x\"}[1m])'\n"));
  EXPECT_TRUE(error.starts_with("f.yaml:4:9: group \"g\", rule 1, ")) << error;
  EXPECT_TRUE(error.ends_with(": only one of 'record' and 'alert' must be set")) << error;
}

TEST(RuleFileTest, ARuleWithNeitherAlertNorRecordIsAnError) {
  EXPECT_EQ(FileError(OneGroup("      - expr: 'count_over_time({app=\"x\"}[1m]) > 0'\n"
                               "        labels:\n"
                               "          a: b\n")),
            "f.yaml:4:9: group \"g\", rule 1, \"\": one of 'record' or 'alert' must be set");
}

TEST(RuleFileTest, ARuleWithoutAnExpressionIsAnError) {
  EXPECT_EQ(FileError(OneGroup("      - alert: A\n"
                               "        expr: ''\n")),
            "f.yaml:4:9: group \"g\", rule 1, \"A\": field 'expr' must be set in rule");
  EXPECT_EQ(FileError(OneGroup("      - alert: A\n"
                               "        for: 1m\n")),
            "f.yaml:4:9: group \"g\", rule 1, \"A\": field 'expr' must be set in rule");
}

TEST(RuleFileTest, ALogQueryIsNotARuleExpression) {
  EXPECT_EQ(FileError(OneGroup("      - alert: A\n"
                               "        expr: '{app=\"x\"} |= \"error\"'\n")),
            "f.yaml:5:15: group \"g\", rule 1, \"A\": could not parse expression: rule "
            "expressions must be metric queries (sample expressions), not log queries");
}

TEST(RuleFileTest, AnExpressionThatDoesNotParseIsAnError) {
  const std::string error =
      FileError(OneGroup("      - alert: A\n"
                         "        expr: 'sum(rate({app=\"x\"}[5m])'\n"));
  EXPECT_TRUE(error.starts_with(
      "f.yaml:5:15: group \"g\", rule 1, \"A\": could not parse expression: parse error"))
      << error;
}

TEST(RuleFileTest, AnInvalidRecordingRuleNameIsAnErrorNamingTheRuleByItsIndex) {
  EXPECT_EQ(FileError(OneGroup("      - alert: A\n"
                               "        expr: 'count_over_time({app=\"x\"}[1m]) > 0'\n"
                               "      - record: bad-name\n"
                               "        expr: 'count_over_time({app=\"x\"}[1m])'\n")),
            "f.yaml:6:17: group \"g\", rule 2, \"bad-name\": invalid recording rule name: "
            "bad-name");
}

TEST(RuleFileTest, ForInARecordingRuleIsAnError) {
  EXPECT_EQ(FileError(OneGroup("      - record: job:x:count1m\n"
                               "        expr: 'count_over_time({app=\"x\"}[1m])'\n"
                               "        for: 5m\n")),
            "f.yaml:6:14: group \"g\", rule 1, \"job:x:count1m\": invalid field 'for' in "
            "recording rule");
}

TEST(RuleFileTest, AnnotationsInARecordingRuleAreAnError) {
  EXPECT_EQ(FileError(OneGroup("      - record: job:x:count1m\n"
                               "        expr: 'count_over_time({app=\"x\"}[1m])'\n"
                               "        annotations:\n"
                               "          summary: s\n")),
            "f.yaml:7:11: group \"g\", rule 1, \"job:x:count1m\": invalid field 'annotations' in "
            "recording rule");
}

TEST(RuleFileTest, AnAnnotationTemplateThatDoesNotParseIsAnError) {
  // ToUpper is LogQL's; Prometheus templates have toUpper.
  EXPECT_EQ(FileError(OneGroup("      - alert: A\n"
                               "        expr: 'count_over_time({app=\"x\"}[1m]) > 0'\n"
                               "        annotations:\n"
                               "          summary: '{{ ToUpper $labels.app }}'\n")),
            "f.yaml:7:20: group \"g\", rule 1, \"A\": annotation \"summary\": template: "
            "__alert_A:1: function \"ToUpper\" not defined");
}

TEST(RuleFileTest, ALabelTemplateThatDoesNotParseIsAnError) {
  EXPECT_EQ(FileError(OneGroup("      - alert: A\n"
                               "        expr: 'count_over_time({app=\"x\"}[1m]) > 0'\n"
                               "        labels:\n"
                               "          team: '{{ $nosuch }}'\n")),
            "f.yaml:7:17: group \"g\", rule 1, \"A\": label \"team\": template: __alert_A:1: "
            "undefined variable \"$nosuch\"");
}

TEST(RuleFileTest, AnInvalidLabelNameIsAnError) {
  EXPECT_EQ(FileError(OneGroup("      - alert: A\n"
                               "        expr: 'count_over_time({app=\"x\"}[1m]) > 0'\n"
                               "        labels:\n"
                               "          0bad: x\n")),
            "f.yaml:7:11: group \"g\", rule 1, \"A\": invalid label name: 0bad");
  EXPECT_EQ(FileError(OneGroup("      - alert: A\n"
                               "        expr: 'count_over_time({app=\"x\"}[1m]) > 0'\n"
                               "        labels:\n"
                               "          __name__: x\n")),
            "f.yaml:7:11: group \"g\", rule 1, \"A\": invalid label name: __name__");
}

TEST(RuleFileTest, DuplicateGroupNamesAreAnError) {
  EXPECT_EQ(FileError("groups:\n"
                      "  - name: g\n"
                      "    rules: []\n"
                      "  - name: g\n"
                      "    rules: []\n"),
            "f.yaml:4:5: groupname: \"g\" is repeated in the same file");
}

TEST(RuleFileTest, AGroupWithoutANameIsAnError) {
  EXPECT_EQ(FileError("groups:\n"
                      "  - name: ''\n"
                      "    rules: []\n"),
            "f.yaml:2:5: Groupname must not be empty");
}

TEST(RuleFileTest, ANegativeLimitIsAnError) {
  EXPECT_EQ(FileError("groups:\n"
                      "  - name: g\n"
                      "    limit: -1\n"),
            "f.yaml:3:12: limit must be a non-negative integer");
}

TEST(RuleFileTest, AnInvalidIntervalIsAnError) {
  EXPECT_EQ(FileError("groups:\n"
                      "  - name: g\n"
                      "    interval: 5x\n"),
            "f.yaml:3:15: invalid interval: not a valid duration string: \"5x\"");
}

// The rule's error names the place once, as every other rule error does.
TEST(RuleFileTest, AnInvalidForDurationNamesItsPlaceOnce) {
  EXPECT_EQ(FileError(OneGroup("      - alert: A\n"
                               "        expr: 'count_over_time({app=\"x\"}[1m]) > 0'\n"
                               "        for: 5x\n")),
            "f.yaml:6:14: group \"g\", rule 1, \"A\": invalid for: not a valid duration string: "
            "\"5x\"");
}

// Rule files take Prometheus's durations (model.Duration), not LogQL's:
// whole numbers, units from y down to ms in that order. A file that
// parsed "3ns" printed its interval back as "0s", a different file.
TEST(RuleFileTest, DurationsAreThoseOfPrometheusRuleFiles) {
  for (const char* text : {"3ns", "3ns0s", "1.5m", "10us", "5m1h", "1m1m", "-1m", "1h 30m", "m"}) {
    EXPECT_EQ(
        FileError(std::string("groups:\n  - name: g\n    interval: '") + text + "'\n"),
        std::string("f.yaml:3:15: invalid interval: not a valid duration string: \"") + text + "\"")
        << text;
  }
  auto groups = ParseRuleFile("groups:\n  - name: g\n    interval: 1y2w3d4h5m6s7ms\n", "f.yaml");
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  EXPECT_EQ((*groups)[0].interval_ns,
            ((((((1LL * 365 + 2 * 7 + 3) * 24 + 4) * 60 + 5) * 60 + 6) * 1000) + 7) * 1'000'000LL);
}

TEST(RuleFileTest, BadYamlIsAnErrorNamingTheFileAndPlace) {
  const std::string error = FileError("groups:\n  - name: [g\n    rules: x\n");
  EXPECT_TRUE(std::regex_search(error, std::regex(R"(^f\.yaml:[0-9]+:[0-9]+: invalid YAML: .)")))
      << error;
}

TEST(RuleFileTest, AFileThatIsNotAMapIsAnError) {
  EXPECT_TRUE(FileError("- a\n- b\n").starts_with("f.yaml:1:1: "));
}

TEST(RuleFileTest, ParseRuleGroupErrorsNameTheLineButNoFile) {
  auto group = ParseRuleGroup(
      "name: g\n"
      "rules:\n"
      "  - alert: A\n"
      "    expr: '{app=\"x\"}'\n");
  ASSERT_FALSE(group.ok());
  EXPECT_EQ(group.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(group.status().message(),
            "4:11: group \"g\", rule 1, \"A\": could not parse expression: rule expressions must "
            "be metric queries (sample expressions), not log queries");
}

TEST(RuleFileTest, ParseRuleGroupRefusesAFileWithGroups) {
  auto group = ParseRuleGroup("groups:\n  - name: g\n");
  ASSERT_FALSE(group.ok());
  EXPECT_EQ(group.status().message(), "1:1: field groups not found in type rulefmt.RuleGroup");
}

TEST(RuleFileTest, ParseRuleGroupRefusesAnEmptyBody) {
  auto group = ParseRuleGroup("");
  ASSERT_FALSE(group.ok());
  EXPECT_EQ(group.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(group.status().message(), "the rule group is empty");
}

// ---- Writing -----------------------------------------------------------------

std::vector<RuleGroupDefinition> SampleGroups() {
  RuleGroupDefinition shop;
  shop.name = "shop";
  shop.interval_ns = kMinute;
  shop.limit = 10;
  RuleDefinition alert;
  alert.kind = RuleDefinition::Kind::kAlert;
  alert.name = "ShopErrors";
  alert.expr = R"(sum(rate({app="shop"} |= "error" [5m])) > 1)";
  alert.for_ns = 5 * kMinute;
  alert.keep_firing_for_ns = 90 * kMinute;
  alert.labels = {{"severity", "page"}, {"host", "{{ $labels.instance | stripPort }}"}};
  alert.annotations = {{"summary", "{{ $labels.app }} said \"no\": {{ humanize $value }}"},
                       {"description", "two\nlines # not a comment"}};
  RuleDefinition record;
  record.kind = RuleDefinition::Kind::kRecord;
  record.name = "shop:errors:rate5m";
  record.expr = R"(sum by (app) (rate({app="shop"} |= "error" [5m])))";
  record.labels = {{"source", "lode"}};
  shop.rules = {alert, record};

  RuleGroupDefinition other;
  other.name = "other";
  return {shop, other};
}

TEST(RuleFileTest, FormatRuleFileReadsBackAsTheSameGroups) {
  const std::vector<RuleGroupDefinition> groups = SampleGroups();
  const std::string yaml = FormatRuleFile(groups);
  auto parsed = ParseRuleFile(yaml, "formatted.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << yaml;
  ASSERT_EQ(parsed->size(), groups.size()) << yaml;
  for (size_t i = 0; i < groups.size(); ++i) ExpectSameGroup((*parsed)[i], groups[i]);
}

TEST(RuleFileTest, FormatRuleFileWritesDurationsAsPrometheusDoesAndOmitsZeros) {
  const std::string yaml = FormatRuleFile(SampleGroups());
  EXPECT_NE(yaml.find("interval: 1m\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("limit: 10\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("for: 5m\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("keep_firing_for: 1h30m\n"), std::string::npos) << yaml;
  EXPECT_TRUE(yaml.starts_with("groups:")) << yaml;
  EXPECT_TRUE(yaml.ends_with("\n"));
  // Only the first group has an interval or a limit, only the alert a `for`.
  EXPECT_EQ(yaml.find("interval:"), yaml.rfind("interval:")) << yaml;
  EXPECT_EQ(yaml.find("limit:"), yaml.rfind("limit:")) << yaml;
  EXPECT_EQ(yaml.find(" for:"), yaml.rfind(" for:")) << yaml;
}

TEST(RuleFileTest, AnEmptyListOfGroupsFormatsAsAFileWithNoGroups) {
  auto parsed = ParseRuleFile(FormatRuleFile({}), "empty.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->empty());
}

TEST(RuleFileTest, FormatRuleGroupReadsBackWithParseRuleGroup) {
  const RuleGroupDefinition group = SampleGroups()[0];
  const std::string yaml = FormatRuleGroup(group);
  EXPECT_TRUE(yaml.starts_with("name: shop\n")) << yaml;
  auto parsed = ParseRuleGroup(yaml);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << yaml;
  ExpectSameGroup(*parsed, group);
}

TEST(RuleFileTest, FormatNamespacesListsEachNamespacesGroupsInOrder) {
  const std::vector<RuleGroupDefinition> groups = SampleGroups();
  std::vector<std::pair<std::string, std::vector<RuleGroupDefinition>>> namespaces;
  namespaces.emplace_back("web", std::vector<RuleGroupDefinition>{groups[1]});
  namespaces.emplace_back("shop", groups);
  const std::string yaml = FormatNamespaces(namespaces);
  YAML::Node root = YAML::Load(yaml);
  ASSERT_TRUE(root.IsMap()) << yaml;
  ASSERT_EQ(root.size(), 2u) << yaml;
  auto it = root.begin();
  EXPECT_EQ(it->first.as<std::string>(), "web");
  ++it;
  EXPECT_EQ(it->first.as<std::string>(), "shop");
  ASSERT_TRUE(root["web"].IsSequence()) << yaml;
  ASSERT_EQ(root["web"].size(), 1u);
  ASSERT_TRUE(root["shop"].IsSequence()) << yaml;
  ASSERT_EQ(root["shop"].size(), 2u);
  auto first = ParseRuleGroup(YAML::Dump(root["shop"][0]));
  ASSERT_TRUE(first.ok()) << first.status().ToString() << "\n" << yaml;
  ExpectSameGroup(*first, groups[0]);
  auto web = ParseRuleGroup(YAML::Dump(root["web"][0]));
  ASSERT_TRUE(web.ok()) << web.status().ToString() << "\n" << yaml;
  ExpectSameGroup(*web, groups[1]);
}

TEST(RuleFileTest, FormatPromDurationWritesTheLargestUnitsFirst) {
  EXPECT_EQ(FormatPromDuration(0), "0s");
  EXPECT_EQ(FormatPromDuration(500'000'000), "500ms");
  EXPECT_EQ(FormatPromDuration(1'500'000'000), "1s500ms");
  EXPECT_EQ(FormatPromDuration(60 * kSecond), "1m");
  EXPECT_EQ(FormatPromDuration(90 * kSecond), "1m30s");
  EXPECT_EQ(FormatPromDuration(90 * kMinute), "1h30m");
  EXPECT_EQ(FormatPromDuration(25 * 60 * kMinute), "1d1h");
  EXPECT_EQ(FormatPromDuration(7 * 24 * 60 * kMinute), "1w");
  EXPECT_EQ(FormatPromDuration(14 * 24 * 60 * kMinute), "2w");
  EXPECT_EQ(FormatPromDuration(365 * 24 * 60 * kMinute), "1y");
}

TEST(RuleFileTest, FormatPromDurationUsesWeeksAndYearsOnlyWhenExact) {
  EXPECT_EQ(FormatPromDuration(8 * 24 * 60 * kMinute), "8d");
  EXPECT_EQ(FormatPromDuration(7 * 24 * 60 * kMinute + kMinute), "7d1m");
  EXPECT_EQ(FormatPromDuration(366 * 24 * 60 * kMinute), "366d");
}

TEST(RuleFileTest, FormatPromDurationDropsWhatIsBelowAMillisecond) {
  EXPECT_EQ(FormatPromDuration(999'999), "0s");
  EXPECT_EQ(FormatPromDuration(1'000'001), "1ms");
}

TEST(RuleFileTest, FormatPromDurationReadsBackAsTheSameDuration) {
  for (const char* text : {"1m", "1h30m", "1w", "2d3h4m5s", "500ms", "1y"}) {
    auto ns = ParseModelDuration(text);
    ASSERT_TRUE(ns.ok()) << text;
    EXPECT_EQ(FormatPromDuration(*ns), text);
  }
}

}  // namespace
}  // namespace lode
