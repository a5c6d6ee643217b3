#include "io/env.h"

#include <gtest/gtest.h>
#include <limits.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "io/fault_env.h"

namespace lode {
namespace {

class EnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/lode_env_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

// More pieces than one writev takes, some empty, of varied sizes: the
// file holds their concatenation, in order, and its size counts them.
TEST_F(EnvTest, AppendAllWritesEveryPieceInOrder) {
  std::vector<std::string> pieces;
  std::string expected = "head|";
  for (int i = 0; i < IOV_MAX * 2 + 7; ++i) {
    pieces.push_back(i % 5 == 0 ? "" : std::string(static_cast<size_t>(i % 97), 'a' + i % 26));
    expected += pieces.back();
  }
  const std::string path = dir_ + "/file";
  for (Env* env : {Env::Default(), static_cast<Env*>(nullptr)}) {
    FaultEnv fault(Env::Default());
    if (env == nullptr) env = &fault;  // the same through the fault-injecting Env
    std::filesystem::remove(path);
    auto file = env->NewAppendableFile(path);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    ASSERT_TRUE((*file)->Append("head|").ok());
    ASSERT_TRUE((*file)->AppendAll(pieces).ok());
    EXPECT_EQ((*file)->Size(), expected.size());
    ASSERT_TRUE((*file)->Close().ok());
    auto read = Env::Default()->ReadFile(path);
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(*read, expected);
  }
}

// A failed write through the fault Env fails AppendAll as one write.
TEST_F(EnvTest, AppendAllCountsAsOneWriteForFaults) {
  FaultEnv fault(Env::Default());
  auto file = fault.NewAppendableFile(dir_ + "/file");
  ASSERT_TRUE(file.ok());
  fault.FailAppendsAfter(1);
  std::vector<std::string> pieces = {"a", "b", "c"};
  EXPECT_TRUE((*file)->AppendAll(pieces).ok());
  EXPECT_FALSE((*file)->AppendAll(pieces).ok());
}

}  // namespace
}  // namespace lode
