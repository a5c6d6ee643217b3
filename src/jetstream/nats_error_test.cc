#include "jetstream/nats_error.h"

#include <gtest/gtest.h>

namespace lode {
namespace {

TEST(NatsErrorTest, ALostCompareAndSetIsAConflictThatKeepsTheServersWords) {
  Status status = MakeNatsStatus(NATS_ERR, "Error", JSStreamWrongLastSequenceErr,
                                 "(js.c:535): wrong last sequence: 7", "kv leases key p.3");
  EXPECT_EQ(status.code(), StatusCode::kConflict);
  EXPECT_EQ(status.message(),
            "kv leases key p.3: Error: wrong last sequence: 7 (jetstream error 10071)");
}

TEST(NatsErrorTest, TheJetStreamCodeDecidesOverTheLibrarysStatus) {
  EXPECT_EQ(MakeNatsStatus(NATS_NOT_FOUND, "Not Found", JSStreamNotFoundErr, "", "x").code(),
            StatusCode::kNotFound);
  EXPECT_EQ(MakeNatsStatus(NATS_ERR, "Error", JSClusterNotAvailErr, "", "x").code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(MakeNatsStatus(NATS_ERR, "Error", JSStreamMessageExceedsMaximumErr, "", "x").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeNatsStatus(NATS_ERR, "Error", JSStorageResourcesExceededErr, "", "x").code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(MakeNatsStatus(NATS_ERR, "Error", JSStreamNameExistErr, "", "x").code(),
            StatusCode::kConflict);
  // A code this client does not know of is still reported, by number.
  Status unknown = MakeNatsStatus(NATS_ERR, "Error", 10999, "something new", "x");
  EXPECT_EQ(unknown.code(), StatusCode::kInternal);
  EXPECT_EQ(unknown.message(), "x: Error: something new (jetstream error 10999)");
}

TEST(NatsErrorTest, WithoutAJetStreamCodeTheLibrarysStatusDecides) {
  EXPECT_TRUE(MakeNatsStatus(NATS_OK, "OK", 0, "", "x").ok());
  EXPECT_EQ(MakeNatsStatus(NATS_TIMEOUT, "Timeout", 0, "", "x").code(),
            StatusCode::kDeadlineExceeded);
  for (natsStatus down : {NATS_NO_RESPONDERS, NATS_CONNECTION_CLOSED, NATS_NO_SERVER,
                          NATS_CONNECTION_DISCONNECTED, NATS_IO_ERROR, NATS_STALE_CONNECTION}) {
    EXPECT_EQ(MakeNatsStatus(down, "down", 0, "", "x").code(), StatusCode::kUnavailable) << down;
  }
  EXPECT_EQ(MakeNatsStatus(NATS_NOT_FOUND, "Not Found", 0, "", "x").code(), StatusCode::kNotFound);
  EXPECT_EQ(MakeNatsStatus(NATS_INVALID_SUBJECT, "Invalid Subject", 0, "", "x").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeNatsStatus(NATS_SSL_ERROR, "SSL Error", 0, "", "x").code(), StatusCode::kInternal);
}

TEST(NatsErrorTest, TheMessageSaysEachThingOnce) {
  // A detail that repeats the status' text is not said twice.
  EXPECT_EQ(MakeNatsStatus(NATS_TIMEOUT, "Timeout", 0, "Timeout", "stream s").message(),
            "stream s: Timeout");
  // Only a "(file:line): " prefix is dropped from the detail.
  EXPECT_EQ(MakeNatsStatus(NATS_ERR, "Error", 0, "(no prefix) here", "c").message(),
            "c: Error: (no prefix) here");
}

}  // namespace
}  // namespace lode
