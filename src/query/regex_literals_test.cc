#include "query/regex_literals.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <random>

namespace lode {
namespace {

using Literals = std::vector<std::string>;

TEST(RequiredLiterals, TopLevelRunsOfPlainCharacters) {
  EXPECT_EQ(RequiredLiterals("qqq[0-9]zzz"), (Literals{"qqq", "zzz"}));
  EXPECT_EQ(RequiredLiterals("error.*timeout"), (Literals{"error", "timeout"}));
  EXPECT_EQ(RequiredLiterals("^GET /api/v[12]/users"), (Literals{"GET /api/v", "/users"}));
  EXPECT_EQ(RequiredLiterals("user_id=\\d+ status"), (Literals{"user_id=", " status"}));
  EXPECT_EQ(RequiredLiterals("status=(500|503) took"), (Literals{"status=", " took"}));
  EXPECT_EQ(RequiredLiterals("index\\.html$"), (Literals{"index.html"}));
  EXPECT_EQ(RequiredLiterals("(?P<code>\\d+)ms elapsed"), (Literals{"ms elapsed"}));
  EXPECT_EQ(RequiredLiterals("(?s)begin.end"), (Literals{"begin", "end"}));
}

TEST(RequiredLiterals, RepeatedCharactersAreLeftOutOrKeptOnce) {
  EXPECT_EQ(RequiredLiterals("colou?red"), (Literals{"colo", "red"}));
  EXPECT_EQ(RequiredLiterals("abcd*efg"), (Literals{"abc", "efg"}));
  EXPECT_EQ(RequiredLiterals("abcd+efg"), (Literals{"abcd", "efg"}));
  EXPECT_EQ(RequiredLiterals("abcd{0,3}efg"), (Literals{"abc", "efg"}));
  EXPECT_EQ(RequiredLiterals("abcd{2}efg"), (Literals{"abcd", "efg"}));
  EXPECT_EQ(RequiredLiterals("abcd*?efg"), (Literals{"abc", "efg"}));
  // A quantifier on a multi-byte character drops all of its bytes.
  EXPECT_EQ(RequiredLiterals("caf\xc3\xa9?s"), (Literals{"caf"}));
  EXPECT_EQ(RequiredLiterals("(abc)*def"), (Literals{"def"}));
  // A flag group alone is no atom: a quantifier after it applies to what
  // came before it.
  EXPECT_EQ(RequiredLiterals("abc(?s)def"), (Literals{"abcdef"}));
}

TEST(RequiredLiterals, UnsureMeansNone) {
  EXPECT_TRUE(RequiredLiterals("error|warning").empty());
  EXPECT_TRUE(RequiredLiterals("(?i)error").empty());
  EXPECT_TRUE(RequiredLiterals("err(?i:or)").empty());
  EXPECT_TRUE(RequiredLiterals("\\Qa.b\\E").empty());
  EXPECT_TRUE(RequiredLiterals("\\x41bcdef").empty());
  EXPECT_TRUE(RequiredLiterals("\\pLabcdef").empty());
  EXPECT_TRUE(RequiredLiterals("abc{x").empty());
  EXPECT_TRUE(RequiredLiterals("abc\\").empty());
  EXPECT_TRUE(RequiredLiterals("T(?)?", 1).empty());
  EXPECT_TRUE(RequiredLiterals("(abc)+(?s)*def").empty());
  EXPECT_TRUE(RequiredLiterals("ab").empty());  // shorter than min_length
  EXPECT_EQ(RequiredLiterals("ab", 1), (Literals{"ab"}));
}

// Whatever a random regex of many shapes matches contains every literal
// claimed for it.
TEST(RequiredLiterals, EveryMatchContainsThemRandomized) {
  std::mt19937 rng(7);
  const std::vector<std::string> atoms = {
      "a",   "b",      "ab",  "é",           ".",    "\\d",   "[ab]", "(a|b)", "(ab)",
      "\\.", "x",      "y",   "[^a]",        "\\s",  "(?:x)", "\\b",  "^",     "$",
      "z",   "(?s:.)", "[]]", "[[:alpha:]]", "(?s)", "(?)",   "(?U)"};
  const std::vector<std::string> quantifiers = {"", "", "", "*", "+", "?", "{2}", "{0,2}", "*?"};
  const std::string alphabet = "abxyz. 1\xc3\xa9";
  size_t checked = 0, literal_checks = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string pattern;
    int n = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < n; ++k) {
      pattern += atoms[rng() % atoms.size()];
      pattern += quantifiers[rng() % quantifiers.size()];
    }
    RE2 re(pattern, RE2::Quiet);
    if (!re.ok()) continue;
    Literals literals = RequiredLiterals(pattern, 1);
    for (int t = 0; t < 60; ++t) {
      std::string text;
      int length = static_cast<int>(rng() % 16);
      for (int k = 0; k < length; ++k) text += alphabet[rng() % alphabet.size()];
      if (!RE2::PartialMatch(text, re)) continue;
      ++checked;
      for (const std::string& literal : literals) {
        ++literal_checks;
        ASSERT_NE(text.find(literal), std::string::npos)
            << "pattern " << pattern << " matched \"" << text << "\" without \"" << literal << "\"";
      }
    }
  }
  EXPECT_GT(checked, 1000u);
  EXPECT_GT(literal_checks, 300u);
}

}  // namespace
}  // namespace lode
