// KV buckets on a real JetStream cluster (see nats_cluster.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "nats_cluster.h"

namespace lode::testing {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

TEST_F(NatsClusterTest, KvCompareAndSet) {
  KvConfig config;
  config.bucket = Unique("catalog");
  config.replicas = 3;
  auto opened = client_->OpenKv(config);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  KvBucket& kv = **opened;
  auto keys = kv.Keys();
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_TRUE(keys->empty());

  auto r1 = kv.Create("part.1", "a");
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  auto exists = kv.Create("part.1", "a again");
  EXPECT_EQ(exists.status().code(), StatusCode::kConflict) << exists.status().ToString();
  auto r2 = kv.Update("part.1", "b", *r1);
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_GT(*r2, *r1);
  auto stale = kv.Update("part.1", "c", *r1);
  EXPECT_EQ(stale.status().code(), StatusCode::kConflict) << stale.status().ToString();
  std::printf("a lost compare-and-set says: %s\n", stale.status().ToString().c_str());
  auto entry = kv.Get("part.1");
  ASSERT_TRUE(entry.ok()) << entry.status().ToString();
  EXPECT_EQ(entry->value, "b");
  EXPECT_EQ(entry->revision, *r2);
  EXPECT_FALSE(entry->deleted);

  auto r3 = kv.Put("part.2", "x");
  ASSERT_TRUE(r3.ok());
  keys = kv.Keys();
  ASSERT_TRUE(keys.ok());
  std::sort(keys->begin(), keys->end());
  EXPECT_EQ(*keys, (std::vector<std::string>{"part.1", "part.2"}));

  ASSERT_TRUE(kv.Delete("part.1").ok());
  EXPECT_EQ(kv.Get("part.1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(kv.Update("part.1", "d", *r2).status().code(), StatusCode::kConflict);
  EXPECT_EQ(*kv.Keys(), std::vector<std::string>{"part.2"});
  auto recreated = kv.Create("part.1", "again");
  ASSERT_TRUE(recreated.ok()) << recreated.status().ToString();
  EXPECT_EQ(kv.Get("part.1")->value, "again");

  EXPECT_EQ(kv.Get("never.written").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(kv.Get("not a key").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(kv.Update("part.2", "y", 0).status().code(), StatusCode::kInvalidArgument);

  // Opening it again binds the same bucket.
  auto same = client_->OpenKv(config);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ((*same)->Get("part.2")->value, "x");
}

TEST_F(NatsClusterTest, AKvWatcherGivesValuesThenChanges) {
  KvConfig config;
  config.bucket = Unique("watched");
  config.replicas = 3;
  auto opened = client_->OpenKv(config);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  KvBucket& kv = **opened;
  ASSERT_TRUE(kv.Put("p.a", "1").ok());
  ASSERT_TRUE(kv.Put("p.b", "2").ok());
  ASSERT_TRUE(kv.Delete("p.b").ok());
  ASSERT_TRUE(kv.Put("q.c", "3").ok());

  auto watcher = kv.Watch("p.*");
  ASSERT_TRUE(watcher.ok()) << watcher.status().ToString();
  auto first = (*watcher)->Next(2s);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->key, "p.a");
  EXPECT_EQ((*first)->value, "1");
  EXPECT_FALSE((*first)->deleted);
  // p.b was deleted before the watch: not a current value. q.c does not match.
  auto quiet = (*watcher)->Next(300ms);
  ASSERT_TRUE(quiet.ok());
  EXPECT_FALSE(quiet->has_value()) << (*quiet)->key;

  auto r = kv.Put("p.d", "4");
  ASSERT_TRUE(kv.Put("q.e", "5").ok());
  ASSERT_TRUE(kv.Delete("p.a").ok());
  auto put = (*watcher)->Next(2s);
  ASSERT_TRUE(put.ok() && put->has_value());
  EXPECT_EQ((*put)->key, "p.d");
  EXPECT_EQ((*put)->value, "4");
  EXPECT_EQ((*put)->revision, *r);
  auto deleted = (*watcher)->Next(2s);
  ASSERT_TRUE(deleted.ok() && deleted->has_value());
  EXPECT_EQ((*deleted)->key, "p.a");
  EXPECT_TRUE((*deleted)->deleted);
}

TEST_F(NatsClusterTest, KvEntriesExpireAfterTheTtl) {
  KvConfig config;
  config.bucket = Unique("leases");
  config.replicas = 3;
  config.ttl = 1s;
  auto opened = client_->OpenKv(config);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  KvBucket& kv = **opened;
  auto watcher = kv.Watch(">");
  ASSERT_TRUE(watcher.ok());

  auto start = steady_clock::now();
  ASSERT_TRUE(kv.Create("partition.7", "node-1").ok());
  EXPECT_EQ(kv.Create("partition.7", "node-2").status().code(), StatusCode::kConflict);
  auto created = (*watcher)->Next(2s);
  ASSERT_TRUE(created.ok() && created->has_value());
  EXPECT_EQ((*created)->value, "node-1");

  while (kv.Get("partition.7").ok() && steady_clock::now() - start < 10s) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(kv.Get("partition.7").status().code(), StatusCode::kNotFound);
  std::printf("a 1 s lease was gone after %.0f ms\n", Millis(steady_clock::now() - start));
  EXPECT_GE(steady_clock::now() - start, 900ms);
  auto taken = kv.Create("partition.7", "node-2");
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  // The expiry itself gave the watcher nothing (nats-server 2.9 writes no
  // marker): the next change it sees is the new owner.
  auto next = (*watcher)->Next(2s);
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ((*next)->value, "node-2");
  EXPECT_FALSE((*next)->deleted);
}

}  // namespace
}  // namespace lode::testing
