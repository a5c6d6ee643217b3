#include "storage/head.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lode {
namespace {

// Lines of every size up to a quarter of the largest chunk share growing
// chunks; each must come back whole, whatever the chunk it started in.
TEST(LineArenaTest, LinesLargerThanTheNextChunkComeBackWhole) {
  LineArena arena;
  std::vector<std::string> lines;
  std::vector<std::string_view> stored;
  // A short line first, so the first chunk (64 KiB) is partly used; then
  // lines longer than it, and longer than the doubled next one.
  for (size_t size : {100u, 200u << 10, 10u, 700u << 10, 1u << 20, 300u << 10, 5u}) {
    std::string line(size, '\0');
    for (size_t i = 0; i < size; ++i) line[i] = static_cast<char>('a' + (i * 7 + size) % 26);
    lines.push_back(line);
    stored.push_back(arena.Add(lines.back()));
  }
  ASSERT_EQ(stored.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(stored[i], lines[i]) << "line " << i << " of " << lines[i].size() << " bytes";
  }
}

}  // namespace
}  // namespace lode
