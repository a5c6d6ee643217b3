// Tests of the regular expression functions (regex_functions.cc). Expected answers are Loki's: Go's
// text/template and the sprig functions Loki exposes, run with the same template.
#include "query/template/template_test_fixture.h"

namespace lode {
namespace {

using RegexFunctionsTest = TemplateTest;

TEST_F(RegexFunctionsTest, RegexReplaceAll) {
  EXPECT_EQ(Run("{{ regexReplaceAll \"(\\\\w+) (\\\\w+)\" .msg \"${2}_$1\" }}"), "world_hello");
  EXPECT_EQ(Run("{{ regexReplaceAll \"(p)\" \"BLIp\" \"t\" }}"), "BLIt");
  EXPECT_EQ(Run("{{ regexReplaceAll \"(a*)bc\" \"aabc xbc\" \"${1}a\" }}"), "aaa xa");
  EXPECT_EQ(Run("{{ regexReplaceAll \"o\" .msg \"$1\" }}"), "hell wrld");
  EXPECT_EQ(Run("{{ regexReplaceAll \"(?P<w>o)\" .msg \"[$w]\" }}"), "hell[o] w[o]rld");
  EXPECT_EQ(Run("{{ regexReplaceAll \"(?P<w>o)\" .msg \"[${w}x]\" }}"), "hell[ox] w[ox]rld");
  EXPECT_EQ(Run("{{ regexReplaceAll \"(o)\" .msg \"$1x\" }}"), "hell wrld");
  EXPECT_EQ(Run("{{ regexReplaceAll \"(o)\" .msg \"${1}x\" }}"), "hellox woxrld");
  EXPECT_EQ(Run("{{ regexReplaceAll \"o\" .msg \"$$\" }}"), "hell$ w$rld");
  EXPECT_EQ(Run("{{ regexReplaceAll \"o\" .msg \"$\" }}"), "hell$ w$rld");
  EXPECT_EQ(Run("{{ regexReplaceAll \"o\" .msg \"${\" }}"), "hell${ w${rld");
  EXPECT_EQ(Run("{{ regexReplaceAll \"o\" .msg \"${}\" }}"), "hell${} w${}rld");
  EXPECT_EQ(Run("{{ regexReplaceAll \"\" \"abc\" \"-\" }}"), "-a-b-c-");
  EXPECT_EQ(Run("{{ regexReplaceAll \"x*\" \"abc\" \"-\" }}"), "-a-b-c-");
  EXPECT_EQ(Run("{{ regexReplaceAll \"b*\" \"abc\" \"-\" }}"), "-a-c-");
  EXPECT_EQ(Run("{{ regexReplaceAll \"a|\" \"baaac\" \"-\" }}"), "-b---c-");
  EXPECT_EQ(Run("{{ regexReplaceAll \"\" \"héllo\" \"-\" }}"), "-h-é-l-l-o-");
  EXPECT_EQ(Run("{{ regexReplaceAll \"^\" \"ab\" \">\" }}"), ">ab");
  EXPECT_EQ(Run("{{ regexReplaceAll \"$\" \"ab\" \"<\" }}"), "ab<");
  EXPECT_EQ(Run("{{ regexReplaceAll \"(\" \"a\" \"b\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <regexReplaceAll \"(\" \"a\" \"b\">: "
            "error calling regexReplaceAll: error parsing regexp: missing closing ): `(`");
  EXPECT_EQ(Run("{{ regexReplaceAll \"a|b|\\\\q\" \"input\" \"r\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <regexReplaceAll \"a|b|\\\\q\" "
            "\"input\" \"r\">: error calling regexReplaceAll: error parsing regexp: invalid escape "
            "sequence: `\\q`");
  EXPECT_EQ(Run("{{ regexReplaceAll \"(?i)HELLO\" .msg \"bye\" }}"), "bye world");
  EXPECT_EQ(Run("{{ regexReplaceAll \"l+\" .msg \"L\" }}"), "heLo worLd");
  EXPECT_EQ(Run("{{ regexReplaceAll \"(x)?o\" .msg \"[$1]\" }}"), "hell[] w[]rld");
  EXPECT_EQ(Run("{{ regexReplaceAll \"(o)\" .msg \"$10\" }}"), "hell wrld");
  EXPECT_EQ(Run("{{ regexReplaceAll \"(o)\" .msg \"$1_\" }}"), "hell wrld");
  EXPECT_EQ(Run("{{ regexReplaceAll \"[a\" \"x\" \"y\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <regexReplaceAll \"[a\" \"x\" "
            "\"y\">: error calling regexReplaceAll: error parsing regexp: missing closing ]: `[a`");
  EXPECT_EQ(Run("{{ regexReplaceAll \"a**\" \"x\" \"y\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <regexReplaceAll \"a**\" \"x\" "
            "\"y\">: error calling regexReplaceAll: error parsing regexp: invalid nested "
            "repetition operator: `**`");
}

TEST_F(RegexFunctionsTest, RegexReplaceAllLiteral) {
  EXPECT_EQ(Run("{{ regexReplaceAllLiteral \"o\" .msg \"$1\" }}"), "hell$1 w$1rld");
  EXPECT_EQ(Run("{{ regexReplaceAllLiteral \"(p)\" \"BLIp\" \"${1}\" }}"), "BLI${1}");
  EXPECT_EQ(Run("{{ regexReplaceAllLiteral \"(ts=)\" \"ts=1 ts=2\" \"timestamp=\" }}"),
            "timestamp=1 timestamp=2");
  EXPECT_EQ(Run("{{ regexReplaceAllLiteral \"\\\\h\" \"input\" \"r\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <regexReplaceAllLiteral \"\\\\h\" "
            "\"input\" \"r\">: error calling regexReplaceAllLiteral: error parsing regexp: invalid "
            "escape sequence: `\\h`");
  EXPECT_EQ(Run("{{ regexReplaceAllLiteral \"\" \"ab\" \"-\" }}"), "-a-b-");
}

TEST_F(RegexFunctionsTest, Count) {
  EXPECT_EQ(Run("{{ count \"o\" .msg }}"), "2");
  EXPECT_EQ(Run("{{ count \"\" \"abc\" }}"), "4");
  EXPECT_EQ(Run("{{ count \"a|b\" \"abab\" }}"), "4");
  EXPECT_EQ(Run("{{ count \"o\" \"foo\" }}"), "2");
  EXPECT_EQ(Run("{{ count \"abc\" \"abc abc abc\" }}"), "3");
  EXPECT_EQ(Run("{{ count \"a|b|c\" \"abc abc abc\" }}"), "9");
  EXPECT_EQ(Run("{{ count \"notmatching.*\" \"x\" }}"), "0");
  EXPECT_EQ(Run("{{ count \"a|b|\\\\K\" \"input\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <count \"a|b|\\\\K\" \"input\">: "
            "error calling count: error parsing regexp: invalid escape sequence: `\\K`");
  EXPECT_EQ(Run("{{ count \"x*\" \"abc\" }}"), "4");
  EXPECT_EQ(Run("{{ count \"b*\" \"abc\" }}"), "3");
  EXPECT_EQ(Run("{{ count \"\" \"héllo\" }}"), "6");
  EXPECT_EQ(Run("{{ count \"a*\" \"baaac\" }}"), "3");
  EXPECT_EQ(Run("{{ count \"a\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <count>: wrong number of args for "
            "count: want 2 got 1");
  EXPECT_EQ(Run("{{ __line__ | count \"line\" }}"), "1");
  EXPECT_EQ(Run("{{ count \"\" \"日本\" }}"), "3");
  EXPECT_EQ(Run("{{ count \"x*\" \"日本x\" }}"), "3");
  EXPECT_EQ(Run("{{ count \"(?P<>a)\" \"a\" }}"),
            "ERROR: template: line:1:3: executing \"line\" at <count \"(?P<>a)\" \"a\">: error "
            "calling count: error parsing regexp: invalid named capture: `(?P<>`");
}

// Where lode still answers otherwise than Loki: each line is Loki's
// answer.
TEST_F(RegexFunctionsTest, DISABLED_AnswersAsLoki) {
  EXPECT_EQ(Run("{{ regexReplaceAll 1 \"a\" \"b\" }}"),
            "ERROR: template: line:1:19: executing \"line\" at <1>: expected string; found 1");
}

}  // namespace
}  // namespace lode
