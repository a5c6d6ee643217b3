// The S3 client against a real S3 service: Ceph's RADOS Gateway on
// loopback, started for these tests by the cluster/s3-up fixture
// (scripts/cluster/s3-up.sh). The endpoint and keys come from the
// environment (S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or
// from the file the script writes, named by LODE_S3_ENV_FILE. Without
// them every test fails: a cluster test never passes by not running.
//
// Each test works in a bucket of its own, so that they may run at once.
#include "objstore/s3_object_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

namespace lode {
namespace {

constexpr uint64_t kMiB = 1 << 20;

// `name` from the environment, else from the env file's
// "export NAME=value" lines.
std::string Setting(const char* name) {
  if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return value;
  const char* file = std::getenv("LODE_S3_ENV_FILE");
  if (file == nullptr) return "";
  std::ifstream in(file);
  const std::string prefix = std::string("export ") + name + "=";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  }
  return "";
}

class S3Test : public testing::Test {
 protected:
  void SetUp() override {
    options_.endpoint = Setting("S3_ENDPOINT");
    options_.access_key = Setting("AWS_ACCESS_KEY_ID");
    options_.secret_key = Setting("AWS_SECRET_ACCESS_KEY");
    ASSERT_FALSE(options_.endpoint.empty())
        << "no S3 service: set S3_ENDPOINT and the AWS_* keys, or LODE_S3_ENV_FILE "
           "(ctest's cluster/s3-up fixture does)";
    // A bucket per test, new to the service.
    const auto* test = testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string("lode-") + test->name() + "-" + std::to_string(getpid());
    for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '-';
    options_.bucket = name.substr(0, 63);
    options_.initial_backoff = std::chrono::milliseconds(20);
  }

  std::unique_ptr<S3ObjectStore> Open() {
    auto store = S3ObjectStore::Open(options_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }

  S3Options options_;
};

TEST_F(S3Test, PutGetSizeDelete) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("parts/1", "hello, world").ok());
  auto data = store->Get("parts/1");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(*data, "hello, world");
  auto size = store->Size("parts/1");
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_EQ(*size, 12u);

  // Put replaces.
  ASSERT_TRUE(store->Put("parts/1", "bye").ok());
  EXPECT_EQ(store->Get("parts/1").value(), "bye");

  ASSERT_TRUE(store->Put("empty", "").ok());
  EXPECT_EQ(store->Get("empty").value(), "");
  EXPECT_EQ(store->Size("empty").value(), 0u);

  ASSERT_TRUE(store->Delete("parts/1").ok());
  EXPECT_TRUE(store->Delete("parts/1").ok());  // gone already: fine
  auto gone = store->Get("parts/1");
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
  EXPECT_NE(gone.status().message().find("GET " + options_.bucket + "/parts/1: HTTP 404 NoSuchKey"),
            std::string::npos)
      << gone.status().message();
  EXPECT_EQ(store->Size("parts/1").status().code(), StatusCode::kNotFound);
  std::string out;
  EXPECT_EQ(store->GetRange("parts/1", 0, 1, out).code(), StatusCode::kNotFound);
  EXPECT_EQ(store->Put("", "x").code(), StatusCode::kInvalidArgument);

  const S3Stats stats = store->Stats();
  EXPECT_GT(stats.requests, 10u);
  EXPECT_EQ(stats.retries, 0u);
  EXPECT_EQ(stats.failures, 0u);  // 404s are answers
  EXPECT_EQ(stats.bytes_uploaded, 15u);
  EXPECT_GE(stats.bytes_downloaded, 15u);
}

