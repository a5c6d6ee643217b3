#include "cluster/lease_keeper.h"

#include <xxhash.h>

#include <algorithm>

#include "base/log.h"

namespace lode {
namespace {

std::string LeaseKey(uint32_t partition) { return "p." + std::to_string(partition); }

std::optional<PartitionLease> ParseLease(const std::string& value) {
  size_t space = value.find(' ');
  if (space == std::string::npos) return std::nullopt;
  return PartitionLease{value.substr(0, space), value.substr(space + 1)};
}

}  // namespace

LeaseKeeper::LeaseKeeper(KvBucket& leases, KvBucket& members, const ClusterOptions& options,
                         Callbacks callbacks)
    : leases_(leases),
      members_(members),
      options_(options),
      callbacks_(std::move(callbacks)),
      value_(options.node_id + " " + options.advertise) {
  MutexLock lock(mu_);
  owners_.resize(options.partitions);
}

LeaseKeeper::~LeaseKeeper() { Stop(false); }

void LeaseKeeper::Start() {
  Round();
  thread_ = std::thread([this] { Loop(); });
}

void LeaseKeeper::Stop(bool hand_over) {
  {
    MutexLock lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
    wake_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
  if (hand_over) {
    for (const auto& [partition, revision] : mine_) {
      callbacks_.release(partition);
      (void)leases_.Delete(LeaseKey(partition));
      released_.fetch_add(1);
    }
    mine_.clear();
    owned_.store(0);
    (void)members_.Delete(options_.node_id);
  }
}

void LeaseKeeper::Loop() {
  MutexLock lock(mu_);
  while (!stop_) {
    wake_.WaitFor(options_.lease_interval);
    if (stop_) break;
    lock.Unlock();
    Round();
    lock.Lock();
  }
}

void LeaseKeeper::Round() {
  // The heartbeat first: members count themselves before sharing out.
  if (auto s = members_.Put(options_.node_id, options_.advertise); !s.ok()) {
    log::Warn("cannot write the member entry", {{"err", s.status().ToString()}});
  }
  std::vector<std::string> members;
  if (auto keys = members_.Keys(); keys.ok()) members = std::move(*keys);
  if (std::find(members.begin(), members.end(), options_.node_id) == members.end()) {
    members.push_back(options_.node_id);
  }
  members_seen_.store(members.size());

  const uint32_t partitions = options_.partitions;
  std::vector<std::optional<PartitionLease>> owners(partitions);
  std::vector<uint64_t> revisions(partitions, 0);
  std::vector<char> unread(partitions, 0);
  bool read_all = true;
  for (uint32_t p = 0; p < partitions; ++p) {
    auto entry = leases_.Get(LeaseKey(p));
    if (entry.ok()) {
      owners[p] = ParseLease(entry->value);
      revisions[p] = entry->revision;
    } else if (entry.status().code() != StatusCode::kNotFound) {
      read_all = false;  // cannot tell: take nothing this round
      unread[p] = 1;
    }
  }

  // Renew what is held; whatever is no longer ours is lost.
  for (auto it = mine_.begin(); it != mine_.end();) {
    const uint32_t p = it->first;
    bool ours = owners[p] && owners[p]->node_id == options_.node_id && revisions[p] == it->second;
    if (ours) {
      auto revision = leases_.Update(LeaseKey(p), value_, it->second);
      if (revision.ok()) {
        it->second = *revision;
        ++it;
        continue;
      }
      if (revision.status().code() != StatusCode::kConflict) {
        // The bucket cannot be reached: keep the lease for now; it
        // expires by itself if this goes on, and the catalog fences.
        ++it;
        continue;
      }
    } else if (!read_all && !owners[p]) {
      ++it;
      continue;
    }
    log::Warn("partition lease lost", {{"partition", std::to_string(p)}});
    callbacks_.lost(p);
    lost_.fetch_add(1);
    if (owners[p] && owners[p]->node_id == options_.node_id) owners[p].reset();
    it = mine_.erase(it);
  }

  const size_t share = (partitions + members.size() - 1) / members.size();
  if (read_all) {
    // Leases in this member's name that it does not hold are from before
    // a restart: taken back at once (by their revision), all of them,
    // rather than left to expire with no owner; the hand-over below then
    // evens the shares out.
    for (uint32_t p = 0; p < partitions; ++p) {
      if (mine_.count(p) || !owners[p] || owners[p]->node_id != options_.node_id) continue;
      auto revision = leases_.Update(LeaseKey(p), value_, revisions[p]);
      if (!revision.ok()) continue;
      if (!callbacks_.acquired(p)) {
        (void)leases_.Delete(LeaseKey(p));
        owners[p].reset();
        continue;
      }
      mine_[p] = *revision;
      acquired_.fetch_add(1);
      log::Info("partition lease taken back", {{"partition", std::to_string(p)}});
    }
    // Free partitions, starting at a place of this member's own so that
    // members joining together do not all race for the same ones.
    const uint32_t start = static_cast<uint32_t>(
        XXH3_64bits(options_.node_id.data(), options_.node_id.size()) % partitions);
    for (uint32_t i = 0; i < partitions && mine_.size() < share; ++i) {
      const uint32_t p = (start + i) % partitions;
      if (owners[p] || mine_.count(p)) continue;
      auto revision = leases_.Create(LeaseKey(p), value_);
      if (!revision.ok()) continue;  // another member was first
      if (!callbacks_.acquired(p)) {
        (void)leases_.Delete(LeaseKey(p));
        continue;
      }
      mine_[p] = *revision;
      owners[p] = PartitionLease{options_.node_id, options_.advertise};
      acquired_.fetch_add(1);
      log::Info("partition lease taken", {{"partition", std::to_string(p)}});
    }

    // Hand one partition over when another member is short of its share.
    std::map<std::string, size_t> held;
    for (const std::string& m : members) held[m] = 0;
    for (const auto& o : owners) {
      if (o) ++held[o->node_id];
    }
    const size_t floor_share = partitions / members.size();
    bool someone_short = false;
    for (const auto& [node, count] : held) {
      if (node != options_.node_id && count < floor_share) someone_short = true;
    }
    if (someone_short && mine_.size() > floor_share) {
      const uint32_t p = mine_.rbegin()->first;
      callbacks_.release(p);
      (void)leases_.Delete(LeaseKey(p));
      mine_.erase(p);
      owners[p].reset();
      released_.fetch_add(1);
      log::Info("partition handed over", {{"partition", std::to_string(p)}});
    }
  }

  owned_.store(mine_.size());
  MutexLock lock(mu_);
  // A lease that could not be read keeps the owner seen before (this
  // member, for one it holds): while the bucket is out of reach, as
  // during a JetStream leader election, queries go on asking the owners
  // for their newest records rather than answering without them.
  for (uint32_t p = 0; p < partitions; ++p) {
    if (!unread[p] || owners[p]) continue;
    if (mine_.count(p)) {
      owners[p] = PartitionLease{options_.node_id, options_.advertise};
    } else if (p < owners_.size()) {
      owners[p] = owners_[p];
    }
  }
  owners_ = std::move(owners);
}

std::vector<std::optional<PartitionLease>> LeaseKeeper::Owners() const {
  MutexLock lock(mu_);
  return owners_;
}

std::optional<PartitionLease> LeaseKeeper::ReadOwner(uint32_t partition) {
  auto entry = leases_.Get(LeaseKey(partition));
  if (!entry.ok()) return std::nullopt;
  return ParseLease(entry->value);
}

LeaseStats LeaseKeeper::Stats() const {
  LeaseStats s;
  s.acquired = acquired_.load();
  s.lost = lost_.load();
  s.released = released_.load();
  s.members = members_seen_.load();
  s.owned = owned_.load();
  return s;
}

}  // namespace lode
