// The block cache over an in-memory object store (the cache is what is
// under test; the cluster tests read through it from a real S3 service).
#include "cluster/block_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace lode {
namespace {

class MemoryObjectStore final : public ObjectStore {
 public:
  Status Put(const std::string& key, std::string_view data) override {
    objects[key] = std::string(data);
    return Status::Ok();
  }
  Status PutFile(const std::string&, const std::string&) override {
    return Status::Internal("unused");
  }
  Status GetRange(const std::string& key, uint64_t offset, size_t n, std::string& out) override {
    ++range_reads;
    auto it = objects.find(key);
    if (it == objects.end()) return Status::NotFound(key);
    if (offset + n > it->second.size()) return Status::Corruption("short");
    out = it->second.substr(offset, n);
    return Status::Ok();
  }
  Result<std::string> Get(const std::string& key) override {
    auto it = objects.find(key);
    if (it == objects.end()) return Status::NotFound(key);
    return it->second;
  }
  Result<uint64_t> Size(const std::string& key) override {
    auto it = objects.find(key);
    if (it == objects.end()) return Status::NotFound(key);
    return it->second.size();
  }
  Result<std::vector<ObjectInfo>> List(const std::string&) override {
    return std::vector<ObjectInfo>{};
  }
  Status Delete(const std::string& key) override {
    objects.erase(key);
    return Status::Ok();
  }

  std::map<std::string, std::string> objects;
  int range_reads = 0;
};

std::string Pattern(size_t n, char seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i * 7 % 251);
  return s;
}

class BlockCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/block_cache_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  MemoryObjectStore store_;
};

TEST_F(BlockCacheTest, ReadsAcrossChunksAndServesRepeatsLocally) {
  const std::string object = Pattern(10000, 'a');
  ASSERT_TRUE(store_.Put("k", object).ok());
  BlockCache cache(Env::Default(), dir_, 1 << 20, store_, /*chunk_size=*/4096);
  ASSERT_TRUE(cache.Open().ok());
  std::string out;
  ASSERT_TRUE(cache.Read("k", object.size(), 4000, 5000, out).ok());
  EXPECT_EQ(out, object.substr(4000, 5000));
  EXPECT_EQ(store_.range_reads, 3) << "chunks 0, 1 and 2";
  ASSERT_TRUE(cache.Read("k", object.size(), 9990, 10, out).ok());
  EXPECT_EQ(out, object.substr(9990, 10));
  ASSERT_TRUE(cache.Read("k", object.size(), 0, 10000, out).ok());
  EXPECT_EQ(out, object);
  EXPECT_EQ(store_.range_reads, 3) << "everything after the first read came from disk";
  EXPECT_GE(cache.Stats().hits, 4u);
  EXPECT_FALSE(cache.Read("k", object.size(), 9999, 2, out).ok()) << "past the end";
}

TEST_F(BlockCacheTest, EvictsTheLeastRecentlyUsedPastItsSize) {
  ASSERT_TRUE(store_.Put("a", Pattern(4096, 'a')).ok());
  ASSERT_TRUE(store_.Put("b", Pattern(4096, 'b')).ok());
  ASSERT_TRUE(store_.Put("c", Pattern(4096, 'c')).ok());
  BlockCache cache(Env::Default(), dir_, 8192, store_, 4096);
  ASSERT_TRUE(cache.Open().ok());
  std::string out;
  ASSERT_TRUE(cache.Read("a", 4096, 0, 10, out).ok());
  ASSERT_TRUE(cache.Read("b", 4096, 0, 10, out).ok());
  ASSERT_TRUE(cache.Read("a", 4096, 0, 10, out).ok());  // a is now the most recent
  ASSERT_TRUE(cache.Read("c", 4096, 0, 10, out).ok());  // evicts b
  EXPECT_EQ(cache.Stats().evictions, 1u);
  EXPECT_LE(cache.Stats().bytes, 8192u);
  const int before = store_.range_reads;
  ASSERT_TRUE(cache.Read("a", 4096, 0, 10, out).ok());
  EXPECT_EQ(store_.range_reads, before) << "a stayed";
  ASSERT_TRUE(cache.Read("b", 4096, 0, 10, out).ok());
  EXPECT_EQ(store_.range_reads, before + 1) << "b was evicted";
  EXPECT_EQ(out, Pattern(4096, 'b').substr(0, 10));
}

TEST_F(BlockCacheTest, StartsEmptyAndAMissingObjectIsAnError) {
  std::filesystem::create_directories(dir_);
  { std::ofstream(dir_ + "/leftover") << "x"; }
  BlockCache cache(Env::Default(), dir_, 1 << 20, store_, 4096);
  ASSERT_TRUE(cache.Open().ok());
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/leftover"));
  std::string out;
  Status s = cache.Read("missing", 100, 0, 10, out);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace lode
