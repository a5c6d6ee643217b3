#include "text/multiline.h"

#include <gtest/gtest.h>

namespace lode {
namespace {

// Joins (line, has a timestamp) pairs; line i's timestamp is i.
std::vector<std::string> Join(const MultilineOptions& options,
                              const std::vector<std::pair<std::string, bool>>& lines,
                              std::vector<std::optional<int64_t>>* times = nullptr) {
  auto joiner = MultilineJoiner::Create(options);
  EXPECT_TRUE(joiner.ok());
  std::vector<JoinedRecord> records;
  int64_t i = 0;
  for (const auto& [line, ts] : lines) {
    (*joiner)->Add(line, ts ? std::optional<int64_t>(i) : std::nullopt, records);
    ++i;
  }
  (*joiner)->Flush(records);
  std::vector<std::string> out;
  for (JoinedRecord& r : records) {
    out.push_back(r.text);
    if (times) times->push_back(r.timestamp);
  }
  return out;
}

TEST(MultilineTest, JavaStackTraceJoinsUnderItsTimestampedLine) {
  std::vector<std::optional<int64_t>> times;
  auto out = Join(MultilineOptions{},
                  {{"2024-05-01 12:00:00,001 ERROR request failed", true},
                   {"java.lang.IllegalStateException: boom", false},
                   {"\tat com.example.Foo.bar(Foo.java:10)", false},
                   {"Caused by: java.io.IOException: disk", false},
                   {"\t... 3 more", false},
                   {"2024-05-01 12:00:01,000 INFO next", true}},
                  &times);
  ASSERT_EQ(out.size(), 2u);
  // Each record has the time of its first line.
  EXPECT_EQ(times[0], std::optional<int64_t>(0));
  EXPECT_EQ(times[1], std::optional<int64_t>(5));
  EXPECT_EQ(
      out[0],
      "2024-05-01 12:00:00,001 ERROR request failed\njava.lang.IllegalStateException: boom\n"
      "\tat com.example.Foo.bar(Foo.java:10)\nCaused by: java.io.IOException: disk\n\t... 3 more");
  EXPECT_EQ(out[1], "2024-05-01 12:00:01,000 INFO next");
}

TEST(MultilineTest, WithoutTimestampsIndentedLinesContinue) {
  auto out = Join(MultilineOptions{}, {{"Traceback (most recent call last):", false},
                                       {"  File \"x.py\", line 1", false},
                                       {"plain line", false},
                                       {"another", false}});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], "Traceback (most recent call last):\n  File \"x.py\", line 1");
}

TEST(MultilineTest, PatternAndNoneModesAndLimits) {
  MultilineOptions pattern;
  pattern.mode = MultilineOptions::Mode::kPattern;
  pattern.start = "^(INFO|ERROR) ";
  auto out = Join(pattern, {{"INFO a", false}, {"b", false}, {"ERROR c", false}, {"  d", false}});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], "INFO a\nb");
  EXPECT_EQ(out[1], "ERROR c\n  d");
  MultilineOptions none;
  none.mode = MultilineOptions::Mode::kNone;
  EXPECT_EQ(Join(none, {{"a", true}, {"  b", false}}).size(), 2u);
  MultilineOptions small;
  small.max_lines = 2;
  EXPECT_EQ(Join(small, {{"a", true}, {"b", false}, {"c", false}}).size(), 2u);
  MultilineOptions bad;
  bad.mode = MultilineOptions::Mode::kPattern;
  bad.start = "(";
  EXPECT_FALSE(MultilineJoiner::Create(bad).ok());
}

}  // namespace
}  // namespace lode
