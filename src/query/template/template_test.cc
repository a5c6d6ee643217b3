// Tests of the Template class (template.h) as line_format and label_format
// use it, and of Loki's own line_format / label_format examples
// (pkg/logql/log/fmt_test.go), each with the labels Loki gives it.
#include "query/template/template.h"

#include "query/template/template_test_fixture.h"

namespace lode {
namespace {

TEST_F(TemplateTest, ConstantTextAndLineUse) {
  EXPECT_TRUE(Template::Parse("abc")->IsConstant());
  EXPECT_TRUE(Template::Parse("a{{/* note */}}b")->IsConstant());
  EXPECT_FALSE(Template::Parse("{{.a}}")->IsConstant());
  EXPECT_TRUE(Template::Parse("{{ __line__ }}")->UsesLine());
  EXPECT_TRUE(Template::Parse("{{ if 1 }}{{ (__line__ | upper) }}{{ end }}")->UsesLine());
  EXPECT_TRUE(Template::Parse("{{ range 1 }}{{ else }}{{ __line__ }}{{ end }}")->UsesLine());
  EXPECT_FALSE(Template::Parse("{{ .a }}")->UsesLine());
  EXPECT_FALSE(Template::Parse("{{ __timestamp__ }}")->UsesLine());
}

TEST_F(TemplateTest, ErrorsNameTheTemplateAndItsLine) {
  EXPECT_EQ(Run("{{ replace \"test\" .foo }}", "", 0, "label"),
            "ERROR: template: label:1:3: executing \"label\" at <replace>: wrong number of args "
            "for replace: want 3 got 2");
  EXPECT_EQ(Run("x\n {{ index .app 9 }}"),
            "ERROR: template: line:2:4: executing \"line\" at <index .app 9>: error calling index: "
            "index out of range: 9");
  auto t = Template::Parse("a\nb\n{{ bogus }}", "label");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "template: label:3: function \"bogus\" not defined");
}

TEST_F(TemplateTest, OutputBeforeAnErrorIsKept) {
  auto t = Template::Parse("kept {{ div 1 0 }} lost");
  ASSERT_TRUE(t.ok());
  builder_.Reset(labels_, Labels());
  std::string out = "prefix ";
  EXPECT_FALSE(t->Execute(TemplateInput{&builder_, "", 0}, &out).ok());
  EXPECT_EQ(out, "prefix kept ");
}

TEST_F(TemplateTest, LokiLineFormatExamples) {
  labels_ = Labels{{"foo", "abc abc abc"}, {"bar", "blop"}};
  EXPECT_EQ(Run("{{.foo | count \"abc\" }}"), "3");
  EXPECT_EQ(Run("{{.foo | count \"a|b|c\" }}"), "9");
  labels_ = Labels{{"foo", "blip"}, {"bar", "blop"}};
  EXPECT_EQ(Run("foo{{.foo}}buzz{{  .bar  }}"), "fooblipbuzzblop");
  EXPECT_EQ(Run("foo{{.foo}}buzz{{ Replace .bar \"blop\" \"bar\" -1 }}"), "fooblipbuzzbar");
  EXPECT_EQ(Run("foo{{.foo}}buzz{{ .bar | replace \"blop\" \"bar\" }}"), "fooblipbuzzbar");
  EXPECT_EQ(Run("{{.foo | title }}"), "Blip");
  EXPECT_EQ(Run("{{.foo | substr 1 3 }} {{ .bar  | trunc 1 }} {{ .bar  | trunc 3 }}"), "li b blo");
  EXPECT_EQ(Run("{{.foo Replace \"foo\"}}"),
            "ERROR: template: line:1:2: executing \"line\" at <.foo>: foo is not a method but "
            "has arguments");
  EXPECT_EQ(Run("foo {{.foo | ToUpper }} buzz{{  .bar  }}"), "foo BLIP buzzblop");
  EXPECT_EQ(Run("{{.foo | now}}"),
            "ERROR: template: line:1:9: executing \"line\" at <now>: wrong number of args for "
            "now: want 0 got 1");
  labels_ = Labels{{"bar", "blop"}};
  EXPECT_EQ(Run("foo {{.foo}}buzz{{  .bar  }}"), "foo buzzblop");
  labels_ = Labels{{"foo", "  blip "}, {"bar", "blop"}};
  EXPECT_EQ(Run("{{.foo | trim }} {{ .bar  | trimAll \"op\" }} {{ .bar  | trimPrefix \"b\" }} "
                "{{ .bar  | trimSuffix \"p\" }}"),
            "blip bl lop blo");
  labels_ = Labels{{"foo", "BLIp"}, {"bar", "blop"}};
  EXPECT_EQ(Run("{{.foo | lower }} {{ .bar  | upper }}"), "blip BLOP");
  EXPECT_EQ(Run("{{ if  .foo | contains \"p\"}}yes{{end}}-{{ if  .foo | contains \"z\"}}no{{end}}"),
            "yes-");
  EXPECT_EQ(Run("{{ regexReplaceAll \"(p)\" .foo \"t\" }}"), "BLIt");
  EXPECT_EQ(Run("{{ regexReplaceAllLiteral \"(p)\" .foo \"${1}\" }}"), "BLI${1}");
  labels_ = Labels{{"foo", "1"}, {"bar", "3"}, {"baz", "10"}, {"bazz", "20"}};
  EXPECT_EQ(Run("{{ add .foo 1 | sub .bar | mul .baz | div .bazz}}"), "2");
  labels_ = Labels{{"foo", "1.5"}, {"bar", "5"}, {"baz", "10.5"}, {"bazz", "20.2"}};
  EXPECT_EQ(Run("{{ addf .foo 1.5 | subf .bar 1.5 | mulf .baz | divf .bazz }}"),
            "3.8476190476190477");
  labels_ = Labels{{"foo", "1.5"}, {"bar", "3.5"}, {"baz", "10.5"}, {"bazz", "20.4"}};
  EXPECT_EQ(Run("{{ round (addf .foo 1.5 | subf .bar | mulf .baz | divf .bazz) 5 .2}}"), "3.88572");
  labels_ = Labels{{"foo", "5"}, {"bar", "10"}, {"baz", "15"}};
  EXPECT_EQ(Run("min is {{ min .foo .bar .baz }} and max is {{ max .foo .bar .baz }}"),
            "min is 5 and max is 15");
  labels_ = Labels{{"foo", "5.3"}, {"bar", "10.5"}, {"baz", "15.2"}};
  EXPECT_EQ(Run("minf is {{ minf .foo .bar .baz }} and maxf is {{maxf .foo .bar .baz}}"),
            "minf is 5.3 and maxf is 15.2");
  EXPECT_EQ(Run("ceil is {{ ceil .foo }} and floor is {{floor .foo }}"),
            "ceil is 6 and floor is 5");
  labels_ = Labels{{"foo", "20"}};
  EXPECT_EQ(Run("mod is {{ mod .foo 3 }}"), "mod is 2");
  labels_ = Labels{{"bar", "2"}};
  EXPECT_EQ(Run("{{ __line__ }} bar {{ .bar }}", "1"), "1 bar 2");
  EXPECT_EQ(Run("{{ __timestamp__ | date \"2006-01-02\" }} bar {{ .bar }}"), "2022-06-27 bar 2");
  EXPECT_EQ(Run("{{ __timestamp__ | unixEpoch }} bar {{ .bar }}"), "1656353124 bar 2");
  labels_ = Labels{{"foo", "blip"}, {"bar", ""}};
  EXPECT_EQ(Run("{{.foo | default \"-\" }}{{.bar | default \"-\"}}{{.unknown | default \"-\"}}"),
            "blip--");
  labels_ = Labels{{"foo", "2023-03-10T01:32:40.340485723Z"}};
  EXPECT_EQ(Run("{{ .foo | toDateInZone \"2006-01-02T15:04:05.999999999Z\" \"UTC\" | "
                "unixEpochMillis }}"),
            "1678411960340");
  EXPECT_EQ(Run("{{ .foo | toDateInZone \"2006-01-02T15:04:05.999999999Z\" \"UTC\" | "
                "unixEpochNanos }}"),
            "1678411960340485723");
  labels_ = Labels{{"foo", "hello"}};
  EXPECT_EQ(Run("{{ alignLeft 4 .foo }}"), "hell");
  EXPECT_EQ(Run("{{ alignRight 4 .foo }}"), "ello");
  labels_ = Labels{{"foo", "bar"}};
  EXPECT_EQ(Run("{{.foo}}  "), "bar  ");
  EXPECT_EQ(Run("{{.missing}}"), "");
}

TEST_F(TemplateTest, LokiLabelFormatExamples) {
  labels_ = Labels{{"status", "200"}};
  EXPECT_EQ(Run("{{div .status 100 }}", "", 0, "label"), "2");
  labels_ = Labels{{"foo", "blip"}, {"bar", "blop"}};
  EXPECT_EQ(Run("{{.foo}} and {{.bar}}", "", 0, "label"), "blip and blop");
  EXPECT_EQ(Run("{{ __line__ }}", "test line", 0, "label"), "test line");
  EXPECT_EQ(Run("{{ __timestamp__ | date \"2006-01-02\" }}", "", 1661518453244672570, "label"),
            "2022-08-26");
  EXPECT_EQ(Run("{{ __timestamp__ | unixEpoch }}", "", 1661518453244672570, "label"), "1661518453");
  EXPECT_EQ(Run("{{ __line__ | count \"test\" }}", "test line", 0, "label"), "1");
  EXPECT_EQ(Run("{{ __line__ | count \"notmatching.*\" }}", "test line", 0, "label"), "0");
  // unixToTime prints in the server's zone, UTC here.
  labels_ = Labels{{"bar", "19503"}};
  EXPECT_EQ(Run("{{ .bar | unixToTime }}"), "2023-05-26 00:00:00 +0000 UTC");
  labels_ = Labels{{"bar", "1679577215"}};
  EXPECT_EQ(Run("{{ .bar | unixToTime }}"), "2023-03-23 13:13:35 +0000 UTC");
  labels_ = Labels{{"bar", "1257894000000"}};
  EXPECT_EQ(Run("{{ .bar | unixToTime }}"), "2009-11-10 23:00:00 +0000 UTC");
  labels_ = Labels{{"bar", "1673798889902000"}};
  EXPECT_EQ(Run("{{ .bar | unixToTime }}"), "2023-01-15 16:08:09.902 +0000 UTC");
  labels_ = Labels{{"bar", "1000000000000000000"}};
  EXPECT_EQ(Run("{{ .bar | unixToTime }}"), "2001-09-09 01:46:40 +0000 UTC");
}

}  // namespace
}  // namespace lode
