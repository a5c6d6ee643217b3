// S3ObjectStore: ObjectStore on an S3-compatible service (AWS S3, Ceph
// RGW, MinIO, ...), through libcurl's AWS Signature V4 support, with
// path-style addresses (http://endpoint/bucket/key), which every such
// service accepts.
//
// Failures that may pass (connection errors, timeouts, 5xx, 429, 503
// SlowDown) are retried with exponential back-off and jitter up to
// max_attempts; 4xx answers other than those are not. Files above
// multipart_threshold are uploaded in parts of part_size bytes (S3's
// multipart upload: the object appears only at CompleteMultipartUpload;
// a failed upload is aborted).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "objstore/object_store.h"

namespace lode {

struct S3Options {
  std::string endpoint;  // http://host:port (https works too)
  std::string bucket;
  std::string region = "us-east-1";
  // Empty: from the environment's AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
  std::string access_key;
  std::string secret_key;
  int max_attempts = 6;
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{60000};
  uint64_t multipart_threshold = 64ull << 20;
  uint64_t part_size = 16ull << 20;  // S3's minimum is 5 MiB
};

// What the client has done, for /metrics.
struct S3Stats {
  uint64_t requests = 0;
  uint64_t retries = 0;
  uint64_t failures = 0;  // requests that failed after every attempt
  uint64_t bytes_uploaded = 0;
  uint64_t bytes_downloaded = 0;
};

class S3ObjectStore final : public ObjectStore {
 public:
  // Loads libcurl, checks that the endpoint answers, and creates the
  // bucket if it does not exist. Unavailable when the service cannot be
  // reached; InvalidArgument for options that cannot work (no bucket, no
  // keys).
  static Result<std::unique_ptr<S3ObjectStore>> Open(const S3Options& options);
  ~S3ObjectStore() override;

  Status Put(const std::string& key, std::string_view data) override;
  Status PutFile(const std::string& key, const std::string& path) override;
  Status GetRange(const std::string& key, uint64_t offset, size_t n, std::string& out) override;
  Result<std::string> Get(const std::string& key) override;
  Result<uint64_t> Size(const std::string& key) override;
  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override;
  Status Delete(const std::string& key) override;

  S3Stats Stats() const;

 private:
  explicit S3ObjectStore(S3Options options);
  // Implementation details (requests, signing, retries) are the .cc's.
  S3Options options_;
  std::atomic<uint64_t> requests_{0}, retries_{0}, failures_{0}, up_{0}, down_{0};
};

}  // namespace lode
