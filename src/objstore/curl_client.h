// CurlClient: one HTTP exchange at a time per caller, over a pool of
// libcurl easy handles so that connections are kept alive and reused
// between requests (a handle keeps its connections across
// curl_easy_reset). Every request is signed with AWS Signature V4 by
// libcurl itself (CURLOPT_AWS_SIGV4). No retries here: what to do about
// a failure is the S3 client's business.
//
// Thread-safe: Perform may be called from many threads at once; each
// call takes a handle of its own from the pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "objstore/curl_api.h"

namespace lode {

struct CurlRequest {
  enum class Method { kGet, kHead, kPut, kPost, kDelete };

  CurlRequest(Method method, std::string url, std::vector<std::string> headers = {},
              std::string_view body = {})
      : method(method), url(std::move(url)), headers(std::move(headers)), body(body) {}

  Method method;
  std::string url;                   // already encoded, as it will be signed
  std::vector<std::string> headers;  // "Name: value"
  // The body of a PUT or POST; must stay valid until Perform returns.
  std::string_view body;
};

const char* MethodName(CurlRequest::Method method);

struct CurlResponse {
  CURLcode curl_code = CURLE_OK;  // not OK: no complete HTTP answer came
  std::string curl_error;         // libcurl's words for curl_code
  long http_status = 0;
  std::string body;
  std::string etag;             // the ETag header's value, quotes and all
  int64_t content_length = -1;  // the Content-Length header's; -1 if none
  uint64_t bytes_sent = 0;      // of the request body
  uint64_t bytes_received = 0;  // of the answer's body
};

struct CurlConfig {
  std::string aws_sigv4;  // "aws:amz:<region>:s3"
  std::string access_key;
  std::string secret_key;
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{60000};
};

class CurlClient {
 public:
  // Loads libcurl (once per process). Unavailable when it cannot.
  static Result<std::unique_ptr<CurlClient>> Create(CurlConfig config);
  ~CurlClient();

  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  CurlResponse Perform(const CurlRequest& request);

 private:
  CurlClient(const CurlApi& api, CurlConfig config) : api_(api), config_(std::move(config)) {}

  // A handle from the pool, or a new one (nullptr when libcurl cannot
  // make one); back to the pool after use, unless it is full.
  CURL* Acquire() EXCLUDES(mu_);
  void Release(CURL* handle) EXCLUDES(mu_);

  const CurlApi& api_;
  const CurlConfig config_;
  Mutex mu_;
  std::vector<CURL*> idle_ GUARDED_BY(mu_);
};

}  // namespace lode
