// What the S3 client does without a server: options that cannot work,
// and an endpoint nobody answers. The exchanges with a real one are the
// cluster tests' (tests/cluster/s3_object_store_test.cc).
#include "objstore/s3_object_store.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "objstore/curl_api.h"

namespace lode {
namespace {

// A loopback port that refuses connections: bound, so no one else takes
// it meanwhile, but not listening.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  ~RefusingPort() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

S3Options Options(const std::string& endpoint) {
  S3Options options;
  options.endpoint = endpoint;
  options.bucket = "b";
  options.access_key = "access";
  options.secret_key = "secret";
  return options;
}

TEST(CurlApiTest, LoadsLibcurlAtRunTime) {
  auto api = CurlApi::Load();
  ASSERT_TRUE(api.ok()) << api.status().ToString();
  EXPECT_GE((*api)->version_info(CURLVERSION_NOW)->version_num, 0x074B00u);
  EXPECT_EQ(*CurlApi::Load(), *api);  // once per process
}

TEST(S3ObjectStoreTest, RefusesOptionsThatCannotWork) {
  S3Options options = Options("http://127.0.0.1:1");
  options.bucket.clear();
  EXPECT_EQ(S3ObjectStore::Open(options).status().code(), StatusCode::kInvalidArgument);

  options = Options("");
  EXPECT_EQ(S3ObjectStore::Open(options).status().code(), StatusCode::kInvalidArgument);

  options = Options("http://127.0.0.1:1");
  options.part_size = 1 << 20;
  EXPECT_EQ(S3ObjectStore::Open(options).status().code(), StatusCode::kInvalidArgument);

  options = Options("http://127.0.0.1:1");
  options.max_attempts = 0;
  EXPECT_EQ(S3ObjectStore::Open(options).status().code(), StatusCode::kInvalidArgument);
}

TEST(S3ObjectStoreTest, KeysComeFromTheEnvironmentWhenNotGiven) {
  S3Options options = Options("http://127.0.0.1:1");
  options.access_key.clear();
  options.secret_key.clear();
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  auto store = S3ObjectStore::Open(options);
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos);

  // With keys from the environment Open goes on, to the endpoint.
  setenv("AWS_ACCESS_KEY_ID", "access", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
  RefusingPort refusing;
  options.endpoint = "http://127.0.0.1:" + std::to_string(refusing.port());
  options.max_attempts = 1;
  EXPECT_EQ(S3ObjectStore::Open(options).status().code(), StatusCode::kUnavailable);
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
}

TEST(S3ObjectStoreTest, AnEndpointNobodyAnswersIsUnavailableAfterBoundedRetries) {
  RefusingPort refusing;
  ASSERT_NE(refusing.port(), 0);
  S3Options options = Options("http://127.0.0.1:" + std::to_string(refusing.port()));
  options.max_attempts = 3;
  options.initial_backoff = std::chrono::milliseconds(10);
  const auto start = std::chrono::steady_clock::now();
  auto store = S3ObjectStore::Open(options);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(store.status().code(), StatusCode::kUnavailable) << store.status().ToString();
  EXPECT_NE(store.status().message().find("HEAD bucket b"), std::string::npos);
  EXPECT_NE(store.status().message().find("after 3 attempts"), std::string::npos)
      << store.status().message();
  // Waits of 5-10 ms and 10-20 ms between the attempts.
  EXPECT_GE(took, std::chrono::milliseconds(15));
  EXPECT_LT(took, std::chrono::seconds(5));
}

}  // namespace
}  // namespace lode
