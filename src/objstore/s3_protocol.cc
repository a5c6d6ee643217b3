#include "objstore/s3_protocol.h"

#include <algorithm>

#include "objstore/s3_xml.h"

namespace lode {
namespace {

bool Unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

// Failures of the network, not of the request: another attempt may pass.
bool TransientCurlError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

bool SlowDown(long http_status, std::string_view s3_code) {
  return http_status == 429 || s3_code == "SlowDown";
}

}  // namespace

std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (Unreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string CanonicalQuery(QueryParams params) {
  for (auto& [name, value] : params) {
    name = UriEncode(name, false);
    value = UriEncode(value, false);
  }
  std::sort(params.begin(), params.end());
  std::string query;
  for (const auto& [name, value] : params) {
    if (!query.empty()) query += '&';
    query += name + "=" + value;
  }
  return query;
}

Verdict Classify(CURLcode curl_code, long http_status, std::string_view s3_code) {
  if (curl_code != CURLE_OK)
    return TransientCurlError(curl_code) ? Verdict::kRetry : Verdict::kDone;
  if (http_status >= 500 && http_status != 501) return Verdict::kRetry;  // 501: not implemented
  if (http_status == 429 || http_status == 408) return Verdict::kRetry;
  // S3 answers 400 RequestTimeout when the body came too slowly.
  if (http_status == 400 && s3_code == "RequestTimeout") return Verdict::kRetry;
  return Verdict::kDone;
}

std::chrono::milliseconds BackoffDelay(std::chrono::milliseconds initial,
                                       std::chrono::milliseconds max, int retry, double jitter) {
  std::chrono::milliseconds delay = initial;
  for (int i = 1; i < retry && delay < max; ++i) delay *= 2;
  delay = std::min(delay, max);
  const auto half = delay / 2;
  return delay - half + std::chrono::milliseconds(static_cast<int64_t>(half.count() * jitter));
}

Status AnswerStatus(std::string_view what, const CurlResponse& response, int attempts) {
  const std::string tries =
      attempts > 1 ? " (after " + std::to_string(attempts) + " attempts)" : std::string();
  if (response.curl_code != CURLE_OK) {
    std::string message = std::string(what) + ": " + response.curl_error + " (curl error " +
                          std::to_string(response.curl_code) + ")" + tries;
    if (TransientCurlError(response.curl_code)) return Status::Unavailable(std::move(message));
    if (response.curl_code == CURLE_URL_MALFORMAT ||
        response.curl_code == CURLE_UNSUPPORTED_PROTOCOL) {
      return Status::InvalidArgument(std::move(message));
    }
    return Status::IOError(std::move(message));
  }
  const long http = response.http_status;
  if (http >= 200 && http < 300) return Status::Ok();

  const S3Error error = ParseS3Error(response.body);
  std::string message = std::string(what) + ": HTTP " + std::to_string(http);
  if (!error.code.empty()) message += " " + error.code;
  if (!error.message.empty()) message += ": " + error.message;
  message += tries;
  if (http == 404) return Status::NotFound(std::move(message));
  if (SlowDown(http, error.code)) return Status::RateLimited(std::move(message));
  if (http >= 500 || http == 408) return Status::Unavailable(std::move(message));
  if (http == 409 || http == 412) return Status::Conflict(std::move(message));
  if (http >= 400) return Status::InvalidArgument(std::move(message));
  return Status::IOError(std::move(message));  // 1xx, 3xx: not an answer S3 gives
}

}  // namespace lode
