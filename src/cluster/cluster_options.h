// What makes a node a cluster member: the `cluster:` section of the
// config file (README, "Scaling out").
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/matcher.h"
#include "objstore/s3_object_store.h"
#include "storage/part/part_writer.h"

namespace lode {

struct ClusterOptions {
  // Names the cluster's stream, subjects and buckets in NATS, so that
  // several clusters can share one NATS deployment ([a-z0-9_-]).
  std::string name = "lode";
  std::string node_id;
  std::string advertise;          // host:port of this node's HTTP API
  std::vector<std::string> nats;  // nats://host:port
  uint32_t partitions = 16;       // fixed when the cluster is created
  int replicas = 3;               // of the ingest stream and the KV buckets
  S3Options s3;
  std::string cache_dir = "./lode-cache";
  // Shared by the members: when set, they send it with every request to
  // one another (X-Lode-Cluster-Secret) and refuse such requests without
  // it. Set it wherever others can reach the members' ports.
  std::string secret;
  uint64_t cache_max_bytes = 10ull << 30;

  // Tunables with defaults that suit most clusters (not in the fixed
  // interface; settable for tests and large deployments).
  // A lease not renewed within this is free for another node to take.
  std::chrono::milliseconds lease_ttl{std::chrono::seconds(15)};
  // How often a node renews its leases and looks for partitions to take.
  std::chrono::milliseconds lease_interval{std::chrono::seconds(3)};
  // A partition's records in memory become parts at this size or age.
  uint64_t head_max_bytes = 64ull << 20;
  std::chrono::milliseconds head_max_age{std::chrono::minutes(5)};
  // Publishes of best-effort pushes waiting for acks; a push that would
  // pass it is refused with 429.
  size_t max_publishes_in_flight = 4096;
  // The stream keeps records this long after a part covers them, so that
  // a slow reader of the catalog can still find them.
  std::chrono::milliseconds purge_margin{std::chrono::minutes(10)};
  // A part replaced by a merge or dropped by retention is deleted from
  // the bucket this long after, so running queries never lose it.
  std::chrono::milliseconds delete_grace{std::chrono::minutes(10)};
  // Structured metadata keys whose value identifies a record (stored
  // once per stream), as durability.record_id_keys on a single node.
  std::vector<std::string> record_id_keys = {"log_record_uid", "record_id"};
  // Streams whose records are hash-chained (durability.audit_streams):
  // the owner of a stream's partition links its records in stream order.
  std::vector<std::vector<Matcher>> audit_streams;
  // How parts are written (block size, compression).
  part::PartWriterOptions part;
  // Merges: a tenant's parts of one day in one partition, from
  // merge_min_parts of them (at most merge_max_parts at once), rewritten
  // at merge_zstd_level; looked for every maintenance_interval.
  size_t merge_min_parts = 4;
  size_t merge_max_parts = 16;
  int merge_zstd_level = 6;
  std::chrono::milliseconds maintenance_interval{std::chrono::seconds(30)};
  // Retention, per tenant, applied by each partition's owner: parts whose
  // newest record is older than `period` are dropped (0: any age), then
  // the oldest while the tenant's parts in the partition pass `bytes` /
  // partitions (0: no limit).
  struct Retention {
    std::chrono::nanoseconds period{0};
    uint64_t bytes = 0;
  };
  Retention retention;
  std::map<std::string, Retention> tenant_retention;
  // How long a query waits for an owner to apply what the stream held
  // when it asked.
  std::chrono::milliseconds catch_up_wait{std::chrono::seconds(5)};
};

// Names shared by every member of a cluster called `name`: the ingest
// stream ("LODE_INGEST" for "lode"), its subjects ("lode.ingest.<p>"),
// and the KV buckets of leases, members and the catalog.
std::string IngestStreamName(const std::string& name);
std::string IngestSubject(const std::string& name, uint32_t partition);
std::string LeaseBucketName(const std::string& name);
std::string MemberBucketName(const std::string& name);
std::string CatalogBucketName(const std::string& name);

}  // namespace lode
