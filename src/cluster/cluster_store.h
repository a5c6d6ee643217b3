// ClusterStore: Storage over a whole cluster, for the query engine on
// any member. Each read asks the partitions' owners for the records they
// hold (with the sequence their answer starts above), then reads the
// tenant's parts from the catalog that hold what is at or below it, and
// merges both as a single node merges its heads and parts. A partition
// whose owner cannot be reached is read from its parts alone, and the
// read says so in its warnings (ReadStats), never silently.
//
// Writes do not come here: a member's pushes go to its ReplicatedSink.
#pragma once

#include "cluster/cluster_node.h"
#include "storage/part_snapshot.h"
#include "storage/storage.h"

namespace lode {

class ClusterStore final : public Storage {
 public:
  explicit ClusterStore(ClusterNode& node) : node_(node) {}

  using Storage::Append;
  Status Append(const std::string& tenant, const std::vector<StreamBatch>& batches,
                Durability durability, std::string_view batch_id) override;
  Result<std::unique_ptr<RecordIterator>> Select(const SelectRequest& request) override;
  Result<std::vector<SeriesInfo>> Series(const SeriesRequest& request) override;
  Status ScanTimestamps(const SelectRequest& request,
                        const std::function<void(const TimestampRun&)>& fn) override;
  Result<std::vector<AuditChain>> AuditChains(const std::string& tenant) override;
  Status Flush() override { return Status::Ok(); }
  Status Close() override { return Status::Ok(); }

 private:
  Result<PartSnapshot> Snapshot(const std::string& tenant, TimestampNs start, TimestampNs end,
                                const std::vector<Matcher>& matchers,
                                const RecentGathered& gathered);
  ClusterNode& node_;
};

}  // namespace lode
