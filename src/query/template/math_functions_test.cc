// Tests of the math functions (math_functions.cc, decimal.cc). Expected answers are Loki's: Go's
// text/template and the sprig functions Loki exposes, run with the same template.
#include "query/template/template_test_fixture.h"

namespace lode {
namespace {

using MathFunctionsTest = TemplateTest;

TEST_F(MathFunctionsTest, Add) {
  EXPECT_EQ(Run("{{ add 1 2 .n }}"), "45");
  EXPECT_EQ(Run("{{ add }}"), "0");
  EXPECT_EQ(Run("{{ add 1 }}"), "1");
  EXPECT_EQ(Run("{{ add \"1\" \"2.0\" }}"), "3");
  EXPECT_EQ(Run("{{ add 1.9 1.9 }}"), "2");
  EXPECT_EQ(Run("{{ add true true }}"), "2");
  EXPECT_EQ(Run("{{ add \"x\" 1 }}"), "1");
  EXPECT_EQ(Run("{{ add 9223372036854775807 1 }}"), "-9223372036854775808");
  EXPECT_EQ(Run("{{ add \"0x10\" \"010\" }}"), "24");
  EXPECT_EQ(Run("{{ add \"1_000\" 1 }}"), "1001");
  EXPECT_EQ(Run("{{ \"2.5\" | float64 | int | add 10}}"), "12");
  EXPECT_EQ(Run("{{ add .foo 1 | sub .bar | mul .baz | div .bazz}}"),
            "ERROR: template: line:1:38: executing \"line\" at <div .bazz>: error calling div: "
            "runtime error: integer divide by zero");
}

TEST_F(MathFunctionsTest, Sub) {
  EXPECT_EQ(Run("{{ sub .n 2 }}"), "40");
  EXPECT_EQ(Run("{{ sub 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <sub>: wrong number of args for sub: "
            "want 2 got 1");
  EXPECT_EQ(Run("{{ sub -5 -5 }}"), "0");
}

TEST_F(MathFunctionsTest, Mul) {
  EXPECT_EQ(Run("{{ mul 2 .n }}"), "84");
  EXPECT_EQ(Run("{{ mul 5 2 3 }}"), "30");
  EXPECT_EQ(Run("{{ mul }}"),
            "ERROR: template: line:1:3: executing \"line\" at <mul>: wrong number of args for mul: "
            "want at least 1 got 0");
  EXPECT_EQ(Run("{{ mul 4611686018427387904 2 }}"), "-9223372036854775808");
  EXPECT_EQ(Run("{{ mul 3 }}"), "3");
}

TEST_F(MathFunctionsTest, Div) {
  EXPECT_EQ(Run("{{ div .n 5 }}"), "8");
  EXPECT_EQ(Run("{{ div 10 2 }}"), "5");
  EXPECT_EQ(Run("{{ div -7 2 }}"), "-3");
  EXPECT_EQ(Run("{{ div 1 0 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <div 1 0>: error calling div: "
            "runtime error: integer divide by zero");
  EXPECT_EQ(Run("{{ div 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <div>: wrong number of args for div: "
            "want 2 got 1");
  EXPECT_EQ(Run("{{ div -9223372036854775807 -1 }}"), "9223372036854775807");
}

TEST_F(MathFunctionsTest, Mod) {
  EXPECT_EQ(Run("{{ mod .n 5 }}"), "2");
  EXPECT_EQ(Run("{{ mod 10 3 }}"), "1");
  EXPECT_EQ(Run("{{ mod -7 3 }}"), "-1");
  EXPECT_EQ(Run("{{ mod 1 0 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <mod 1 0>: error calling mod: "
            "runtime error: integer divide by zero");
  EXPECT_EQ(Run("{{ mod 20 3 }}"), "2");
}

TEST_F(MathFunctionsTest, Addf) {
  EXPECT_EQ(Run("{{ addf 0.1 0.2 }}"), "0.3");
  EXPECT_EQ(Run("{{ addf 3.5 2 5 }}"), "10.5");
  EXPECT_EQ(Run("{{ addf }}"), "0");
  EXPECT_EQ(Run("{{ addf \"1.5\" 1.5 }}"), "3");
  EXPECT_EQ(Run("{{ addf 1e300 1e300 }}"), "2e+300");
  EXPECT_EQ(Run("{{ addf 1 2 }}"), "3");
  EXPECT_EQ(Run("{{ addf .foo 1.5 | subf .bar 1.5 | mulf .baz | divf .bazz }}"),
            "3.8476190476190477");
  EXPECT_EQ(Run("{{ addf \"0x10\" 1 }}"), "1");
}

TEST_F(MathFunctionsTest, Subf) {
  EXPECT_EQ(Run("{{ subf 5.5 2 1.5 }}"), "2");
  EXPECT_EQ(Run("{{ subf .dur 0.5 }}"), "1");
  EXPECT_EQ(Run("{{ subf }}"),
            "ERROR: template: line:1:3: executing \"line\" at <subf>: wrong number of args for "
            "subf: want at least 1 got 0");
  EXPECT_EQ(Run("{{ subf 1 }}"), "1");
  EXPECT_EQ(Run("{{ subf 0.3 0.1 }}"), "0.2");
}

TEST_F(MathFunctionsTest, Mulf) {
  EXPECT_EQ(Run("{{ mulf 1.1 3 }}"), "3.3");
  EXPECT_EQ(Run("{{ mulf 5.5 2 2.5 }}"), "27.5");
  EXPECT_EQ(Run("{{ mulf }}"),
            "ERROR: template: line:1:3: executing \"line\" at <mulf>: wrong number of args for "
            "mulf: want at least 1 got 0");
  EXPECT_EQ(Run("{{ mulf 0.1 0.1 }}"), "0.01");
}

TEST_F(MathFunctionsTest, Divf) {
  EXPECT_EQ(Run("{{ divf 20.2 5.25 }}"), "3.8476190476190477");
  EXPECT_EQ(Run("{{ divf 10 2 4 }}"), "1.25");
  EXPECT_EQ(Run("{{ divf 1 0 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <divf 1 0>: error calling divf: "
            "decimal division by 0");
  EXPECT_EQ(Run("{{ divf 1 3 }}"), "0.3333333333333333");
  EXPECT_EQ(Run("{{ divf 2 3 }}"), "0.6666666666666667");
  EXPECT_EQ(Run("{{ divf }}"),
            "ERROR: template: line:1:3: executing \"line\" at <divf>: wrong number of args for "
            "divf: want at least 1 got 0");
  EXPECT_EQ(Run("{{ divf 10 }}"), "10");
  EXPECT_EQ(Run("{{ divf 1e20 3 }}"), "3.333333333333333e+19");
}

TEST_F(MathFunctionsTest, Round) {
  EXPECT_EQ(Run("{{ round (addf .foo 1.5 | subf .bar | mulf .baz | divf .bazz) 5 .2}}"), "0.96191");
  EXPECT_EQ(Run("{{ round 2.456 2 }}"), "2.46");
  EXPECT_EQ(Run("{{ round 123.555555 3 }}"), "123.556");
  EXPECT_EQ(Run("{{ round 123.88571428571 5 .2 }}"), "123.88572");
  EXPECT_EQ(Run("{{ round 123.88571428571 5 }}"), "123.88571");
  EXPECT_EQ(Run("{{ round 2.5 0 }}"), "3");
  EXPECT_EQ(Run("{{ round -2.5 0 }}"), "-3");
  EXPECT_EQ(Run("{{ round 1.25 1 }}"), "1.3");
  EXPECT_EQ(Run("{{ round 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <round>: wrong number of args for "
            "round: want at least 2 got 1");
  EXPECT_EQ(Run("{{ round 1.55 1 1 }}"), "1.5");
  EXPECT_EQ(Run("{{ round \"3.14159\" 2 }}"), "3.14");
  EXPECT_EQ(Run("{{ round 1234.5 -2 }}"), "1200");
}

TEST_F(MathFunctionsTest, Max) {
  EXPECT_EQ(Run("{{ max 1 5 3 }}"), "5");
  EXPECT_EQ(Run("{{ max 1 }}"), "1");
  EXPECT_EQ(Run("{{ max }}"),
            "ERROR: template: line:1:3: executing \"line\" at <max>: wrong number of args for max: "
            "want at least 1 got 0");
  EXPECT_EQ(Run("{{ max 1.9 1 }}"), "1");
}

TEST_F(MathFunctionsTest, Min) {
  EXPECT_EQ(Run("{{ min 1 5 3 }}"), "1");
  EXPECT_EQ(Run("{{ min \"7\" 8 }}"), "7");
}

TEST_F(MathFunctionsTest, Maxf) {
  EXPECT_EQ(Run("{{ maxf 1 2.5 3 }}"), "3");
  EXPECT_EQ(Run("{{ maxf }}"),
            "ERROR: template: line:1:3: executing \"line\" at <maxf>: wrong number of args for "
            "maxf: want at least 1 got 0");
  EXPECT_EQ(Run("{{ maxf \"5.3\" \"10.5\" \"15.2\" }}"), "15.2");
}

TEST_F(MathFunctionsTest, Minf) {
  EXPECT_EQ(Run("{{ minf 1 2.5 3 }}"), "1");
  EXPECT_EQ(Run("{{ minf 1.5 0.5 }}"), "0.5");
}

TEST_F(MathFunctionsTest, Ceil) {
  EXPECT_EQ(Run("{{ ceil 1.2 }}"), "2");
  EXPECT_EQ(Run("{{ ceil 123.001 }}"), "124");
  EXPECT_EQ(Run("{{ ceil \"1.5\" }}"), "2");
  EXPECT_EQ(Run("{{ ceil -1.5 }}"), "-1");
  EXPECT_EQ(Run("{{ ceil }}"),
            "ERROR: template: line:1:3: executing \"line\" at <ceil>: wrong number of args for "
            "ceil: want 1 got 0");
  EXPECT_EQ(Run("{{ ceil 5 }}"), "5");
}

TEST_F(MathFunctionsTest, Floor) {
  EXPECT_EQ(Run("{{ floor 1.8 }}"), "1");
  EXPECT_EQ(Run("{{ floor 123.9999 }}"), "123");
  EXPECT_EQ(Run("{{ floor -1.5 }}"), "-2");
}

TEST_F(MathFunctionsTest, Int) {
  EXPECT_EQ(Run("{{ int \"010\" }}"), "8");
  EXPECT_EQ(Run("{{ int \"5.0\" }}"), "5");
  EXPECT_EQ(Run("{{ int \"5.5\" }}"), "0");
  EXPECT_EQ(Run("{{ int 5.9 }}"), "5");
  EXPECT_EQ(Run("{{ int -5.9 }}"), "-5");
  EXPECT_EQ(Run("{{ int true }}"), "1");
  EXPECT_EQ(Run("{{ int \"0x1f\" }}"), "31");
  EXPECT_EQ(Run("{{ int \"\" }}"), "0");
  EXPECT_EQ(Run("{{ int \"abc\" }}"), "0");
  EXPECT_EQ(Run("{{ int nil }}"), "0");
  EXPECT_EQ(Run("{{ int \"1e3\" }}"), "0");
  EXPECT_EQ(Run("{{ int 1e30 }}"), "-9223372036854775808");
  EXPECT_EQ(Run("{{ \"3\" | int }}"), "3");
  EXPECT_EQ(Run("{{ int }}"),
            "ERROR: template: line:1:3: executing \"line\" at <int>: wrong number of args for int: "
            "want 1 got 0");
}

TEST_F(MathFunctionsTest, Float64) {
  EXPECT_EQ(Run("{{ float64 .dur }}"), "1.5");
  EXPECT_EQ(Run("{{ float64 3000000 }}"), "3e+06");
  EXPECT_EQ(Run("{{ float64 0.00001 }}"), "1e-05");
  EXPECT_EQ(Run("{{ float64 123456 }}"), "123456");
  EXPECT_EQ(Run("{{ float64 \"abc\" }}"), "0");
  EXPECT_EQ(Run("{{ float64 \"\" }}"), "0");
  EXPECT_EQ(Run("{{ float64 true }}"), "1");
  EXPECT_EQ(Run("{{ float64 \"1e3\" }}"), "1000");
  EXPECT_EQ(Run("{{ float64 \"0x10\" }}"), "0");
  EXPECT_EQ(Run("{{ float64 \"inf\" }}"), "+Inf");
  EXPECT_EQ(Run("{{ \"3.5\" | float64 }}"), "3.5");
  EXPECT_EQ(Run("{{ float64 1e21 }}"), "1e+21");
  EXPECT_EQ(Run("{{ float64 1e20 }}"), "1e+20");
  EXPECT_EQ(Run("{{ float64 0.0001 }}"), "0.0001");
  EXPECT_EQ(Run("{{ float64 -0.0 }}"), "-0");
  EXPECT_EQ(Run("{{ float64 \"-0x10\" }}"), "0");
  EXPECT_EQ(Run("{{ float64 \"0x1p4\" }}"), "16");
  EXPECT_EQ(Run("{{ float64 \"0X1P-1\" }}"), "0.5");
  EXPECT_EQ(Run("{{ float64 \"+Inf\" }}"), "+Inf");
}

// Where lode still answers otherwise than Loki: each line is Loki's
// answer.
TEST_F(MathFunctionsTest, DISABLED_AnswersAsLoki) {
  EXPECT_EQ(
      Run("{{ round 1.5 \"1\" }}"),
      "ERROR: template: line:1:13: executing \"line\" at <\"1\">: expected integer; found \"1\"");
  EXPECT_EQ(
      Run("{{ round 1.55 1 \"x\" }}"),
      "ERROR: template: line:1:16: executing \"line\" at <\"x\">: expected float; found \"x\"");
}

}  // namespace
}  // namespace lode
