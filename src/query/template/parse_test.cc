// Tests of parsing (lex.cc, parse.cc): syntax, trim markers, comments, parse errors. Expected
// answers are Loki's: Go's text/template and the sprig functions Loki exposes, run with the same
// template.
#include "query/template/template_test_fixture.h"

namespace lode {
namespace {

using ParseTest = TemplateTest;

TEST_F(ParseTest, ActionErrors) {
  EXPECT_EQ(ParseError("{{ toJson . }}"), "template: line:1: function \"toJson\" not defined");
  EXPECT_EQ(ParseError("{{ .a "), "template: line:1: unclosed action");
  EXPECT_EQ(ParseError("{{/* unclosed"), "template: line:1: unclosed comment");
  EXPECT_EQ(ParseError("{{/* x */ }}"), "template: line:1: comment ends before closing delimiter");
  EXPECT_EQ(ParseError("{{ }}"), "template: line:1: missing value for command");
  EXPECT_EQ(ParseError("{{ .a | \"x\" }}"),
            "template: line:1: non executable command in pipeline stage 2");
  EXPECT_EQ(ParseError("{{ (.a }}"), "template: line:1: unclosed left paren");
  EXPECT_EQ(ParseError("{{ \"abc }}"), "template: line:1: unterminated quoted string");
  EXPECT_EQ(ParseError("{{ `abc }}"), "template: line:1: unterminated raw quoted string");
  EXPECT_EQ(ParseError("{{ 'ab' }}"), "template: line:1: malformed character constant: 'ab'");
  EXPECT_EQ(ParseError("{{ 'a }}"), "template: line:1: unterminated character constant");
  EXPECT_EQ(ParseError("{{ \"\\q\" }}"), "template: line:1: invalid syntax");
  EXPECT_EQ(ParseError("{{ 1x }}"), "template: line:1: bad number syntax: \"1x\"");
  EXPECT_EQ(ParseError("{{ \"a\".b }}"), "template: line:1: unexpected . after term \"\\\"a\\\"\"");
  EXPECT_EQ(ParseError("{{ 1.b }}"), "template: line:1: bad number syntax: \"1.b\"");
  EXPECT_EQ(ParseError("line1\n{{ .a"), "template: line:2: unclosed action");
  EXPECT_EQ(ParseError("line1\nline2\n{{ bogus }}"),
            "template: line:3: function \"bogus\" not defined");
  EXPECT_EQ(ParseError("{{ '' }}"), "template: line:1: invalid syntax");
  EXPECT_EQ(ParseError("{{ 'éa' }}"), "template: line:1: malformed character constant: 'éa'");
  EXPECT_EQ(ParseError("{{ true.x }}"), "template: line:1: unexpected . after term \"true\"");
  EXPECT_EQ(ParseError("{{ nil.x }}"), "template: line:1: unexpected . after term \"nil\"");
  EXPECT_EQ(ParseError("{{ 1 | 2 }}"),
            "template: line:1: non executable command in pipeline stage 2");
}

TEST_F(ParseTest, ControlErrors) {
  EXPECT_EQ(ParseError("{{ if .a }}x"), "template: line:1: unexpected EOF");
  EXPECT_EQ(ParseError("{{ end }}"), "template: line:1: unexpected {{end}}");
  EXPECT_EQ(ParseError("{{ break }}"), "template: line:1: {{break}} outside {{range}}");
  EXPECT_EQ(ParseError("{{ continue }}"), "template: line:1: {{continue}} outside {{range}}");
  EXPECT_EQ(ParseError("{{ else }}"), "template: line:1: unexpected {{else}}");
  EXPECT_EQ(ParseError("{{ if 1 }}{{ else }}{{ else }}{{ end }}"),
            "template: line:1: expected end; found {{else}}");
  EXPECT_EQ(ParseError("{{ range $x, $y, $z := . }}{{ end }}"),
            "template: line:1: too many declarations in range");
  EXPECT_EQ(ParseError("{{ if }}{{ end }}"), "template: line:1: missing value for if");
  EXPECT_EQ(ParseError("{{ range }}{{ end }}"), "template: line:1: missing value for range");
  EXPECT_EQ(ParseError("{{ with }}{{ end }}"), "template: line:1: missing value for with");
  EXPECT_EQ(ParseError("{{ if 1 }}\n{{ end }}\n{{ end }}"), "template: line:3: unexpected {{end}}");
  EXPECT_EQ(ParseError("{{ range . }}{{ else }}{{ break }}{{ end }}"),
            "template: line:1: {{break}} outside {{range}}");
  EXPECT_EQ(ParseError("{{ if 1 }}{{ else with 2 }}{{ end }}"),
            "template: line:1: unexpected <with> in else");
  EXPECT_EQ(ParseError("{{ range . }}{{ else }}{{ continue }}{{ end }}"),
            "template: line:1: {{continue}} outside {{range}}");
}

TEST_F(ParseTest, VariableErrors) {
  EXPECT_EQ(ParseError("{{ $x }}"), "template: line:1: undefined variable \"$x\"");
}

TEST_F(ParseTest, TrimMarkersAndComments) {
  EXPECT_EQ(Run("a  {{- .app -}}  b"), "aapib");
  EXPECT_EQ(Run("a {{/* note */}}b"), "a b");
  EXPECT_EQ(Run("a {{- /* note */ -}} b"), "ab");
  EXPECT_EQ(Run("{{ if 1 }}{{ else if 2 }}{{ else }}{{ end }}"), "");
  EXPECT_EQ(Run("{{\"a\"}}{{- \"b\" -}}  {{\"c\"}}"), "abc");
  EXPECT_EQ(Run("{{ 1 }}{{- \"\\n\" }}"), "1\n");
  EXPECT_EQ(Run("  {{- 3 }}"), "3");
  EXPECT_EQ(Run("{{ 3 -}}  "), "3");
  EXPECT_EQ(Run("{{ 3 -}}"), "3");
  EXPECT_EQ(Run("{{- 3 -}}"), "3");
  EXPECT_EQ(Run("{{ 'é' }}"), "233");
  EXPECT_EQ(Run("{{ range . }}{{ if 1 }}{{ break }}{{ end }}{{ end }}"), "");
}

// Where lode still answers otherwise than Loki: each line is Loki's
// answer.
TEST_F(ParseTest, DISABLED_AnswersAsLoki) {
  EXPECT_EQ(Run("{{ \"a\" 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <\"a\">: can't give argument to "
            "non-function \"a\"");
  EXPECT_EQ(Run("{{ define \"x\" }}{{ end }}"), "");
  EXPECT_EQ(Run("{{ template \"x\" }}"),
            "ERROR: template: line:1:12: executing \"line\" at <{{template \"x\"}}>: template "
            "\"x\" not defined");
  EXPECT_EQ(Run("{{ block \"x\" . }}{{ end }}"), "");
  EXPECT_EQ(ParseError("a {{-.app}}"), "template: line:1: bad number syntax: \"-.a\"");
  EXPECT_EQ(ParseError("{{ range 1 }}{{ break 1 }}{{ end }}"),
            "template: line:1: unexpected \"1\" in {{break}}");
  EXPECT_EQ(ParseError("{{ if 1 }}{{ end 1 }}"), "template: line:1: unexpected \"1\" in end");
  EXPECT_EQ(ParseError("{{ | upper }}"), "template: line:1: unexpected \"|\" in command");
  EXPECT_EQ(Run("{{ .a | }}"), "");
  EXPECT_EQ(ParseError("{{ .a) }}"), "template: line:1: unexpected \")\" in command");
  EXPECT_EQ(ParseError("{{ 1.2.3 }}"), "template: line:1: unexpected \".3\" in operand");
  EXPECT_EQ(ParseError("{{ # }}"), "template: line:1: unexpected \"#\" in command");
  EXPECT_EQ(Run("{{ upper.b }}"),
            "ERROR: template: line:1:3: executing \"line\" at <upper>: wrong number of args for "
            "upper: want 1 got 0");
  EXPECT_EQ(ParseError("{{ $x, $y := 1 }}"), "template: line:1: too many declarations in command");
  EXPECT_EQ(Run("{{ $x = 1 }}"),
            "ERROR: template: line:1:8: executing \"line\" at <1>: undefined variable: $x");
  EXPECT_EQ(ParseError("{{ with $x := 1 }}{{ end }}{{ $x }}"),
            "template: line:1: undefined variable \"$x\"");
  EXPECT_EQ(Run("{{ nil 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <nil>: can't give argument to "
            "non-function nil");
  EXPECT_EQ(Run("{{ true 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <true>: can't give argument to "
            "non-function true");
  EXPECT_EQ(Run("{{ 3 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <3>: can't give argument to "
            "non-function 3");
}

}  // namespace
}  // namespace lode
