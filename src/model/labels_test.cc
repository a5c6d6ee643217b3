#include "model/labels.h"

#include <gtest/gtest.h>

#include <string>

namespace lode {
namespace {

Labels MustParse(std::string_view text) {
  auto labels = Labels::Parse(text);
  EXPECT_TRUE(labels.ok()) << text << ": " << labels.status().ToString();
  return labels.ok() ? *labels : Labels();
}

void ExpectParseError(std::string_view text, std::string_view what) {
  auto labels = Labels::Parse(text);
  ASSERT_FALSE(labels.ok()) << text << " parsed as " << labels->ToString();
  EXPECT_EQ(labels.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(labels.status().message().find(what), std::string::npos)
      << text << ": " << labels.status().message();
}

TEST(LabelsParseTest, TwoPairs) {
  Labels labels = MustParse(R"({a="b", c="d"})");
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_EQ(labels.items()[0], (Label{"a", "b"}));
  EXPECT_EQ(labels.items()[1], (Label{"c", "d"}));
}

TEST(LabelsParseTest, Empty) {
  EXPECT_TRUE(MustParse("{}").empty());
  EXPECT_TRUE(MustParse("  { }  ").empty());
}

TEST(LabelsParseTest, WhitespaceAnywhereBetweenTokens) {
  Labels labels = MustParse(" {\ta = \"1\" ,\n b=\"2\"\n} ");
  EXPECT_EQ(labels, (Labels{{"a", "1"}, {"b", "2"}}));
}

TEST(LabelsParseTest, SortsByName) {
  Labels labels = MustParse(R"({zone="z", app="a", env="e"})");
  ASSERT_EQ(labels.size(), 3u);
  EXPECT_EQ(labels.items()[0].name, "app");
  EXPECT_EQ(labels.items()[1].name, "env");
  EXPECT_EQ(labels.items()[2].name, "zone");
}

TEST(LabelsParseTest, Escapes) {
  Labels labels = MustParse(R"({a="q\"b\\n\nt\tr\r", e=""})");
  EXPECT_EQ(labels.Get("a"), "q\"b\\n\nt\tr\r");
  EXPECT_TRUE(labels.Has("e"));
  EXPECT_EQ(labels.Get("e"), "");
}

TEST(LabelsParseTest, ValuesKeepUtf8AndPunctuation) {
  Labels labels = MustParse("{path=\"/a,b}{=c\", word=\"caf\xC3\xA9\"}");
  EXPECT_EQ(labels.Get("path"), "/a,b}{=c");
  EXPECT_EQ(labels.Get("word"), "caf\xC3\xA9");
}

TEST(LabelsParseTest, NamesWithUnderscoreAndDigits) {
  Labels labels = MustParse(R"({_x1="a", A_2="b"})");
  EXPECT_EQ(labels.Get("_x1"), "a");
  EXPECT_EQ(labels.Get("A_2"), "b");
}

TEST(LabelsParseTest, Errors) {
  ExpectParseError("", "expected '{'");
  ExpectParseError(R"(a="b")", "expected '{'");
  ExpectParseError(R"({a=b})", "expected '\"'");
  ExpectParseError(R"({a="b})", "unterminated");
  ExpectParseError(R"({a="b\)", "unterminated");
  ExpectParseError(R"({1a="b"})", "invalid label name");
  ExpectParseError(R"({a-b="c"})", "expected '='");
  ExpectParseError(R"({="b"})", "invalid label name");
  ExpectParseError(R"({a "b"})", "expected '='");
  ExpectParseError(R"({a="b" c="d"})", "expected ',' or '}'");
  ExpectParseError(R"({a="b",})", "invalid label name");
  ExpectParseError(R"({a="b"} x)", "unexpected text after '}'");
  ExpectParseError(R"({} {})", "unexpected text after '}'");
  ExpectParseError(R"({a="\q"})", "invalid escape");
  ExpectParseError(R"({a="b")", "expected ',' or '}'");
}

TEST(LabelsParseTest, ErrorNamesTheOffset) {
  auto labels = Labels::Parse(R"({a="b"} x)");
  ASSERT_FALSE(labels.ok());
  EXPECT_NE(labels.status().message().find("at offset 8"), std::string::npos)
      << labels.status().message();
}

TEST(LabelsTest, ToStringIsCanonical) {
  Labels labels{{"env", "prod"}, {"app", "api"}};
  EXPECT_EQ(labels.ToString(), R"({app="api", env="prod"})");
  EXPECT_EQ(Labels().ToString(), "{}");
  // Order and spacing of the input do not matter.
  EXPECT_EQ(MustParse(R"({ env = "prod",app="api" })").ToString(), labels.ToString());
}

TEST(LabelsTest, ToStringEscapesAndParsesBack) {
  Labels labels{{"a", "x\"y\\z\nw\tv\rq"}};
  std::string text = labels.ToString();
  EXPECT_EQ(text, R"({a="x\"y\\z\nw\tv\rq"})");
  EXPECT_EQ(MustParse(text), labels);
}