TEST_F(S3Test, RangedReads) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::string data;
  for (int i = 0; i < 1000; ++i) data += static_cast<char>('a' + i % 26);
  ASSERT_TRUE(store->Put("r", data).ok());
  std::string out;
  ASSERT_TRUE(store->GetRange("r", 0, 10, out).ok());
  EXPECT_EQ(out, data.substr(0, 10));
  ASSERT_TRUE(store->GetRange("r", 123, 456, out).ok());
  EXPECT_EQ(out, data.substr(123, 456));
  ASSERT_TRUE(store->GetRange("r", 990, 10, out).ok());
  EXPECT_EQ(out, data.substr(990));
  ASSERT_TRUE(store->GetRange("r", 1000, 0, out).ok());
  EXPECT_EQ(out, "");

  // Past the end: the object is shorter than the caller knows it to be.
  Status status = store->GetRange("r", 995, 10, out);
  EXPECT_EQ(status.code(), StatusCode::kCorruption) << status.ToString();
  status = store->GetRange("r", 1000, 1, out);
  EXPECT_EQ(status.code(), StatusCode::kCorruption) << status.ToString();
  status = store->GetRange("r", 1001, 0, out);
  EXPECT_EQ(status.code(), StatusCode::kCorruption) << status.ToString();
}

TEST_F(S3Test, ListsEveryPageInKeyOrder) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  // More keys than one page of ListObjectsV2 holds (1000), put from 8
  // threads at once.
  constexpr int kKeys = 1100, kThreads = 8;
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kKeys; i += kThreads) {
        char key[32];
        std::snprintf(key, sizeof(key), "many/%05d", i);
        if (!store->Put(key, std::string(i % 7, 'x')).ok()) ++failed;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(failed.load(), 0);
  ASSERT_TRUE(store->Put("other/1", "y").ok());
  ASSERT_TRUE(store->Put("man", "z").ok());

  auto many = store->List("many/");
  ASSERT_TRUE(many.ok()) << many.status().ToString();
  ASSERT_EQ(many->size(), static_cast<size_t>(kKeys));
  for (int i = 0; i < kKeys; ++i) {
    char key[32];
    std::snprintf(key, sizeof(key), "many/%05d", i);
    ASSERT_EQ((*many)[i].key, key);
    ASSERT_EQ((*many)[i].size, static_cast<uint64_t>(i % 7));
  }
  auto all = store->List("");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), static_cast<size_t>(kKeys + 2));
  EXPECT_EQ(all->front().key, "man");
  EXPECT_EQ(all->back().key, "other/1");
  EXPECT_TRUE(store->List("nothing/").value().empty());
}

TEST_F(S3Test, KeysWithCharactersThatNeedEncoding) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  const std::vector<std::string> keys = {
      "odd/a b",        "odd/a+b",     "odd/déjà vu/ü", "odd/&amp;<lt>\"q\"'", "odd/100%",
      "odd/x=y&z?w#v",  "odd/a//b",    "odd/a/./b",     "odd/a/../b",          "odd/~!*()$,;:@",
      "odd/日本語.log", "odd/tab\tcr", "odd/trailing/",
  };
  for (const std::string& key : keys) {
    Status status = store->Put(key, key);
    ASSERT_TRUE(status.ok()) << key << ": " << status.ToString();
  }
  for (const std::string& key : keys) {
    auto data = store->Get(key);
    ASSERT_TRUE(data.ok()) << key << ": " << data.status().ToString();
    EXPECT_EQ(*data, key);
  }
  auto listed = store->List("odd/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<std::string> names, expected = keys;
  for (const ObjectInfo& info : *listed) names.push_back(info.key);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(names, expected);
  // A prefix that needs encoding too.
  auto deja = store->List("odd/déjà vu/");
  ASSERT_TRUE(deja.ok()) << deja.status().ToString();
  ASSERT_EQ(deja->size(), 1u);
  EXPECT_EQ(deja->front().key, "odd/déjà vu/ü");
  for (const std::string& key : keys) ASSERT_TRUE(store->Delete(key).ok()) << key;
  EXPECT_TRUE(store->List("odd/").value().empty());
}

// A file of `size` bytes that differ from part to part.
std::string WriteFile(const std::string& path, size_t size) {
  std::string data(size, '\0');
  std::mt19937_64 random(size);
  for (size_t i = 0; i + 8 <= size; i += 8) {
    const uint64_t word = random();
    std::memcpy(&data[i], &word, 8);
  }
  std::ofstream(path, std::ios::binary).write(data.data(), static_cast<std::streamsize>(size));
  return data;
}

