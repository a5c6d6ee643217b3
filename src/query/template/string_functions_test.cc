// Tests of the string functions (string_functions.cc). Expected answers are Loki's: Go's
// text/template and the sprig functions Loki exposes, run with the same template.
#include "query/template/template_test_fixture.h"

namespace lode {
namespace {

using StringFunctionsTest = TemplateTest;

TEST_F(StringFunctionsTest, ToUpper) { EXPECT_EQ(Run("{{ .msg | ToUpper }}"), "HELLO WORLD"); }

TEST_F(StringFunctionsTest, ToLower) { EXPECT_EQ(Run("{{ ToLower \"ABC Déjà\" }}"), "abc déjà"); }

TEST_F(StringFunctionsTest, Replace) {
  EXPECT_EQ(Run("{{ Replace .msg \"o\" \"0\" -1 }}"), "hell0 w0rld");
  EXPECT_EQ(Run("{{ Replace .msg \"o\" \"0\" 1 }}"), "hell0 world");
  EXPECT_EQ(Run("{{ Replace .msg \"o\" \"0\" 0 }}"), "hello world");
  EXPECT_EQ(Run("{{ Replace \"abc\" \"\" \"-\" -1 }}"), "-a-b-c-");
  EXPECT_EQ(Run("{{ Replace \"abc\" \"\" \"-\" 2 }}"), "-a-bc");
  EXPECT_EQ(Run("{{ Replace \"héé\" \"\" \"-\" -1 }}"), "-h-é-é-");
  EXPECT_EQ(Run("{{ Replace .msg \"o\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <Replace>: wrong number of args for "
            "Replace: want 4 got 2");
}

TEST_F(StringFunctionsTest, Trim) {
  EXPECT_EQ(Run("{{ Trim \"xxhixx\" \"x\" }}"), "hi");
  EXPECT_EQ(Run("{{ Trim \"  hi  \" \" \" }}"), "hi");
  EXPECT_EQ(Run("{{ Trim \"abcba\" \"ab\" }}"), "c");
}

TEST_F(StringFunctionsTest, TrimLeft) { EXPECT_EQ(Run("{{ TrimLeft \"xxhixx\" \"x\" }}"), "hixx"); }

TEST_F(StringFunctionsTest, TrimRight) {
  EXPECT_EQ(Run("{{ TrimRight \"xxhixx\" \"x\" }}"), "xxhi");
}

TEST_F(StringFunctionsTest, TrimPrefix) {
  EXPECT_EQ(Run("{{ TrimPrefix .msg \"hello \" }}"), "world");
  EXPECT_EQ(Run("{{ TrimPrefix .msg \"x\" }}"), "hello world");
}

TEST_F(StringFunctionsTest, TrimSuffix) {
  EXPECT_EQ(Run("{{ TrimSuffix .msg \" world\" }}"), "hello");
}

TEST_F(StringFunctionsTest, TrimSpace) { EXPECT_EQ(Run("{{ TrimSpace \"\\t a b \\n\" }}"), "a b"); }

TEST_F(StringFunctionsTest, SprigTrim) { EXPECT_EQ(Run("{{ trim \"  b \" }}"), "b"); }

TEST_F(StringFunctionsTest, TrimAll) {
  EXPECT_EQ(Run("{{ trimAll \"$\" \"$5.00$\" }}"), "5.00");
  EXPECT_EQ(Run("{{ trimAll \"op\" \"blop\" }}"), "bl");
}

TEST_F(StringFunctionsTest, SprigTrimPrefix) {
  EXPECT_EQ(Run("{{ trimPrefix \"-\" \"-hello\" }}"), "hello");
}

TEST_F(StringFunctionsTest, SprigTrimSuffix) {
  EXPECT_EQ(Run("{{ trimSuffix \"-\" \"hello-\" }}"), "hello");
  EXPECT_EQ(Run("{{ .msg | trimSuffix \"world\" }}"), "hello ");
}

TEST_F(StringFunctionsTest, SprigReplace) {
  EXPECT_EQ(Run("{{ .msg | replace \"world\" \"there\" }}"), "hello there");
  EXPECT_EQ(Run("{{ replace \"hello\" \"world\" \"hello world\" }}"), "world world");
  EXPECT_EQ(Run("{{ replace \"\" \"-\" \"ab\" }}"), "-a-b-");
}

TEST_F(StringFunctionsTest, Title) {
  EXPECT_EQ(Run("{{ .msg | title }}"), "Hello World");
  EXPECT_EQ(Run("{{ title \"hello_world foo-bar o'neil\" }}"), "Hello_world Foo-Bar O'Neil");
  EXPECT_EQ(Run("{{ title \"\" }}"), "");
}

TEST_F(StringFunctionsTest, Trunc) {
  EXPECT_EQ(Run("{{ .msg | trunc 5 }}"), "hello");
  EXPECT_EQ(Run("{{ .msg | trunc -5 }}"), "world");
  EXPECT_EQ(Run("{{ .msg | trunc 0 }}"), "");
  EXPECT_EQ(Run("{{ .msg | trunc 50 }}"), "hello world");
  EXPECT_EQ(Run("{{ .msg | trunc -50 }}"), "hello world");
}

TEST_F(StringFunctionsTest, Substr) {
  EXPECT_EQ(Run("{{ substr 0 4 .msg }}"), "hell");
  EXPECT_EQ(Run("{{ substr 6 11 \"hello world\" }}"), "world");
  EXPECT_EQ(Run("{{ substr 1 3 \"blip\" }}"), "li");
  EXPECT_EQ(Run("{{ substr -1 3 \"hello\" }}"), "hel");
  EXPECT_EQ(Run("{{ substr 2 -1 \"hello\" }}"), "llo");
  EXPECT_EQ(Run("{{ substr 2 99 \"hello\" }}"), "llo");
  EXPECT_EQ(Run("{{ substr 3 1 \"hello\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <substr 3 1 \"hello\">: error "
            "calling substr: runtime error: slice bounds out of range [3:1]");
  EXPECT_EQ(Run("{{ substr 0 9 \"hello\" }}"), "hello");
  EXPECT_EQ(Run("{{ substr 9 99 \"hello\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <substr 9 99 \"hello\">: error "
            "calling substr: runtime error: slice bounds out of range [9:5]");
  EXPECT_EQ(Run("{{ substr -1 -1 \"hello\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <substr -1 -1 \"hello\">: error "
            "calling substr: runtime error: slice bounds out of range [:-1]");
  EXPECT_EQ(Run("{{ substr 5 5 \"hello\" }}"), "");
  EXPECT_EQ(Run("{{ substr -5 99 \"hello\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <substr -5 99 \"hello\">: error "
            "calling substr: runtime error: slice bounds out of range [:99] with length 5");
  EXPECT_EQ(Run("{{ substr 0 -1 \"hello\" }}"), "hello");
  EXPECT_EQ(Run("{{ substr 6 -1 \"hello\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <substr 6 -1 \"hello\">: error "
            "calling substr: runtime error: slice bounds out of range [6:5]");
  EXPECT_EQ(Run("{{ substr 5 99 \"hello\" }}"), "");
}

TEST_F(StringFunctionsTest, Contains) {
  EXPECT_EQ(Run("{{ contains \"wor\" .msg }}"), "true");
  EXPECT_EQ(Run("{{ contains \"\" .msg }}"), "true");
  EXPECT_EQ(Run("{{ contains \"x\" .msg }}"), "false");
}

TEST_F(StringFunctionsTest, HasPrefix) { EXPECT_EQ(Run("{{ hasPrefix \"he\" .msg }}"), "true"); }

TEST_F(StringFunctionsTest, HasSuffix) {
  EXPECT_EQ(Run("{{ hasSuffix \"x\" .msg }}"), "false");
  EXPECT_EQ(Run("{{ hasSuffix \"ld\" .msg }}"), "true");
}

TEST_F(StringFunctionsTest, ContainsInConditions) {
  EXPECT_EQ(Run("{{ if and (contains \"he\" \"hello\") (contains \"llo\" \"hello\") }}yes{{end}}"),
            "yes");
}

TEST_F(StringFunctionsTest, Indent) {
  EXPECT_EQ(Run("{{ indent 2 \"a\\nb\" }}"), "  a\n  b");
  EXPECT_EQ(Run("{{ \"foo\\n bar\" | indent 4 }}"), "    foo\n     bar");
  EXPECT_EQ(Run("{{ indent 0 \"a\" }}"), "a");
  EXPECT_EQ(Run("{{ indent -2 \"a\\nb\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <indent -2 \"a\\nb\">: error calling "
            "indent: strings: negative Repeat count");
  EXPECT_EQ(Run("{{ indent -1 \"\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <indent -1 \"\">: error calling "
            "indent: strings: negative Repeat count");
}

TEST_F(StringFunctionsTest, Nindent) {
  EXPECT_EQ(Run("{{ \"foo\" | nindent 2 }}"), "\n  foo");
  EXPECT_EQ(Run("{{ nindent 1 \"\" }}"), "\n ");
  EXPECT_EQ(Run("{{ nindent -3 \"a\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <nindent -3 \"a\">: error calling "
            "nindent: strings: negative Repeat count");
}

TEST_F(StringFunctionsTest, Repeat) {
  EXPECT_EQ(Run("{{ repeat 3 \"ab\" }}"), "ababab");
  EXPECT_EQ(Run("{{ repeat 0 \"ab\" }}"), "");
  EXPECT_EQ(Run("{{ repeat -1 \"ab\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <repeat -1 \"ab\">: error calling "
            "repeat: strings: negative Repeat count");
  EXPECT_EQ(Run("{{ \"foo\" | repeat 3 }}"), "foofoofoo");
}

TEST_F(StringFunctionsTest, AlignLeft) {
  EXPECT_EQ(Run("{{ alignLeft 3 .msg }}"), "hel");
  EXPECT_EQ(Run("{{ alignLeft 5 \"ab\" }}|"), "ab   |");
  EXPECT_EQ(Run("{{ alignLeft 5 \"hello\" }}"), "hello");
  EXPECT_EQ(Run("{{ alignLeft -1 \"hi\" }}"), "hi");
  EXPECT_EQ(Run("{{ alignLeft 0 \"hi\" }}|"), "|");
  EXPECT_EQ(Run("{{ alignLeft 8 \"Hello, 世界\" }}"), "Hello, 世");
  EXPECT_EQ(Run("{{ alignLeft 20 \"Hello, 世界\" }}|"), "Hello, 世界           |");
}

TEST_F(StringFunctionsTest, AlignRight) {
  EXPECT_EQ(Run("{{ alignRight 3 .msg }}"), "rld");
  EXPECT_EQ(Run("{{ alignRight 5 \"ab\" }}"), "   ab");
  EXPECT_EQ(Run("{{ alignRight 2 \"Hello, 世界\" }}"), "世界");
  EXPECT_EQ(Run("{{ alignRight 20 \"Hello, 世界\" }}"), "           Hello, 世界");
}

TEST_F(StringFunctionsTest, Default) {
  EXPECT_EQ(Run("{{ .missing | default \"-\" }}"), "-");
  EXPECT_EQ(Run("{{ .app | default \"-\" }}"), "api");
  EXPECT_EQ(Run("{{ .empty | default \"e\" }}"), "e");
  EXPECT_EQ(Run("{{ default \"-\" \"\" }}"), "-");
  EXPECT_EQ(Run("{{ default \"-\" \"foo\" }}"), "foo");
  EXPECT_EQ(Run("{{ default \"d\" 0 }}"), "d");
  EXPECT_EQ(Run("{{ default \"d\" 1 }}"), "1");
  EXPECT_EQ(Run("{{ default \"d\" false }}"), "d");
  EXPECT_EQ(Run("{{ default \"d\" 0.0 }}"), "d");
  EXPECT_EQ(Run("{{ default \"d\" nil }}"), "d");
  EXPECT_EQ(Run("{{ default \"d\" }}"), "d");
  EXPECT_EQ(Run("{{ default 5 . }}"),
            "map[app:api bar:5 baz:10.5 bazz:20.2 dur:1.5 empty: foo:1.5 msg:hello world n:42 "
            "status:503]");
}

TEST_F(StringFunctionsTest, Bytes) {
  EXPECT_EQ(Run("{{ bytes \"3 kB\" }}"), "3000");
  EXPECT_EQ(Run("{{ bytes \"3MB\" }}"), "3e+06");
  EXPECT_EQ(Run("{{ bytes \"1 KiB\" }}"), "1024");
  EXPECT_EQ(Run("{{ bytes \"42\" }}"), "42");
  EXPECT_EQ(Run("{{ bytes \"1.5GB\" }}"), "1.5e+09");
  EXPECT_EQ(Run("{{ bytes \"x\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <bytes \"x\">: error calling bytes: "
            "strconv.ParseFloat: parsing \"\": invalid syntax");
  EXPECT_EQ(Run("{{ bytes \"\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <bytes \"\">: error calling bytes: "
            "strconv.ParseFloat: parsing \"\": invalid syntax");
}

TEST_F(StringFunctionsTest, Upper) {
  EXPECT_EQ(Run("{{ upper }}"),
            "ERROR: template: line:1:3: executing \"line\" at <upper>: wrong number of args for "
            "upper: want 1 got 0");
  EXPECT_EQ(Run("{{ upper \"a\" \"b\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <upper>: wrong number of args for "
            "upper: want 1 got 2");
}

// Where lode still answers otherwise than Loki: each line is Loki's
// answer.
TEST_F(StringFunctionsTest, DISABLED_AnswersAsLoki) {
  EXPECT_EQ(Run("{{ ToUpper \"déjà\" }}"), "DÉJÀ");
  EXPECT_EQ(Run("{{ upper \"héllo\" }}"), "HÉLLO");
  EXPECT_EQ(Run("{{ lower \"HÉLLO\" }}"), "héllo");
  EXPECT_EQ(
      Run("{{ Replace .msg \"o\" \"0\" \"1\" }}"),
      "ERROR: template: line:1:24: executing \"line\" at <\"1\">: expected integer; found \"1\"");
  EXPECT_EQ(Run("{{ title \"éa b\" }}"), "Éa B");
  EXPECT_EQ(
      Run("{{ alignLeft \"3\" .msg }}"),
      "ERROR: template: line:1:13: executing \"line\" at <\"3\">: expected integer; found \"3\"");
  EXPECT_EQ(Run("{{ alignLeft 3 4 }}"),
            "ERROR: template: line:1:15: executing \"line\" at <4>: expected string; found 4");
  EXPECT_EQ(Run("{{ ToUpper 1 }}"),
            "ERROR: template: line:1:11: executing \"line\" at <1>: expected string; found 1");
  EXPECT_EQ(Run("{{ lower 1 }}"),
            "ERROR: template: line:1:9: executing \"line\" at <1>: expected string; found 1");
  EXPECT_EQ(Run("{{ contains 1 \"a\" }}"),
            "ERROR: template: line:1:12: executing \"line\" at <1>: expected string; found 1");
}

}  // namespace
}  // namespace lode
