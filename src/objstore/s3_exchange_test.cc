// The S3 client's requests and its retries, against a canned HTTP
// server in the test: it checks no signature, answers each request with
// the next reply queued, and records what it was sent. The exchanges
// with a real S3 service are the cluster tests'.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <deque>
#include <thread>

#include "base/mutex.h"
#include "objstore/s3_object_store.h"

namespace lode {
namespace {

struct Seen {
  std::string line;  // "PUT /b/k?x=1 HTTP/1.1"
  std::string head;  // the header lines
  std::string body;
};

struct Reply {
  Reply(int status = 200, std::string body = "", std::string headers = "")
      : status(status), body(std::move(body)), headers(std::move(headers)) {}
  int status;
  std::string body;
  std::string headers;  // extra header lines, each ending "\r\n"
};

class CannedServer {
 public:
  CannedServer() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
        listen(listener_, 16) == 0 &&
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port_ = ntohs(address.sin_port);
    }
    thread_ = std::thread([this] { Serve(); });
  }
  ~CannedServer() {
    shutdown(listener_, SHUT_RDWR);  // wakes accept()
    thread_.join();
    close(listener_);
  }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void Queue(Reply reply) {
    MutexLock lock(mu_);
    replies_.push_back(std::move(reply));
  }
  std::vector<Seen> seen() {
    MutexLock lock(mu_);
    return seen_;
  }

 private:
  // One request per connection, answered with "Connection: close".
  void Serve() {
    for (;;) {
      const int fd = accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      Answer(fd);
      close(fd);
    }
  }

  void Answer(int fd) {
    std::string data;
    char buffer[65536];
    size_t head_end;
    while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n <= 0) return;
      data.append(buffer, static_cast<size_t>(n));
    }
    Seen seen;
    seen.line = data.substr(0, data.find("\r\n"));
    seen.head = data.substr(seen.line.size() + 2, head_end - seen.line.size());
    size_t length = 0;
    if (size_t at = seen.head.find("Content-Length: "); at != std::string::npos) {
      length = std::stoul(seen.head.substr(at + 16));
    }
    if (seen.head.find("Expect: 100-continue") != std::string::npos) {
      Write(fd, "HTTP/1.1 100 Continue\r\n\r\n");
    }
    seen.body = data.substr(head_end + 4);
    while (seen.body.size() < length) {
      const ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n <= 0) return;
      seen.body.append(buffer, static_cast<size_t>(n));
    }
    Reply reply;
    {
      MutexLock lock(mu_);
      seen_.push_back(seen);
      if (!replies_.empty()) {
        reply = std::move(replies_.front());
        replies_.pop_front();
      }
    }
    const bool head = seen.line.rfind("HEAD ", 0) == 0;
    Write(fd, "HTTP/1.1 " + std::to_string(reply.status) +
                  " Canned\r\nContent-Length: " + std::to_string(reply.body.size()) +
                  "\r\nConnection: close\r\n" + reply.headers + "\r\n" + (head ? "" : reply.body));
  }

  static void Write(int fd, const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = write(fd, data.data() + done, data.size() - done);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }

  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
  Mutex mu_;
  std::deque<Reply> replies_ GUARDED_BY(mu_);
  std::vector<Seen> seen_ GUARDED_BY(mu_);
};

std::string Error(const std::string& code, const std::string& message = "") {
  return "<?xml version=\"1.0\"?><Error><Code>" + code + "</Code><Message>" + message +
         "</Message></Error>";
}