TEST_F(S3Test, LargeFilesAreUploadedInParts) {
  options_.multipart_threshold = 5 * kMiB;
  options_.part_size = 5 * kMiB;
  auto store = Open();
  ASSERT_NE(store, nullptr);
  const std::string dir = testing::TempDir() + "lode-s3-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  const std::string data = WriteFile(dir + "/big", 12 * kMiB + 3);  // parts of 5, 5, 2 MiB + 3

  const S3Stats before = store->Stats();
  Status status = store->PutFile("segments/big", dir + "/big");
  ASSERT_TRUE(status.ok()) << status.ToString();
  // Create, three parts, complete.
  EXPECT_EQ(store->Stats().requests - before.requests, 5u);
  EXPECT_EQ(store->Size("segments/big").value(), data.size());
  auto whole = store->Get("segments/big");
  ASSERT_TRUE(whole.ok());
  EXPECT_TRUE(*whole == data) << "the object differs from the file";

  // Reads across the parts' boundaries.
  std::string out;
  for (uint64_t at : {5 * kMiB - 10, 10 * kMiB - 1, 12 * kMiB - 7}) {
    ASSERT_TRUE(store->GetRange("segments/big", at, 10, out).ok()) << at;
    EXPECT_EQ(out, data.substr(at, 10)) << at;
  }
  ASSERT_TRUE(store->GetRange("segments/big", 1, 11 * kMiB, out).ok());
  EXPECT_TRUE(out == data.substr(1, 11 * kMiB));

  // Below the threshold: one PUT.
  const std::string small = WriteFile(dir + "/small", 5 * kMiB - 1);
  const uint64_t requests = store->Stats().requests;
  ASSERT_TRUE(store->PutFile("segments/small", dir + "/small").ok());
  EXPECT_EQ(store->Stats().requests - requests, 1u);
  EXPECT_TRUE(store->Get("segments/small").value() == small);

  EXPECT_EQ(store->PutFile("segments/none", dir + "/missing").code(), StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

TEST_F(S3Test, ManyThreadsShareOneClient) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 8, kRounds = 25;
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        const std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
        const std::string data(100 + t * 10 + i, static_cast<char>('a' + t));
        const bool put = store->Put(key, data).ok();
        auto got = store->Get(key);
        std::string range;
        const bool ranged = store->GetRange(key, 5, 20, range).ok();
        auto size = store->Size(key);
        const bool deleted = store->Delete(key).ok();
        if (!put || !got.ok() || *got != data || !ranged || range != data.substr(5, 20) ||
            !size.ok() || *size != data.size() || !deleted) {
          ++errors;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_TRUE(store->List("").value().empty());
  EXPECT_EQ(store->Stats().failures, 0u);
}

TEST_F(S3Test, OpenCreatesAMissingBucketAndReusesAnExistingOne) {
  // SetUp chose a bucket that does not exist yet.
  auto first = Open();
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->Put("k", "v").ok());
  auto second = Open();
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->Get("k").value(), "v");
}

TEST_F(S3Test, WrongKeysGiveAClearError) {
  ASSERT_NE(Open(), nullptr);  // the bucket exists
  S3Options wrong = options_;
  wrong.secret_key = "not-the-secret";
  auto store = S3ObjectStore::Open(wrong);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find("HTTP 403 SignatureDoesNotMatch"), std::string::npos)
      << store.status().message();

  wrong = options_;
  wrong.access_key = "NOSUCHACCESSKEY00000";
  store = S3ObjectStore::Open(wrong);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("HTTP 403 InvalidAccessKeyId"), std::string::npos)
      << store.status().message();
  // Refusals are not retried.
  EXPECT_EQ(store.status().message().find("attempts"), std::string::npos);
}

TEST_F(S3Test, AnUnreachableEndpointIsUnavailableAfterBoundedRetries) {
  // Nobody listens on port 1 of the loopback.
  options_.endpoint = "http://127.0.0.1:1";
  options_.max_attempts = 4;
  options_.initial_backoff = std::chrono::milliseconds(10);
  const auto start = std::chrono::steady_clock::now();
  auto store = S3ObjectStore::Open(options_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable) << store.status().ToString();
  EXPECT_NE(store.status().message().find("after 4 attempts"), std::string::npos)
      << store.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace lode
