#include "objstore/s3_protocol.h"

#include <gtest/gtest.h>

namespace lode {
namespace {

using std::chrono::milliseconds;

TEST(S3ProtocolTest, KeysAreEncodedAsSigV4SignsThem) {
  EXPECT_EQ(UriEncode("a/b c+d", true), "a/b%20c%2Bd");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(UriEncode("AZaz09-_.~", false), "AZaz09-_.~");
  EXPECT_EQ(UriEncode("é!*'()&=?#%", true), "%C3%A9%21%2A%27%28%29%26%3D%3F%23%25");
  EXPECT_EQ(UriEncode(std::string("\0\xff", 2), true), "%00%FF");
}

TEST(S3ProtocolTest, QueriesAreSortedEncodedAndAlwaysHaveAnEqualsSign) {
  EXPECT_EQ(CanonicalQuery({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(
      CanonicalQuery({{"prefix", "a b/c"}, {"list-type", "2"}, {"continuation-token", "x+y="}}),
      "continuation-token=x%2By%3D&list-type=2&prefix=a%20b%2Fc");
  EXPECT_EQ(CanonicalQuery({{"uploadId", "2~x"}, {"partNumber", "10"}}),
            "partNumber=10&uploadId=2~x");
  EXPECT_EQ(CanonicalQuery({}), "");
}

TEST(S3ProtocolTest, RetriesNetworkFailuresAndServerTrouble) {
  EXPECT_EQ(Classify(CURLE_COULDNT_CONNECT, 0, ""), Verdict::kRetry);
  EXPECT_EQ(Classify(CURLE_OPERATION_TIMEDOUT, 0, ""), Verdict::kRetry);
  EXPECT_EQ(Classify(CURLE_RECV_ERROR, 0, ""), Verdict::kRetry);
  EXPECT_EQ(Classify(CURLE_OK, 500, "InternalError"), Verdict::kRetry);
  EXPECT_EQ(Classify(CURLE_OK, 503, "SlowDown"), Verdict::kRetry);
  EXPECT_EQ(Classify(CURLE_OK, 502, ""), Verdict::kRetry);
  EXPECT_EQ(Classify(CURLE_OK, 429, ""), Verdict::kRetry);
  EXPECT_EQ(Classify(CURLE_OK, 400, "RequestTimeout"), Verdict::kRetry);
}

TEST(S3ProtocolTest, DoesNotRetryAnswersThatWillNotChange) {
  EXPECT_EQ(Classify(CURLE_OK, 200, ""), Verdict::kDone);
  EXPECT_EQ(Classify(CURLE_OK, 206, ""), Verdict::kDone);
  EXPECT_EQ(Classify(CURLE_OK, 404, "NoSuchKey"), Verdict::kDone);
  EXPECT_EQ(Classify(CURLE_OK, 403, "SignatureDoesNotMatch"), Verdict::kDone);
  EXPECT_EQ(Classify(CURLE_OK, 400, "InvalidArgument"), Verdict::kDone);
  EXPECT_EQ(Classify(CURLE_OK, 409, "BucketAlreadyExists"), Verdict::kDone);
  EXPECT_EQ(Classify(CURLE_OK, 501, "NotImplemented"), Verdict::kDone);
  EXPECT_EQ(Classify(CURLE_URL_MALFORMAT, 0, ""), Verdict::kDone);
  EXPECT_EQ(Classify(CURLE_READ_ERROR, 0, ""), Verdict::kDone);
}

TEST(S3ProtocolTest, BackoffDoublesUpToTheCapWithHalfOfItRandom) {
  const milliseconds initial(100), max(1000);
  EXPECT_EQ(BackoffDelay(initial, max, 1, 0.0), milliseconds(50));
  EXPECT_EQ(BackoffDelay(initial, max, 1, 0.999), milliseconds(99));
  EXPECT_EQ(BackoffDelay(initial, max, 2, 0.0), milliseconds(100));
  EXPECT_EQ(BackoffDelay(initial, max, 3, 0.5), milliseconds(300));
  EXPECT_EQ(BackoffDelay(initial, max, 5, 0.0), milliseconds(500));  // 1600, capped
  EXPECT_EQ(BackoffDelay(initial, max, 1000, 1.0), milliseconds(1000));
}

TEST(S3ProtocolTest, ErrorsSayWhatFailedAndHow) {
  CurlResponse response;
  response.http_status = 200;
  EXPECT_TRUE(AnswerStatus("GET b/k", response, 1).ok());

  response.http_status = 404;
  response.body =
      "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>";
  Status status = AnswerStatus("GET b/k", response, 1);
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "GET b/k: HTTP 404 NoSuchKey: The specified key does not exist.");

  response.http_status = 403;
  response.body = "<Error><Code>SignatureDoesNotMatch</Code><Message></Message></Error>";
  status = AnswerStatus("PUT b/k", response, 1);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "PUT b/k: HTTP 403 SignatureDoesNotMatch");

  response.http_status = 503;
  response.body = "<Error><Code>SlowDown</Code><Message>Please reduce</Message></Error>";
  status = AnswerStatus("PUT b/k", response, 6);
  EXPECT_EQ(status.code(), StatusCode::kRateLimited);
  EXPECT_EQ(status.message(), "PUT b/k: HTTP 503 SlowDown: Please reduce (after 6 attempts)");

  response.body.clear();
  EXPECT_EQ(AnswerStatus("PUT b/k", response, 6).code(), StatusCode::kUnavailable);
  response.http_status = 409;
  EXPECT_EQ(AnswerStatus("PUT b", response, 1).code(), StatusCode::kConflict);
  response.http_status = 500;
  EXPECT_EQ(AnswerStatus("HEAD b/k", response, 3).message(),
            "HEAD b/k: HTTP 500 (after 3 attempts)");

  response.curl_code = CURLE_COULDNT_CONNECT;
  response.curl_error = "Failed to connect to 127.0.0.1 port 1";
  status = AnswerStatus("HEAD b", response, 3);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(status.message(),
            "HEAD b: Failed to connect to 127.0.0.1 port 1 (curl error 7) (after 3 attempts)");
  response.curl_code = CURLE_URL_MALFORMAT;
  EXPECT_EQ(AnswerStatus("HEAD b", response, 1).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lode
