#include "query/line_filter.h"

#include <gtest/gtest.h>

#include <random>

namespace lode {
namespace {

using Op = logql::LineFilter::Op;

LineFilterChain Compile(std::vector<logql::LineFilter> filters) {
  auto chain = LineFilterChain::Compile(filters);
  EXPECT_TRUE(chain.ok()) << chain.status().ToString();
  return std::move(chain).value();
}

// Lines laid end to end, as a decoded block holds them.
struct Block {
  std::string data;
  std::vector<uint64_t> offsets{0};
  explicit Block(const std::vector<std::string>& lines) {
    for (const std::string& line : lines) {
      data += line;
      offsets.push_back(data.size());
    }
  }
};

// FilterBlock must keep exactly the lines that Matches accepts, whatever
// the filters: matches that run across line ends, anchors, word
// boundaries, regexes that match the empty string, negations, `or`.
TEST(LineFilterBlock, AgreesWithLineByLineMatching) {
  std::mt19937_64 rng(9);
  const std::vector<std::string> words = {"GET", "POST", "error", "err", "or", "ab", "b",
                                          "a",   "x1",   "404",   " ",   "\n", "",   "ba"};
  std::vector<std::string> lines;
  for (int i = 0; i < 2000; ++i) {
    std::string line;
    int n = static_cast<int>(rng() % 6);
    for (int k = 0; k < n; ++k) line += words[rng() % words.size()];
    lines.push_back(line);
  }
  Block block(lines);
  const std::vector<std::vector<logql::LineFilter>> cases = {
      {{Op::kContains, {"error"}}},
      {{Op::kContains, {"ab"}}},  // often split across two lines
      {{Op::kContains, {"ba"}}},
      {{Op::kContains, {""}}},
      {{Op::kNotContains, {"err"}}},
      {{Op::kContains, {"GET", "POST"}}},
      {{Op::kRegexMatch, {"err(or)?"}}},
      {{Op::kRegexMatch, {"b+a"}}},
      {{Op::kRegexMatch, {"^a"}}},
      {{Op::kRegexMatch, {"b$"}}},
      {{Op::kRegexMatch, {"\\bor\\b"}}},
      {{Op::kRegexMatch, {"x?"}}},  // matches the empty string
      {{Op::kRegexMatch, {"(?s)a.b"}}},
      {{Op::kRegexMatch, {"a.b"}}},
      {{Op::kRegexMatch, {"GET.*404"}}},   // a required literal found first
      {{Op::kRegexMatch, {"error x1?"}}},  // one that crosses lines when joined
      {{Op::kRegexMatch, {"^POST ab"}}},   // required literal, not searchable across lines
      {{Op::kRegexNoMatch, {"[0-9]{3}"}}},
      {{Op::kContains, {"a"}}, {Op::kRegexMatch, {"b{2}", "GET"}}, {Op::kNotContains, {"x1"}}},
      {{Op::kContains, {"nothing like this"}}},
  };
  for (const auto& filters : cases) {
    LineFilterChain chain = Compile(filters);
    std::vector<uint8_t> keep(lines.size(), 1);
    // Lines already unwanted stay unwanted.
    for (size_t i = 0; i < lines.size(); i += 7) keep[i] = 0;
    chain.FilterBlock(block.data, block.offsets.data(), lines.size(), keep.data());
    size_t kept = 0;
    for (size_t i = 0; i < lines.size(); ++i) {
      bool want = i % 7 != 0 && chain.Matches(lines[i]);
      EXPECT_EQ(keep[i] != 0, want) << filters[0].values[0] << " line " << i << ": " << lines[i];
      kept += keep[i];
    }
    SCOPED_TRACE(filters[0].values[0]);
    if (filters[0].values[0] == "nothing like this") {
      EXPECT_EQ(kept, 0u);
    }
  }
}

TEST(LineFilterBlock, EmptyBlockAndEmptyLines) {
  LineFilterChain chain = Compile({{Op::kRegexMatch, {"q"}}});
  Block block({"", "", "q", ""});
  std::vector<uint8_t> keep(4, 1);
  chain.FilterBlock(block.data, block.offsets.data(), 4, keep.data());
  EXPECT_EQ(keep, (std::vector<uint8_t>{0, 0, 1, 0}));
}

}  // namespace
}  // namespace lode
