#include "io/open_files.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <filesystem>
#include <string>
#include <vector>

namespace lode {
namespace {

class OpenFileCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lode-files-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes file `i` (its contents name it) and returns its path.
  std::string MakeFile(int i) {
    std::string path = JoinPath(dir_, "f" + std::to_string(i));
    EXPECT_TRUE(Env::Default()->WriteFileAtomic(path, Contents(i)).ok());
    return path;
  }
  static std::string Contents(int i) { return "contents of file " + std::to_string(i); }
  static std::string ReadAll(const RandomAccessFile& file) {
    std::string out;
    Status s = file.Read(0, file.Size(), out);
    return s.ok() ? out : "error: " + s.ToString();
  }
  static size_t ProcessDescriptors() {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;
  }

  std::string dir_;
};

TEST_F(OpenFileCacheTest, FilesBeyondItsCapacityAreReopenedWhenRead) {
  OpenFileCache cache(3);
  std::vector<std::unique_ptr<RandomAccessFile>> files;
  const size_t before = ProcessDescriptors();
  for (int i = 0; i < 20; ++i) {
    auto file = cache.Open(Env::Default(), MakeFile(i));
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    files.push_back(std::move(*file));
  }
  // Every file reads back whole, in two rounds, while at most three
  // descriptors are held.
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 20; ++i) {
      EXPECT_EQ(ReadAll(*files[i]), Contents(i));
      EXPECT_LE(cache.open_files(), 3u);
      EXPECT_LE(ProcessDescriptors(), before + 3);
    }
  }
  EXPECT_GE(cache.reopens(), 20u);
  EXPECT_EQ(files[5]->Size(), Contents(5).size());
}

TEST_F(OpenFileCacheTest, TheMostRecentlyReadStayOpen) {
  OpenFileCache cache(2);
  auto a = cache.Open(Env::Default(), MakeFile(1));
  auto b = cache.Open(Env::Default(), MakeFile(2));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(ReadAll(**a), Contents(1));              // a is the most recent now
  auto c = cache.Open(Env::Default(), MakeFile(3));  // evicts b, not a
  ASSERT_TRUE(c.ok());
  const uint64_t reopens = cache.reopens();
  EXPECT_EQ(ReadAll(**a), Contents(1));
  EXPECT_EQ(cache.reopens(), reopens);
  EXPECT_EQ(ReadAll(**b), Contents(2));
  EXPECT_EQ(cache.reopens(), reopens + 1);
}

TEST_F(OpenFileCacheTest, AFileGoneReleasesItsDescriptor) {
  OpenFileCache cache(8);
  auto a = cache.Open(Env::Default(), MakeFile(1));
  auto b = cache.Open(Env::Default(), MakeFile(2));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(cache.open_files(), 2u);
  a->reset();
  EXPECT_EQ(cache.open_files(), 1u);
}

TEST_F(OpenFileCacheTest, AMissingFileIsAnErrorWhenOpened) {
  OpenFileCache cache(2);
  auto missing = cache.Open(Env::Default(), JoinPath(dir_, "nope"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

// A merged-away part may still be read by a query that took it before:
// its file is held open before its path is removed.
TEST_F(OpenFileCacheTest, AFileKeptOpenIsReadableAfterItsPathIsRemoved) {
  OpenFileCache cache(1);
  const std::string path_a = MakeFile(1);
  auto a = cache.Open(Env::Default(), path_a);
  auto b = cache.Open(Env::Default(), MakeFile(2));  // a's descriptor is closed
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->KeepOpen().ok());
  ASSERT_TRUE(Env::Default()->RemoveFile(path_a).ok());
  EXPECT_EQ(ReadAll(**b), Contents(2));
  EXPECT_EQ(ReadAll(**a), Contents(1));
  EXPECT_EQ(ReadAll(**b), Contents(2));
  EXPECT_EQ(ReadAll(**a), Contents(1));
}

// What KeepOpen is for: without it, a file whose descriptor was closed
// for others cannot be read once its path is gone.
TEST_F(OpenFileCacheTest, AFileNotKeptOpenCannotBeReadAfterItsPathIsRemoved) {
  OpenFileCache cache(1);
  const std::string path_a = MakeFile(1);
  auto a = cache.Open(Env::Default(), path_a);
  auto b = cache.Open(Env::Default(), MakeFile(2));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(Env::Default()->RemoveFile(path_a).ok());
  std::string out;
  EXPECT_FALSE((*a)->Read(0, 4, out).ok());
}

TEST_F(OpenFileCacheTest, LoweringTheCapacityClosesTheLeastRecentlyRead) {
  OpenFileCache cache(10);
  std::vector<std::unique_ptr<RandomAccessFile>> files;
  for (int i = 0; i < 6; ++i) {
    auto file = cache.Open(Env::Default(), MakeFile(i));
    ASSERT_TRUE(file.ok());
    files.push_back(std::move(*file));
  }
  EXPECT_EQ(cache.open_files(), 6u);
  cache.set_capacity(2);
  EXPECT_EQ(cache.open_files(), 2u);
  const uint64_t reopens = cache.reopens();
  EXPECT_EQ(ReadAll(*files[5]), Contents(5));
  EXPECT_EQ(ReadAll(*files[4]), Contents(4));
  EXPECT_EQ(cache.reopens(), reopens);
}

TEST(OpenFileLimitTest, RaiseOpenFileLimitRaisesTheSoftLimitToTheHardOne) {
  struct rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  if (saved.rlim_max < 64) GTEST_FAIL() << "hard open-file limit too low to test";
  struct rlimit lowered = saved;
  lowered.rlim_cur = 64;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  EXPECT_EQ(OpenFileLimit(), 64u);
  const uint64_t raised = RaiseOpenFileLimit();
  EXPECT_EQ(OpenFileLimit(), raised);
  if (saved.rlim_max != RLIM_INFINITY) {
    EXPECT_EQ(raised, saved.rlim_max);
  }
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
}

TEST(OpenFileLimitTest, BudgetsLeaveRoomForConnections) {
  EXPECT_EQ(PartFileBudget(1024), 256u);
  EXPECT_EQ(WalFileBudget(1024), 128u);
  EXPECT_LT(PartFileBudget(1024) + 2 * WalFileBudget(1024), 1024u / 2 + 1);
  EXPECT_GE(PartFileBudget(10), 16u);
  EXPECT_GE(WalFileBudget(10), 8u);
}

}  // namespace
}  // namespace lode
