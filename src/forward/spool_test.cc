#include "forward/spool.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace lode {
namespace {

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lode-spool-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<Spool> Open() {
    auto spool = Spool::Open(Env::Default(), dir_);
    EXPECT_TRUE(spool.ok()) << spool.status().ToString();
    return std::move(*spool);
  }
  std::string dir_;
};

TEST_F(SpoolTest, SealedAndOpenBatchesComeBackInOrderWithTheirIds) {
  std::string sealed_id;
  {
    auto spool = Open();
    ASSERT_TRUE(spool->Append(Labels{{"app", "a"}}, Entry{1, "one", {}}).ok());
    ASSERT_TRUE(spool->Append(Labels{{"app", "a"}}, Entry{2, "two", {}}).ok());
    auto sealed = spool->Seal();
    ASSERT_TRUE(sealed.ok() && sealed->has_value());
    sealed_id = (*sealed)->id;
    ASSERT_TRUE(spool->Append(Labels{{"app", "a"}}, Entry{3, "three, never sealed", {}}).ok());
    EXPECT_GT(spool->bytes(), 0u);
    // The process dies here: no Seal, no Remove.
  }
  auto spool = Open();
  auto left = spool->TakeLeftovers();
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].id, sealed_id);
  ASSERT_EQ(left[0].entries.size(), 2u);
  EXPECT_EQ(left[0].entries[1].line, "two");
  EXPECT_EQ(left[0].labels.Get("app"), "a");
  ASSERT_EQ(left[1].entries.size(), 1u);
  EXPECT_EQ(left[1].entries[0].timestamp, 3);
  // Once removed, a third run finds nothing.
  for (const auto& b : left) ASSERT_TRUE(spool->Remove(b).ok());
  spool.reset();
  EXPECT_TRUE(Open()->TakeLeftovers().empty());
}

TEST_F(SpoolTest, ATornTailIsDroppedAndTheRestKept) {
  {
    auto spool = Open();
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(
          spool->Append(Labels{{"app", "t"}}, Entry{i, "line " + std::to_string(i), {}}).ok());
    }
  }
  // A crash mid-write: the last record is cut short.
  std::string path = dir_ + "/open.log";
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 3);
  auto left = Open()->TakeLeftovers();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].entries.size(), 9u);
  EXPECT_EQ(left[0].entries[8].line, "line 8");
}

TEST_F(SpoolTest, AnOpenLogWhoseBatchWasSealedIsNotReplayedTwice) {
  std::string open_copy;
  {
    auto spool = Open();
    ASSERT_TRUE(spool->Append(Labels{{"app", "d"}}, Entry{1, "x", {}}).ok());
    std::ifstream in(dir_ + "/open.log", std::ios::binary);
    open_copy.assign(std::istreambuf_iterator<char>(in), {});
    ASSERT_TRUE(spool->Seal().ok());
  }
  // The crash came after the batch file was written, before the open log
  // was removed.
  std::ofstream(dir_ + "/open.log", std::ios::binary) << open_copy;
  auto left = Open()->TakeLeftovers();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].entries.size(), 1u);
}

}  // namespace
}  // namespace lode
