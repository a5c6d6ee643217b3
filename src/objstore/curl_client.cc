#include "objstore/curl_client.h"

#include <strings.h>

#include <algorithm>
#include <cstring>

namespace lode {
namespace {

// Idle handles kept for reuse, each with its open connections; a burst of
// more concurrent requests makes more handles, and the extra ones are
// closed when it is over.
constexpr size_t kMaxIdleHandles = 16;

struct Upload {
  std::string_view data;
  size_t offset = 0;
};

size_t ReadBody(char* buffer, size_t size, size_t count, void* user) {
  auto& upload = *static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload.data.size() - upload.offset);
  std::memcpy(buffer, upload.data.data() + upload.offset, n);
  upload.offset += n;
  return n;
}

// libcurl rewinds a body it has to send again (on a reused connection
// the server had closed, say).
int SeekBody(void* user, curl_off_t offset, int origin) {
  auto& upload = *static_cast<Upload*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<uint64_t>(offset) > upload.data.size()) {
    return CURL_SEEKFUNC_FAIL;
  }
  upload.offset = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t ReadHeader(char* data, size_t size, size_t count, void* user) {
  constexpr std::string_view kEtag = "etag:";
  const std::string_view line(data, size * count);
  if (line.size() > kEtag.size() && strncasecmp(line.data(), kEtag.data(), kEtag.size()) == 0) {
    std::string_view value = line.substr(kEtag.size());
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    static_cast<CurlResponse*>(user)->etag = std::string(value);
  }
  return size * count;
}

}  // namespace

const char* MethodName(CurlRequest::Method method) {
  switch (method) {
    case CurlRequest::Method::kGet:
      return "GET";
    case CurlRequest::Method::kHead:
      return "HEAD";
    case CurlRequest::Method::kPut:
      return "PUT";
    case CurlRequest::Method::kPost:
      return "POST";
    case CurlRequest::Method::kDelete:
      return "DELETE";
  }
  return "?";
}

Result<std::unique_ptr<CurlClient>> CurlClient::Create(CurlConfig config) {
  LODE_ASSIGN_OR_RETURN(const CurlApi* api, CurlApi::Load());
  return std::unique_ptr<CurlClient>(new CurlClient(*api, std::move(config)));
}

CurlClient::~CurlClient() {
  MutexLock lock(mu_);
  for (CURL* handle : idle_) api_.easy_cleanup(handle);
}

CURL* CurlClient::Acquire() {
  {
    MutexLock lock(mu_);
    if (!idle_.empty()) {
      CURL* handle = idle_.back();
      idle_.pop_back();
      return handle;
    }
  }
  return api_.easy_init();
}

void CurlClient::Release(CURL* handle) {
  // Forgets the options (they point into the finished call's frame) but
  // keeps the connections.
  api_.easy_reset(handle);
  MutexLock lock(mu_);
  if (idle_.size() < kMaxIdleHandles) {
    idle_.push_back(handle);
    return;
  }
  lock.Unlock();
  api_.easy_cleanup(handle);
}

CurlResponse CurlClient::Perform(const CurlRequest& request) {
  CurlResponse response;
  CURL* handle = Acquire();
  if (handle == nullptr) {
    response.curl_code = CURLE_FAILED_INIT;
    response.curl_error = "curl_easy_init failed";
    return response;
  }
  curl_slist* headers = nullptr;
  for (const std::string& header : request.headers) {
    curl_slist* longer = api_.slist_append(headers, header.c_str());
    if (longer == nullptr) {
      response.curl_code = CURLE_OUT_OF_MEMORY;
      break;
    }
    headers = longer;
  }
  Upload upload{request.body};
  char error[CURL_ERROR_SIZE] = "";

  // Every option is set through here: the first that libcurl refuses
  // (one built without AWS signing, say) ends the request.
  CURLcode& code = response.curl_code;
  auto set = [&](CURLoption option, auto value) {
    if (code == CURLE_OK) code = api_.easy_setopt(handle, option, value);
  };
  set(CURLOPT_ERRORBUFFER, error);
  set(CURLOPT_URL, request.url.c_str());
  // No SIGALRM for DNS timeouts: the process has many threads.
  set(CURLOPT_NOSIGNAL, 1L);
  // Keys such as "a/../b" are names, not paths to tidy up.
  set(CURLOPT_PATH_AS_IS, 1L);
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.connect_timeout.count()));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(config_.request_timeout.count()));
  set(CURLOPT_AWS_SIGV4, config_.aws_sigv4.c_str());
  set(CURLOPT_USERNAME, config_.access_key.c_str());
  set(CURLOPT_PASSWORD, config_.secret_key.c_str());
  set(CURLOPT_HTTPHEADER, headers);
  set(CURLOPT_WRITEFUNCTION, &WriteBody);
  set(CURLOPT_WRITEDATA, &response.body);
  set(CURLOPT_HEADERFUNCTION, &ReadHeader);
  set(CURLOPT_HEADERDATA, &response);
  switch (request.method) {
    case CurlRequest::Method::kGet:
      break;
    case CurlRequest::Method::kHead:
      set(CURLOPT_NOBODY, 1L);
      break;
    case CurlRequest::Method::kPut:
      // libcurl sends "Expect: 100-continue" before a body over 1 MiB.
      // It stays: an empty "Expect:" header, which would drop it, is
      // signed by libcurl 7.88 though not sent (SignatureDoesNotMatch).
      set(CURLOPT_UPLOAD, 1L);
      set(CURLOPT_READFUNCTION, &ReadBody);
      set(CURLOPT_READDATA, &upload);
      set(CURLOPT_SEEKFUNCTION, &SeekBody);
      set(CURLOPT_SEEKDATA, &upload);
      set(CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      break;
    case CurlRequest::Method::kPost:
      // A null POSTFIELDS would make libcurl read the body from stdin.
      set(CURLOPT_POSTFIELDS, request.body.empty() ? "" : request.body.data());
      set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      break;
    case CurlRequest::Method::kDelete:
      set(CURLOPT_CUSTOMREQUEST, "DELETE");
      break;
  }
  if (code == CURLE_OK) code = api_.easy_perform(handle);
  if (code == CURLE_OK) {
    curl_off_t length = -1, sent = 0, received = 0;
    api_.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.http_status);
    api_.easy_getinfo(handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    api_.easy_getinfo(handle, CURLINFO_SIZE_UPLOAD_T, &sent);
    api_.easy_getinfo(handle, CURLINFO_SIZE_DOWNLOAD_T, &received);
    response.content_length = length;
    response.bytes_sent = static_cast<uint64_t>(sent);
    response.bytes_received = static_cast<uint64_t>(received);
  } else {
    response.curl_error = error[0] != '\0' ? error : api_.easy_strerror(code);
  }
  api_.slist_free_all(headers);
  Release(handle);
  return response;
}

}  // namespace lode