class S3ExchangeTest : public testing::Test {
 protected:
  // Opens a client of bucket "b" (which exists) on the canned server.
  std::unique_ptr<S3ObjectStore> Open() {
    options_.endpoint = server_.endpoint();
    options_.bucket = "b";
    options_.access_key = "AKID";
    options_.secret_key = "secret";
    options_.max_attempts = 4;
    options_.initial_backoff = std::chrono::milliseconds(1);
    server_.Queue({200});  // HEAD bucket
    auto store = S3ObjectStore::Open(options_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }

  CannedServer server_;
  S3Options options_;
};

TEST_F(S3ExchangeTest, RequestsAreSignedAndDeclareAnUnsignedPayload) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  server_.Queue({200});
  ASSERT_TRUE(store->Put("dir/a b+c", "data").ok());
  const std::vector<Seen> seen = server_.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].line, "HEAD /b HTTP/1.1");
  EXPECT_EQ(seen[1].line, "PUT /b/dir/a%20b%2Bc HTTP/1.1");
  EXPECT_NE(seen[1].head.find("x-amz-content-sha256: UNSIGNED-PAYLOAD"), std::string::npos);
  EXPECT_NE(seen[1].head.find("Authorization: AWS4-HMAC-SHA256 Credential=AKID/"),
            std::string::npos);
  EXPECT_NE(seen[1].head.find("/us-east-1/s3/aws4_request"), std::string::npos);
  EXPECT_NE(seen[1].head.find("x-amz-content-sha256;x-amz-date"), std::string::npos);
  EXPECT_EQ(seen[1].body, "data");
}

TEST_F(S3ExchangeTest, RetriesServerErrorsAndSlowDownThenSucceeds) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  server_.Queue({503, Error("SlowDown", "Please reduce your request rate.")});
  server_.Queue({500, Error("InternalError")});
  server_.Queue({200});
  ASSERT_TRUE(store->Put("k", "v").ok());
  const S3Stats stats = store->Stats();
  EXPECT_EQ(stats.requests, 4u);  // HEAD bucket, three PUTs
  EXPECT_EQ(stats.retries, 2u);
  EXPECT_EQ(stats.failures, 0u);
  EXPECT_EQ(stats.bytes_uploaded, 3u);
}

TEST_F(S3ExchangeTest, GivesUpAfterMaxAttempts) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 4; ++i) server_.Queue({503, Error("SlowDown", "Reduce")});
  Status status = store->Put("k", "v");
  EXPECT_EQ(status.code(), StatusCode::kRateLimited);
  EXPECT_EQ(status.message(), "PUT b/k: HTTP 503 SlowDown: Reduce (after 4 attempts)");
  EXPECT_EQ(store->Stats().failures, 1u);
  EXPECT_EQ(store->Stats().retries, 3u);
}

TEST_F(S3ExchangeTest, RefusalsAreNotRetried) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  server_.Queue({403, Error("AccessDenied", "Access Denied")});
  Status status = store->Put("k", "v");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "PUT b/k: HTTP 403 AccessDenied: Access Denied");
  EXPECT_EQ(server_.seen().size(), 2u);
  EXPECT_EQ(store->Stats().retries, 0u);
}

TEST_F(S3ExchangeTest, OpenCreatesTheBucketInItsRegion) {
  options_.endpoint = server_.endpoint();
  options_.bucket = "new";
  options_.region = "eu-west-1";
  options_.access_key = "AKID";
  options_.secret_key = "secret";
  server_.Queue({404});  // HEAD: no such bucket
  server_.Queue({200});  // PUT
  ASSERT_TRUE(S3ObjectStore::Open(options_).ok());
  const std::vector<Seen> seen = server_.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].line, "PUT /new HTTP/1.1");
  EXPECT_NE(seen[1].body.find("<LocationConstraint>eu-west-1</LocationConstraint>"),
            std::string::npos);
  EXPECT_NE(seen[1].head.find("/eu-west-1/s3/aws4_request"), std::string::npos);

  // A bucket that exists already (made by another client meanwhile).
  server_.Queue({404});
  server_.Queue({409, Error("BucketAlreadyOwnedByYou")});
  server_.Queue({200});  // HEAD again
  EXPECT_TRUE(S3ObjectStore::Open(options_).ok());
}

TEST_F(S3ExchangeTest, ARefusedHeadIsExplainedByAListing) {
  options_.endpoint = server_.endpoint();
  options_.bucket = "b";
  options_.access_key = "AKID";
  options_.secret_key = "wrong";
  server_.Queue({403});  // HEAD: no body
  server_.Queue({403, Error("SignatureDoesNotMatch")});
  auto store = S3ObjectStore::Open(options_);
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find("HTTP 403 SignatureDoesNotMatch"), std::string::npos)
      << store.status().message();
  EXPECT_EQ(server_.seen().back().line, "GET /b?list-type=2&max-keys=0 HTTP/1.1");
}

