// What a cluster member checks before it joins anything: these need no
// NATS or S3 (the member stops first); the cluster tests under tests/
// run members against real ones.
#include "cluster/cluster_node.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace lode {
namespace {

class ClusterNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lode-node-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    options_.node_id = "n1";
    options_.advertise = "127.0.0.1:1";
    options_.nats = {"nats://127.0.0.1:1"};  // nothing listens: joining would fail
    options_.cache_dir = dir_ + "/cache";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  ClusterOptions options_;
};

// A second member on the same cache directory would empty the first's
// flush directory: it stops with a clear error, before connecting to
// anything, and starts once the directory is free.
TEST_F(ClusterNodeTest, ACacheDirectoryInUseStopsTheMemberBeforeItJoins) {
  std::filesystem::create_directories(options_.cache_dir);
  std::filesystem::create_directories(options_.cache_dir + "/flush");
  { std::ofstream(options_.cache_dir + "/flush/keep") << "another member's work"; }
  auto held = Env::Default()->LockFile(options_.cache_dir + "/LOCK", /*exclusive=*/true);
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  auto node = ClusterNode::Start(Env::Default(), options_, nullptr);
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(node.status().message().find("cache directory " + options_.cache_dir +
                                         " is in use by another lode process"),
            std::string::npos)
      << node.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(options_.cache_dir + "/flush/keep"));

  // Free: the member gets past the lock (and stops at NATS, which is not
  // there), the lock released again when it gives up.
  held->reset();
  node = ClusterNode::Start(Env::Default(), options_, nullptr);
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.status().message().find("in use by another lode process"), std::string::npos)
      << node.status().ToString();
  EXPECT_TRUE(Env::Default()->LockFile(options_.cache_dir + "/LOCK", true).ok());
}

}  // namespace
}  // namespace lode
