// Tests of printing (value.cc): printf's verbs and flags, Go's %v of values. Expected answers are
// Loki's: Go's text/template and the sprig functions Loki exposes, run with the same template.
#include "query/template/template_test_fixture.h"

namespace lode {
namespace {

using PrintfTest = TemplateTest;

TEST_F(PrintfTest, Printf) {
  EXPECT_EQ(Run("{{ printf \"%s=%d %5.2f|%-4s|%04d %x %q %v %t\" .app 7 3.14159 \"ab\" 42 255 .msg "
                "1.5 true }}"),
            "api=7  3.14|ab  |0042 ff \"hello world\" 1.5 true");
  EXPECT_EQ(Run("{{ printf \"%d\" .n }}"), "%!d(string=42)");
  EXPECT_EQ(Run("{{ printf \"%s %s\" .app }}"), "api %!s(MISSING)");
  EXPECT_EQ(Run("{{ printf \"%s\" .app 1 }}"), "api%!(EXTRA int=1)");
  EXPECT_EQ(Run("{{ printf \"%.1f%%\" (float64 .dur) }}"), "1.5%");
  EXPECT_EQ(Run("{{ printf \"%z\" 1 }}"), "%!z(int=1)");
  EXPECT_EQ(Run("{{ printf \"%!\" }}"), "%!!(MISSING)");
  EXPECT_EQ(Run("{{ printf \"%\" }}"), "%!(NOVERB)");
  EXPECT_EQ(Run("{{ printf \"%5s|%-5s|%.2s|%5.1s|\" \"abc\" \"abc\" \"abc\" \"abc\" }}"),
            "  abc|abc  |ab|    a|");
  EXPECT_EQ(
      Run("{{ printf \"%x %X %o %O %b %c %U %#x %#o %+d % d\" 255 255 8 8 5 65 233 255 8 5 5 }}"),
      "ff FF 10 0o10 101 A U+00E9 0xff 010 +5  5");
  EXPECT_EQ(Run("{{ printf \"%e %E %g %G %.3e %8.3f %-8.3f| %+.1f\" 1234.5678 1234.5678 1234.5678 "
                "0.00001234 1234.5678 3.14159 3.14159 2.0 }}"),
            "1.234568e+03 1.234568E+03 1234.5678 1.234E-05 1.235e+03    3.142 3.142   | +2.0");
  EXPECT_EQ(Run("{{ printf \"%v %v %v %v %v\" 1 1.5 \"s\" true nil }}"), "1 1.5 s true <nil>");
  EXPECT_EQ(Run("{{ printf \"%T %T %T %T %T\" 1 1.5 \"s\" true nil }}"),
            "int float64 string bool <nil>");
  EXPECT_EQ(Run("{{ printf \"%q %q %x %X\" \"a\\\"b\\n\" 65 \"hi\" \"hi\" }}"),
            "\"a\\\"b\\n\" 'A' 6869 6869");
  EXPECT_EQ(Run("{{ printf \"%t\" 1 }}"), "%!t(int=1)");
  EXPECT_EQ(Run("{{ printf \"%s\" 1 }}"), "%!s(int=1)");
  EXPECT_EQ(Run("{{ printf \"%d\" 1.5 }}"), "%!d(float64=1.5)");
  EXPECT_EQ(Run("{{ printf \"%f\" 1 }}"), "%!f(int=1)");
  EXPECT_EQ(Run("{{ printf \"%d\" true }}"), "%!d(bool=true)");
  EXPECT_EQ(Run("{{ printf \"%*d\" 5 1 }}"), "    1");
  EXPECT_EQ(Run("{{ printf \"%-*d|\" 5 1 }}"), "1    |");
  EXPECT_EQ(Run("{{ printf \"%.*f\" 2 3.14159 }}"), "3.14");
  EXPECT_EQ(Run("{{ printf \"%v\" . }}"),
            "map[app:api bar:5 baz:10.5 bazz:20.2 dur:1.5 empty: foo:1.5 msg:hello world n:42 "
            "status:503]");
  EXPECT_EQ(Run("{{ printf \"%s\" . }}"),
            "map[app:api bar:5 baz:10.5 bazz:20.2 dur:1.5 empty: foo:1.5 msg:hello world n:42 "
            "status:503]");
  EXPECT_EQ(Run("{{ printf \"%v\" (toDate \"2006-01-02\" \"2021-11-02\") }}"),
            "2021-11-02 00:00:00 +0000 UTC");
  EXPECT_EQ(Run("{{ printf \"%08.3f|%+08d|%-08d|% x\" 3.14159 42 42 \"hi\" }}"),
            "0003.142|+0000042|42      |68 69");
  EXPECT_EQ(Run("{{ printf \"%6.2f%%\" 99.5 }}"), " 99.50%");
  EXPECT_EQ(Run("{{ printf \"%g %g %g %g\" 1e21 1e20 1e-5 100000.0 }}"),
            "1e+21 1e+20 1e-05 100000");
  EXPECT_EQ(Run("{{ printf \"%v %v\" 1e21 1e-5 }}"), "1e+21 1e-05");
  EXPECT_EQ(Run("{{ printf \"%.0f %.0f %.0f\" 0.5 1.5 2.5 }}"), "0 2 2");
  EXPECT_EQ(Run("{{ printf \"%5t|%-7t|\" true false }}"), " true|false  |");
  EXPECT_EQ(Run("{{ printf \"%c\" 233 }}"), "é");
  EXPECT_EQ(Run("{{ printf \"%q\" 233 }}"), "'é'");
  EXPECT_EQ(Run("{{ printf \"%x\" -255 }}"), "-ff");
  EXPECT_EQ(Run("{{ printf \"%08b\" 5 }}"), "00000101");
  EXPECT_EQ(Run("{{ printf \"%s\" nil }}"), "%!s(<nil>)");
  EXPECT_EQ(Run("{{ printf \"%d\" nil }}"), "%!d(<nil>)");
  EXPECT_EQ(Run("{{ printf \"%-40.40s|\" \"short\" }}"),
            "short                                   |");
  EXPECT_EQ(Run("{{ printf \"%15.15s\" \"a very long host name here\" }}"), "a very long hos");
  EXPECT_EQ(Run("{{ printf }}"),
            "ERROR: template: line:1:3: executing \"line\" at <printf>: wrong number of args for "
            "printf: want at least 1 got 0");
  EXPECT_EQ(Run("{{ printf \"no verbs\" 1 2 }}"), "no verbs%!(EXTRA int=1, int=2)");
  EXPECT_EQ(Run("{{ printf \"%d %d\" 1 }}"), "1 %!d(MISSING)");
  EXPECT_EQ(Run("{{ printf \"%v\" \"é\" }}"), "é");
  EXPECT_EQ(Run("{{ printf \"%5.1q\" \"abc\" }}"), "  \"a\"");
  EXPECT_EQ(Run("{{ printf \"%x\" 1.5 }}"), "0x1.8p+00");
  EXPECT_EQ(Run("{{ printf \"%.2x\" \"hello\" }}"), "6865");
  EXPECT_EQ(Run("{{ printf \"%v\" -0.0 }}"), "-0");
  EXPECT_EQ(Run("{{ printf \"%.2s|%5.1s|%.3v\" \"héllo\" \"héllo\" \"日本語日本\" }}"),
            "hé|    h|日本語");
  EXPECT_EQ(Run("{{ printf \"%T\" .app }}"), "string");
  EXPECT_EQ(Run("{{ printf \"%5T|\" 1 }}"), "  int|");
  EXPECT_EQ(Run("{{ printf \"%x %X\" 1.5 -0.25 }}"), "0x1.8p+00 -0X1P-02");
  EXPECT_EQ(Run("{{ printf \"%.1q\" \"é\" }}"), "\"é\"");
}

TEST_F(PrintfTest, FloatValues) {
  EXPECT_EQ(Run("{{ 1.0 }} {{ 100000000000000000000.0 }} {{ 1e21 }} {{ 0.000001 }} {{ -0.0 }} {{ "
                "123456789.0 }} {{ 1.5e-7 }}"),
            "1 1e+20 1e+21 1e-06 -0 1.23456789e+08 1.5e-07");
}

// Where lode still answers otherwise than Loki: each line is Loki's
// answer.
TEST_F(PrintfTest, DISABLED_AnswersAsLoki) {
  EXPECT_EQ(Run("{{ printf \"%[2]d %[1]d\" 1 2 }}"), "2 1");
  EXPECT_EQ(Run("{{ printf \"%[3]d\" 1 }}"), "%!d(BADINDEX)");
  EXPECT_EQ(Run("{{ printf 1 }}"),
            "ERROR: template: line:1:10: executing \"line\" at <1>: expected string; found 1");
}

}  // namespace
}  // namespace lode