TEST_F(S3ExchangeTest, ListFollowsContinuationTokens) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  server_.Queue({200,
                 "<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>p/a</Key>"
                 "<Size>1</Size></Contents><NextContinuationToken>1/p+a=</NextContinuationToken>"
                 "</ListBucketResult>"});
  server_.Queue({200,
                 "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>p/b &amp; c"
                 "</Key><Size>2</Size></Contents></ListBucketResult>"});
  auto listed = store->List("p/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[1].key, "p/b & c");
  const std::vector<Seen> seen = server_.seen();
  ASSERT_EQ(seen.size(), 3u);
  // Sorted and encoded: as SigV4 signs a query.
  EXPECT_EQ(seen[1].line, "GET /b?list-type=2&prefix=p%2F HTTP/1.1");
  EXPECT_EQ(seen[2].line,
            "GET /b?continuation-token=1%2Fp%2Ba%3D&list-type=2&prefix=p%2F HTTP/1.1");
}

TEST_F(S3ExchangeTest, MultipartRetriesACompletionReportedAsAnErrorInA200) {
  options_.multipart_threshold = 5 << 20;
  options_.part_size = 5 << 20;
  auto store = Open();
  ASSERT_NE(store, nullptr);
  const std::string path = testing::TempDir() + "lode-s3-exchange-" + std::to_string(getpid());
  {
    std::unique_ptr<WritableFile> file = Env::Default()->NewAppendableFile(path).value();
    ASSERT_TRUE(file->Append(std::string((5 << 20) + 10, 'x')).ok());
    ASSERT_TRUE(file->Close().ok());
  }
  server_.Queue({200,
                 "<InitiateMultipartUploadResult><UploadId>U1</UploadId>"
                 "</InitiateMultipartUploadResult>"});
  server_.Queue({200, "", "ETag: \"e1\"\r\n"});
  server_.Queue({200, "", "ETag: \"e2\"\r\n"});
  server_.Queue({200, Error("InternalError", "try again")});
  server_.Queue({200, "<CompleteMultipartUploadResult/>"});
  Status status = store->PutFile("big", path);
  ASSERT_TRUE(status.ok()) << status.ToString();
  std::vector<Seen> seen = server_.seen();
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_EQ(seen[1].line, "POST /b/big?uploads= HTTP/1.1");
  EXPECT_EQ(seen[2].line, "PUT /b/big?partNumber=1&uploadId=U1 HTTP/1.1");
  EXPECT_EQ(seen[2].body.size(), 5u << 20);
  EXPECT_EQ(seen[3].line, "PUT /b/big?partNumber=2&uploadId=U1 HTTP/1.1");
  EXPECT_EQ(seen[3].body.size(), 10u);
  EXPECT_EQ(seen[5].line, "POST /b/big?uploadId=U1 HTTP/1.1");
  EXPECT_EQ(seen[5].body,
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"e1\"</ETag></Part>"
            "<Part><PartNumber>2</PartNumber><ETag>\"e2\"</ETag></Part></CompleteMultipartUpload>");

  // A part that fails for good aborts the upload.
  server_.Queue({200,
                 "<InitiateMultipartUploadResult><UploadId>U2</UploadId>"
                 "</InitiateMultipartUploadResult>"});
  server_.Queue({400, Error("InvalidPart")});
  server_.Queue({204});
  status = store->PutFile("big", path);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("PUT b/big part 1: HTTP 400 InvalidPart"), std::string::npos)
      << status.message();
  seen = server_.seen();
  EXPECT_EQ(seen.back().line, "DELETE /b/big?uploadId=U2 HTTP/1.1");
  ASSERT_TRUE(Env::Default()->RemoveFile(path).ok());
}

}  // namespace
}  // namespace lode
