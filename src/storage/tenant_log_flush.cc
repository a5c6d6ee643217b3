// TenantLog's head flushes and recovery, the two halves of the
// checkpoint protocol described in tenant_log.h: a flush writes parts,
// then the checkpoint, then deletes the segments it covered; recovery
// replays the segments after the checkpoint (PartSet::Open has removed
// the parts of a flush that never reached it).
#include <algorithm>

#include "base/coding.h"
#include "base/log.h"
#include "base/time.h"
#include "storage/checkpoint.h"
#include "storage/record_keys.h"
#include "storage/tenant_log.h"
#include "storage/wal/batch_codec.h"
#include "storage/wal/wal_reader.h"

namespace lode {
namespace {

// Splits a kBatchWithId payload into its id and batch payload.
bool SplitBatchWithId(std::string_view payload, std::string_view& id, std::string_view& batch) {
  Decoder d(payload);
  id = d.LengthPrefixed();
  if (!d.ok()) return false;
  batch = payload.substr(d.position());
  return true;
}

}  // namespace

Status TenantLog::Recover(uint64_t& next_segment) {
  // A clean stop leaves no WAL directory.
  if (options_.read_only && !env_->FileExists(WalDir())) return Status::Ok();
  LODE_ASSIGN_OR_RETURN(std::vector<std::string> names, env_->ListDir(WalDir()));
  std::vector<uint64_t> segments;
  for (const std::string& name : names) {
    uint64_t index;
    if (wal::ParseSegmentFileName(name, index)) segments.push_back(index);
  }
  std::sort(segments.begin(), segments.end());
  MutexLock lock(mu_);
  for (uint64_t index : segments) {
    std::string path = JoinPath(WalDir(), wal::SegmentFileName(index));
    next_segment = std::max(next_segment, index + 1);
    if (index <= checkpoint_) {
      // Already in parts: the flush that wrote them crashed before
      // deleting its segments.
      if (!options_.read_only) LODE_RETURN_IF_ERROR(env_->RemoveFile(path));
      continue;
    }
    LODE_ASSIGN_OR_RETURN(std::string data, env_->ReadFile(path));
    auto scan =
        wal::ScanSegment(data, [&](wal::FrameType type, std::string_view payload) -> Status {
          mu_.AssertHeld();  // called back on this thread, under the lock
          if (type == wal::FrameType::kBatchWithId) {
            std::string_view id;
            if (!SplitBatchWithId(payload, id, payload)) {
              return Status::Corruption("malformed batch id");
            }
            // Replayed batches are durable; their original time is unknown, so
            // the window restarts now.
            recent_batches_.Add(std::string(id), 0, env_->clock()->NowNanos());
          }
          auto batches = wal::DecodeBatches(payload);
          if (!batches.ok()) return batches.status();
          RememberRecordIds(*batches);
          ReplayChainLinks(*batches);
          head_->Insert(*batches, env_->clock()->Monotonic());
          return Status::Ok();
        });
    if (!scan.ok()) {
      // A frame whose checksum holds but whose payload does not decode was
      // written by a broken writer; refuse to guess.
      return scan.status().WithContext("replay " + path);
    }
    for (const wal::DamagedRange& d : scan->damaged) {
      // Not a crash's torn write (whose hole reads as zeros, a tail): a
      // frame damaged in place, whose records are lost. The frames after
      // it are replayed; an audit chain then shows the gap to lode verify.
      // The segment stays as it is until a flush covers it, and each
      // recovery until then skips the frame again (and says so); its bytes
      // are kept beside it, as a torn tail's are.
      std::string aside = path + ".corrupt-" + std::to_string(d.offset);
      Status saved =
          options_.read_only
              ? Status::Ok()
              : env_->WriteFileAtomic(aside, std::string_view(data).substr(d.offset, d.bytes));
      log::Error("wal segment damaged: a frame that fails its checks was skipped",
                 {{"tenant", tenant_},
                  {"file", path},
                  {"offset", std::to_string(d.offset)},
                  {"skipped_bytes", std::to_string(d.bytes)},
                  {"reason", d.reason},
                  {"saved_to", options_.read_only ? "(read-only)"
                               : saved.ok()       ? aside
                                                  : "(failed: " + saved.message() + ")"}});
    }
    if (!scan->torn()) continue;
    if (options_.read_only) {
      log::Warn("wal segment has a torn or corrupt tail; reading up to it",
                {{"tenant", tenant_},
                 {"file", path},
                 {"offset", std::to_string(scan->valid_bytes)},
                 {"reason", scan->stop_reason}});
      continue;
    }
    uint64_t lost = scan->total_bytes - scan->valid_bytes;
    // Keep the damaged bytes beside the segment for inspection before
    // cutting them off, so recovery never destroys evidence.
    std::string aside = path + ".corrupt-" + std::to_string(scan->valid_bytes);
    Status saved = env_->WriteFileAtomic(aside, std::string_view(data).substr(scan->valid_bytes));
    log::Warn("wal segment has a torn or corrupt tail; truncating",
              {{"tenant", tenant_},
               {"file", path},
               {"offset", std::to_string(scan->valid_bytes)},
               {"dropped_bytes", std::to_string(lost)},
               {"reason", scan->stop_reason},
               {"saved_to", saved.ok() ? aside : "(failed: " + saved.message() + ")"}});
    LODE_RETURN_IF_ERROR(env_->TruncateFile(path, scan->valid_bytes));
  }
  if (head_->records() > 0) {
    log::Info("wal replayed", {{"tenant", tenant_},
                               {"segments", std::to_string(segments.size())},
                               {"records", std::to_string(head_->records())}});
  }
  return Status::Ok();
}

Status TenantLog::WriteCheckpointFile(uint64_t covered, std::vector<AuditChain> chains) {
  Checkpoint checkpoint;
  checkpoint.wal_checkpoint = covered;
  {
    MutexLock lock(mu_);
    recent_batches_.Prune(env_->clock()->NowNanos());
    checkpoint.batch_ids = recent_batches_.Snapshot();
    recent_records_.Prune(env_->clock()->NowNanos());
    checkpoint.record_ids = recent_records_.Snapshot();
  }
  checkpoint.audit_chains = std::move(chains);
  LODE_RETURN_IF_ERROR(WriteCheckpoint(env_, CheckpointPath(), checkpoint));
  persisted_chains_ = std::move(checkpoint.audit_chains);
  return Status::Ok();
}

void TenantLog::RememberRecordIds(const std::vector<StreamBatch>& batches) {
  for (RecordKey& k : RecordKeys(batches, options_.record_id_keys)) {
    if (!k.key.empty()) recent_records_.Add(k.key, 0, env_->clock()->NowNanos());
  }
}

Status TenantLog::MaybeFlushHead(bool force) {
  if (options_.read_only) return Status::Ok();
  MutexLock flush_lock(flush_mu_);
  Status s = FlushHead(force);
  int64_t now = env_->clock()->Monotonic().time_since_epoch().count();
  flush_no_space_.store(s.code() == StatusCode::kNoSpace);
  if (s.ok()) {
    flush_failures_.store(0);
    flush_retry_at_.store(0);
  } else {
    int failures = flush_failures_.fetch_add(1) + 1;
    int64_t delay_ms = std::min<int64_t>(int64_t{100} << std::min(failures, 9), 30000);
    flush_retry_at_.store(now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::milliseconds(delay_ms))
                                    .count());
  }
  return s;
}

