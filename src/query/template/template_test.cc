#include "query/template/template.h"

#include <gtest/gtest.h>

#include "query/labels_builder.h"

namespace lode {
namespace {

// Runs `text` over a record with these labels, line and time.
class TemplateTest : public ::testing::Test {
 protected:
  std::string Run(std::string_view text, std::string_view line = "the line",
                  int64_t ts = 1656353124120000000) {
    auto t = Template::Parse(text);
    EXPECT_TRUE(t.ok()) << text << ": " << t.status().ToString();
    if (!t.ok()) return "<parse error>";
    builder_.Reset(stream_, metadata_);
    TemplateInput in{&builder_, line, ts};
    std::string out;
    Status s = t->Execute(in, &out);
    if (!s.ok()) return "ERROR: " + s.message();
    return out;
  }
  std::string ParseError(std::string_view text) {
    auto t = Template::Parse(text);
    EXPECT_FALSE(t.ok()) << text;
    return t.ok() ? "" : t.status().message();
  }

  Labels stream_{{"app", "api"}, {"status", "503"}, {"msg", "hello world"},
                 {"dur", "1.5"}, {"n", "42"},       {"empty", ""}};
  Labels metadata_;
  LabelsBuilder builder_;
};

TEST_F(TemplateTest, TextAndFieldAccess) {
  EXPECT_EQ(Run("plain"), "plain");
  EXPECT_EQ(Run("{{.app}} {{ .status }}"), "api 503");
  EXPECT_EQ(Run("[{{.missing}}]"), "[]");  // a missing label reads as ""
  EXPECT_EQ(Run("{{ index . \"app\" }}"), "api");
  EXPECT_EQ(Run("{{ $.app }}"), "api");
  EXPECT_EQ(Run("{{ .app.x }}"),
            "ERROR: template: line:1:7: executing \"line\" at <.app.x>: can't evaluate field x in "
            "type string");
}

TEST_F(TemplateTest, TrimMarkersAndComments) {
  EXPECT_EQ(Run("a  {{- .app -}}  b"), "aapib");
  EXPECT_EQ(Run("a {{/* note */}}b"), "a b");
  EXPECT_EQ(Run("a {{- /* note */ -}} b"), "ab");
  // Without a space `{{-` is no trim marker: `-.app` reads as a bad number.
  EXPECT_EQ(ParseError("a {{-.app}}"), "template: line:1: bad number syntax: \"-.app\"");
}

TEST_F(TemplateTest, ConditionalsAndVariables) {
  EXPECT_EQ(Run("{{ if eq .status \"503\" }}bad{{ else }}ok{{ end }}"), "bad");
  EXPECT_EQ(Run("{{ if .empty }}x{{ else if .app }}y{{ else }}z{{ end }}"), "y");
  EXPECT_EQ(Run("{{ with .app }}<{{ . }}>{{ end }}{{ with .empty }}no{{ else }}none{{ end }}"),
            "<api>none");
  EXPECT_EQ(Run("{{ $x := .app }}{{ $x }}-{{ $x = \"b\" }}{{ $x }}"), "api-b");
  EXPECT_EQ(Run("{{ range $k, $v := . }}{{ $k }}={{ $v }};{{ end }}"),
            "app=api;dur=1.5;empty=;msg=hello world;n=42;status=503;");
  EXPECT_EQ(Run("{{ range $i := 3 }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ $i }}{{ end }}"),
            "02");
  EXPECT_EQ(Run("{{ and .app .empty }}|{{ or .empty .app }}|{{ not .empty }}"), "|api|true");
  EXPECT_EQ(Run("{{ if and (gt (int .n) 40) (lt (len .msg) 20) }}yes{{ end }}"), "yes");
}

TEST_F(TemplateTest, StringFunctions) {
  EXPECT_EQ(Run("{{ .msg | ToUpper }} {{ ToLower \"ABC\" }}"), "HELLO WORLD abc");
  EXPECT_EQ(Run("{{ Replace .msg \"o\" \"0\" -1 }} {{ Replace .msg \"o\" \"0\" 1 }}"),
            "hell0 w0rld hell0 world");
  EXPECT_EQ(Run("{{ Trim \"xxhixx\" \"x\" }} {{ TrimLeft \"xxhi\" \"x\" }} {{ TrimPrefix .msg "
                "\"hello \" }}"),
            "hi hi world");
  EXPECT_EQ(Run("{{ TrimSpace \"  a  \" }}|{{ trim \"  b \" }}|{{ .msg | trimSuffix \"world\" }}"),
            "a|b|hello ");
  EXPECT_EQ(Run("{{ .msg | replace \"world\" \"there\" }} {{ .msg | title }} {{ .msg | upper }}"),
            "hello there Hello World HELLO WORLD");
  EXPECT_EQ(Run("{{ .msg | trunc 5 }}|{{ .msg | trunc -5 }}|{{ substr 0 4 .msg }}"),
            "hello|world|hell");
  EXPECT_EQ(
      Run("{{ contains \"wor\" .msg }} {{ hasPrefix \"he\" .msg }} {{ hasSuffix \"x\" .msg }}"),
      "true true false");
  EXPECT_EQ(Run("{{ regexReplaceAll \"(\\\\w+) (\\\\w+)\" .msg \"${2}_$1\" }}"), "world_hello");
  EXPECT_EQ(Run("{{ regexReplaceAllLiteral \"o\" .msg \"$1\" }}"), "hell$1 w$1rld");
  EXPECT_EQ(Run("{{ count \"o\" .msg }} {{ count \"\" \"abc\" }}"), "2 4");
  EXPECT_EQ(Run("{{ urlencode \"a b&c\" }} {{ urldecode \"a+b%26c\" }}"), "a+b%26c a b&c");
  EXPECT_EQ(Run("{{ b64enc \"hello\" }} {{ b64dec \"aGVsbG8=\" }}"), "aGVsbG8= hello");
  EXPECT_EQ(Run("{{ alignLeft 3 .msg }}|{{ alignRight 3 .msg }}|{{ alignLeft 5 \"ab\" }}|"),
            "hel|rld|ab   |");
  EXPECT_EQ(Run("{{ indent 2 \"a\\nb\" }}"), "  a\n  b");
  EXPECT_EQ(Run("{{ repeat 3 \"ab\" }}"), "ababab");
}

TEST_F(TemplateTest, DefaultAndNumbers) {
  EXPECT_EQ(
      Run("{{ .missing | default \"-\" }} {{ .app | default \"-\" }} {{ .empty | default \"e\" }}"),
      "- api e");
  EXPECT_EQ(Run("{{ add 1 2 .n }} {{ sub .n 2 }} {{ mul 2 .n }} {{ div .n 5 }} {{ mod .n 5 }}"),
            "45 40 84 8 2");
  EXPECT_EQ(
      Run("{{ div 1 0 }}"),
      "ERROR: template: line:1:3: executing \"line\" at <div 1 0>: error calling div: runtime "
      "error: integer divide by zero");
  EXPECT_EQ(Run("{{ addf 0.1 0.2 }} {{ mulf 1.1 3 }} {{ divf 20.2 5.25 }} {{ subf .dur 0.5 }}"),
            "0.3 3.3 3.8476190476190477 1");
  EXPECT_EQ(Run("{{ float64 .dur }} {{ int \"010\" }} {{ int \"5.0\" }} {{ int \"5.5\" }}"),
            "1.5 8 5 0");
  EXPECT_EQ(
      Run("{{ max 1 5 3 }} {{ minf 1.5 0.5 }} {{ ceil 1.2 }} {{ floor 1.8 }} {{ round 2.456 2 }}"),
      "5 0.5 2 1 2.46");
  EXPECT_EQ(Run("{{ float64 3000000 }} {{ float64 0.00001 }} {{ float64 123456 }}"),
            "3e+06 1e-05 123456");
  EXPECT_EQ(Run("{{ bytes \"3 kB\" }} {{ duration \"3m10s\" }}"), "3000 190");
}

TEST_F(TemplateTest, Printf) {
  EXPECT_EQ(Run("{{ printf \"%s=%d %5.2f|%-4s|%04d %x %q %v %t\" .app 7 3.14159 \"ab\" 42 255 .msg "
                "1.5 true }}"),
            "api=7  3.14|ab  |0042 ff \"hello world\" 1.5 true");
  EXPECT_EQ(Run("{{ printf \"%d\" .n }}"), "%!d(string=42)");
  EXPECT_EQ(Run("{{ printf \"%s %s\" .app }}"), "api %!s(MISSING)");
  EXPECT_EQ(Run("{{ printf \"%s\" .app 1 }}"), "api%!(EXTRA int=1)");
  EXPECT_EQ(Run("{{ printf \"%.1f%%\" (float64 .dur) }}"), "1.5%");
  EXPECT_EQ(Run("{{ print .app 1 2 \"x\" }} {{ println .app }}"), "api1 2x api\n");
}

TEST_F(TemplateTest, LineAndTimestamp) {
  EXPECT_EQ(Run("{{ __line__ | ToUpper }}", "abc"), "ABC");
  EXPECT_EQ(Run("{{ __timestamp__ }}"), "2022-06-27 18:05:24.12 +0000 UTC");
  EXPECT_EQ(Run("{{ __timestamp__ }}", "", 1656353124000000000), "2022-06-27 18:05:24 +0000 UTC");
  EXPECT_EQ(Run("{{ __timestamp__ | date \"2006-01-02\" }}"), "2022-06-27");
  EXPECT_EQ(Run("{{ __timestamp__ | date \"2006-01-02T15:04:05.000Z07:00\" }}"),
            "2022-06-27T18:05:24.120Z");
  EXPECT_EQ(Run("{{ __timestamp__ | date \"Mon Jan _2 3:04PM .999\" }}"), "Mon Jun 27 6:05PM .12");
  EXPECT_EQ(Run("{{ __timestamp__ | unixEpoch }} {{ __timestamp__ | unixEpochMillis }}"),
            "1656353124 1656353124120");
  EXPECT_EQ(Run("{{ toDate \"2006-01-02 15:04:05\" \"2024-03-01 10:20:30\" | unixEpoch }}"),
            "1709288430");
  EXPECT_EQ(
      Run("{{ toDate \"2006-01-02T15:04:05Z07:00\" \"2024-03-01T10:20:30+02:00\" | unixEpoch }}"),
      "1709281230");
  EXPECT_EQ(Run("{{ unixToTime \"1709288430\" | date \"15:04\" }}"), "10:20");
}

TEST_F(TemplateTest, Comparisons) {
  EXPECT_EQ(Run("{{ eq .app \"x\" \"api\" }} {{ ne 1 2 }} {{ lt 1.5 2.5 }} {{ ge \"b\" \"a\" }}"),
            "true true true true");
  EXPECT_EQ(Run("{{ gt .status 500 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <gt .status 500>: error calling gt: "
            "incompatible types for comparison");
}

TEST_F(TemplateTest, ExecutionErrors) {
  // As Go words them: the template's line, the byte column, the node.
  EXPECT_EQ(Run("a{{ ToUpper 1 }}"),
            "ERROR: template: line:1:4: executing \"line\" at <ToUpper>: wrong type for value; "
            "expected string; got int");
  EXPECT_EQ(Run("{{ now 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <now>: wrong number of args for now: "
            "want 0 got 1");
  EXPECT_EQ(Run("x\n {{ index .app 9 }}"),
            "ERROR: template: line:2:4: executing \"line\" at <index .app 9>: error calling index: "
            "index out of range: 9");
}

TEST_F(TemplateTest, ParseErrors) {
  EXPECT_EQ(ParseError("{{ toJson . }}"), "template: line:1: function \"toJson\" not defined");
  EXPECT_EQ(ParseError("{{ .a "), "template: line:1: unclosed action");
  EXPECT_EQ(ParseError("{{ if .a }}x"), "template: line:1: unexpected EOF");
  EXPECT_EQ(ParseError("{{ end }}"), "template: line:1: unexpected {{end}}");
  EXPECT_EQ(ParseError("{{ $x }}"), "template: line:1: undefined variable \"$x\"");
  EXPECT_EQ(ParseError("{{ \"a\" 1 }}"),
            "template: line:1: can't give argument to non-function \"a\"");
  EXPECT_EQ(ParseError("{{ define \"x\" }}{{ end }}"),
            "template: line:1: {{define}} is not supported in LogQL templates");
}

TEST_F(TemplateTest, Constness) {
  EXPECT_TRUE(Template::Parse("abc")->IsConstant());
  EXPECT_FALSE(Template::Parse("{{.a}}")->IsConstant());
  EXPECT_TRUE(Template::Parse("{{ __line__ }}")->UsesLine());
  EXPECT_FALSE(Template::Parse("{{ .a }}")->UsesLine());
}

}  // namespace
}  // namespace lode
