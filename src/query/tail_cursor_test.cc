#include "query/tail_cursor.h"

#include <gtest/gtest.h>

#include "logql/parser.h"
#include "storage/test_store.h"

namespace lode {
namespace {

logql::LogSelectorExpr Query(const std::string& text) {
  auto expr = logql::ParseQuery(text);
  EXPECT_TRUE(expr.ok()) << expr.status().ToString();
  return *expr->log();
}

// The lines of a batch, "stream line" in order.
std::vector<std::string> Lines(const TailBatch& batch) {
  std::vector<std::string> out;
  for (const StreamResult& s : batch.streams) {
    for (const LogEntry& e : s.entries)
      out.push_back(std::string(s.labels.Get("app")) + " " + e.line);
  }
  return out;
}

TEST(TailCursorTest, TheFirstPollIsTheNewestHistoryOldestFirst) {
  TestStore store;
  store.Append("t", Labels({{"app", "a"}}), {{10, "1"}, {20, "2"}, {30, "3"}, {40, "4"}});
  TailCursor cursor(store.storage(), Query(R"({app="a"})"), {"t"}, 0, 2);
  auto batch = cursor.Poll(100);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(Lines(*batch), (std::vector<std::string>{"a 3", "a 4"}));
  EXPECT_FALSE(batch->more);
  EXPECT_EQ(cursor.cursor(), 40);
}

TEST(TailCursorTest, LaterPollsReturnOnlyWhatArrived) {
  TestStore store;
  store.Append("t", Labels({{"app", "a"}}), {{10, "old"}});
  TailCursor cursor(store.storage(), Query(R"({app="a"})"), {"t"}, 0, 100);
  ASSERT_EQ(Lines(*cursor.Poll(50)), std::vector<std::string>{"a old"});
  EXPECT_TRUE(Lines(*cursor.Poll(60)).empty());
  store.Append("t", Labels({{"app", "a"}}), {{55, "new"}});
  EXPECT_EQ(Lines(*cursor.Poll(70)), std::vector<std::string>{"a new"});
  EXPECT_TRUE(Lines(*cursor.Poll(80)).empty());
}

TEST(TailCursorTest, LinesAtTheCursorsTimeArrivingLaterAreSentOnce) {
  TestStore store;
  store.Append("t", Labels({{"app", "a"}}), {{10, "first at 10"}});
  TailCursor cursor(store.storage(), Query(R"({app="a"})"), {"t"}, 0, 100);
  ASSERT_EQ(Lines(*cursor.Poll(50)), std::vector<std::string>{"a first at 10"});
  // Same timestamp, another stream and the same stream: both new.
  store.Append("t", Labels({{"app", "a"}}), {{10, "second at 10"}});
  store.Append("t", Labels({{"app", "b"}}), {{10, "b at 10"}});
  auto next = cursor.Poll(50);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(Lines(*next), std::vector<std::string>{"a second at 10"});
  EXPECT_TRUE(Lines(*cursor.Poll(50)).empty());
}

TEST(TailCursorTest, ALineFilterApplies) {
  TestStore store;
  store.Append("t", Labels({{"app", "a"}}), {{10, "keep me"}, {20, "drop me"}});
  TailCursor cursor(store.storage(), Query(R"({app="a"} |= "keep")"), {"t"}, 0, 100);
  EXPECT_EQ(Lines(*cursor.Poll(50)), std::vector<std::string>{"a keep me"});
}

TEST(TailCursorTest, AFullBatchAsksForAnotherPollAtOnce) {
  TestStore store;
  TailCursor cursor(store.storage(), Query(R"({app="a"})"), {"t"}, 0, 10);
  ASSERT_TRUE(cursor.Poll(5)->streams.empty());
  std::vector<std::pair<int64_t, std::string>> lines;
  for (size_t i = 0; i < TailCursor::kBatchLines + 5; ++i) {
    lines.emplace_back(10 + static_cast<int64_t>(i), "line " + std::to_string(i));
  }
  store.Append("t", Labels({{"app", "a"}}), lines);
  const int64_t end = 10'000;
  auto first = cursor.Poll(end);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->more);
  EXPECT_EQ(Lines(*first).size(), TailCursor::kBatchLines);
  auto rest = cursor.Poll(end);
  ASSERT_TRUE(rest.ok());
  EXPECT_FALSE(rest->more);
  EXPECT_EQ(Lines(*rest).size(), 5u);
  EXPECT_EQ(Lines(*rest).back(), "a line " + std::to_string(TailCursor::kBatchLines + 4));
}

TEST(TailCursorTest, SeveralTenantsAreFollowedAsOne) {
  TestStore store;
  store.Append("t1", Labels({{"app", "a"}}), {{10, "from t1"}});
  store.Append("t2", Labels({{"app", "b"}}), {{20, "from t2"}});
  TailCursor cursor(store.storage(), Query(R"({app=~".+"})"), {"t1", "t2"}, 0, 100);
  auto lines = Lines(*cursor.Poll(50));
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (std::vector<std::string>{"a from t1", "b from t2"}));
}

}  // namespace
}  // namespace lode
