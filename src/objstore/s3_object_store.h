// S3ObjectStore: ObjectStore on an S3-compatible service (AWS S3, Ceph
// RGW, MinIO, ...), through libcurl's AWS Signature V4 support, with
// path-style addresses (http://endpoint/bucket/key), which every such
// service accepts.
//
// Failures that may pass (connection errors, timeouts, 5xx but 501, 408,
// 429, 503 SlowDown, 400 RequestTimeout) are retried with exponential
// back-off and jitter up to max_attempts; other 4xx answers are not.
// Files of multipart_threshold bytes or more are uploaded in parts of
// part_size bytes (S3's
// multipart upload: the object appears only at CompleteMultipartUpload;
// a failed upload is aborted).
//
// Bodies are not hashed into the signature (x-amz-content-sha256:
// UNSIGNED-PAYLOAD; Ceph RGW refuses SigV4 requests without that header);
// the method, URL and headers are signed. Over https TLS keeps a body
// from being changed in transit, which is why AWS accepts unsigned
// payloads there, and hashing would cost a SHA-256 pass over each part
// before its upload could start. Over plain http nothing protects what
// the client reads either: plain http suits only networks trusted
// anyway (loopback, the tests).
//
// Connections are kept alive and reused (a pool of libcurl handles).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/env.h"
#include "objstore/object_store.h"

namespace lode {

class CurlClient;
struct CurlRequest;
struct S3Exchange;

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
  // Reads the files of PutFile; nullptr: Env::Default(). Its clock times
  // the waits between attempts.
  Env* env = nullptr;
};

// What the client has done, for /metrics.
struct S3Stats {
  uint64_t requests = 0;  // HTTP requests sent, retries included
  uint64_t retries = 0;
  uint64_t failures = 0;  // requests that failed after every attempt (a 404 is an answer)
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
  S3ObjectStore(S3Options options, std::unique_ptr<CurlClient> client);

  // Sends `request` until it gets a final answer or max_attempts are
  // spent, waiting between attempts. `what` names it in errors ("GET
  // bucket/key"). With `error_in_ok_answer`, a 200 whose body is an S3
  // <Error> counts as a failure (CompleteMultipartUpload reports so).
  S3Exchange Send(CurlRequest request, const std::string& what, bool error_in_ok_answer = false);

  std::string BucketUrl(const std::string& query) const;
  std::string ObjectUrl(const std::string& key, const std::string& query = "") const;
  std::string Target(const std::string& key) const { return options_.bucket + "/" + key; }

  // Creates the bucket unless it exists.
  Status EnsureBucket();
  Status CreateBucket();

  // S3 multipart upload (s3_multipart.cc).
  Status PutMultipart(const std::string& key, const RandomAccessFile& file);
  Status UploadParts(const std::string& key, const std::string& upload_id,
                     const RandomAccessFile& file, std::vector<std::string>& etags);
  Status CompleteMultipart(const std::string& key, const std::string& upload_id,
                           const std::vector<std::string>& etags, uint64_t size);
  void AbortMultipart(const std::string& key, const std::string& upload_id);

  const S3Options options_;
  const std::unique_ptr<CurlClient> client_;
  std::atomic<uint64_t> requests_{0}, retries_{0}, failures_{0};
  std::atomic<uint64_t> bytes_uploaded_{0}, bytes_downloaded_{0};
};

}  // namespace lode
