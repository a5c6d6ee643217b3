#include "model/record.h"

#include <gtest/gtest.h>

#include <sstream>

namespace lode {
namespace {

TEST(LineBytesTest, OwnsWhatItIsGivenAndViewsOnlyWhenAsked) {
  std::string text = "a line long enough not to fit in a short string";
  LineBytes owned(text);
  EXPECT_EQ(owned, text);
  EXPECT_NE(owned.data(), text.data());
  LineBytes view = LineBytes::View(text);
  EXPECT_EQ(view.data(), text.data());
  EXPECT_EQ(view.size(), text.size());
  LineBytes moved = std::move(view);
  EXPECT_EQ(moved.data(), text.data());
  LineBytes copy = moved;
  EXPECT_EQ(copy, text);
  EXPECT_NE(copy.data(), text.data());
  LineBytes assigned;
  assigned = moved;
  EXPECT_NE(assigned.data(), text.data());
  text[0] = 'A';  // a view sees the change; copies do not
  EXPECT_EQ(moved.view().front(), 'A');
  EXPECT_EQ(copy.view().front(), 'a');
  EXPECT_EQ(assigned.view().front(), 'a');
}

TEST(LineBytesTest, TruncatesAViewAndAnOwnedLine) {
  std::string text = "0123456789";
  LineBytes view = LineBytes::View(text);
  view.Truncate(4);
  EXPECT_EQ(view, "0123");
  EXPECT_EQ(text, "0123456789");
  LineBytes owned("0123456789");
  owned.Truncate(3);
  EXPECT_EQ(owned, "012");
  owned.assign("replaced");
  EXPECT_EQ(owned, "replaced");
  view.assign("own bytes now");
  text = "changed";
  EXPECT_EQ(view, "own bytes now");
}

TEST(LineBytesTest, ComparesAndPrintsItsBytes) {
  const std::string with_nul("a\0b", 3);
  LineBytes line(with_nul);
  EXPECT_EQ(line.size(), 3u);
  EXPECT_TRUE(line == with_nul);
  EXPECT_FALSE(line == "a");
  EXPECT_TRUE(LineBytes("x") == LineBytes::View("x"));
  std::ostringstream out;
  out << LineBytes("printed");
  EXPECT_EQ(out.str(), "printed");
  EXPECT_TRUE(LineBytes().empty());
}

}  // namespace
}  // namespace lode
