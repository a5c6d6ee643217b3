// TenantLog's life: open, close, what it holds, and the upkeep of its
// parts (retention, merges). The rest is split by job, as Prometheus
// splits its head: appends and WAL writes (tenant_log_append.cc), head
// flushes and recovery (tenant_log_flush.cc), reads (tenant_log_read.cc).
#include "storage/tenant_log.h"

#include <limits>
#include <map>

#include "base/log.h"
#include "base/time.h"
#include "storage/checkpoint.h"

namespace lode {

TenantLog::TenantLog(Env* env, std::string tenant, std::string dir, const TenantLogOptions& options)
    : env_(env),
      tenant_(std::move(tenant)),
      dir_(std::move(dir)),
      options_(options),
      head_(std::make_unique<Head>()),
      recent_batches_(options.batch_ids),
      recent_records_(options.record_ids) {}

std::string TenantLog::WalDir() const { return JoinPath(dir_, "wal"); }
std::string TenantLog::CheckpointPath() const { return JoinPath(dir_, "checkpoint"); }

Result<std::unique_ptr<TenantLog>> TenantLog::Open(Env* env, std::string tenant, std::string dir,
                                                   const TenantLogOptions& options) {
  std::unique_ptr<TenantLog> log(new TenantLog(env, std::move(tenant), std::move(dir), options));
  if (!options.read_only) LODE_RETURN_IF_ERROR(env->CreateDirs(log->WalDir()));
  LODE_ASSIGN_OR_RETURN(Checkpoint checkpoint, ReadCheckpoint(env, log->CheckpointPath()));
  {
    // Not shared yet: the locks are uncontended, and holding them lets the
    // compiler check the accesses below (in the lock order).
    MutexLock flush_lock(log->flush_mu_);
    log->checkpoint_ = checkpoint.wal_checkpoint;
    LODE_ASSIGN_OR_RETURN(log->parts_,
                          PartSet::Open(env, log->tenant_, JoinPath(log->dir_, "parts"),
                                        log->checkpoint_, options.read_only));
    log->persisted_chains_ = checkpoint.audit_chains;
    {
      MutexLock lock(log->mu_);
      for (const auto& [id, when] : checkpoint.batch_ids) log->recent_batches_.Add(id, 0, when);
      for (const auto& [key, when] : checkpoint.record_ids) log->recent_records_.Add(key, 0, when);
      log->part_records_ = log->parts_->record_count();
      for (AuditChain& c : checkpoint.audit_chains) {
        std::string key = c.stream.ToString();
        log->chains_.emplace(std::move(key), std::move(c));
      }
      log->has_chains_ = !log->chains_.empty();
    }
    uint64_t next_segment = log->checkpoint_ + 1;
    LODE_RETURN_IF_ERROR(log->Recover(next_segment));
    if (options.read_only) return log;
    MutexLock write_lock(log->write_mu_);
    LODE_ASSIGN_OR_RETURN(log->wal_, wal::WalWriter::Open(env, log->WalDir(), next_segment,
                                                          options.segment_size_limit));
  }
  return log;
}

Status TenantLog::Close(int last_flush_zstd_level, bool flush_head) {
  if (options_.read_only) return Status::Ok();
  Status s = Flush();
  // The last flush is not racing appends: its parts are written as a
  // merge writes them, since a small tenant's may never be merged.
  close_zstd_level_ = last_flush_zstd_level > 0 ? last_flush_zstd_level : options_.merge_zstd_level;
  closing_ = true;
  if (s.ok() && options_.flush_head_on_close && flush_head) s = MaybeFlushHead(/*force=*/true);
  MutexLock write_lock(write_mu_);
  Status c = wal_->Close();
  wal_file_open_ = false;
  // Empty segments hold nothing to replay (the next open starts a fresh
  // one): a clean stop leaves none behind.
  if (c.ok()) {
    auto names = env_->ListDir(WalDir());
    if (names.ok()) {
      for (const std::string& name : *names) {
        uint64_t index;
        const std::string path = JoinPath(WalDir(), name);
        auto size = env_->FileSize(path);
        if (wal::ParseSegmentFileName(name, index) && size.ok() && *size == 0) {
          (void)env_->RemoveFile(path);
        }
      }
    }
    (void)env_->RemoveDir(WalDir());  // only if now empty; Open makes it again
  }
  return s.ok() ? c : s;
}

PartSet::Removed TenantLog::ApplyRetention(int64_t max_age_ns, uint64_t max_bytes) {
  TimestampNs min_time = max_age_ns > 0 ? env_->clock()->NowNanos() - max_age_ns
                                        : std::numeric_limits<TimestampNs>::min();
  if (options_.read_only) return {};
  // Mostly there is nothing to delete: found out without waiting for a
  // head flush.
  if (parts_->Expired(min_time, max_bytes).empty()) return {};
  // flush_mu_: a cut made in an audit chain is written to the checkpoint
  // file, which head flushes write too.
  MutexLock flush_lock(flush_mu_);
  std::vector<std::shared_ptr<const LocalPart>> doomed = parts_->Expired(min_time, max_bytes);
  if (doomed.empty()) return {};
  // The chains must say which of their records go, and why, before they
  // go: the cuts are in the checkpoint before the parts leave the set,
  // and in the chains' heads at the instant they do.
  std::map<std::string, std::vector<RetentionCut>> cuts;
  if (has_chains_) {
    if (Status s = RecordRetentionCuts(doomed, cuts); !s.ok()) {
      // Parts without chained records still go (on a full disk they
      // are what frees it); the others wait for the next round.
      log::Error("retention cannot record the audit chain cuts; their parts are kept",
                 {{"tenant", tenant_}, {"err", s.ToString()}});
      std::erase_if(doomed, [&](const auto& p) { return HoldsChainedStream(*p); });
      cuts.clear();
    }
  }
  std::vector<std::shared_ptr<const LocalPart>> taken;
  {
    // Under mu_, like a flush publishing, so a reader's snapshot is consistent.
    MutexLock lock(mu_);
    taken = parts_->Unpublish(doomed);
    for (auto& [key, list] : cuts) {
      auto it = chains_.find(key);
      if (it == chains_.end()) continue;
      for (const RetentionCut& cut : list) AddRetentionCut(it->second.cuts, cut);
    }
  }
  PartSet::Removed removed = parts_->RemoveParts(taken);
  MutexLock lock(mu_);
  part_records_ -= removed.records;
  return removed;
}

Result<bool> TenantLog::MaybeMergeParts(const std::atomic<bool>* cancel) {
  if (options_.read_only) return false;
  const part::PartWriterOptions options =
      part::MergeWriterOptions(options_.part, options_.merge_zstd_level);
  auto merged =
      parts_->MaybeMerge(options_.merge_min_parts, options_.merge_max_parts, options, cancel);
  if (merged.ok() && !*merged && options_.cold_after.count() > 0) {
    const TimestampNs now = env_->clock()->NowNanos();
    merged = parts_->MaybeCompactCold(
        now - options_.cold_after.count(),
        now - std::min(options_.small_day_cold_after, options_.cold_after).count(),
        options_.small_day_raw_bytes, options_.merge_max_parts,
        part::ColdWriterOptions(options_.part, options_.cold_zstd_level), cancel);
  }
  if (!merged.ok() && merged.status().code() != StatusCode::kCancelled) {
    log::Error("merge failed", {{"tenant", tenant_}, {"err", merged.status().ToString()}});
  }
  return merged;
}

uint64_t TenantLog::head_bytes() const {
  MutexLock lock(mu_);
  return head_->bytes() + (flushing_ ? flushing_->bytes() : 0);
}

uint64_t TenantLog::record_count() const {
  MutexLock lock(mu_);
  uint64_t n = head_->records() + part_records_;
  if (flushing_) n += flushing_->records();
  return n;
}

StorageStats TenantLog::Stats() const {
  StorageStats stats;
  {
    MutexLock lock(mu_);
    stats.head_records = head_->records() + (flushing_ ? flushing_->records() : 0);
    stats.head_bytes = head_->bytes() + (flushing_ ? flushing_->bytes() : 0);
    stats.records = stats.head_records + part_records_;
    stats.duplicate_records = duplicate_records_;
  }
  stats.parts = parts_->part_count();
  stats.part_bytes = parts_->disk_bytes();
  stats.corrupt_blocks = parts_->corrupt_blocks();
  stats.merges = parts_->merges();
  stats.flush_bytes = parts_->flush_bytes_written();
  stats.merge_bytes = parts_->merge_bytes_written();
  return stats;
}

}  // namespace lode
