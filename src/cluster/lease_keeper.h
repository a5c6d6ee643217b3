// LeaseKeeper: which member owns which partition, by leases in a KV
// bucket whose entries expire (lode_leases, TTL lease_ttl), beside a
// bucket of live members (lode_members, the same TTL). Every
// lease_interval a member
//   - writes its member entry (a heartbeat),
//   - renews each lease it holds (an update naming the revision it last
//     wrote: if anyone else wrote the key meanwhile, the lease is lost),
//   - takes free partitions (create: only one member can) until it holds
//     its share, ceil(partitions / live members),
//   - and, holding more than its share while another member holds less
//     than floor(partitions / members), hands one partition over: its
//     owner writes what it holds as parts, then the lease is deleted and
//     the other member takes it on its next round.
// A member that dies stops renewing; its leases expire after lease_ttl
// and the others take them on their next round, so a partition is
// without owner for at most lease_ttl + lease_interval.
//
// A lease alone does not make an owner: the PartitionOwner it starts
// fences the catalog, which is what keeps a former owner that still
// believes it holds the lease from writing (catalog.h).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "cluster/cluster_options.h"
#include "jetstream/nats_client.h"

namespace lode {

struct PartitionLease {
  std::string node_id;
  std::string address;  // the owner's advertised HTTP address
};

struct LeaseStats {
  uint64_t acquired = 0;
  uint64_t lost = 0;
  uint64_t released = 0;
  uint64_t owned = 0;
  uint64_t members = 0;
};

class LeaseKeeper {
 public:
  struct Callbacks {
    // A lease was taken: start owning. False when that failed (the lease
    // is then given back).
    std::function<bool(uint32_t)> acquired;
    // The lease is gone (expired, or taken): stop at once.
    std::function<void(uint32_t)> lost;
    // The lease is being handed over: write what is held, then stop.
    std::function<void(uint32_t)> release;
  };

  LeaseKeeper(KvBucket& leases, KvBucket& members, const ClusterOptions& options,
              Callbacks callbacks);
  ~LeaseKeeper();

  // Runs the first round now, then one every lease_interval.
  void Start();
  // Stops the rounds; with `hand_over`, releases every lease held (after
  // the release callback), so others take over at once.
  void Stop(bool hand_over);

  // The owner of each partition as last seen (nullopt: none). A lease the
  // last round could not read keeps the owner seen before it.
  std::vector<std::optional<PartitionLease>> Owners() const;
  // The owner of `partition` read now from the bucket (nullopt: none, or
  // the bucket cannot be read).
  std::optional<PartitionLease> ReadOwner(uint32_t partition);
  LeaseStats Stats() const;

  // One round (public for tests that drive rounds themselves).
  void Round();

 private:
  void Loop();

  KvBucket& leases_;
  KvBucket& members_;
  const ClusterOptions options_;
  const Callbacks callbacks_;
  const std::string value_;  // "<node_id> <advertise>"

  mutable Mutex mu_;
  CondVar wake_{mu_};
  bool stop_ GUARDED_BY(mu_) = false;
  std::vector<std::optional<PartitionLease>> owners_ GUARDED_BY(mu_);
  std::map<uint32_t, uint64_t> mine_;  // partition -> revision last written; Round's thread only
  std::thread thread_;
  std::atomic<uint64_t> acquired_{0}, lost_{0}, released_{0}, members_seen_{0}, owned_{0};
};

}  // namespace lode
