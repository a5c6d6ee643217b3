#include "base/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace lode {
namespace {

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

TEST(JsonWriterTest, NestedObjectsAndArraysHaveCommasBetweenElements) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("a");
  w.Int(1);
  w.Key("list");
  w.BeginArray();
  w.Int(-2);
  w.String("x");
  w.BeginObject();
  w.Key("k");
  w.Bool(true);
  w.Key("n");
  w.Null();
  w.EndObject();
  w.BeginArray();
  w.EndArray();
  w.Uint(18446744073709551615ull);
  w.EndArray();
  w.Key("empty");
  w.BeginObject();
  w.EndObject();
  w.Key("raw");
  w.Raw("{\"r\":[1,2]}");
  w.Key("f");
  w.Bool(false);
  w.EndObject();
  EXPECT_EQ(out, R"({"a":1,"list":[-2,"x",{"k":true,"n":null},[],18446744073709551615],)"
                 R"("empty":{},"raw":{"r":[1,2]},"f":false})");
}

TEST(JsonWriterTest, TopLevelArrayOfObjects) {
  std::string out;
  JsonWriter w(out);
  w.BeginArray();
  for (int i = 0; i < 3; ++i) {
    w.BeginObject();
    w.Key("i");
    w.Int(i);
    w.EndObject();
  }
  w.EndArray();
  EXPECT_EQ(out, R"([{"i":0},{"i":1},{"i":2}])");
}

TEST(JsonWriterTest, IntExtremes) {
  std::string out;
  JsonWriter w(out);
  w.BeginArray();
  w.Int(std::numeric_limits<int64_t>::min());
  w.Int(std::numeric_limits<int64_t>::max());
  w.Uint(0);
  w.EndArray();
  EXPECT_EQ(out, "[-9223372036854775808,9223372036854775807,0]");
}

TEST(JsonWriterTest, DoublesAndNonFiniteBecomeNull) {
  std::string out;
  JsonWriter w(out);
  w.BeginArray();
  w.Double(0.5);
  w.Double(-2.0);
  w.Double(1e300);
  w.Double(std::nan(""));
  w.Double(std::numeric_limits<double>::infinity());
  w.Double(-std::numeric_limits<double>::infinity());
  w.Double(0.1);
  w.EndArray();
  EXPECT_EQ(out, "[0.5,-2,1e+300,null,null,null,0.1]");
}

TEST(JsonWriterTest, KeysAreEscaped) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("a\"b");
  w.Int(1);
  w.EndObject();
  EXPECT_EQ(out, R"({"a\"b":1})");
}

TEST(AppendJsonStringTest, EscapesQuoteBackslashAndControlCharacters) {
  EXPECT_EQ(Quoted("plain"), "\"plain\"");
  EXPECT_EQ(Quoted(""), "\"\"");
  EXPECT_EQ(Quoted("say \"hi\""), R"("say \"hi\"")");
  EXPECT_EQ(Quoted("C:\\dir"), R"("C:\\dir")");
  EXPECT_EQ(Quoted("a\nb\rc\td"), R"("a\nb\rc\td")");
  EXPECT_EQ(Quoted("\x01"), R"("\u0001")");
  EXPECT_EQ(Quoted("\x1f"), R"("\u001f")");
  EXPECT_EQ(Quoted("\b\f"), R"("\u0008\u000c")");
  EXPECT_EQ(Quoted(std::string("a\0b", 3)), R"("a\u0000b")");
  // DEL and '/' need no escape.
  EXPECT_EQ(Quoted("\x7f/"), "\"\x7f/\"");
}

TEST(AppendJsonStringTest, AppendsToExistingText) {
  std::string out = "x=";
  AppendJsonString(out, "y");
  EXPECT_EQ(out, "x=\"y\"");
}

TEST(AppendJsonStringTest, ValidMultiByteUtf8PassesThrough) {
  for (std::string s : {"caf\xC3\xA9",          // é, 2 bytes
                        "\xE2\x82\xAC 5",       // €, 3 bytes
                        "\xF0\x9F\x98\x80",     // 😀, 4 bytes
                        "\xC2\x80",             // U+0080, smallest 2-byte
                        "\xE0\xA0\x80",         // U+0800, smallest 3-byte
                        "\xED\x9F\xBF",         // U+D7FF, just below surrogates
                        "\xEE\x80\x80",         // U+E000, just above surrogates
                        "\xF0\x90\x80\x80",     // U+10000, smallest 4-byte
                        "\xF4\x8F\xBF\xBF"}) {  // U+10FFFF, the largest
    EXPECT_EQ(Quoted(s), "\"" + s + "\"") << s;
  }
}

TEST(AppendJsonStringTest, EachInvalidByteIsShownAsAHexEscape) {
  // In JSON text the backslash is doubled: the decoded string is a\xffb.
  EXPECT_EQ(Quoted("a\xFF"
                   "b"),
            R"("a\\xffb")");                                           // lone 0xff
  EXPECT_EQ(Quoted("\x80"), R"("\\x80")");                             // lone continuation
  EXPECT_EQ(Quoted("x\xE2\x82"), R"("x\\xe2\\x82")");                  // truncated at end
  EXPECT_EQ(Quoted("\xE2\x82y"), R"("\\xe2\\x82y")");                  // truncated mid-string
  EXPECT_EQ(Quoted("\xC0\x80"), R"("\\xc0\\x80")");                    // overlong NUL
  EXPECT_EQ(Quoted("\xE0\x80\xAF"), R"("\\xe0\\x80\\xaf")");           // overlong '/'
  EXPECT_EQ(Quoted("\xED\xA0\x80"), R"("\\xed\\xa0\\x80")");           // surrogate U+D800
  EXPECT_EQ(Quoted("\xF4\x90\x80\x80"), R"("\\xf4\\x90\\x80\\x80")");  // past U+10FFFF
}

TEST(AppendJsonStringTest, InvalidBytesDoNotSwallowFollowingValidText) {
  // A truncated 4-byte lead followed by a valid é and an escaped quote.
  EXPECT_EQ(Quoted("\xF0\x9F"
                   "\xC3\xA9\""),
            "\"\\\\xf0\\\\x9f\xC3\xA9\\\"\"");
}

}  // namespace
}  // namespace lode
