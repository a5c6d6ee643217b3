#include "base/strings.h"

#include <gtest/gtest.h>

namespace lode {
namespace {

using Items = std::vector<std::string>;

TEST(SplitCommaListTest, SplitsAndTrims) {
  EXPECT_EQ(SplitCommaList("a,b,c"), (Items{"a", "b", "c"}));
  EXPECT_EQ(SplitCommaList(" a ,\tb\t, c"), (Items{"a", "b", "c"}));
  EXPECT_EQ(SplitCommaList("categorize-labels"), (Items{"categorize-labels"}));
}

TEST(SplitCommaListTest, DropsEmptyItems) {
  EXPECT_EQ(SplitCommaList(""), Items{});
  EXPECT_EQ(SplitCommaList(","), Items{});
  EXPECT_EQ(SplitCommaList("a,, ,b,"), (Items{"a", "b"}));
}

TEST(SplitCommaListTest, KeepsInnerSpaces) {
  EXPECT_EQ(SplitCommaList("a b, c"), (Items{"a b", "c"}));
}

}  // namespace
}  // namespace lode