TEST(LabelsTest, DuplicateNamesKeepTheLast) {
  Labels labels{{"a", "1"}, {"b", "x"}, {"a", "2"}, {"a", "3"}};
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_EQ(labels.Get("a"), "3");
  EXPECT_EQ(labels.Get("b"), "x");
  EXPECT_EQ(MustParse(R"({a="1", a="2"})").Get("a"), "2");
}

TEST(LabelsTest, GetAndHas) {
  Labels labels{{"b", "2"}, {"a", "1"}, {"d", ""}};
  EXPECT_EQ(labels.Get("a"), "1");
  EXPECT_EQ(labels.Get("b"), "2");
  EXPECT_EQ(labels.Get("c"), "");
  EXPECT_FALSE(labels.Has("c"));
  EXPECT_TRUE(labels.Has("d"));
  EXPECT_FALSE(labels.Has(""));
  EXPECT_FALSE(labels.Has("e"));
  EXPECT_FALSE(Labels().Has("a"));
}

TEST(LabelsTest, SetInsertsInOrderOrReplaces) {
  Labels labels;
  labels.Set("m", "1");
  labels.Set("z", "2");
  labels.Set("a", "3");
  labels.Set("m", "4");
  EXPECT_EQ(labels.ToString(), R"({a="3", m="4", z="2"})");
  EXPECT_EQ(labels, (Labels{{"z", "2"}, {"m", "4"}, {"a", "3"}}));
}

TEST(LabelsTest, EqualityAndOrdering) {
  EXPECT_EQ((Labels{{"a", "1"}, {"b", "2"}}), (Labels{{"b", "2"}, {"a", "1"}}));
  EXPECT_NE((Labels{{"a", "1"}}), (Labels{{"a", "2"}}));
  EXPECT_LT((Labels{{"a", "1"}}), (Labels{{"a", "2"}}));
}

TEST(IsValidLabelNameTest, PrometheusRules) {
  EXPECT_TRUE(IsValidLabelName("a"));
  EXPECT_TRUE(IsValidLabelName("_"));
  EXPECT_TRUE(IsValidLabelName("Az_09"));
  EXPECT_FALSE(IsValidLabelName(""));
  EXPECT_FALSE(IsValidLabelName("0a"));
  EXPECT_FALSE(IsValidLabelName("a-b"));
  EXPECT_FALSE(IsValidLabelName("a.b"));
  EXPECT_FALSE(IsValidLabelName("caf\xC3\xA9"));
}

TEST(AppendQuotedTest, GoStyleEscapes) {
  std::string out = "x=";
  AppendQuoted(out, "a\"b\\c\nd\te");
  EXPECT_EQ(out, R"(x="a\"b\\c\nd\te")");
}

}  // namespace
}  // namespace lode

namespace lode {
namespace {

TEST(AppendQuotedTest, ControlAndInvalidUtf8BytesRoundTripThroughParse) {
  std::string value = std::string(
      "a\x01"
      "b\xff"
      "c\xc3\xa9"
      "d\x7f",
      9);
  Labels labels({{"k", value}});
  std::string text = labels.ToString();
  EXPECT_EQ(text,
            "{k=\"a\\x01b\\xffc\xc3\xa9"
            "d\\x7f\"}");
  auto parsed = Labels::Parse(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->Get("k"), value);
  EXPECT_FALSE(Labels::Parse("{k=\"\\x4\"}").ok());
  EXPECT_FALSE(Labels::Parse("{k=\"\\xZZ\"}").ok());
}

}  // namespace
}  // namespace lode

namespace lode {
namespace {

TEST(NormalizeLabelNameTest, AsPrometheusNormalizesAttributeNames) {
  EXPECT_EQ(NormalizeLabelName("service.name"), "service_name");
  EXPECT_EQ(NormalizeLabelName("k8s.pod-name"), "k8s_pod_name");
  EXPECT_EQ(NormalizeLabelName("3d"), "key_3d");
  EXPECT_EQ(NormalizeLabelName(""), "_");
  EXPECT_TRUE(IsValidLabelName(NormalizeLabelName("caf\xc3\xa9@x")));
}

}  // namespace
}  // namespace lode
