// Tests of execution (exec.cc): fields, variables, control flow, the builtins, errors. Expected
// answers are Loki's: Go's text/template and the sprig functions Loki exposes, run with the same
// template.
#include "query/template/template_test_fixture.h"

namespace lode {
namespace {

using ExecTest = TemplateTest;

TEST_F(ExecTest, FieldsAndVariables) {
  EXPECT_EQ(Run("plain"), "plain");
  EXPECT_EQ(Run("[{{.missing}}]"), "[]");
  EXPECT_EQ(Run("{{ $.app }}"), "api");
  EXPECT_EQ(Run("{{ $x := 1 }}{{ $x 2 }}"),
            "ERROR: template: line:1:16: executing \"line\" at <$x>: can't give argument to "
            "non-function $x");
  EXPECT_EQ(Run("{{ $x := .app }}{{ $x }}-{{ $x = \"b\" }}{{ $x }}"), "api-b");
  EXPECT_EQ(Run("{{ $x := 5 }}{{ $x }}"), "5");
  EXPECT_EQ(Run("{{ $ }}"),
            "map[app:api bar:5 baz:10.5 bazz:20.2 dur:1.5 empty: foo:1.5 msg:hello world n:42 "
            "status:503]");
  EXPECT_EQ(Run("{{ $.missing }}"), "");
  EXPECT_EQ(Run("{{ __line__ | ToUpper }}"), "THE LINE");
  EXPECT_EQ(Run("{{ $x := 1 }}{{ 1 | $x }}"),
            "ERROR: template: line:1:20: executing \"line\" at <$x>: can't give argument to "
            "non-function $x");
  EXPECT_EQ(Run("{{ $.app.x }}"),
            "ERROR: template: line:1:4: executing \"line\" at <$.app.x>: can't evaluate field x in "
            "type string");
  EXPECT_EQ(Run("{{ $x := nil }}"),
            "ERROR: template: line:1:9: executing \"line\" at <nil>: nil is not a command");
  EXPECT_EQ(Run("{{ $.app 1 }}"),
            "ERROR: template: line:1:4: executing \"line\" at <$.app>: app is not a method but has "
            "arguments");
}

TEST_F(ExecTest, ConstantsAndParentheses) {
  EXPECT_EQ(Run("{{.app}} {{ .status }}"), "api 503");
  EXPECT_EQ(Run("{{ .app.x }}"),
            "ERROR: template: line:1:7: executing \"line\" at <.app.x>: can't evaluate field x in "
            "type string");
  EXPECT_EQ(Run("{{ . }}"),
            "map[app:api bar:5 baz:10.5 bazz:20.2 dur:1.5 empty: foo:1.5 msg:hello world n:42 "
            "status:503]");
  EXPECT_EQ(Run("{{ .missing.x }}"),
            "ERROR: template: line:1:11: executing \"line\" at <.missing.x>: can't evaluate field "
            "x in type string");
  EXPECT_EQ(Run("{{.foo Replace \"foo\"}}"),
            "ERROR: template: line:1:2: executing \"line\" at <.foo>: foo is not a method but has "
            "arguments");
  EXPECT_EQ(Run("{{ . 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <.>: can't give argument to "
            "non-function .");
  EXPECT_EQ(Run("{{ nil }}"),
            "ERROR: template: line:1:3: executing \"line\" at <nil>: nil is not a command");
  EXPECT_EQ(Run("{{ true }} {{ false }}"), "true false");
  EXPECT_EQ(Run("{{ 1.5 }} {{ 1e3 }} {{ 0x10 }} {{ 0o17 }} {{ 017 }} {{ 0b101 }} {{ 1_000 }} {{ -3 "
                "}} {{ +3 }} {{ .5 }}"),
            "1.5 1000 16 15 15 5 1000 -3 3 0.5");
  EXPECT_EQ(Run("{{ 'a' }} {{ '\\n' }}"), "97 10");
  EXPECT_EQ(Run("{{ \"\\u00e9\\x41\\101\\t\" }}"), "éAA\t");
  EXPECT_EQ(Run("{{ `raw\\n` }}"), "raw\\n");
  EXPECT_EQ(Run("{{ 0x1p4 }}"), "16");
  EXPECT_EQ(Run("{{ (len .msg) }}"), "11");
  EXPECT_EQ(Run("{{ (.app) }}"), "api");
  EXPECT_EQ(Run("{{ (\"a\") }}"), "a");
  EXPECT_EQ(Run("{{ (index . \"app\") | upper }}"), "API");
  EXPECT_EQ(ParseError("{{ 1 | $x }}"), "template: line:1: undefined variable \"$x\"");
  EXPECT_EQ(Run("{{ .app.x.y }}"),
            "ERROR: template: line:1:7: executing \"line\" at <.app.x.y>: can't evaluate field x "
            "in type string");
  EXPECT_EQ(Run("{{ (.app).x }}"),
            "ERROR: template: line:1:4: executing \"line\" at <.app>: can't evaluate field x in "
            "type string");
  EXPECT_EQ(Run("{{ (.app).x.y }}"),
            "ERROR: template: line:1:4: executing \"line\" at <.app>: can't evaluate field x in "
            "type string");
  EXPECT_EQ(Run("{{ (nil) }}"),
            "ERROR: template: line:1:4: executing \"line\" at <nil>: nil is not a command");
  EXPECT_EQ(Run("{{ .app 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <.app>: app is not a method but has "
            "arguments");
  EXPECT_EQ(ParseError("{{ 2 | . }}"),
            "template: line:1: non executable command in pipeline stage 2");
}

TEST_F(ExecTest, Index) {
  EXPECT_EQ(Run("{{ index . \"app\" }}"), "api");
  EXPECT_EQ(Run("{{ index . \"nope\" }}"), "");
  EXPECT_EQ(Run("{{ index .app 1 }}"), "112");
  EXPECT_EQ(Run("{{ index .app 9 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <index .app 9>: error calling index: "
            "index out of range: 9");
  EXPECT_EQ(Run("{{ index .app -1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <index .app -1>: error calling "
            "index: index out of range: -1");
  EXPECT_EQ(Run("{{ index .app \"x\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <index .app \"x\">: error calling "
            "index: cannot index slice/array with type string");
  EXPECT_EQ(Run("{{ index . 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <index . 1>: error calling index: "
            "value has type int; should be string");
  EXPECT_EQ(Run("{{ index 5 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <index 5 1>: error calling index: "
            "can't index item of type int");
  EXPECT_EQ(Run("{{ index nil 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <index nil 1>: error calling index: "
            "index of untyped nil");
  EXPECT_EQ(Run("{{ index }}"),
            "ERROR: template: line:1:3: executing \"line\" at <index>: wrong number of args for "
            "index: want at least 1 got 0");
  EXPECT_EQ(Run("{{ index \"abc\" }}"), "abc");
}

TEST_F(ExecTest, IfAndWith) {
  EXPECT_EQ(Run("{{ if eq .status \"503\" }}bad{{ else }}ok{{ end }}"), "bad");
  EXPECT_EQ(Run("{{ if .empty }}x{{ else if .app }}y{{ else }}z{{ end }}"), "y");
  EXPECT_EQ(Run("{{ with .app }}<{{ . }}>{{ end }}{{ with .empty }}no{{ else }}none{{ end }}"),
            "<api>none");
  EXPECT_EQ(Run("{{ with $x := .app }}{{ $x }}{{ end }}"), "api");
  EXPECT_EQ(Run("{{ with .empty }}a{{ else with .app }}b{{ end }}"), "b");
  EXPECT_EQ(Run("{{ if and (gt (int .n) 40) (lt (len .msg) 20) }}yes{{ end }}"), "yes");
  EXPECT_EQ(Run("{{ $x := 5 }}{{ if true }}{{ $x := 6 }}{{ $x }}{{ end }}{{ $x }}"), "65");
}

TEST_F(ExecTest, Range) {
  EXPECT_EQ(
      Run("{{ range $k, $v := . }}{{ $k }}={{ $v }};{{ end }}"),
      "app=api;bar=5;baz=10.5;bazz=20.2;dur=1.5;empty=;foo=1.5;msg=hello world;n=42;status=503;");
  EXPECT_EQ(Run("{{ range . }}[{{ . }}]{{ end }}"),
            "[api][5][10.5][20.2][1.5][][1.5][hello world][42][503]");
  EXPECT_EQ(Run("{{ range $v := . }}{{ $v }},{{ end }}"),
            "api,5,10.5,20.2,1.5,,1.5,hello world,42,503,");
  EXPECT_EQ(Run("{{ range $i := 3 }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ $i }}{{ end }}"),
            "02");
  EXPECT_EQ(Run("{{ range $i, $e := 3 }}{{ $i }}{{ $e }}{{ end }}"), "001122");
  EXPECT_EQ(Run("{{ range 0 }}x{{ else }}empty{{ end }}"), "empty");
  EXPECT_EQ(Run("{{ range $i := 5 }}{{ if eq $i 2 }}{{ break }}{{ end }}{{ $i }}{{ end }}"), "01");
  EXPECT_EQ(
      Run("{{ range .app }}x{{ end }}"),
      "ERROR: template: line:1:9: executing \"line\" at <.app>: range can't iterate over api");
  EXPECT_EQ(Run("{{ range nil }}x{{ else }}n{{ end }}"),
            "ERROR: template: line:1:9: executing \"line\" at <nil>: nil is not a command");
  EXPECT_EQ(Run("{{ range 1.5 }}{{ end }}"),
            "ERROR: template: line:1:9: executing \"line\" at <1.5>: range can't iterate over 1.5");
  EXPECT_EQ(Run("{{ range 200000 }}{{ end }}"),
            "ERROR: template: line:1:9: executing \"line\" at <200000>: range over 200000 "
            "iterations is more than 100000 allowed");
  EXPECT_EQ(
      Run("{{ range $k, $v := . }}{{ if eq $k \"app\" }}{{ break }}{{ end }}{{ $k }}{{ end }}"),
      "");
}

TEST_F(ExecTest, AndOrNot) {
  EXPECT_EQ(Run("{{ and .app .empty }}|{{ or .empty .app }}|{{ not .empty }}"), "|api|true");
  EXPECT_EQ(Run("{{ and 1 0 (div 1 0) }}"), "0");
  EXPECT_EQ(Run("{{ or 0 \"\" }}"), "");
  EXPECT_EQ(Run("{{ and }}"),
            "ERROR: template: line:1:3: executing \"line\" at <and>: wrong number of args for and: "
            "want at least 1 got 0");
  EXPECT_EQ(Run("{{ or 1 (div 1 0) }}"), "1");
  EXPECT_EQ(Run("{{ not }}"),
            "ERROR: template: line:1:3: executing \"line\" at <not>: wrong number of args for not: "
            "want 1 got 0");
  EXPECT_EQ(Run("{{ not 1 2 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <not>: wrong number of args for not: "
            "want 1 got 2");
}

TEST_F(ExecTest, Len) {
  EXPECT_EQ(Run("{{ len .msg }}"), "11");
  EXPECT_EQ(Run("{{ len . }}"), "10");
  EXPECT_EQ(Run("{{ len 3 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <len 3>: error calling len: len of "
            "type int");
  EXPECT_EQ(Run("{{ len \"héllo\" }}"), "6");
}

TEST_F(ExecTest, Slice) {
  EXPECT_EQ(Run("{{ slice \"hello\" 1 3 }}"), "el");
  EXPECT_EQ(Run("{{ slice \"hello\" 1 }}"), "ello");
  EXPECT_EQ(Run("{{ slice \"hello\" }}"), "hello");
  EXPECT_EQ(Run("{{ slice \"hello\" 3 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <slice \"hello\" 3 1>: error calling "
            "slice: invalid slice index: 3 > 1");
  EXPECT_EQ(Run("{{ slice \"hello\" 1 9 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <slice \"hello\" 1 9>: error calling "
            "slice: index out of range: 9");
  EXPECT_EQ(Run("{{ slice \"hello\" 1 2 3 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <slice \"hello\" 1 2 3>: error "
            "calling slice: cannot 3-index slice a string");
  EXPECT_EQ(Run("{{ slice \"hello\" 1 2 3 4 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <slice \"hello\" 1 2 3 4>: error "
            "calling slice: too many slice indexes: 4");
  EXPECT_EQ(Run("{{ slice 5 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <slice 5 1>: error calling slice: "
            "can't slice item of type int");
  EXPECT_EQ(Run("{{ slice \"hello\" \"1\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <slice \"hello\" \"1\">: error "
            "calling slice: cannot index slice/array with type string");
  EXPECT_EQ(Run("{{ slice \"hello\" 1 2 3 4 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <slice \"hello\" 1 2 3 4>: error "
            "calling slice: too many slice indexes: 4");
}

TEST_F(ExecTest, Comparisons) {
  EXPECT_EQ(Run("{{ eq .app \"x\" \"api\" }}"), "true");
  EXPECT_EQ(Run("{{ ne 1 2 }}"), "true");
  EXPECT_EQ(Run("{{ lt 1.5 2.5 }}"), "true");
  EXPECT_EQ(Run("{{ ge \"b\" \"a\" }}"), "true");
  EXPECT_EQ(Run("{{ le 2 2 }}"), "true");
  EXPECT_EQ(Run("{{ gt 3 2 }}"), "true");
  EXPECT_EQ(Run("{{ gt .status 500 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <gt .status 500>: error calling gt: "
            "incompatible types for comparison");
  EXPECT_EQ(Run("{{ eq 1 1.0 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <eq 1 1.0>: error calling eq: "
            "incompatible types for comparison");
  EXPECT_EQ(Run("{{ eq true true }}"), "true");
  EXPECT_EQ(Run("{{ lt true false }}"),
            "ERROR: template: line:1:3: executing \"line\" at <lt true false>: error calling lt: "
            "invalid type for comparison");
  EXPECT_EQ(Run("{{ eq nil nil }}"), "true");
  EXPECT_EQ(Run("{{ eq .app }}"),
            "ERROR: template: line:1:3: executing \"line\" at <eq .app>: error calling eq: missing "
            "argument for comparison");
  EXPECT_EQ(Run("{{ lt 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <lt>: wrong number of args for lt: "
            "want 2 got 1");
  EXPECT_EQ(Run("{{ eq 1 \"1\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <eq 1 \"1\">: error calling eq: "
            "incompatible types for comparison");
  EXPECT_EQ(Run("{{ eq now now }}"), "false");
  EXPECT_EQ(Run("{{ lt now now }}"),
            "ERROR: template: line:1:3: executing \"line\" at <lt now now>: error calling lt: "
            "invalid type for comparison");
  EXPECT_EQ(Run("{{ eq 'a' 97 }}"), "true");
}

TEST_F(ExecTest, Print) {
  EXPECT_EQ(Run("{{ print .app 1 2 \"x\" }}"), "api1 2x");
  EXPECT_EQ(Run("{{ println .app }}"), "api\n");
  EXPECT_EQ(Run("{{ print }}"), "");
  EXPECT_EQ(Run("{{ print 1 2 }}"), "1 2");
  EXPECT_EQ(Run("{{ print \"a\" \"b\" }}"), "ab");
  EXPECT_EQ(Run("{{ print nil }}"), "<nil>");
  EXPECT_EQ(Run("{{ print true 1.5 }}"), "true 1.5");
  EXPECT_EQ(Run("{{ println 1 \"a\" }}"), "1 a\n");
  EXPECT_EQ(Run("{{ .msg | printf \"%s!\" }}"), "hello world!");
  EXPECT_EQ(Run("{{ \"x\" | printf \"%s-%s\" \"y\" }}"), "y-x");
}

TEST_F(ExecTest, RecordFunctions) {
  EXPECT_EQ(Run("{{ __line__ }}"), "the line");
  EXPECT_EQ(Run("{{ __line__ 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <__line__>: wrong number of args for "
            "__line__: want 0 got 1");
  EXPECT_EQ(Run("{{ __timestamp__ 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <__timestamp__>: wrong number of "
            "args for __timestamp__: want 0 got 1");
}

// Where lode still answers otherwise than Loki: each line is Loki's
// answer.
TEST_F(ExecTest, DISABLED_AnswersAsLoki) {
  EXPECT_EQ(Run("{{ eq . . }}"),
            "ERROR: template: line:1:3: executing \"line\" at <eq . .>: error calling eq: "
            "non-comparable type map[app:api bar:5 baz:10.5 bazz:20.2 dur:1.5 empty: foo:1.5 "
            "msg:hello world n:42 status:503]: map[string]string");
  EXPECT_EQ(Run("{{ call 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <call 1>: error calling call: "
            "non-function of type int");
  EXPECT_EQ(Run("{{ html \"<a>\" }}"), "&lt;a&gt;");
  EXPECT_EQ(Run("{{ js \"a\" }}"), "a");
  EXPECT_EQ(Run("{{ urlquery \"a b\" }}"), "a+b");
  EXPECT_EQ(ParseError("{{ 1e400 }}"), "template: line:1: illegal number syntax: \"1e400\"");
}

}  // namespace
}  // namespace lode
