// The rules of talking to S3 that need no network: how keys and query
// parameters are written into a URL so that libcurl's AWS Signature V4
// signs what the server will check, which failures deserve another
// attempt and how long to wait before it, and the Status a failed
// exchange becomes.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "objstore/curl_client.h"

namespace lode {

// Percent-encodes every byte but the unreserved A-Z a-z 0-9 - _ . ~ (and
// '/' when `keep_slash`), in upper-case hex: the URI encoding SigV4
// signs. Object keys keep their '/' (S3 signs the path as sent); query
// names and values do not.
std::string UriEncode(std::string_view text, bool keep_slash);

// The query string of a request ("a=1&b=", no '?'), in SigV4's canonical
// form: names and values encoded, sorted by name, each with its '='.
// libcurl 7.88's SigV4 signs the query exactly as given (later versions
// sort and encode it themselves), so a query not already canonical
// ("?prefix=a&list-type=2", or "?uploads" without '=') would be signed
// differently from how the server checks it: SignatureDoesNotMatch.
// Given in canonical form, every version signs it right.
using QueryParams = std::vector<std::pair<std::string, std::string>>;
std::string CanonicalQuery(QueryParams params);

// What to do after an exchange.
enum class Verdict {
  kDone,   // a final answer: success, or a failure another try won't fix
  kRetry,  // the connection failed, timed out, or S3 is overloaded or failing
};
// `s3_code` is the Code of the answer's error document, if any.
Verdict Classify(CURLcode curl_code, long http_status, std::string_view s3_code);

// The wait before retry number `retry` (1 for the first): `initial`
// doubled for each earlier retry, at most `max`, of which a random half
// (`jitter`, in [0, 1)) is left out, so that clients that failed
// together do not all come back together.
std::chrono::milliseconds BackoffDelay(std::chrono::milliseconds initial,
                                       std::chrono::milliseconds max, int retry, double jitter);

// The final answer to a request, after as many attempts as it took.
struct S3Exchange {
  CurlResponse response;
  int attempts = 0;
  Status status;  // Ok for a 2xx answer; else what went wrong
};

// Ok for a 2xx answer. Otherwise an error for `what` (method and
// target: "GET bucket/key") that says what happened: libcurl's error, or
// the HTTP status with S3's error Code and Message, and the attempts
// made. Its code: NotFound for 404, Unavailable when the service could
// not be reached or kept failing (5xx, 408), RateLimited when it kept asking
// to slow down, Conflict for 409 and 412, InvalidArgument for other
// refusals (wrong keys, a bad request), IOError otherwise.
Status AnswerStatus(std::string_view what, const CurlResponse& response, int attempts);

}  // namespace lode
