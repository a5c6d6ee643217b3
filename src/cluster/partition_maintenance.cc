// PartitionOwner's upkeep of its partition's parts: retention, deleting
// the objects of replaced parts once their grace period is over, and
// merging small parts. Each change is one compare-and-set of the
// partition's catalog entry, by the owner of the current epoch only.
#include <algorithm>
#include <map>
#include <set>

#include "base/log.h"
#include "cluster/partition_owner.h"
#include "storage/chain_cuts.h"
#include "storage/part_merge.h"
#include "storage/part_set.h"

namespace lode {

void PartitionOwner::Maintain() {
  if (Status s = ApplyRetentionAndDeletes(); !s.ok() && !lost_.load()) {
    log::Warn("partition upkeep failed",
              {{"partition", std::to_string(partition_)}, {"err", s.ToString()}});
  }
  if (lost_.load()) return;
  if (Status s = MergeOnce(); !s.ok() && !lost_.load()) {
    log::Warn("partition merge failed",
              {{"partition", std::to_string(partition_)}, {"err", s.ToString()}});
  }
}

Status PartitionOwner::ApplyRetentionAndDeletes() {
  LODE_ASSIGN_OR_RETURN(VersionedState v, services_.catalog->Load(partition_));
  if (v.state.owner != options_.node_id || v.state.epoch != epoch_) {
    lost_.store(true);
    return Status::Conflict("partition taken over");
  }
  const int64_t now_ms = services_.env->clock()->NowNanos() / 1'000'000;
  PartitionState& s = v.state;
  bool changed = false;

  // Objects replaced long enough ago that no query can still read them.
  std::vector<DoomedObject> keep;
  for (const DoomedObject& d : s.doomed) {
    if (now_ms - d.since_unix_ms >= options_.delete_grace.count() &&
        services_.bucket->Delete(d.key).ok()) {
      objects_deleted_.fetch_add(1);
      changed = true;
      continue;
    }
    keep.push_back(d);
  }
  s.doomed = std::move(keep);

  // Retention by age, then by size, per tenant.
  auto retention_of = [&](const std::string& tenant) {
    auto it = options_.tenant_retention.find(tenant);
    return it != options_.tenant_retention.end() ? it->second : options_.retention;
  };
  const TimestampNs now_ns = now_ms * 1'000'000;
  std::vector<CatalogPart> kept, expired;
  std::map<std::string, std::vector<size_t>> by_tenant;  // indexes into kept
  for (CatalogPart& p : s.parts) {
    const auto r = retention_of(p.tenant);
    if (r.period.count() > 0 && p.max_time < now_ns - r.period.count()) {
      expired.push_back(std::move(p));
      continue;
    }
    by_tenant[p.tenant].push_back(kept.size());
    kept.push_back(std::move(p));
  }
  std::set<size_t> dropped;
  for (auto& [tenant, indexes] : by_tenant) {
    const auto r = retention_of(tenant);
    if (r.bytes == 0) continue;
    const uint64_t limit = std::max<uint64_t>(1, r.bytes / options_.partitions);
    uint64_t total = 0;
    for (size_t i : indexes) total += kept[i].size;
    std::sort(indexes.begin(), indexes.end(),
              [&](size_t a, size_t b) { return kept[a].max_time < kept[b].max_time; });
    for (size_t i : indexes) {
      if (total <= limit) break;
      total -= kept[i].size;
      dropped.insert(i);
    }
  }
  if (!dropped.empty()) {
    std::vector<CatalogPart> left;
    for (size_t i = 0; i < kept.size(); ++i) {
      if (dropped.count(i)) {
        expired.push_back(std::move(kept[i]));
      } else {
        left.push_back(std::move(kept[i]));
      }
    }
    kept = std::move(left);
  }
  // The audit chains the expired parts hold records of are cut first, in
  // the same catalog write: a chain never loses records unrecorded.
  LODE_RETURN_IF_ERROR(RecordRetentionCuts(expired, s.audit_chains, now_ns));
  for (const CatalogPart& p : expired) {
    s.doomed.push_back({p.key, now_ms});
    retention_removed_.fetch_add(1);
    changed = true;
  }
  s.parts = std::move(kept);
  if (!changed) return Status::Ok();
  auto stored = services_.catalog->Store(partition_, s, v.revision);
  // A lost race is tried again next round (the deletes were idempotent).
  return stored.ok() ? Status::Ok() : stored.status();
}

Status PartitionOwner::RecordRetentionCuts(const std::vector<CatalogPart>& expired,
                                           std::vector<CatalogChain>& chains, TimestampNs now_ns) {
  for (CatalogChain& c : chains) {
    std::vector<std::shared_ptr<const LocalPart>> opened;
    std::vector<const ReadablePart*> parts;
    for (const CatalogPart& p : expired) {
      if (p.tenant != c.tenant) continue;
      auto part = services_.open_part ? services_.open_part(partition_, p)
                                      : Status::Unavailable("no part reader");
      if (!part.ok()) {
        // Its records are gone with it either way (verify will show them
        // missing); holding back every tenant's retention would not help.
        log::Error("retention cannot read a part of an audit stream's tenant",
                   {{"partition", std::to_string(partition_)},
                    {"part", p.key},
                    {"err", part.status().ToString()}});
        continue;
      }
      parts.push_back(part->get());
      opened.push_back(std::move(*part));
    }
    if (parts.empty()) continue;
    const std::string key = c.chain.stream.ToString();
    auto cuts = RetentionCuts(parts, {key}, now_ns, c.tenant);
    for (const RetentionCut& cut : cuts[key]) {
      AddRetentionCut(c.chain.cuts, cut);
      log::Info("retention cut an audit chain", {{"tenant", c.tenant},
                                                 {"stream", key},
                                                 {"first", std::to_string(cut.first)},
                                                 {"last", std::to_string(cut.last)}});
    }
  }
  return Status::Ok();
}

Status PartitionOwner::MergeOnce() {
  if (!services_.open_part) return Status::Ok();
  LODE_ASSIGN_OR_RETURN(VersionedState v, services_.catalog->Load(partition_));
  if (v.state.owner != options_.node_id || v.state.epoch != epoch_) {
    lost_.store(true);
    return Status::Conflict("partition taken over");
  }
  // A tenant's parts of one UTC day, as a single node merges them.
  std::map<std::pair<std::string, int64_t>, std::vector<const CatalogPart*>> groups;
  for (const CatalogPart& p : v.state.parts) groups[{p.tenant, DayOf(p.min_time)}].push_back(&p);
  for (const auto& [group, members] : groups) {
    if (members.size() < options_.merge_min_parts) continue;
    std::vector<std::shared_ptr<const LocalPart>> opened;
    std::map<const LocalPart*, const CatalogPart*> catalog_of;
    for (const CatalogPart* p : members) {
      LODE_ASSIGN_OR_RETURN(auto part, services_.open_part(partition_, *p));
      catalog_of[part.get()] = p;
      opened.push_back(std::move(part));
    }
    auto inputs = PickMergeInputs(opened, options_.merge_min_parts, options_.merge_max_parts);
    if (inputs.empty()) continue;
    std::sort(inputs.begin(), inputs.end(),
              [](const auto& a, const auto& b) { return a->seq() < b->seq(); });

    const std::string path = JoinPath(work_dir_, "merge-p" + std::to_string(partition_) + ".part");
    const part::PartWriterOptions writer =
        part::MergeWriterOptions(options_.part, options_.merge_zstd_level);
    LODE_RETURN_IF_ERROR(MergeParts(services_.env, inputs, path, writer, &stop_));
    auto reader = part::PartReader::Open(services_.env, path);
    if (!reader.ok()) {
      (void)services_.env->RemoveFile(path);
      return reader.status();
    }
    CatalogPart merged;
    merged.tenant = group.first;
    merged.min_time = (*reader)->meta().min_time;
    merged.max_time = (*reader)->meta().max_time;
    merged.records = (*reader)->meta().records;
    merged.size = (*reader)->file_size();
    merged.first_seq = UINT64_MAX;
    std::set<std::string> replaced;
    for (const auto& in : inputs) {
      const CatalogPart* c = catalog_of[in.get()];
      merged.first_seq = std::min(merged.first_seq, c->first_seq);
      merged.last_seq = std::max(merged.last_seq, c->last_seq);
      replaced.insert(c->key);
    }
    reader->reset();
    merged.key = "parts/" + group.first + "/" + DayDirName(group.second) + "/p" +
                 std::to_string(partition_) + "-" + std::to_string(merged.first_seq) + "-" +
                 std::to_string(merged.last_seq) + "-m" + std::to_string(v.state.next_part_id) +
                 "-" + options_.node_id + ".part";
    Status up = services_.bucket->PutFile(merged.key, path);
    (void)services_.env->RemoveFile(path);
    LODE_RETURN_IF_ERROR(up.WithContext("uploading a merged part"));

    // Replace the inputs in one write; their objects are deleted after
    // the grace period.
    PartitionState& s = v.state;
    const int64_t now_ms = services_.env->clock()->NowNanos() / 1'000'000;
    std::vector<CatalogPart> parts;
    for (CatalogPart& p : s.parts) {
      if (replaced.count(p.key)) {
        s.doomed.push_back({p.key, now_ms});
      } else {
        parts.push_back(std::move(p));
      }
    }
    merged.id = s.next_part_id++;
    parts.push_back(merged);
    s.parts = std::move(parts);
    auto stored = services_.catalog->Store(partition_, s, v.revision);
    if (!stored.ok()) {
      (void)services_.bucket->Delete(merged.key);
      return stored.status();
    }
    merges_.fetch_add(1);
    return Status::Ok();  // one merge per round
  }
  return Status::Ok();
}

}  // namespace lode
