// Tests of the Prometheus dialect of templates (Template::ParsePrometheus
// and prometheus_functions.cc): the variables and fields an alert's
// labels and annotations see, and Prometheus' functions. Expected answers
// are Prometheus' (template/template.go) run on the same alert.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "model/labels.h"
#include "query/labels_builder.h"
#include "query/template/template.h"

namespace lode {
namespace {

class PrometheusTemplateTest : public ::testing::Test {
 protected:
  // `text`'s output for the alert, or "ERROR: " and what failed when it
  // ran; "<parse error>" (and a test failure) when it does not parse.
  std::string Run(std::string_view text) {
    auto t = Template::ParsePrometheus(text, "t");
    EXPECT_TRUE(t.ok()) << text << ": " << t.status().ToString();
    if (!t.ok()) return "<parse error>";
    labels_builder_.Reset(labels_, Labels());
    external_builder_.Reset(external_labels_, Labels());
    AlertTemplateData alert;
    alert.external_labels = &external_builder_;
    alert.external_url = external_url_;
    alert.value = value_;
    TemplateInput in;
    in.labels = &labels_builder_;
    in.alert = &alert;
    std::string out;
    Status s = t->Execute(in, &out);
    if (!s.ok()) return "ERROR: " + s.message();
    return out;
  }

  // Why `text` does not parse as a Prometheus template ("" and a test
  // failure when it does).
  static std::string PrometheusParseError(std::string_view text) {
    auto t = Template::ParsePrometheus(text, "t");
    EXPECT_FALSE(t.ok()) << text;
    return t.ok() ? "" : t.status().message();
  }

  // Why `text` does not parse as a LogQL template.
  static std::string LogqlParseError(std::string_view text) {
    auto t = Template::Parse(text);
    EXPECT_FALSE(t.ok()) << text;
    return t.ok() ? "" : t.status().message();
  }

