// What NatsClient does without a server: its library loads, and with
// nothing to connect to it fails at once, as Unavailable.
#include "jetstream/nats_client.h"

#include <gtest/gtest.h>

#include "jetstream/nats_api.h"
#include "jetstream/nats_kv.h"

namespace lode {
namespace {

TEST(NatsClientTest, LoadsEveryFunctionOfLibnats) {
  auto api = LoadNatsApi();
  ASSERT_TRUE(api.ok()) << api.status().ToString();
#define LODE_NATS_EXPECT_BOUND(name) EXPECT_NE((*api)->name, nullptr) << #name;
  LODE_NATS_FUNCTIONS(LODE_NATS_EXPECT_BOUND)
#undef LODE_NATS_EXPECT_BOUND
  EXPECT_STREQ((*api)->natsStatus_GetText(NATS_TIMEOUT), "Timeout");
  // The same table every time.
  EXPECT_EQ(*LoadNatsApi(), *api);
}

TEST(NatsClientTest, NoServerToConnectToIsUnavailable) {
  NatsOptions options;
  // Port 1 of loopback: nothing listens there, the connect is refused.
  options.servers = {"nats://127.0.0.1:1"};
  options.connect_timeout = std::chrono::milliseconds(500);
  auto client = NatsClient::Connect(options);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(client.status().message().find("nats://127.0.0.1:1"), std::string::npos)
      << client.status().message();

  options.servers.clear();
  EXPECT_EQ(NatsClient::Connect(options).status().code(), StatusCode::kInvalidArgument);
}

TEST(NatsClientTest, KvKeysAreTheCharactersNatsAllows) {
  for (const char* key : {"a", "p.3", "lease/owner_1", "A-Z=0.9", "x..y"}) {
    EXPECT_TRUE(IsValidKvKey(key)) << key;
  }
  for (const char* key : {"", ".a", "a.", "a b", "a*", "p.>", "k\n", "ключ"}) {
    EXPECT_FALSE(IsValidKvKey(key)) << key;
  }
}

}  // namespace
}  // namespace lode
