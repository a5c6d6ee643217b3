// Tests of the checks that skip blocks and lines before rebuilding them
// (line_templates_pruning.cc): a check may keep what cannot match, never
// drop what can.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "storage/part/line_templates.h"
#include "storage/part/line_templates_internal.h"
#include "storage/part/template_dictionary.h"

namespace lode::part {
namespace {

TEST(TemplatePruning, TokensHaveNoDelimiter) {
  EXPECT_TRUE(IsTemplateToken("needle"));
  EXPECT_TRUE(IsTemplateToken("web-79"));
  EXPECT_TRUE(IsTemplateToken("a_b"));
  EXPECT_FALSE(IsTemplateToken(""));
  EXPECT_FALSE(IsTemplateToken("a b"));
  EXPECT_FALSE(IsTemplateToken("a.b"));
  EXPECT_FALSE(IsTemplateToken("a=b"));
}

TEST(TemplatePruning, LiteralFragmentsAreTheTokensWithANonDigit) {
  EXPECT_TRUE(LiteralFragments("").empty());
  EXPECT_TRUE(LiteralFragments("123 456").empty());
  EXPECT_TRUE(LiteralFragments(" .:= ").empty());
  EXPECT_EQ(LiteralFragments("a.12.b3 7"), (std::vector<std::string_view>{"a", "b3"}));
  EXPECT_EQ(LiteralFragments("GET /user/42 took 7ms"),
            (std::vector<std::string_view>{"GET", "user", "took", "7ms"}));
}

TEST(TemplatePruning, TemplateTextHoldsWordsAndWordsGluedToIntegers) {
  // Template texts keep integers as kIntVar: "took \x01ms", "web-\x01".
  const std::string text = std::string("GET /user took ") + kIntVar + "ms from web-" + kIntVar;
  EXPECT_TRUE(TemplateTextMayContain(text, "user"));
  EXPECT_TRUE(TemplateTextMayContain(text, "GET"));
  EXPECT_TRUE(TemplateTextMayContain(text, "7ms"));     // digits + a word glued after
  EXPECT_TRUE(TemplateTextMayContain(text, "web-79"));  // a word + digits glued after
  EXPECT_FALSE(TemplateTextMayContain(text, "POST"));
  EXPECT_FALSE(TemplateTextMayContain(text, "7s"));
  EXPECT_FALSE(TemplateTextMayContain(text, "db-1"));
}

TEST(TemplatePruning, BlocksAreKeptWhenATokenMayBeAnywhere) {
  std::vector<std::string> lines;
  for (int i = 0; i < 32; ++i) {
    lines.push_back("GET /user/" + std::to_string(i) + " took " + std::to_string(i % 7) +
                    "ms by x" + std::string(1, static_cast<char>('a' + i % 3)) + "z key k" +
                    std::to_string(i) + "x");
  }
  std::vector<std::string_view> views(lines.begin(), lines.end());
  TemplateColumns columns;
  SplitLineTemplates(views, columns);
  auto may = [&](std::string_view token) {
    return TemplatesMayContainToken(columns.templates, columns.str_bytes, token);
  };
  EXPECT_TRUE(may("GET"));
  EXPECT_TRUE(may("took"));
  EXPECT_TRUE(may("3ms"));
  EXPECT_TRUE(may("xbz"));     // a string variable
  EXPECT_TRUE(may("424242"));  // digits only: any integer may hold them
  EXPECT_FALSE(may("POST"));
  EXPECT_FALSE(may("xqz"));
  EXPECT_FALSE(may("k99x"));
}

// Rebuilding only the lines that can hold a literal's fragments: every
// line that contains the literal is rebuilt exactly, and a line left out
// really does not contain it.
TEST(TemplatePruning, FragmentsSelectExactlyASupersetOfMatchingLines) {
  std::mt19937_64 rng(5);
  const std::vector<std::string> words = {"GET", "POST", "user", "id", "req", "web",   "ms",
                                          "ok",  "err",  "a1b2", "x9", "9x",  "needle"};
  std::vector<std::string> lines;
  for (int i = 0; i < 3000; ++i) {
    std::string line;
    int n = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < n; ++k) {
      switch (rng() % 5) {
        case 0:
          line += std::to_string(rng() % 1000);
          break;
        case 1:
          line += words[rng() % words.size()] + std::to_string(rng() % 50);
          break;
        case 2:
          line += std::to_string(rng() % 50) + words[rng() % words.size()];
          break;
        default:
          line += words[rng() % words.size()];
          break;
      }
      line += " -=/:\""[rng() % 6];
    }
    lines.push_back(line);
  }
  std::vector<std::string_view> views(lines.begin(), lines.end());
  size_t total = 0;
  for (const std::string& line : lines) total += line.size();
  const std::vector<std::string> literals = {
      "needle", "a1b2", "eb",  "user1",    "9x",  "x9 ", "7ms",        "GET/user", "needle-",
      "err4",   "zzz",  "d=",  "9xneedle", "b2=", "ok",  "\"needle\"", "e\" u",    "r\"9x",
      "1-2",    "-12",  "b2-", "x9-1",     "9-u", "ms-", "0-ok"};
  // k3 dictionary-codes the string columns whose values repeat (most of
  // them here); k2 stores every value.
  for (auto [mode, layout] : {std::pair{SplitMode::kTokens, TemplateLayout::k3},
                              {SplitMode::kQuotedStrings, TemplateLayout::k3},
                              {SplitMode::kTokens, TemplateLayout::k2},
                              {SplitMode::kQuotedStrings, TemplateLayout::k2}}) {
    TemplateColumns columns;
    SplitLineTemplates(views, columns, nullptr, nullptr, layout, kCurrentKeyScheme, nullptr, mode);
    TemplateColumnsView view = ViewOf(columns);
    for (const std::string& literal : literals) {
      std::vector<std::string_view> fragments = LiteralFragments(literal);
      std::string data;
      std::vector<uint64_t> offsets;
      std::vector<uint8_t> rebuilt;
      ASSERT_TRUE(
          JoinLineTemplates(view, lines.size(), total, data, offsets, fragments, &rebuilt).ok());
      if (fragments.empty()) {
        EXPECT_TRUE(rebuilt.empty()) << literal;
        continue;
      }
      ASSERT_EQ(rebuilt.size(), lines.size());
      size_t matching = 0, kept = 0;
      for (size_t i = 0; i < lines.size(); ++i) {
        std::string_view got(data.data() + offsets[i], offsets[i + 1] - offsets[i]);
        bool contains = lines[i].find(literal) != std::string::npos;
        matching += contains;
        kept += rebuilt[i];
        if (rebuilt[i]) {
          EXPECT_EQ(got, lines[i]) << literal << " line " << i;
        } else {
          EXPECT_FALSE(contains) << literal << " left out line " << i << ": " << lines[i];
          EXPECT_TRUE(got.empty());
        }
      }
      // The selection is useful: far fewer lines than all for a rare word.
      if (literal == "needle-" || literal == "9xneedle") {
        EXPECT_LT(kept, lines.size() / 2) << literal;
      }
      EXPECT_GE(kept, matching);
    }
  }
  EXPECT_TRUE(LiteralFragments("123 456").empty());
  EXPECT_EQ(LiteralFragments("a.12.b3 7"), (std::vector<std::string_view>{"a", "b3"}));
}

// A literal's all-digit fragments (an id, an order number) are looked
// for in the integers and strings of each line: every line that contains
// the literal is rebuilt, lines whose variables cannot hold the digits
// are not, in every layout, with and without the part's dictionary.
TEST(TemplatePruning, DigitFragmentsRuleOutLinesByTheirIntegers) {
  std::mt19937_64 rng(7);
  const std::vector<std::string> words = {"GET", "user", "id", "req", "ms", "ok", "x9", "blk_"};
  // Lines of twelve shapes (a shape: its kinds of tokens and delimiters),
  // so that their templates pay and a part's dictionary takes them.
  std::vector<std::string> lines;
  std::vector<std::string> rare;  // large values in columns of small ones
  for (int i = 0; i < 3000; ++i) {
    std::string line;
    std::mt19937_64 shape(rng() % 12);
    const int n = 1 + static_cast<int>(shape() % 8);
    for (int k = 0; k < n; ++k) {
      switch (shape() % 8) {
        case 0:
          line += std::to_string(rng() % 1000);
          break;
        case 1:  // a long number: an id, a time in seconds
          line += std::to_string(1000000000ull + rng() % 9000000000ull);
          break;
        case 2:  // zero-padded, glued to a word, joined by dashes
          line += "0" + std::to_string(rng() % 100) + words[shape() % words.size()];
          break;
        case 3:
          line += words[shape() % words.size()] + std::to_string(rng() % 100000);
          break;
        case 4:  // too long for an integer: a string variable
          line += std::to_string(rng()) + std::to_string(rng() % 1000);
          break;
        case 5:
          line += std::to_string(rng() % 10000) + "-" + std::to_string(rng() % 100);
          break;
        case 6:  // a column of small values but for a few
          if (rng() % 64 == 0) {
            rare.push_back(std::to_string(1000000000ull + rng() % 9000000000ull));
            line += rare.back();
          } else {
            line += std::to_string(rng() % 100);
          }
          break;
        default:
          line += words[shape() % words.size()];
          break;
      }
      line += " -=/:\".,"[shape() % 7];
    }
    lines.push_back(line);
  }
  std::vector<std::string_view> views(lines.begin(), lines.end());
  size_t total = 0;
  for (const std::string& line : lines) total += line.size();
  // Digits cut from the lines themselves (so that some match), and others.
  std::vector<std::string> literals = {"1234", "99999", "0070", "0",      "0042 ",
                                       "id 5", "-1",    "1.5",  "user77", "12345678901234567890123",
                                       "ms 3"};
  ASSERT_GE(rare.size(), 2u);
  literals.push_back(rare[0].substr(1, 8));  // in a column of values mostly too small
  literals.push_back(rare[1]);
  for (int k = 0; k < 12; ++k) {
    const std::string& line = lines[rng() % lines.size()];
    const size_t at = line.find_first_of("0123456789", rng() % line.size());
    if (at == std::string::npos) continue;
    size_t end = at;
    while (end < line.size() && end - at < 4 + rng() % 7 && line[end] >= '0' && line[end] <= '9') {
      ++end;
    }
    literals.push_back(line.substr(at, end - at));
  }
  for (auto [mode, layout] : {std::pair{SplitMode::kTokens, TemplateLayout::k4},
                              {SplitMode::kQuotedStrings, TemplateLayout::k3},
                              {SplitMode::kTokens, TemplateLayout::k2},
                              {SplitMode::kTokens, TemplateLayout::k1}}) {
    for (bool with_dictionary : {false, true}) {
      TemplateColumns columns;
      TemplateDictionaryBuilder builder(1 << 20);
      SplitLineTemplates(views, columns, with_dictionary ? &builder : nullptr, nullptr, layout,
                         kCurrentKeyScheme, nullptr, mode);
      std::shared_ptr<const TemplateDictionary> dictionary;
      if (with_dictionary) {
        ASSERT_TRUE(columns.dictionary_ids);
        auto parsed = TemplateDictionary::Parse(builder.Serialize());
        ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
        dictionary = std::move(parsed).value();
      }
      TemplateColumnsView view = ViewOf(columns);
      size_t left_out = 0;
      for (const std::string& literal : literals) {
        std::vector<std::string_view> fragments = LiteralFragments(literal);
        for (std::string_view f : DigitFragments(literal)) fragments.push_back(f);
        if (fragments.empty()) continue;  // too few digits to look for
        std::string data;
        std::vector<uint64_t> offsets;
        std::vector<uint8_t> rebuilt;
        Status s = JoinLineTemplates(view, lines.size(), total, data, offsets, fragments, &rebuilt,
                                     dictionary.get());
        ASSERT_TRUE(s.ok()) << s.ToString();
        ASSERT_EQ(rebuilt.size(), lines.size());
        for (size_t i = 0; i < lines.size(); ++i) {
          std::string_view got(data.data() + offsets[i], offsets[i + 1] - offsets[i]);
          const bool contains = lines[i].find(literal) != std::string::npos;
          if (rebuilt[i]) {
            EXPECT_EQ(got, lines[i]) << literal << " line " << i;
          } else {
            ++left_out;
            EXPECT_FALSE(contains) << literal << " left out line " << i << ": " << lines[i]
                                   << " (layout " << static_cast<int>(layout) << ")";
          }
        }
        // A ten-digit number is rare: most lines are not rebuilt for it.
        if (literal == "99999" || literal == "12345678901234567890123") {
          const size_t kept = static_cast<size_t>(std::count(rebuilt.begin(), rebuilt.end(), 1));
          EXPECT_LT(kept, lines.size() / 2) << literal;
        }
        if (HasFailure()) return;
      }
      EXPECT_GT(left_out, 0u);
    }
  }
  EXPECT_EQ(DigitFragments("a.1234.b3 70000"), (std::vector<std::string_view>{"1234", "70000"}));
  EXPECT_TRUE(DigitFragments("x-1234 ab").empty());
  EXPECT_TRUE(DigitFragments("10.196.181.231").empty());  // each part too short to look for
}

TEST(TemplatePruning, DigitsOfIntegersAsLinesShowThem) {
  // A digit run is stored with a 1 before it: "007" as 1007.
  EXPECT_TRUE(DigitsOfIntegerContain(1007, true, "007"));
  EXPECT_TRUE(DigitsOfIntegerContain(1007, true, "07"));
  EXPECT_FALSE(DigitsOfIntegerContain(1007, true, "10"));
  EXPECT_FALSE(DigitsOfIntegerContain(1007, true, "1007"));
  EXPECT_TRUE(DigitsOfIntegerContain(11150973576, true, "1150973576"));
  EXPECT_FALSE(DigitsOfIntegerContain(1115097357, true, "1150973576"));
  // Canonical integers (k1) as they are.
  EXPECT_TRUE(DigitsOfIntegerContain(1007, false, "1007"));
  EXPECT_TRUE(DigitsOfIntegerContain(0, false, "0"));
  EXPECT_FALSE(DigitsOfIntegerContain(5, false, "55"));
  EXPECT_TRUE(DigitsOfIntegerContain(static_cast<int64_t>(18446744073709551615ull), false,
                                     "18446744073709551615"));
  EXPECT_FALSE(DigitsOfIntegerContain(999, true, "12345678901234567890"));
}

TEST(LineTemplates, TemplateTextHoldsOnlyLiteralsBetweenItsVariables) {
  EXPECT_TRUE(TemplateTextHolds("level=INFO id=\x01", "INFO"));
  EXPECT_TRUE(TemplateTextHolds("level=INFO id=\x01", "=INFO id="));
  EXPECT_FALSE(TemplateTextHolds("level=INFO id=\x01", "id=7"));              // 7 is a variable
  EXPECT_FALSE(TemplateTextHolds("a\x02b", "ab"));                            // across a variable
  EXPECT_TRUE(TemplateTextHolds("x \x03\x01 y\x01", std::string("\x01 y")));  // escaped byte
  EXPECT_FALSE(TemplateTextHolds("x \x03\x01 y\x01", std::string(" y\x01")));
  EXPECT_TRUE(TemplateTextHolds("\x01", ""));
}

// Lines whose template holds every literal come back flagged 2 and empty;
// the others as with fragments alone.
TEST(LineTemplates, LinesHoldingTheLiteralsByTheirTemplateAreFlaggedNotRebuilt) {
  std::vector<std::string> lines;
  for (int i = 0; i < 300; ++i) {
    lines.push_back(i % 3 == 0   ? "INFO done " + std::to_string(i)
                    : i % 3 == 1 ? "WARN slow " + std::to_string(i)
                                 : "ERROR id=aINFO" + std::to_string(i) + "x");
  }
  std::vector<std::string_view> views(lines.begin(), lines.end());
  TemplateColumns columns;
  SplitLineTemplates(views, columns);
  std::string data;
  std::vector<uint64_t> offsets;
  std::vector<uint8_t> rebuilt;
  size_t total = 0;
  for (const std::string& l : lines) total += l.size();
  const std::vector<std::string_view> literals = {"INFO"};
  ASSERT_TRUE(JoinLineTemplates(ViewOf(columns), lines.size(), total, data, offsets,
                                LiteralFragments("INFO"), &rebuilt, nullptr, literals)
                  .ok());
  ASSERT_EQ(rebuilt.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view got(data.data() + offsets[i], offsets[i + 1] - offsets[i]);
    if (i % 3 == 0) {
      EXPECT_EQ(rebuilt[i], 2) << i;
      EXPECT_TRUE(got.empty());
    } else if (i % 3 == 1) {
      EXPECT_EQ(rebuilt[i], 0) << i;
    } else {
      EXPECT_EQ(rebuilt[i], 1) << i;  // INFO inside a string variable: rebuilt, checked
      EXPECT_EQ(got, lines[i]);
    }
  }
}

}  // namespace
}  // namespace lode::part