  Labels labels_{{"__name__", "errors"}, {"instance", "web-1.example.com:9090"}, {"job", "api"}};
  Labels external_labels_{{"cluster", "eu-1"}};
  std::string external_url_ = "http://lode.example:3100/prefix";
  double value_ = 0.25;
  LabelsBuilder labels_builder_;
  LabelsBuilder external_builder_;
};

// ---- Variables and fields -----------------------------------------------------

TEST_F(PrometheusTemplateTest, LabelsAreReadThroughTheLabelsVariableAndField) {
  EXPECT_EQ(Run("{{ $labels.job }}"), "api");
  EXPECT_EQ(Run("{{ .Labels.job }}"), "api");
  EXPECT_EQ(Run("{{ $labels.__name__ }}"), "errors");
  EXPECT_EQ(Run("{{ $labels.instance }} of {{ .Labels.job }}"), "web-1.example.com:9090 of api");
}

TEST_F(PrometheusTemplateTest, AMissingLabelReadsAsEmpty) {
  EXPECT_EQ(Run("[{{ $labels.missing }}]"), "[]");
  EXPECT_EQ(Run("{{ with $labels.missing }}set{{ else }}unset{{ end }}"), "unset");
}

TEST_F(PrometheusTemplateTest, TheValueIsReadThroughTheValueVariableAndField) {
  EXPECT_EQ(Run("{{ $value }}"), "0.25");
  EXPECT_EQ(Run("{{ .Value }}"), "0.25");
  value_ = 1e6;
  EXPECT_EQ(Run("{{ $value }}"), "1e+06");  // Go's %v of a float64
  value_ = 1234;
  EXPECT_EQ(Run("{{ $value | humanize }}"), "1.234k");
  EXPECT_EQ(Run("{{ humanize $value }}"), "1.234k");
}

TEST_F(PrometheusTemplateTest, ExternalLabelsAndURLAreReadThroughVariablesAndFields) {
  EXPECT_EQ(Run("{{ $externalLabels.cluster }}"), "eu-1");
  EXPECT_EQ(Run("{{ .ExternalLabels.cluster }}"), "eu-1");
  EXPECT_EQ(Run("{{ $externalURL }}"), "http://lode.example:3100/prefix");
  EXPECT_EQ(Run("{{ .ExternalURL }}"), "http://lode.example:3100/prefix");
}

TEST_F(PrometheusTemplateTest, TheVariablesAreSeenInsideRangeAndWith) {
  EXPECT_EQ(Run("{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}"),
            "__name__=errors;instance=web-1.example.com:9090;job=api;");
  EXPECT_EQ(
      Run("{{ with $labels.job }}{{ . }} {{ $value }} {{ $externalLabels.cluster }}{{ end }}"),
      "api 0.25 eu-1");
}

// ---- Numbers ------------------------------------------------------------------

TEST_F(PrometheusTemplateTest, HumanizeUsesSiPrefixes) {
  EXPECT_EQ(Run("{{ humanize 1234 }}"), "1.234k");
  EXPECT_EQ(Run("{{ humanize 0.001 }}"), "1m");
  EXPECT_EQ(Run("{{ humanize 0 }}"), "0");
  EXPECT_EQ(Run("{{ humanize 1 }}"), "1");
  EXPECT_EQ(Run("{{ humanize 999 }}"), "999");
  EXPECT_EQ(Run("{{ humanize 1000000 }}"), "1M");
  EXPECT_EQ(Run("{{ humanize 1234567 }}"), "1.235M");
  EXPECT_EQ(Run("{{ humanize -1234 }}"), "-1.234k");
  EXPECT_EQ(Run("{{ humanize 0.000001234 }}"), "1.234u");
  EXPECT_EQ(Run("{{ humanize 1.5 }}"), "1.5");
}

TEST_F(PrometheusTemplateTest, Humanize1024UsesBinaryPrefixes) {
  EXPECT_EQ(Run("{{ humanize1024 2048 }}"), "2ki");
  EXPECT_EQ(Run("{{ humanize1024 1536 }}"), "1.5ki");
  EXPECT_EQ(Run("{{ humanize1024 1073741824 }}"), "1Gi");
  EXPECT_EQ(Run("{{ humanize1024 1023 }}"), "1023");
  EXPECT_EQ(Run("{{ humanize1024 1 }}"), "1");
  EXPECT_EQ(Run("{{ humanize1024 0.5 }}"), "0.5");
}

TEST_F(PrometheusTemplateTest, HumanizeDurationSplitsDaysHoursMinutesAndSeconds) {
  EXPECT_EQ(Run("{{ humanizeDuration 3661 }}"), "1h 1m 1s");
  EXPECT_EQ(Run("{{ humanizeDuration 90061 }}"), "1d 1h 1m 1s");
  EXPECT_EQ(Run("{{ humanizeDuration 86400 }}"), "1d 0h 0m 0s");
  EXPECT_EQ(Run("{{ humanizeDuration 61 }}"), "1m 1s");
  EXPECT_EQ(Run("{{ humanizeDuration 1.5 }}"), "1.5s");
  EXPECT_EQ(Run("{{ humanizeDuration -3661 }}"), "-1h 1m 1s");
}

TEST_F(PrometheusTemplateTest, HumanizeDurationBelowASecondUsesSubsecondUnits) {
  EXPECT_EQ(Run("{{ humanizeDuration 0.5 }}"), "500ms");
  EXPECT_EQ(Run("{{ humanizeDuration 0.001234 }}"), "1.234ms");
  EXPECT_EQ(Run("{{ humanizeDuration 0.000002 }}"), "2us");
  EXPECT_EQ(Run("{{ humanizeDuration 0 }}"), "0s");
}

TEST_F(PrometheusTemplateTest, HumanizePercentageMultipliesByAHundred) {
  EXPECT_EQ(Run("{{ humanizePercentage 0.1234 }}"), "12.34%");
  EXPECT_EQ(Run("{{ humanizePercentage 0.5 }}"), "50%");
  EXPECT_EQ(Run("{{ humanizePercentage 1 }}"), "100%");
  EXPECT_EQ(Run("{{ $value | humanizePercentage }}"), "25%");
}

TEST_F(PrometheusTemplateTest, HumanizeTimestampPrintsAUtcTime) {
  EXPECT_EQ(Run("{{ humanizeTimestamp 1 }}"), "1970-01-01 00:00:01 +0000 UTC");
  EXPECT_EQ(Run("{{ humanizeTimestamp 1700000000 }}"), "2023-11-14 22:13:20 +0000 UTC");
  EXPECT_EQ(Run("{{ humanizeTimestamp 1.5 }}"), "1970-01-01 00:00:01.5 +0000 UTC");
}

TEST_F(PrometheusTemplateTest, NumbersMayBeGivenAsStrings) {
  EXPECT_EQ(Run("{{ humanize \"1234\" }}"), "1.234k");
  EXPECT_EQ(Run("{{ \"3661\" | humanizeDuration }}"), "1h 1m 1s");
}

TEST_F(PrometheusTemplateTest, AStringThatIsNoNumberIsAnError) {
  EXPECT_EQ(Run("{{ humanize \"abc\" }}"),
            "ERROR: template: t:1:3: executing \"t\" at <humanize \"abc\">: error calling "
            "humanize: strconv.ParseFloat: parsing \"abc\": invalid syntax");
  EXPECT_EQ(Run("{{ humanizeDuration $labels.job }}"),
            "ERROR: template: t:1:3: executing \"t\" at <humanizeDuration $labels.job>: error "
            "calling humanizeDuration: strconv.ParseFloat: parsing \"api\": invalid syntax");
}

// ---- Strings ------------------------------------------------------------------

TEST_F(PrometheusTemplateTest, TitleToUpperAndToLower) {
  EXPECT_EQ(Run("{{ title \"hello world\" }}"), "Hello World");
  EXPECT_EQ(Run("{{ title \"foo-bar baz_qux\" }}"), "Foo-Bar Baz_qux");
  EXPECT_EQ(Run("{{ toUpper \"abc Def\" }}"), "ABC DEF");
  EXPECT_EQ(Run("{{ $labels.job | toUpper }}"), "API");
  EXPECT_EQ(Run("{{ toLower \"ABC Def\" }}"), "abc def");
}

// Go's strings.Title, which Prometheus' title is, starts a word after any
// ASCII character other than a letter, a digit or '_': an apostrophe too.
TEST_F(PrometheusTemplateTest, TitleStartsAWordAfterAnApostropheAsGoDoes) {
  EXPECT_EQ(Run("{{ title \"o'neil\" }}"), "O'Neil");
}

TEST_F(PrometheusTemplateTest, ReReplaceAllExpandsGroups) {
  EXPECT_EQ(Run("{{ reReplaceAll \"(.*):.*\" \"$1\" $labels.instance }}"), "web-1.example.com");
  EXPECT_EQ(Run("{{ reReplaceAll \"-\" \"_\" \"a-b-c\" }}"), "a_b_c");
  EXPECT_EQ(Run("{{ $labels.job | reReplaceAll \"a(p)\" \"[$1]\" }}"), "[p]i");
}

TEST_F(PrometheusTemplateTest, MatchIsAnUnanchoredRegexMatch) {
  EXPECT_EQ(Run("{{ if match \"^web-\" $labels.instance }}yes{{ else }}no{{ end }}"), "yes");
  EXPECT_EQ(Run("{{ match \"example\" $labels.instance }}"), "true");
  EXPECT_EQ(Run("{{ match \"^db\" $labels.instance }}"), "false");
}

TEST_F(PrometheusTemplateTest, StripPortDropsThePort) {
  EXPECT_EQ(Run("{{ stripPort \"host:9090\" }}"), "host");
  EXPECT_EQ(Run("{{ stripPort \"host\" }}"), "host");
  EXPECT_EQ(Run("{{ stripPort \"10.0.0.1:9090\" }}"), "10.0.0.1");
  EXPECT_EQ(Run("{{ stripPort \"[::1]:9090\" }}"), "::1");
  EXPECT_EQ(Run("{{ $labels.instance | stripPort }}"), "web-1.example.com");
}

TEST_F(PrometheusTemplateTest, StripDomainKeepsTheFirstNameAndThePort) {
  EXPECT_EQ(Run("{{ stripDomain \"foo.example.com:9090\" }}"), "foo:9090");
  EXPECT_EQ(Run("{{ stripDomain \"foo.example.com\" }}"), "foo");
  EXPECT_EQ(Run("{{ stripDomain \"foo\" }}"), "foo");
  // An IP address is kept whole.
  EXPECT_EQ(Run("{{ stripDomain \"10.0.0.1:9090\" }}"), "10.0.0.1:9090");
  EXPECT_EQ(Run("{{ stripDomain \"[::1]:9090\" }}"), "[::1]:9090");
}

// ---- Links, durations, the external URL ------------------------------------------

TEST_F(PrometheusTemplateTest, GraphLinkAndTableLinkQueryEscapeTheExpression) {
  EXPECT_EQ(Run("{{ graphLink \"rate(x[5m])\" }}"), "/graph?g0.expr=rate%28x%5B5m%5D%29&g0.tab=0");
  EXPECT_EQ(Run("{{ tableLink \"up == 0\" }}"), "/graph?g0.expr=up+%3D%3D+0&g0.tab=1");
}

TEST_F(PrometheusTemplateTest, ParseDurationGivesSeconds) {
  EXPECT_EQ(Run("{{ parseDuration \"1h30m\" }}"), "5400");
  EXPECT_EQ(Run("{{ parseDuration \"500ms\" }}"), "0.5");
  EXPECT_EQ(Run("{{ parseDuration \"1m\" | humanizeDuration }}"), "1m 0s");
  EXPECT_TRUE(Run("{{ parseDuration \"soon\" }}").starts_with("ERROR: "));
}

TEST_F(PrometheusTemplateTest, PathPrefixAndExternalURLComeFromTheExternalURL) {
  EXPECT_EQ(Run("{{ externalURL }}"), "http://lode.example:3100/prefix");
  EXPECT_EQ(Run("{{ pathPrefix }}"), "/prefix");
  external_url_ = "http://lode.example:3100";
  EXPECT_EQ(Run("[{{ pathPrefix }}]"), "[]");
}

// ---- The two dialects ------------------------------------------------------------

TEST_F(PrometheusTemplateTest, LogqlTemplatesDoNotKnowPrometheusFunctions) {
  EXPECT_EQ(LogqlParseError("{{ humanize 1 }}"),
            "template: line:1: function \"humanize\" not defined");
  EXPECT_EQ(LogqlParseError("{{ 1 | humanizeDuration }}"),
            "template: line:1: function \"humanizeDuration\" not defined");
  EXPECT_EQ(LogqlParseError("{{ stripPort .a }}"),
            "template: line:1: function \"stripPort\" not defined");
  EXPECT_EQ(LogqlParseError("{{ graphLink .a }}"),
            "template: line:1: function \"graphLink\" not defined");
}

TEST_F(PrometheusTemplateTest, LogqlTemplatesDoNotHaveTheAlertVariables) {
  EXPECT_EQ(LogqlParseError("{{ $labels.app }}"),
            "template: line:1: undefined variable \"$labels\"");
  EXPECT_EQ(LogqlParseError("{{ $value }}"), "template: line:1: undefined variable \"$value\"");
}

TEST_F(PrometheusTemplateTest, PrometheusTemplatesDoNotKnowLogqlFunctions) {
  EXPECT_EQ(PrometheusParseError("{{ ToUpper \"x\" }}"),
            "template: t:1: function \"ToUpper\" not defined");
  EXPECT_EQ(PrometheusParseError("{{ __line__ }}"),
            "template: t:1: function \"__line__\" not defined");
  EXPECT_EQ(PrometheusParseError("{{ $nosuch }}"), "template: t:1: undefined variable \"$nosuch\"");
}

TEST_F(PrometheusTemplateTest, TextBuiltinsWorkInPrometheusTemplates) {
  EXPECT_EQ(Run("{{ printf \"%.2f\" $value }}"), "0.25");
  EXPECT_EQ(Run("{{ if gt $value 0.1 }}high{{ else }}low{{ end }}"), "high");
  EXPECT_EQ(Run("{{ len $labels.job }}"), "3");
}

}  // namespace
}  // namespace lode
