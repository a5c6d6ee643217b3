#include "objstore/s3_object_store.h"

#include <algorithm>
#include <cstdlib>
#include <random>

#include "objstore/curl_client.h"
#include "objstore/s3_protocol.h"
#include "objstore/s3_xml.h"

namespace lode {
namespace {

constexpr uint64_t kMinPartSize = 5ull << 20;  // S3 refuses smaller parts but the last
constexpr const char* kUnsignedPayload = "x-amz-content-sha256: UNSIGNED-PAYLOAD";
using Method = CurlRequest::Method;

double Jitter() {
  thread_local std::mt19937_64 random(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}

std::string FromEnvironment(const std::string& value, const char* variable) {
  if (!value.empty()) return value;
  const char* from_env = std::getenv(variable);
  return from_env != nullptr ? from_env : "";
}

Status CheckKey(const std::string& key) {
  if (key.empty()) return Status::InvalidArgument("S3: an object key cannot be empty");
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::Open(const S3Options& given) {
  S3Options options = given;
  while (!options.endpoint.empty() && options.endpoint.back() == '/') options.endpoint.pop_back();
  if (options.endpoint.empty()) return Status::InvalidArgument("S3: no endpoint");
  if (options.bucket.empty()) return Status::InvalidArgument("S3: no bucket");
  options.access_key = FromEnvironment(options.access_key, "AWS_ACCESS_KEY_ID");
  options.secret_key = FromEnvironment(options.secret_key, "AWS_SECRET_ACCESS_KEY");
  if (options.access_key.empty() || options.secret_key.empty()) {
    return Status::InvalidArgument(
        "S3: no access key or secret key (in the options, or AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY)");
  }
  if (options.region.empty()) return Status::InvalidArgument("S3: no region");
  if (options.max_attempts < 1) return Status::InvalidArgument("S3: max_attempts must be >= 1");
  if (options.part_size < kMinPartSize) {
    return Status::InvalidArgument("S3: part_size must be at least 5 MiB");
  }
  if (options.env == nullptr) options.env = Env::Default();

  CurlConfig config;
  config.aws_sigv4 = "aws:amz:" + options.region + ":s3";
  config.access_key = options.access_key;
  config.secret_key = options.secret_key;
  config.connect_timeout = options.connect_timeout;
  config.request_timeout = options.request_timeout;
  LODE_ASSIGN_OR_RETURN(auto client, CurlClient::Create(std::move(config)));
  std::unique_ptr<S3ObjectStore> store(new S3ObjectStore(std::move(options), std::move(client)));
  LODE_RETURN_IF_ERROR(store->EnsureBucket());
  return store;
}

S3ObjectStore::S3ObjectStore(S3Options options, std::unique_ptr<CurlClient> client)
    : options_(std::move(options)), client_(std::move(client)) {}

S3ObjectStore::~S3ObjectStore() = default;

S3Exchange S3ObjectStore::Send(CurlRequest request, const std::string& what,
                               bool error_in_ok_answer) {
  request.headers.push_back(kUnsignedPayload);
  S3Exchange exchange;
  bool error_document = false;  // a 2xx answer whose body is an <Error>
  for (exchange.attempts = 1;; ++exchange.attempts) {
    exchange.response = client_->Perform(request);
    const CurlResponse& response = exchange.response;
    ++requests_;
    bytes_uploaded_ += response.bytes_sent;
    bytes_downloaded_ += response.bytes_received;

    const bool success = response.curl_code == CURLE_OK && response.http_status / 100 == 2;
    std::string s3_code;
    if (!success || error_in_ok_answer) s3_code = ParseS3Error(response.body).code;
    error_document = success && !s3_code.empty();
    // An error reported in a 200 is S3 failing on its side: a 500.
    const Verdict verdict =
        Classify(response.curl_code, error_document ? 500 : response.http_status, s3_code);
    if (verdict == Verdict::kDone || exchange.attempts >= options_.max_attempts) break;
    ++retries_;
    Clock* clock = options_.env->clock();
    clock->SleepUntil(clock->Monotonic() + BackoffDelay(options_.initial_backoff,
                                                        options_.max_backoff, exchange.attempts,
                                                        Jitter()));
  }
  if (error_document) {
    const S3Error error = ParseS3Error(exchange.response.body);
    std::string message = what + ": HTTP 200 with an error: " + error.code;
    if (!error.message.empty()) message += ": " + error.message;
    if (exchange.attempts > 1)
      message += " (after " + std::to_string(exchange.attempts) + " attempts)";
    exchange.status = Status::Unavailable(std::move(message));
  } else {
    exchange.status = AnswerStatus(what, exchange.response, exchange.attempts);
  }
  if (!exchange.status.ok() && exchange.status.code() != StatusCode::kNotFound) ++failures_;
  return exchange;
}

std::string S3ObjectStore::BucketUrl(const std::string& query) const {
  std::string url = options_.endpoint + "/" + UriEncode(options_.bucket, false);
  if (!query.empty()) url += "?" + query;
  return url;
}

std::string S3ObjectStore::ObjectUrl(const std::string& key, const std::string& query) const {
  std::string url = options_.endpoint + "/" + UriEncode(options_.bucket, false) + "/" +
                    UriEncode(key, /*keep_slash=*/true);
  if (!query.empty()) url += "?" + query;
  return url;
}

Status S3ObjectStore::EnsureBucket() {
  const std::string what = "HEAD bucket " + options_.bucket + " at " + options_.endpoint;
  S3Exchange head = Send({Method::kHead, BucketUrl("")}, what);
  if (head.status.ok()) return Status::Ok();
  if (head.status.code() == StatusCode::kNotFound) return CreateBucket();
  if (head.response.curl_code != CURLE_OK || head.response.http_status >= 500) return head.status;
  // An answer to HEAD has no body to say why it refused (wrong keys, no
  // permission); the same refusal to a listing of no keys does.
  S3Exchange list =
      Send({Method::kGet, BucketUrl(CanonicalQuery({{"list-type", "2"}, {"max-keys", "0"}}))},
           "GET bucket " + options_.bucket + " at " + options_.endpoint);
  return list.status.ok() ? head.status : list.status;
}

Status S3ObjectStore::CreateBucket() {
  // Outside us-east-1 a bucket must name its region.
  std::string body;
  if (options_.region != "us-east-1") {
    body =
        "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<LocationConstraint>" +
        XmlEscape(options_.region) + "</LocationConstraint></CreateBucketConfiguration>";
  }
  S3Exchange put = Send({Method::kPut, BucketUrl(""), {}, body}, "PUT bucket " + options_.bucket);
  if (put.status.ok()) return Status::Ok();
  // 409: BucketAlreadyOwnedByYou, or another client made it meanwhile.
  if (put.status.code() == StatusCode::kConflict) {
    S3Exchange head = Send({Method::kHead, BucketUrl("")}, "HEAD bucket " + options_.bucket);
    if (head.status.ok()) return Status::Ok();
  }
  return put.status;
}

Status S3ObjectStore::Put(const std::string& key, std::string_view data) {
  LODE_RETURN_IF_ERROR(CheckKey(key));
  return Send({Method::kPut, ObjectUrl(key), {}, data}, "PUT " + Target(key)).status;
}

Status S3ObjectStore::PutFile(const std::string& key, const std::string& path) {
  LODE_RETURN_IF_ERROR(CheckKey(key));
  auto file = options_.env->NewRandomAccessFile(path);
  if (!file.ok()) return file.status().WithContext("S3 upload of " + Target(key));
  if ((*file)->Size() >= options_.multipart_threshold) return PutMultipart(key, **file);
  std::string data;
  LODE_RETURN_IF_ERROR((*file)->Read(0, (*file)->Size(), data));
  return Put(key, data);
}

Status S3ObjectStore::GetRange(const std::string& key, uint64_t offset, size_t n,
                               std::string& out) {
  LODE_RETURN_IF_ERROR(CheckKey(key));
  const std::string what =
      "GET " + Target(key) + " bytes " + std::to_string(offset) + "+" + std::to_string(n);
  if (n == 0) {  // no range names zero bytes: check that the object reaches offset
    LODE_ASSIGN_OR_RETURN(uint64_t size, Size(key));
    if (size < offset) {
      return Status::Corruption(what + ": the object has only " + std::to_string(size) + " bytes");
    }
    out.clear();
    return Status::Ok();
  }
  const uint64_t last = offset + n - 1;
  S3Exchange get = Send({Method::kGet,
                         ObjectUrl(key),
                         {"Range: bytes=" + std::to_string(offset) + "-" + std::to_string(last)}},
                        what);
  std::string& body = get.response.body;
  if (get.response.curl_code == CURLE_OK && get.response.http_status == 416) {
    return Status::Corruption(what + ": the object ends before byte " + std::to_string(offset));
  }
  if (!get.status.ok()) return get.status;
  if (get.response.http_status == 200) {
    // A server that ignores Range sends the whole object.
    if (body.size() < offset + n) {
      return Status::Corruption(what + ": the object has only " + std::to_string(body.size()) +
                                " bytes");
    }
    body = body.substr(offset, n);
  } else if (get.response.http_status != 206) {
    return Status::IOError(what + ": unexpected HTTP " + std::to_string(get.response.http_status));
  } else if (body.size() != n) {
    return Status::Corruption(what + ": the object ends after " + std::to_string(body.size()) +
                              " of the bytes");
  }
  out = std::move(body);
  return Status::Ok();
}

Result<std::string> S3ObjectStore::Get(const std::string& key) {
  LODE_RETURN_IF_ERROR(CheckKey(key));
  S3Exchange get = Send({Method::kGet, ObjectUrl(key)}, "GET " + Target(key));
  if (!get.status.ok()) return get.status;
  return std::move(get.response.body);
}

Result<uint64_t> S3ObjectStore::Size(const std::string& key) {
  LODE_RETURN_IF_ERROR(CheckKey(key));
  const std::string what = "HEAD " + Target(key);
  S3Exchange head = Send({Method::kHead, ObjectUrl(key)}, what);
  if (!head.status.ok()) return head.status;
  if (head.response.content_length < 0) return Status::IOError(what + ": no Content-Length");
  return static_cast<uint64_t>(head.response.content_length);
}

Result<std::vector<ObjectInfo>> S3ObjectStore::List(const std::string& prefix) {
  const std::string what = "GET bucket " + options_.bucket + " list prefix \"" + prefix + "\"";
  std::vector<ObjectInfo> objects;
  std::string token;
  for (;;) {
    QueryParams query = {{"list-type", "2"}, {"prefix", prefix}};
    if (!token.empty()) query.emplace_back("continuation-token", token);
    S3Exchange list = Send({Method::kGet, BucketUrl(CanonicalQuery(std::move(query)))}, what);
    if (!list.status.ok()) return list.status;
    auto page = ParseListPage(list.response.body);
    if (!page.ok()) return page.status().WithContext(what);
    objects.insert(objects.end(), std::make_move_iterator(page->objects.begin()),
                   std::make_move_iterator(page->objects.end()));
    if (!page->truncated) break;
    token = std::move(page->next_token);
  }
  // S3 lists in key order already; a service that did not must not
  // break the contract.
  auto by_key = [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; };
  if (!std::is_sorted(objects.begin(), objects.end(), by_key)) {
    std::sort(objects.begin(), objects.end(), by_key);
  }
  return objects;
}

Status S3ObjectStore::Delete(const std::string& key) {
  LODE_RETURN_IF_ERROR(CheckKey(key));
  Status status = Send({Method::kDelete, ObjectUrl(key)}, "DELETE " + Target(key)).status;
  if (status.code() == StatusCode::kNotFound) return Status::Ok();
  return status;
}

S3Stats S3ObjectStore::Stats() const {
  S3Stats stats;
  stats.requests = requests_.load();
  stats.retries = retries_.load();
  stats.failures = failures_.load();
  stats.bytes_uploaded = bytes_uploaded_.load();
  stats.bytes_downloaded = bytes_downloaded_.load();
  return stats;
}

}  // namespace lode