bool TenantLog::flush_backing_off() const {
  return env_->clock()->Monotonic().time_since_epoch().count() < flush_retry_at_.load();
}

Status TenantLog::FlushHead(bool force) {
  {
    MutexLock lock(mu_);
    if (head_->empty()) return Status::Ok();
    bool due = head_->bytes() >= options_.max_head_bytes ||
               env_->clock()->Monotonic() - head_->first_insert() >= options_.max_head_age;
    if (!force && !due) return Status::Ok();
  }
  // (1) Swap the head and take its frames at one instant, then make those
  // frames durable in segments <= S.
  uint64_t covered = 0;
  if (Status written = WritePending(/*sync=*/true, &covered); !written.ok()) {
    // The frames wait in pending_ again (a full disk); the records go
    // back in front of what arrived since, as after a failed part write.
    MutexLock lock(mu_);
    if (flushing_) {
      auto merged = std::make_unique<Head>();
      merged->MergeFrom(*flushing_);
      merged->MergeFrom(*head_);
      head_ = std::move(merged);
      flushing_.reset();
    }
    return written;
  }
  // (2) Parts, one per day.
  std::shared_ptr<const Head> flushing;
  {
    MutexLock lock(mu_);
    flushing = flushing_;
  }
  auto parts = parts_->Write(
      flushing->ByDay(), covered,
      closing_ ? part::MergeWriterOptions(options_.part, close_zstd_level_) : options_.part);
  Status published = parts.status();
  // (3) Checkpoint, then publish.
  if (published.ok()) {
    std::vector<AuditChain> chains;
    {
      MutexLock lock(mu_);
      chains = chains_at_roll_;
    }
    published = WriteCheckpointFile(covered, std::move(chains));
    if (!published.ok()) parts_->Discard(*parts);
  }
  if (!published.ok()) {
    // The records stay readable in memory and in the WAL; put them back in
    // front of what arrived since, and let the next flush try again.
    log::Error("head flush failed; will retry",
               {{"tenant", tenant_}, {"err", published.ToString()}});
    MutexLock lock(mu_);
    auto merged = std::make_unique<Head>();
    merged->MergeFrom(*flushing);
    merged->MergeFrom(*head_);
    head_ = std::move(merged);
    flushing_.reset();
    return published;
  }
  checkpoint_ = covered;
  {
    // Readers take the part list and the heads under mu_, so they see the
    // flushed records either in the flushing head or in the parts.
    MutexLock lock(mu_);
    part_records_ += flushing->records();
    parts_->Publish(std::move(parts).value());
    flushing_.reset();
  }
  // (4) The covered segments are no longer needed.
  auto names = env_->ListDir(WalDir());
  if (names.ok()) {
    for (const std::string& name : *names) {
      uint64_t index;
      if (wal::ParseSegmentFileName(name, index) && index <= covered) {
        (void)env_->RemoveFile(JoinPath(WalDir(), name));
      }
    }
  }
  log::Debug("head flushed", {{"tenant", tenant_},
                              {"records", std::to_string(flushing->records())},
                              {"wal_checkpoint", std::to_string(covered)}});
  return Status::Ok();
}

}  // namespace lode
