#include "model/matcher.h"

#include <gtest/gtest.h>

#include <string>

namespace lode {
namespace {

Matcher Make(MatchType type, const std::string& name, const std::string& value) {
  auto m = Matcher::Create(type, name, value);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::move(m).value();
}

TEST(MatcherTest, Equal) {
  Matcher m = Make(MatchType::kEqual, "env", "prod");
  EXPECT_TRUE(m.Matches("prod"));
  EXPECT_FALSE(m.Matches("production"));
  EXPECT_FALSE(m.Matches("Prod"));
  EXPECT_FALSE(m.Matches(""));
}

TEST(MatcherTest, NotEqual) {
  Matcher m = Make(MatchType::kNotEqual, "env", "prod");
  EXPECT_FALSE(m.Matches("prod"));
  EXPECT_TRUE(m.Matches("dev"));
  EXPECT_TRUE(m.Matches(""));
}

TEST(MatcherTest, RegexMatch) {
  Matcher m = Make(MatchType::kRegexMatch, "env", "prod|dev");
  EXPECT_TRUE(m.Matches("prod"));
  EXPECT_TRUE(m.Matches("dev"));
  EXPECT_FALSE(m.Matches("test"));
  EXPECT_FALSE(m.Matches(""));
}

TEST(MatcherTest, RegexNoMatch) {
  Matcher m = Make(MatchType::kRegexNoMatch, "env", "prod|dev");
  EXPECT_FALSE(m.Matches("prod"));
  EXPECT_FALSE(m.Matches("dev"));
  EXPECT_TRUE(m.Matches("test"));
  EXPECT_TRUE(m.Matches(""));
}

TEST(MatcherTest, RegexIsAnchoredAtBothEnds) {
  Matcher m = Make(MatchType::kRegexMatch, "a", "ab");
  EXPECT_TRUE(m.Matches("ab"));
  EXPECT_FALSE(m.Matches("xabx"));
  EXPECT_FALSE(m.Matches("abx"));
  EXPECT_FALSE(m.Matches("xab"));
  // The alternation is grouped before anchoring: "a|b" must not become
  // "^a|b$", which would match "ax".
  Matcher alt = Make(MatchType::kRegexMatch, "a", "a|b");
  EXPECT_FALSE(alt.Matches("ax"));
  EXPECT_FALSE(alt.Matches("xb"));
  Matcher neg = Make(MatchType::kRegexNoMatch, "a", "ab");
  EXPECT_TRUE(neg.Matches("xabx"));
}

TEST(MatcherTest, DotMatchesNewline) {
  Matcher m = Make(MatchType::kRegexMatch, "a", "x.*y");
  EXPECT_TRUE(m.Matches("x\n\ny"));
}

TEST(MatcherTest, MissingLabelIsEmptyString) {
  Labels labels{{"app", "api"}};
  EXPECT_TRUE(Make(MatchType::kEqual, "env", "").MatchesLabels(labels));
  EXPECT_FALSE(Make(MatchType::kEqual, "env", "prod").MatchesLabels(labels));
  EXPECT_TRUE(Make(MatchType::kNotEqual, "env", "prod").MatchesLabels(labels));
  EXPECT_FALSE(Make(MatchType::kNotEqual, "env", "").MatchesLabels(labels));
  EXPECT_TRUE(Make(MatchType::kRegexMatch, "env", ".*").MatchesLabels(labels));
  EXPECT_FALSE(Make(MatchType::kRegexMatch, "env", ".+").MatchesLabels(labels));
  EXPECT_TRUE(Make(MatchType::kRegexNoMatch, "env", ".+").MatchesLabels(labels));
  EXPECT_TRUE(Make(MatchType::kEqual, "app", "api").MatchesLabels(labels));
}

TEST(MatcherTest, InvalidRegexIsInvalidArgument) {
  // Worded as Go's regexp words them, naming the user's regex (not the
  // anchored form the matcher compiles).
  const std::pair<std::string, std::string> cases[] = {
      {"(", "error parsing regexp: missing closing ): `(`"},
      {"a[", "error parsing regexp: missing closing ]: `[`"},
      {"*", "error parsing regexp: missing argument to repetition operator: `*`"},
      {"a)", "error parsing regexp: unexpected ): `a)`"},
  };
  for (const auto& [bad, want] : cases) {
    for (MatchType type : {MatchType::kRegexMatch, MatchType::kRegexNoMatch}) {
      auto m = Matcher::Create(type, "a", bad);
      ASSERT_FALSE(m.ok()) << bad;
      EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(m.status().message(), want);
    }
  }
}

TEST(MatcherTest, EqualityMatchersDoNotCompileValueAsRegex) {
  Matcher m = Make(MatchType::kEqual, "a", "(");
  EXPECT_TRUE(m.Matches("("));
}

TEST(MatcherTest, CopiesShareBehaviour) {
  Matcher m = Make(MatchType::kRegexMatch, "a", "x+");
  Matcher copy = m;
  EXPECT_TRUE(copy.Matches("xxx"));
  EXPECT_FALSE(copy.Matches("y"));
}

TEST(MatcherTest, ToString) {
  EXPECT_EQ(Make(MatchType::kEqual, "a", "b").ToString(), R"(a="b")");
  EXPECT_EQ(Make(MatchType::kNotEqual, "a", "b").ToString(), R"(a!="b")");
  EXPECT_EQ(Make(MatchType::kRegexMatch, "a", R"(\d+)").ToString(), R"(a=~"\\d+")");
  EXPECT_EQ(Make(MatchType::kRegexNoMatch, "a", "\"").ToString(), R"(a!~"\"")");
}

}  // namespace
}  // namespace lode
